/* The guest-driven channel's settings: the [g2h] keyfile group and the --g2h* options. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "config-defaults.h"
#include "error.h"
#include "log.h"

#define QGA_G2H_HEARTBEAT_DEFAULT_S 30
#define QGA_G2H_HEARTBEAT_MAX_S 86400
#define QGA_G2H_QUEUE_DEFAULT 64             /* events kept while the host is away */
#define QGA_G2H_QUEUE_MAX 4096               /* ... at most */

/*
 * On by default: the agent opens its port when it exists and waits, without waking up, for it
 * to appear when it does not, so a guest without the second channel runs as a plain QGA agent.
 * Zero-initialized means "all defaults"; unset fields are filled by qga_config_g2h_finish; -D writes a [g2h] group only with the
 * values that differ from the defaults (so qemu-ga's [general] dump stays byte-identical).
 */
typedef struct QgaG2hConfig {
    bool disabled;              /* [g2h] enabled=false, --g2h=off */
    char *method;               /* virtio-serial (default), unix-connect (POSIX), isa-serial (Windows) */
    char *path;                 /* the port (default: the platform's g2h_path) or socket */
    int64_t heartbeat_s;        /* HEARTBEAT period; 0 = none (default 30 unless heartbeat_set) */
    bool heartbeat_set;
    int64_t queue;              /* events kept while the host is away; 0 = unset (default 64) */
    int64_t fs_free_threshold;  /* percent: FILESYSTEM_SPACE below it; 0 = off (default) */
    bool time_sync_on_resume;   /* set the clock from host-get-time after a resume */
    char *forward_log;          /* off, error (default) or warning: agent log lines sent as host-log */
} QgaG2hConfig;

/* One key of the [g2h] group (raw_value still escaped); unknown keys are an error there, since
 * the group is ours (qemu-ga ignores it). */
int qga_config_g2h_key(QgaG2hConfig *g, const char *key, const char *raw_value, unsigned line, QgaError **error);
/* A --g2h* option: name is the long option's name ("g2h", "g2h-method", "g2h-heartbeat"). */
int qga_config_g2h_option(QgaG2hConfig *g, const char *name, const char *arg, QgaError **error);
/* Defaults and the method check. */
int qga_config_g2h_finish(QgaG2hConfig *g, const QgaConfigDefaults *defaults, QgaError **error);
void qga_config_g2h_dump(QgaBuf *out, const QgaG2hConfig *g, const QgaConfigDefaults *defaults);
/* forward-log as a level: false for "off", else the least severe level forwarded. */
bool qga_config_g2h_forward_level(const QgaG2hConfig *g, QgaLogLevel *ret_level);
void qga_config_g2h_clear(QgaG2hConfig *g);
/* The lines -h prints about the options. */
const char *qga_config_g2h_usage(void);

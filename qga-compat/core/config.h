/* Agent configuration: qemu-ga's command line and [general] keyfile, with its two-pass precedence. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config-defaults.h"
#include "config-g2h.h"
#include "error.h"

typedef struct QgaStrList {
    char **items;
    size_t n;
} QgaStrList;

typedef struct QgaConfig {
    char *config_path;      /* -c / QGA_CONF / platform default; NULL when none was read */
    bool daemon;            /* -d: POSIX daemonize; Windows: run under the service control manager */
    char *method;           /* -m: unix-listen, virtio-serial, isa-serial (vsock-listen: not supported) */
    char *path;             /* -p: NULL = the platform's default for the method */
    char *logfile;          /* -l: NULL = stderr */
    char *pidfile;          /* -f */
    char *fsfreeze_hook;    /* -F[PATH] (POSIX) */
    char *statedir;         /* -t */
    bool verbose;           /* -v */
    bool retry_path;        /* -r */
    QgaStrList block_rpcs;  /* -b, block-rpcs= (',' and ';' separators) */
    QgaStrList allow_rpcs;  /* -a, allow-rpcs= */
    char *service_action;   /* -s install|uninstall (Windows) */
    QgaG2hConfig g2h;       /* [g2h], --g2h*: the guest-driven channel (config-g2h.h) */
    const QgaConfigDefaults *defaults; /* the OS's, as qga_config_load was given them */
} QgaConfig;

/* What main should do after loading the configuration. */
typedef enum QgaConfigAction {
    QGA_CONFIG_RUN,          /* run the agent */
    QGA_CONFIG_EXIT_OK,      /* -h, -V, -D: already printed, exit 0 */
    QGA_CONFIG_SERVICE,      /* -s ACTION: hand to the platform's service installer; the fields hold
                              * only what the config file and the options before -s set (NULL = default) */
    QGA_CONFIG_LIST_COMMANDS,/* "-b help" / "-a help" (or "?"): main prints the command names, exit 0
                              * (the command table is not core's business) */
} QgaConfigAction;

/*
 * The config file (-c, else QGA_CONF, else the platform default path; a
 * missing file is fine unless named by -c, a broken one is always an error, as
 * in qemu-ga), then the command line over it (last wins; lists accumulate),
 * then the OS's defaults (passed in) for what is still unset (path by method). -h,
 * -V and "-b help" act where they stand on the command line, before the file
 * is read. Output for -h/-V/-D goes to out. On error returns -1 with a
 * one-line message in *error (main prefixes "qga-compat: ").
 */
int qga_config_load(QgaConfig *cfg, const QgaConfigDefaults *defaults, int argc, char **argv,
                    FILE *out, QgaConfigAction *ret_action, QgaError **error);
/* The effective configuration as a [general] keyfile, like qemu-ga -D. */
char *qga_config_dump(const QgaConfig *cfg);
void qga_config_clear(QgaConfig *cfg);

/* Split "a,b;c" into list items (both separators: qemu-ga silently ignores ';'). */
void qga_strlist_add_split(QgaStrList *list, const char *value);
void qga_strlist_clear(QgaStrList *list);

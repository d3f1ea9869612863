/* Agent configuration: qemu-ga's command line and [general] keyfile, with its two-pass precedence. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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
} QgaConfig;

/* What main should do after loading the configuration. */
typedef enum QgaConfigAction {
    QGA_CONFIG_RUN,          /* run the agent */
    QGA_CONFIG_EXIT_OK,      /* -h, -V, -D, "-b help": already printed, exit 0 */
    QGA_CONFIG_SERVICE,      /* -s ACTION: hand to the platform's service installer */
} QgaConfigAction;

/*
 * Defaults first (from the platform), then the config file (-c, else QGA_CONF,
 * else the platform default path; a missing default file is fine, a missing
 * or broken explicit one is an error), then the command line over it (last
 * wins; lists accumulate). Output for -h/-V/-D goes to out. On error returns
 * -1 with a one-line message in *error.
 */
int qga_config_load(QgaConfig *cfg, int argc, char **argv, FILE *out, QgaConfigAction *ret_action,
                    QgaError **error);
/* The effective configuration as a [general] keyfile, like qemu-ga -D. */
char *qga_config_dump(const QgaConfig *cfg);
void qga_config_clear(QgaConfig *cfg);

/* Split "a,b;c" into list items (both separators: qemu-ga silently ignores ';'). */
void qga_strlist_add_split(QgaStrList *list, const char *value);
void qga_strlist_clear(QgaStrList *list);

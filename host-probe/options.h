/* qga-probe's global options (where the agent is, timeout, output form), for every subcommand. */
#pragma once
#include <glib.h>

typedef struct ProbeOptions {
    char *uri;         /* --connect: libvirt URI (NULL = libvirt's default) */
    char *domain;      /* --domain (the last one given) */
    char **domains;    /* every --domain given, in order (listen serves several) */
    char *socket_path; /* --socket */
    char *channel;     /* --channel: with --domain, use this named channel's socket */
    char *timeout_arg; /* --timeout as given */
    int timeout;       /* libvirt's convention: >0 seconds, -2 block, -1 default (5 s), 0 nowait */
    gboolean json;     /* --json */
    gboolean verbose;  /* --verbose: log protocol traffic to stderr */
} ProbeOptions;

#define PROBE_TIMEOUT_BLOCK (-2)
#define PROBE_TIMEOUT_DEFAULT (-1)
#define PROBE_TIMEOUT_NOWAIT 0
#define PROBE_DEFAULT_TIMEOUT_SECONDS 5 /* libvirt's QEMU_AGENT_WAIT_TIME */

void probe_options_clear(ProbeOptions *opts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ProbeOptions, probe_options_clear)
/* Parse argv with the subcommand's entries plus the global group; leaves the rest in argv. */
gboolean probe_options_parse(ProbeOptions *opts, const char *command, const char *parameter_string,
                             const char *summary, const GOptionEntry *entries,
                             gboolean stop_at_first, int *argc, char ***argv, GError **error);
/* "5", "block", "default", "nowait" (or -2/-1/0) -> libvirt's timeout convention. */
gboolean probe_timeout_parse(const char *text, int *ret_timeout, GError **error);

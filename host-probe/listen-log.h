/* `qga-probe listen`'s output: records on stdout, diagnostics on stderr, both to --log. */
#pragma once
#include <glib.h>

/* Prints one JSON line on stdout (records and connection changes). */
void listen_output(const char *line);
/* One diagnostic line on stderr: "qga-probe listen: ...". */
void listen_log(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* --log FILE: both kinds of line also go there, as "<UTC ISO 8601> record|note <line>".
 * _reopen (SIGHUP) starts a new file after logrotate moved the old one. */
int listen_log_open(const char *path, GError **error);
void listen_log_reopen(void);
void listen_log_close(void);

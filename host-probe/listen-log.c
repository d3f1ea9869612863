/* The listener's log sink: records to stdout, diagnostics to stderr, both to the --log file. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "listen-log.h"

/* --log FILE: every output and diagnostic line, timestamped, appended (NULL: none). */
static FILE *log_file;
static char *log_path;

int listen_log_open(const char *path, GError **error)
{
    FILE *f = fopen(path, "ae");
    if (!f) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot open %s: %s", path,
                    g_strerror(e));
        return -1;
    }
    if (log_file)
        fclose(log_file);
    log_file = f;
    if (log_path != path) {
        g_free(log_path);
        log_path = g_strdup(path);
    }
    return 0;
}

void listen_log_reopen(void)
{
    g_autoptr(GError) error = NULL;
    if (log_path && listen_log_open(log_path, &error) < 0)
        listen_log("--log: %s (still writing to the old file)", error->message);
}

void listen_log_close(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
    g_clear_pointer(&log_path, g_free);
}

static void log_line(const char *kind, const char *line)
{
    if (!log_file)
        return;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format_iso8601(now);
    fprintf(log_file, "%s %s %s\n", stamp, kind, line);
    fflush(log_file);
}

void listen_output(const char *line)
{
    fputs(line, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    log_line("record", line);
}

void listen_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "qga-probe listen: %s\n", msg);
    fflush(stderr);
    log_line("note", msg);
}

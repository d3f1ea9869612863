/* The agent's log: qemu-ga's line format on stderr or an appended file, level filter, freeze suspension. */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "mem.h"

static struct {
    FILE *file;          /* NULL = stderr */
    char *path;          /* for qga_log_reopen */
    bool verbose;
    bool suspended;
    QgaLogSink sink;
    int64_t (*now_ns)(void);
    QgaLogForward forward;
    void *forward_opaque;
    QgaLogLevel forward_max;
} log_state;

const char *qga_log_level_name(QgaLogLevel level)
{
    /* qemu-ga's names (its ga_log_level_str); GLib's "message" level has no use here. */
    switch (level) {
    case QGA_LOG_CRITICAL:
        return "critical";
    case QGA_LOG_ERROR:
        return "error";
    case QGA_LOG_WARNING:
        return "warning";
    case QGA_LOG_INFO:
        return "info";
    case QGA_LOG_DEBUG:
    default:
        return "debug";
    }
}

static FILE *open_append(const char *path, QgaError **error)
{
    FILE *f = fopen(path, "a");
    if (!f) {
        qga_error_generic(error, "unable to open log file '%s': %s", path, strerror(errno));
        return NULL;
    }
    return f;
}

int qga_log_open(const char *path, bool verbose, QgaError **error)
{
    FILE *f = NULL;
    if (path) {
        f = open_append(path, error);
        if (!f)
            return -1;
    }
    qga_log_close();
    log_state.file = f;
    log_state.path = qga_strdup(path);
    log_state.verbose = verbose;
    return 0;
}

void qga_log_close(void)
{
    if (log_state.file)
        fclose(log_state.file);
    log_state.file = NULL;
    log_state.path = qga_free_null(log_state.path);
    log_state.verbose = false;
}

int qga_log_reopen(QgaError **error)
{
    if (!log_state.path)
        return 0;
    FILE *f = open_append(log_state.path, error);
    if (!f)
        return -1;
    fclose(log_state.file);
    log_state.file = f;
    return 0;
}

void qga_log_set_suspended(bool suspended)
{
    log_state.suspended = suspended;
}

void qga_log_set_sink(QgaLogSink sink)
{
    log_state.sink = sink;
}

void qga_log_set_forward(QgaLogLevel max_level, QgaLogForward fn, void *opaque)
{
    log_state.forward = fn;
    log_state.forward_opaque = opaque;
    log_state.forward_max = max_level;
}

void qga_log_set_clock(int64_t (*now_ns)(void))
{
    log_state.now_ns = now_ns;
}

void qga_logv(QgaLogLevel level, const char *fmt, va_list ap)
{
    /* While frozen, a write could block on a frozen filesystem: qemu-ga drops every line. */
    if (log_state.suspended)
        return;
    bool write = log_state.verbose || level == QGA_LOG_CRITICAL || level == QGA_LOG_ERROR;
    bool forward = log_state.forward && level <= log_state.forward_max;
    if (!write && !forward)
        return;

    QgaBuf msg = QGA_BUF_INIT;
    qga_buf_vprintf(&msg, fmt, ap);
    const char *text = msg.data ? msg.data : "";
    if (forward)
        log_state.forward(log_state.forward_opaque, level, text);
    if (!write) {
        qga_buf_free(&msg);
        return;
    }

    int64_t ns = log_state.now_ns ? log_state.now_ns() : (int64_t)time(NULL) * 1000000000;
    int64_t sec = ns / 1000000000;
    long usec = (long)((ns % 1000000000) / 1000);
    if (usec < 0) {
        sec -= 1;
        usec += 1000000;
    }
    /* qemu-ga: g_date_time_format(now, "%s.%f"), i.e. seconds and six digits of microseconds. */
    FILE *f = log_state.file ? log_state.file : stderr;
    fprintf(f, "%lld.%06ld: %s: %s\n", (long long)sec, usec, qga_log_level_name(level), text);
    fflush(f);

    if (log_state.sink)
        log_state.sink(level, text);
    qga_buf_free(&msg);
}

void qga_log(QgaLogLevel level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qga_logv(level, fmt, ap);
    va_end(ap);
}

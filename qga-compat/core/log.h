/* Logging: stderr or a file, levels, audit lines for privileged commands. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "attributes.h"
#include "error.h"

typedef enum QgaLogLevel {
    QGA_LOG_CRITICAL,
    QGA_LOG_ERROR,
    QGA_LOG_WARNING,
    QGA_LOG_INFO,
    QGA_LOG_DEBUG,
} QgaLogLevel;

/*
 * Open the log: path NULL = stderr. Without verbose, only error and critical
 * lines are written (qemu-ga's default); verbose enables all levels.
 * Line format (qemu-ga's): "<unix-seconds>.<micro>: <level>: <message>".
 */
int qga_log_open(const char *path, bool verbose, QgaError **error);
void qga_log_close(void);
/* Reopen the log file (SIGHUP after logrotate moved it). On failure the old stream stays. */
int qga_log_reopen(QgaError **error);
/* The clock for time stamps (ns since the epoch); the platform's qga_os_now_ns. Until set,
 * C's time() is used: core cannot read a sub-second wall clock portably (no timespec_get on mingw). */
void qga_log_set_clock(int64_t (*now_ns)(void));
/* While frozen nothing may be written to disk: logging is suspended. */
void qga_log_set_suspended(bool suspended);
/* An extra sink (the Windows event log) receiving every line that passes the level filter. */
typedef void (*QgaLogSink)(QgaLogLevel level, const char *message);
void qga_log_set_sink(QgaLogSink sink);

/*
 * A second consumer, independent of the verbose filter: lines at max_level or more severe go to
 * fn as well (the guest-driven channel forwards warnings and errors to the host, g2h/link.c).
 * fn NULL removes it. fn runs in whatever thread logged; it must check for itself.
 */
typedef void (*QgaLogForward)(void *opaque, QgaLogLevel level, const char *message);
void qga_log_set_forward(QgaLogLevel max_level, QgaLogForward fn, void *opaque);
const char *qga_log_level_name(QgaLogLevel level);

void qga_log(QgaLogLevel level, const char *fmt, ...) QGA_PRINTF(2, 3);
void qga_logv(QgaLogLevel level, const char *fmt, va_list ap) QGA_PRINTF(2, 0);
#define qga_log_error(...) qga_log(QGA_LOG_ERROR, __VA_ARGS__)
#define qga_log_warning(...) qga_log(QGA_LOG_WARNING, __VA_ARGS__)
#define qga_log_info(...) qga_log(QGA_LOG_INFO, __VA_ARGS__)
#define qga_log_debug(...) qga_log(QGA_LOG_DEBUG, __VA_ARGS__)

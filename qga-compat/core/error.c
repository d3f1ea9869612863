/* QgaError: construction, prefixing, release. */
#include "error.h"
#include "buf.h"
#include "mem.h"

#include <stdio.h>
#include <string.h>

void qga_error_setv(QgaError **error, QgaErrorClass cls, const char *fmt, va_list ap)
{
    if (!error)
        return;
    if (*error) {
        fprintf(stderr, "qga-compat: error set twice (first: %s)\n", (*error)->desc);
        abort();
    }
    QgaBuf desc = QGA_BUF_INIT;
    qga_buf_vprintf(&desc, fmt, ap);
    QgaError *e = qga_malloc(sizeof(*e));
    e->error_class = cls;
    e->desc = qga_buf_steal(&desc, NULL);
    *error = e;
}

void qga_error_set(QgaError **error, QgaErrorClass cls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qga_error_setv(error, cls, fmt, ap);
    va_end(ap);
}

void qga_error_generic(QgaError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qga_error_setv(error, QGA_ERROR_GENERIC, fmt, ap);
    va_end(ap);
}

void qga_error_prefix(QgaError *error, const char *fmt, ...)
{
    if (!error)
        return;
    va_list ap;
    va_start(ap, fmt);
    char prefix[512];
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    char *desc = qga_strdup_printf("%s: %s", prefix, error->desc);
    free(error->desc);
    error->desc = desc;
}

void qga_error_free(QgaError *error)
{
    if (!error)
        return;
    free(error->desc);
    free(error);
}

const char *qga_error_class_name(QgaErrorClass cls)
{
    switch (cls) {
    case QGA_ERROR_COMMAND_NOT_FOUND:
        return "CommandNotFound";
    case QGA_ERROR_GENERIC:
    default:
        return "GenericError";
    }
}

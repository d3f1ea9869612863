/* QgaError: construction, prefixing, release. */
#include "error.h"
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
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    QgaError *e = qga_malloc(sizeof(*e));
    e->error_class = cls;
    e->desc = qga_malloc(n > 0 ? (size_t)n + 1 : 1);
    e->desc[0] = '\0';
    if (n > 0)
        vsnprintf(e->desc, (size_t)n + 1, fmt, ap);
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

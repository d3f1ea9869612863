/* Errors as the QGA wire carries them: a class and a human description. */
#pragma once

#include <stdarg.h>

#include "attributes.h"

/* qemu-ga only ever answers with these two classes (docs/PROTOCOL.md, "Errors"). */
typedef enum QgaErrorClass {
    QGA_ERROR_GENERIC,            /* "GenericError" */
    QGA_ERROR_COMMAND_NOT_FOUND,  /* "CommandNotFound" */
} QgaErrorClass;

typedef struct QgaError {
    QgaErrorClass error_class;
    char *desc;
} QgaError;

/*
 * Set *error (when error is non-NULL). Setting an already-set error is a bug
 * and aborts: the first failure is the one the caller must report.
 */
void qga_error_set(QgaError **error, QgaErrorClass cls, const char *fmt, ...)
    QGA_PRINTF(3, 4);
void qga_error_setv(QgaError **error, QgaErrorClass cls, const char *fmt, va_list ap)
    QGA_PRINTF(3, 0);
/* GenericError shorthand: the common case. */
void qga_error_generic(QgaError **error, const char *fmt, ...) QGA_PRINTF(2, 3);
/* Prepend "<prefix>: " to an existing error's desc. */
void qga_error_prefix(QgaError *error, const char *fmt, ...) QGA_PRINTF(2, 3);
void qga_error_free(QgaError *error);
static inline void qga_error_freep(QgaError **e) { qga_error_free(*e); }
#define _qga_cleanup_error_ __attribute__((cleanup(qga_error_freep)))

const char *qga_error_class_name(QgaErrorClass cls);

/*
 * OS errors: "<message>: <OS text>" as qemu-ga's error_setg_errno/_win32 do.
 * code is an errno value on POSIX and a GetLastError() value on Windows.
 * Implemented by the platform (os/<os>/oserror.c): core never formats OS codes.
 */
void qga_error_set_os(QgaError **error, int code, const char *fmt, ...)
    QGA_PRINTF(3, 4);
/* The calling thread's last OS error code (errno / GetLastError()). */
int qga_os_last_error(void);

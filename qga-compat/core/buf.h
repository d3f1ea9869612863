/* A growable byte buffer: the one way the agent accumulates bytes and text. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attributes.h"

typedef struct QgaBuf {
    char *data;   /* always NUL-terminated when non-NULL (the NUL is not counted in len) */
    size_t len;
    size_t cap;
} QgaBuf;

#define QGA_BUF_INIT { NULL, 0, 0 }

void qga_buf_reserve(QgaBuf *b, size_t extra);
void qga_buf_append(QgaBuf *b, const void *data, size_t len);
void qga_buf_append_str(QgaBuf *b, const char *s);
void qga_buf_append_byte(QgaBuf *b, uint8_t c);
void qga_buf_printf(QgaBuf *b, const char *fmt, ...) QGA_PRINTF(2, 3);
void qga_buf_vprintf(QgaBuf *b, const char *fmt, va_list ap) QGA_PRINTF(2, 0);
/* Drop the first n bytes (consumed output). */
void qga_buf_consume(QgaBuf *b, size_t n);
void qga_buf_clear(QgaBuf *b);               /* len = 0, memory kept */
/* Hand the bytes to the caller (NUL-terminated, never NULL); the buffer is emptied. */
char *qga_buf_steal(QgaBuf *b, size_t *ret_len);
void qga_buf_free(QgaBuf *b);                /* release memory; b is reusable */

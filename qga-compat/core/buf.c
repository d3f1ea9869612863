/* Growable byte buffer. */
#include "buf.h"
#include "mem.h"

#include <stdio.h>
#include <string.h>

void qga_buf_reserve(QgaBuf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    b->data = qga_realloc(b->data, cap);
    b->cap = cap;
    b->data[b->len] = '\0'; /* keep the "always NUL-terminated" promise from the first allocation on */
}

void qga_buf_append(QgaBuf *b, const void *data, size_t len)
{
    qga_buf_reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void qga_buf_append_str(QgaBuf *b, const char *s) { qga_buf_append(b, s, strlen(s)); }

void qga_buf_append_byte(QgaBuf *b, uint8_t c) { qga_buf_append(b, &c, 1); }

void qga_buf_vprintf(QgaBuf *b, const char *fmt, va_list ap)
{
    /* Format straight into the spare capacity; grow and retry only when it did not fit. */
    va_list ap2;
    va_copy(ap2, ap);
    qga_buf_reserve(b, 64);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->data + b->len, room, fmt, ap);
    if (n > 0 && (size_t)n >= room) {
        qga_buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    if (n <= 0) {
        b->data[b->len] = '\0';
        return;
    }
    b->len += (size_t)n;
}

void qga_buf_printf(QgaBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qga_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void qga_buf_consume(QgaBuf *b, size_t n)
{
    if (n >= b->len) {
        qga_buf_clear(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

void qga_buf_clear(QgaBuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *qga_buf_steal(QgaBuf *b, size_t *ret_len)
{
    qga_buf_reserve(b, 0);
    char *r = b->data;
    if (ret_len)
        *ret_len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return r;
}

void qga_buf_free(QgaBuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

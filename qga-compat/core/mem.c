/* Allocation helpers: abort with a message instead of returning NULL. */
#include "mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void *check(void *p, size_t size)
{
    if (!p && size != 0) {
        fprintf(stderr, "qga-compat: out of memory allocating %zu bytes\n", size);
        abort();
    }
    return p;
}

void *qga_malloc(size_t size) { return check(malloc(size ? size : 1), size); }

void *qga_calloc(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size) {
        fprintf(stderr, "qga-compat: allocation size overflow\n");
        abort();
    }
    return check(calloc(count ? count : 1, size ? size : 1), count * size);
}

void *qga_realloc(void *ptr, size_t size) { return check(realloc(ptr, size ? size : 1), size); }

char *qga_strdup(const char *s) { return s ? qga_strndup(s, strlen(s)) : NULL; }

char *qga_strndup(const char *s, size_t n)
{
    char *r = qga_malloc(n + 1);
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

char *qga_strdup_printf(const char *fmt, ...)
{
    /* Measure into a small stack buffer first: most strings fit, and gcc's
     * sanitizer builds warn (falsely) about vsnprintf(NULL, 0, ...). */
    char small[256];
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *r = qga_malloc((size_t)n + 1);
    if ((size_t)n < sizeof(small))
        memcpy(r, small, (size_t)n + 1);
    else
        vsnprintf(r, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return r;
}

/* Allocation helpers that never return NULL, plus cleanup attributes. */
#pragma once

#include <stddef.h>
#include <stdlib.h>

#include "attributes.h"

/*
 * Why abort on allocation failure: every size the agent allocates is bounded by
 * an explicit limit (message size, read count, output cap) checked *before* the
 * allocation, so a failure here means the guest is out of memory as a whole.
 * Unwinding every caller for that case would add hundreds of untestable paths;
 * glib and systemd make the same choice.
 */
void *qga_malloc(size_t size);
void *qga_calloc(size_t count, size_t size);
void *qga_realloc(void *ptr, size_t size);
char *qga_strdup(const char *s);
char *qga_strndup(const char *s, size_t n);
/* printf into a fresh heap string. */
char *qga_strdup_printf(const char *fmt, ...) QGA_PRINTF(1, 2);

/* Returns NULL so callers can write `p = qga_free_null(p)`; free(NULL) is fine. */
static inline void *qga_free_null(void *p) { free(p); return NULL; }

/* Cleanup attributes (gcc, clang and mingw-w64 all support them). */
static inline void qga_freep(void *p) { free(*(void **)p); }
#define _qga_cleanup_(f) __attribute__((cleanup(f)))
#define _qga_cleanup_free_ _qga_cleanup_(qga_freep)

/* Hand ownership out of a cleanup-managed variable. */
#define qga_steal_pointer(pp) ({ __typeof__(*(pp)) _p = *(pp); *(pp) = NULL; _p; })

#define QGA_N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

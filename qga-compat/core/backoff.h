/* Exponential back-off for reopening a port or re-checking a host: one rule for every OS and port. */
#pragma once

#include <stdint.h>

/* A back-off's bounds, in milliseconds; each port keeps its own (docs/ARCHITECTURE.md, "Ports and back-off"). */
typedef struct QgaBackoff {
    int64_t first_ms;
    int64_t cap_ms;
} QgaBackoff;

/* The wait after current_ms (0 = none yet): first, then doubling, never above the cap. */
static inline int64_t qga_backoff_next(const QgaBackoff *b, int64_t current_ms)
{
    if (current_ms <= 0)
        return b->first_ms;
    return current_ms >= b->cap_ms / 2 ? b->cap_ms : current_ms * 2;
}

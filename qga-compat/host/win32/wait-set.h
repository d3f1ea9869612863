/* The runtime's one wait on Windows: sources (ports, watches, controls) that each name their handles and deadline, in one WaitForMultipleObjects; QEMU's GSource shape. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "os/win32/win32.h"

/* One source. Times are on qga_os_monotonic_ms' clock. Only handles and dispatch are required. */
typedef struct QgaWinSourceFuncs {
    void (*prepare)(void *opaque, int64_t now_ms); /* before each wait: start what is due */
    DWORD (*handles)(void *opaque, HANDLE *out);   /* what to wait on, at most max_handles */
    int64_t (*deadline)(void *opaque);             /* when prepare is due again; -1: never */
    bool (*dispatch)(void *opaque, HANDLE h,
                     int64_t now_ms); /* h fired; false ends the run (an error) */
    DWORD max_handles;
} QgaWinSourceFuncs;

typedef struct QgaWinWaitSet QgaWinWaitSet;

QgaWinWaitSet *qga_win_wait_set_new(void);
void qga_win_wait_set_free(QgaWinWaitSet *ws);
/* Sources stay until the set is freed; their handles are waited on in the order they were added
 * (the first signalled one is dispatched). Aborts past MAXIMUM_WAIT_OBJECTS. */
void qga_win_wait_set_add(QgaWinWaitSet *ws, const QgaWinSourceFuncs *funcs, void *opaque);
/* Until qga_win_wait_set_stop (0), a dispatch that returns false or a failed wait (1). */
int qga_win_wait_set_run(QgaWinWaitSet *ws);
/* Thread-safe; the run ends before the next dispatch. It stays stopped. */
void qga_win_wait_set_stop(QgaWinWaitSet *ws);

/* The milliseconds from now to deadline (-1: INFINITE), for WaitForMultipleObjects. */
DWORD qga_win_wait_ms(int64_t deadline, int64_t now);

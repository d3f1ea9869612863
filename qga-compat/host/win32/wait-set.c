/* The wait set: each turn prepares every source, waits on all their handles and the stop event until the earliest deadline, and dispatches the handle that fired. */
#include "wait-set.h"

#include <stdlib.h>

#include "core/log.h"
#include "core/mem.h"
#include "os/os.h"

#define MAX_SOURCES 8

typedef struct Source {
    const QgaWinSourceFuncs *funcs;
    void *opaque;
} Source;

struct QgaWinWaitSet {
    HANDLE stop_event; /* manual-reset: stays set once stopping */
    Source sources[MAX_SOURCES];
    size_t n_sources;
    DWORD max_handles; /* the stop event and every source's */
};

QgaWinWaitSet *qga_win_wait_set_new(void)
{
    QgaWinWaitSet *ws = qga_calloc(1, sizeof(*ws));
    ws->stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    ws->max_handles = 1;
    return ws;
}

void qga_win_wait_set_free(QgaWinWaitSet *ws)
{
    if (!ws)
        return;
    if (ws->stop_event)
        CloseHandle(ws->stop_event);
    free(ws);
}

void qga_win_wait_set_add(QgaWinWaitSet *ws, const QgaWinSourceFuncs *funcs, void *opaque)
{
    if (ws->n_sources == MAX_SOURCES ||
        ws->max_handles + funcs->max_handles > MAXIMUM_WAIT_OBJECTS) {
        qga_log(QGA_LOG_CRITICAL, "too many sources in the wait set");
        abort();
    }
    ws->sources[ws->n_sources++] = (Source){ funcs, opaque };
    ws->max_handles += funcs->max_handles;
}

void qga_win_wait_set_stop(QgaWinWaitSet *ws)
{
    SetEvent(ws->stop_event);
}

DWORD qga_win_wait_ms(int64_t deadline, int64_t now)
{
    if (deadline < 0)
        return INFINITE;
    if (deadline <= now)
        return 0;
    return deadline - now >= INFINITE ? INFINITE - 1 : (DWORD)(deadline - now);
}

/* The earliest deadline of all sources, -1 when none has one. */
static int64_t earliest_deadline(QgaWinWaitSet *ws)
{
    int64_t at = -1;
    for (size_t i = 0; i < ws->n_sources; i++) {
        const Source *s = &ws->sources[i];
        int64_t d = s->funcs->deadline ? s->funcs->deadline(s->opaque) : -1;
        if (d >= 0 && (at < 0 || d < at))
            at = d;
    }
    return at;
}

int qga_win_wait_set_run(QgaWinWaitSet *ws)
{
    HANDLE handles[MAXIMUM_WAIT_OBJECTS];
    size_t owner[MAXIMUM_WAIT_OBJECTS]; /* handles[i] belongs to sources[owner[i]] */
    for (;;) {
        int64_t now = qga_os_monotonic_ms();
        for (size_t i = 0; i < ws->n_sources; i++)
            if (ws->sources[i].funcs->prepare)
                ws->sources[i].funcs->prepare(ws->sources[i].opaque, now);

        DWORD n = 0;
        handles[n++] = ws->stop_event;
        for (size_t i = 0; i < ws->n_sources; i++) {
            DWORD k = ws->sources[i].funcs->handles(ws->sources[i].opaque, handles + n);
            for (DWORD j = 0; j < k; j++)
                owner[n++] = i;
        }
        DWORD timeout = qga_win_wait_ms(earliest_deadline(ws), qga_os_monotonic_ms());
        DWORD w = WaitForMultipleObjects(n, handles, FALSE, timeout);
        if (w == WAIT_TIMEOUT)
            continue;
        if (w >= WAIT_OBJECT_0 + n) {
            qga_log_error("waiting for channel events failed: error %lu",
                          (unsigned long)GetLastError());
            return 1;
        }
        DWORD i = w - WAIT_OBJECT_0;
        if (i == 0)
            return 0;
        const Source *s = &ws->sources[owner[i]];
        if (!s->funcs->dispatch(s->opaque, handles[i], qga_os_monotonic_ms()))
            return 1;
    }
}

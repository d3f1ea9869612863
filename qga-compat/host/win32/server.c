/* The agent's event loop on Windows: the port's I/O, the guest-driven port's (g2h-channel.c), the stop event and device events in one WaitForMultipleObjects. */
#include <string.h>

#include "g2h-port.h"
#include "session-port.h"

#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "host/host.h"
#include "core/session.h"
#include "os/os.h"

#define NOTIFY_QUEUE_LEN 32

typedef struct QgaWinNotify {
    QgaWinNotifyKind kind;
    DWORD event_type;
    DWORD session_id;
} QgaWinNotify;

struct QgaWinLoop {
    QgaAgent *agent;
    QgaWinLoopHooks hooks;
    QgaWinSessionPort *qga;    /* the QGA port */

    HANDLE stop_event;      /* manual-reset: stays set once stopping */
    HANDLE wake_event;      /* device arrival: retry the port now */
    HANDLE release_event;   /* the driver wants the device: close the port */
    HANDLE released_event;  /* ... done (the service handler waits for it) */
    HANDLE exited_event;    /* manual-reset: the loop is gone, nobody will answer a release */
    HANDLE notify_event;    /* session/power notifications queued */
    HANDLE g2h_release_event;   /* as release_event, for the guest-driven port */
    HANDLE g2h_released_event;
    volatile LONG preshutdown;  /* the stop is the OS shutting down: SHUTDOWN_STARTING first */
    bool arrival_notifications;
    QgaG2hPort *g2h;             /* the guest-driven channel; NULL when off */

    CRITICAL_SECTION lock;  /* guards the notification queue */
    QgaWinNotify queue[NOTIFY_QUEUE_LEN];
    size_t queue_len;

};

QgaWinLoop *qga_win_loop_new(QgaAgent *agent, const QgaWinLoopHooks *hooks)
{
    QgaWinLoop *loop = qga_calloc(1, sizeof(*loop));
    loop->agent = agent;
    if (hooks)
        loop->hooks = *hooks;
    loop->stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    loop->wake_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    loop->release_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    loop->released_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    loop->exited_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    loop->notify_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    loop->g2h_release_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    loop->g2h_released_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    InitializeCriticalSection(&loop->lock);
    return loop;
}

void qga_win_loop_free(QgaWinLoop *loop)
{
    if (!loop)
        return;
    qga_g2h_port_free(loop->g2h);
    qga_win_session_port_free(loop->qga);
    HANDLE events[] = { loop->stop_event, loop->wake_event, loop->release_event,
                        loop->released_event, loop->exited_event, loop->notify_event,
                        loop->g2h_release_event, loop->g2h_released_event };
    for (size_t i = 0; i < QGA_N_ELEMENTS(events); i++)
        if (events[i])
            CloseHandle(events[i]);
    DeleteCriticalSection(&loop->lock);
    free(loop);
}

void qga_win_loop_stop(QgaWinLoop *loop)
{
    SetEvent(loop->stop_event);
}

void qga_win_loop_device_arrived(QgaWinLoop *loop)
{
    SetEvent(loop->wake_event);
}

void qga_win_loop_release_port(QgaWinLoop *loop, DWORD timeout_ms)
{
    SetEvent(loop->release_event);
    HANDLE done[] = { loop->released_event, loop->exited_event };
    WaitForMultipleObjects(2, done, FALSE, timeout_ms);
}

void qga_win_loop_release_g2h(QgaWinLoop *loop, DWORD timeout_ms)
{
    SetEvent(loop->g2h_release_event);
    HANDLE done[] = { loop->g2h_released_event, loop->exited_event };
    WaitForMultipleObjects(2, done, FALSE, timeout_ms);
}

void qga_win_loop_preshutdown(QgaWinLoop *loop)
{
    InterlockedExchange(&loop->preshutdown, 1);
    SetEvent(loop->stop_event);
}

void qga_win_loop_set_arrival_notifications(QgaWinLoop *loop, bool on)
{
    loop->arrival_notifications = on;
}

void qga_win_loop_notify(QgaWinLoop *loop, QgaWinNotifyKind kind, DWORD event_type, DWORD session_id)
{
    EnterCriticalSection(&loop->lock);
    if (loop->queue_len == NOTIFY_QUEUE_LEN) {
        /* The loop is busy in a long command: keep the newest, these are hints, not state. */
        memmove(loop->queue, loop->queue + 1, sizeof(loop->queue[0]) * (NOTIFY_QUEUE_LEN - 1));
        loop->queue_len--;
    }
    loop->queue[loop->queue_len++] = (QgaWinNotify){ kind, event_type, session_id };
    LeaveCriticalSection(&loop->lock);
    SetEvent(loop->notify_event);
}

static void drain_notifications(QgaWinLoop *loop)
{
    QgaWinNotify batch[NOTIFY_QUEUE_LEN];
    EnterCriticalSection(&loop->lock);
    size_t n = loop->queue_len;
    memcpy(batch, loop->queue, sizeof(batch[0]) * n);
    loop->queue_len = 0;
    LeaveCriticalSection(&loop->lock);
    for (size_t i = 0; i < n; i++)
        qga_win_on_system_event(loop->g2h, batch[i].kind, batch[i].event_type, batch[i].session_id);
}

static void on_qga_opened(void *opaque, HANDLE h)
{
    QgaWinLoop *loop = opaque;
    if (loop->hooks.channel_opened)
        loop->hooks.channel_opened(loop->hooks.opaque, h);
}

static void on_qga_closed(void *opaque)
{
    QgaWinLoop *loop = opaque;
    if (loop->hooks.channel_closed)
        loop->hooks.channel_closed(loop->hooks.opaque);
}

static void on_g2h_opened(void *opaque, HANDLE h)
{
    QgaWinLoop *loop = opaque;
    if (loop->hooks.g2h_opened)
        loop->hooks.g2h_opened(loop->hooks.opaque, h);
}

static void on_g2h_closed(void *opaque)
{
    QgaWinLoop *loop = opaque;
    if (loop->hooks.g2h_closed)
        loop->hooks.g2h_closed(loop->hooks.opaque);
}

static void on_g2h_connected(void *opaque)
{
    qga_win_seam_g2h_connected(opaque);
}

/* The guest-driven channel, unless it is off. A setup failure (an unknown method slipped past
 * the config check) leaves the agent a plain QGA agent rather than stopping it. */
static void start_g2h(QgaWinLoop *loop)
{
    const QgaConfig *cfg = loop->agent->config;
    if (cfg->g2h.disabled) {
        qga_log_debug("g2h: the guest-driven channel is off");
        return;
    }
    QgaWinPortHooks hooks = {
        .opened = on_g2h_opened,
        .closed = on_g2h_closed,
        .connected = on_g2h_connected,
        .opaque = loop,
    };
    QgaError *err = NULL;
    loop->g2h = qga_g2h_port_new(loop->agent, &hooks, loop->arrival_notifications, &err);
    if (!loop->g2h) {
        qga_log_error("%s; running without it", err->desc);
        qga_error_free(err);
    }
}

/* Stopping on request: the queued notifications first (a session event that came just before
 * a pre-shutdown still goes out), then SHUTDOWN_STARTING / AGENT_STOPPING, delivered within a
 * bound the SCM's wait hint allows (5 s): 2 s on shutdown, 1 s otherwise. */
static void stop_g2h(QgaWinLoop *loop)
{
    if (!loop->g2h)
        return;
    drain_notifications(loop);
    bool shutdown = InterlockedCompareExchange(&loop->preshutdown, 0, 0) != 0;
    qga_g2h_port_stop(loop->g2h, shutdown, shutdown ? 2000 : 1000);
}

static DWORD wait_timeout(QgaWinLoop *loop, int64_t now)
{
    int64_t at = qga_win_port_deadline(qga_win_session_port_port(loop->qga));
    DWORD t = at < 0 ? INFINITE : at <= now ? 0 : (DWORD)(at - now);
    if (loop->g2h) {
        DWORD g = qga_g2h_port_timeout(loop->g2h);
        if (g < t)
            t = g;
    }
    return t;
}

/* The QGA port, tried once before the agent reports ready. */
static int start_qga(QgaWinLoop *loop)
{
    QgaWinPortHooks hooks = {
        .opened = on_qga_opened,
        .closed = on_qga_closed,
        .opaque = loop,
    };
    QgaError *err = NULL;
    loop->qga = qga_win_session_port_new(loop->agent, &hooks, &err);
    if (!loop->qga) {
        qga_log_error("%s", err->desc);
        qga_error_free(err);
        return -1;
    }
    return qga_win_session_port_start(loop->qga);
}

int qga_win_loop_run(QgaWinLoop *loop)
{
    int exit_code = 0;
    if (start_qga(loop) < 0) {
        SetEvent(loop->exited_event);
        return 1;
    }
    QgaWinPort *port = qga_win_session_port_port(loop->qga);
    start_g2h(loop);
    if (loop->hooks.ready)
        loop->hooks.ready(loop->hooks.opaque);

    for (;;) {
        qga_win_port_prepare(port, qga_os_monotonic_ms());
        if (loop->g2h)
            qga_g2h_port_prepare(loop->g2h);

        enum { W_STOP, W_WAKE, W_RELEASE, W_NOTIFY, W_QGA, W_G2H_RELEASE, W_G2H };
        HANDLE handles[6 + QGA_WIN_PORT_MAX_HANDLES + QGA_G2H_PORT_MAX_HANDLES];
        int kinds[6 + QGA_WIN_PORT_MAX_HANDLES + QGA_G2H_PORT_MAX_HANDLES];
        DWORD n = 0;
        handles[n] = loop->stop_event, kinds[n++] = W_STOP;
        handles[n] = loop->wake_event, kinds[n++] = W_WAKE;
        handles[n] = loop->release_event, kinds[n++] = W_RELEASE;
        handles[n] = loop->notify_event, kinds[n++] = W_NOTIFY;
        DWORD k = qga_win_port_handles(port, handles + n);
        for (DWORD i = 0; i < k; i++)
            kinds[n++] = W_QGA;
        if (loop->g2h) {
            handles[n] = loop->g2h_release_event, kinds[n++] = W_G2H_RELEASE;
            k = qga_g2h_port_handles(loop->g2h, handles + n);
            for (DWORD i = 0; i < k; i++)
                kinds[n++] = W_G2H;
        }

        DWORD w = WaitForMultipleObjects(n, handles, FALSE, wait_timeout(loop, qga_os_monotonic_ms()));
        if (w == WAIT_TIMEOUT)
            continue;
        if (w >= WAIT_OBJECT_0 + n) {
            qga_log_error("waiting for channel events failed: error %lu", (unsigned long)GetLastError());
            exit_code = 1;
            break;
        }
        int kind = kinds[w - WAIT_OBJECT_0];
        if (kind == W_STOP) {
            stop_g2h(loop);
            break;
        }
        switch (kind) {
        case W_WAKE:
            qga_log_debug("virtio-serial port arrival");
            qga_win_port_device_arrived(port);
            if (loop->g2h)
                qga_g2h_port_device_arrived(loop->g2h);
            break;
        case W_RELEASE:
            qga_win_port_release(port, loop->released_event, qga_os_monotonic_ms());
            break;
        case W_NOTIFY:
            drain_notifications(loop);
            break;
        case W_QGA:
            if (!qga_win_port_dispatch(port, handles[w - WAIT_OBJECT_0], qga_os_monotonic_ms()))
                exit_code = 1;
            break;
        case W_G2H_RELEASE:
            qga_g2h_port_release(loop->g2h, loop->g2h_released_event);
            break;
        case W_G2H:
            qga_g2h_port_dispatch(loop->g2h, handles[w - WAIT_OBJECT_0]);
            break;
        }
        if (exit_code)
            break;
    }
    qga_win_port_close(port);
    SetEvent(loop->exited_event);
    return exit_code;
}

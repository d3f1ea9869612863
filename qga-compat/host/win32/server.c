/* The agent's runtime on Windows: the QGA port, the guest-driven port, the address watch and the service's controls as sources of one wait set. */
#include <string.h>

#include "g2h-port.h"
#include "session-port.h"
#include "wait-set.h"

#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "os/os.h"

#define NOTIFY_QUEUE_LEN 32

typedef struct QgaWinNotify {
    QgaWinNotifyKind kind;
    DWORD event_type;
    DWORD session_id;
} QgaWinNotify;

/* The hooks' view of one port: which it is. */
typedef struct ServerPort {
    QgaWinServer *server;
    QgaWinPortId id;
} ServerPort;

struct QgaWinServer {
    QgaAgent *agent;
    QgaWinServerHooks hooks;
    QgaWinWaitSet *ws;
    QgaWinSessionPort *qga;
    QgaG2hPort *g2h;                    /* the guest-driven channel; NULL when off */
    QgaWinPort *ports[QGA_WIN_N_PORTS]; /* NULL: not served */
    ServerPort port_ids[QGA_WIN_N_PORTS];

    /* Requests from other threads (the service handler, the console handler, the test seam). */
    HANDLE wake_event;                      /* device arrival: retry the ports now */
    HANDLE notify_event;                    /* session/power notifications queued */
    HANDLE release_event[QGA_WIN_N_PORTS];  /* the driver wants the device: close the port */
    HANDLE released_event[QGA_WIN_N_PORTS]; /* ... done (the service handler waits for it) */
    HANDLE exited_event;       /* manual-reset: the run is over, nobody answers a release */
    volatile LONG preshutdown; /* the stop is the OS shutting down: SHUTDOWN_STARTING first */
    bool arrival_notifications;

    CRITICAL_SECTION lock; /* guards the notification queue */
    QgaWinNotify queue[NOTIFY_QUEUE_LEN];
    size_t queue_len;
};

static HANDLE new_event(bool manual_reset)
{
    return CreateEventW(NULL, manual_reset, FALSE, NULL);
}

QgaWinServer *qga_win_server_new(QgaAgent *agent, const QgaWinServerHooks *hooks)
{
    QgaWinServer *s = qga_calloc(1, sizeof(*s));
    s->agent = agent;
    if (hooks)
        s->hooks = *hooks;
    s->ws = qga_win_wait_set_new();
    s->wake_event = new_event(false);
    s->notify_event = new_event(false);
    s->exited_event = new_event(true);
    for (size_t i = 0; i < QGA_WIN_N_PORTS; i++) {
        s->release_event[i] = new_event(false);
        s->released_event[i] = new_event(false);
        s->port_ids[i] = (ServerPort){ s, (QgaWinPortId)i };
    }
    InitializeCriticalSection(&s->lock);
    return s;
}

static void close_event(HANDLE h)
{
    if (h)
        CloseHandle(h);
}

void qga_win_server_free(QgaWinServer *s)
{
    if (!s)
        return;
    qga_g2h_port_free(s->g2h);
    qga_win_session_port_free(s->qga);
    qga_win_wait_set_free(s->ws);
    close_event(s->wake_event);
    close_event(s->notify_event);
    close_event(s->exited_event);
    for (size_t i = 0; i < QGA_WIN_N_PORTS; i++) {
        close_event(s->release_event[i]);
        close_event(s->released_event[i]);
    }
    DeleteCriticalSection(&s->lock);
    free(s);
}

/* ---- requests from other threads ---- */

void qga_win_server_stop(QgaWinServer *s)
{
    qga_win_wait_set_stop(s->ws);
}

void qga_win_server_device_arrived(QgaWinServer *s)
{
    SetEvent(s->wake_event);
}

void qga_win_server_release_port(QgaWinServer *s, QgaWinPortId port, DWORD timeout_ms)
{
    SetEvent(s->release_event[port]);
    HANDLE done[] = { s->released_event[port], s->exited_event };
    WaitForMultipleObjects(2, done, FALSE, timeout_ms);
}

void qga_win_server_preshutdown(QgaWinServer *s)
{
    InterlockedExchange(&s->preshutdown, 1);
    qga_win_wait_set_stop(s->ws);
}

void qga_win_server_set_arrival_notifications(QgaWinServer *s, bool on)
{
    s->arrival_notifications = on;
}

void qga_win_server_notify(QgaWinServer *s, QgaWinNotifyKind kind, DWORD event_type,
                           DWORD session_id)
{
    EnterCriticalSection(&s->lock);
    if (s->queue_len == NOTIFY_QUEUE_LEN) {
        /* The loop is busy in a long command: keep the newest, these are hints, not state. */
        memmove(s->queue, s->queue + 1, sizeof(s->queue[0]) * (NOTIFY_QUEUE_LEN - 1));
        s->queue_len--;
    }
    s->queue[s->queue_len++] = (QgaWinNotify){ kind, event_type, session_id };
    LeaveCriticalSection(&s->lock);
    SetEvent(s->notify_event);
}

static void drain_notifications(QgaWinServer *s)
{
    QgaWinNotify batch[NOTIFY_QUEUE_LEN];
    EnterCriticalSection(&s->lock);
    size_t n = s->queue_len;
    memcpy(batch, s->queue, sizeof(batch[0]) * n);
    s->queue_len = 0;
    LeaveCriticalSection(&s->lock);
    for (size_t i = 0; i < n; i++)
        qga_win_on_system_event(s->g2h, batch[i].kind, batch[i].event_type, batch[i].session_id);
}

/* ---- the controls: those requests as a source ---- */

static DWORD controls_handles(void *opaque, HANDLE *out)
{
    QgaWinServer *s = opaque;
    DWORD n = 0;
    out[n++] = s->wake_event;
    out[n++] = s->notify_event;
    for (size_t i = 0; i < QGA_WIN_N_PORTS; i++)
        if (s->ports[i])
            out[n++] = s->release_event[i];
    return n;
}

static bool controls_dispatch(void *opaque, HANDLE h, int64_t now_ms)
{
    QgaWinServer *s = opaque;
    if (h == s->wake_event) {
        qga_log_debug("virtio-serial port arrival");
        for (size_t i = 0; i < QGA_WIN_N_PORTS; i++)
            if (s->ports[i])
                qga_win_port_device_arrived(s->ports[i]);
    } else if (h == s->notify_event) {
        drain_notifications(s);
    }
    for (size_t i = 0; i < QGA_WIN_N_PORTS; i++)
        if (s->ports[i] && h == s->release_event[i])
            qga_win_port_release(s->ports[i], s->released_event[i], now_ms);
    return true;
}

static const QgaWinSourceFuncs controls_source = {
    .handles = controls_handles,
    .dispatch = controls_dispatch,
    .max_handles = 2 + QGA_WIN_N_PORTS,
};

/* ---- the ports ---- */

static void on_port_opened(void *opaque, HANDLE h)
{
    ServerPort *sp = opaque;
    if (sp->server->hooks.port_opened)
        sp->server->hooks.port_opened(sp->server->hooks.opaque, sp->id, h);
}

static void on_port_closed(void *opaque)
{
    ServerPort *sp = opaque;
    if (sp->server->hooks.port_closed)
        sp->server->hooks.port_closed(sp->server->hooks.opaque, sp->id);
}

static void on_g2h_connected(void *opaque)
{
    ServerPort *sp = opaque;
    qga_win_seam_g2h_connected(sp->server);
}

static QgaWinPortHooks port_hooks(QgaWinServer *s, QgaWinPortId id)
{
    return (QgaWinPortHooks){
        .opened = on_port_opened,
        .closed = on_port_closed,
        .connected = id == QGA_WIN_PORT_G2H ? on_g2h_connected : NULL,
        .opaque = &s->port_ids[id],
    };
}

/* The QGA port, tried once before the agent reports ready: -1 when the agent cannot run. */
static int start_qga(QgaWinServer *s)
{
    QgaWinPortHooks hooks = port_hooks(s, QGA_WIN_PORT_QGA);
    QgaError *err = NULL;
    s->qga = qga_win_session_port_new(s->agent, s->ws, &hooks, &err);
    if (!s->qga) {
        qga_log_error("%s", err->desc);
        qga_error_free(err);
        return -1;
    }
    s->ports[QGA_WIN_PORT_QGA] = qga_win_session_port_port(s->qga);
    return qga_win_session_port_start(s->qga);
}

/* The guest-driven channel, unless it is off. A setup failure (an unknown method slipped past
 * the config check) leaves the agent a plain QGA agent rather than stopping it. */
static void start_g2h(QgaWinServer *s)
{
    if (s->agent->config->g2h.disabled) {
        qga_log_debug("g2h: the guest-driven channel is off");
        return;
    }
    QgaWinPortHooks hooks = port_hooks(s, QGA_WIN_PORT_G2H);
    QgaError *err = NULL;
    s->g2h = qga_g2h_port_new(s->agent, s->ws, &hooks, s->arrival_notifications, &err);
    if (!s->g2h) {
        qga_log_error("%s; running without it", err->desc);
        qga_error_free(err);
        return;
    }
    s->ports[QGA_WIN_PORT_G2H] = qga_g2h_port_port(s->g2h);
}

/* Stopping on request: the queued notifications first (a session event that came just before
 * a pre-shutdown still goes out), then SHUTDOWN_STARTING / AGENT_STOPPING, delivered within a
 * bound the SCM's wait hint allows (5 s): 2 s on shutdown, 1 s otherwise. */
static void stop_g2h(QgaWinServer *s)
{
    if (!s->g2h)
        return;
    drain_notifications(s);
    bool shutdown = InterlockedCompareExchange(&s->preshutdown, 0, 0) != 0;
    qga_g2h_port_stop(s->g2h, shutdown, shutdown ? 2000 : 1000);
}

int qga_win_server_run(QgaWinServer *s)
{
    qga_win_wait_set_add(s->ws, &controls_source, s);
    int rc = 1;
    if (start_qga(s) == 0) {
        start_g2h(s);
        if (s->hooks.ready)
            s->hooks.ready(s->hooks.opaque);
        rc = qga_win_wait_set_run(s->ws);
        if (rc == 0)
            stop_g2h(s);
    }
    if (s->qga)
        qga_win_port_close(s->ports[QGA_WIN_PORT_QGA]);
    SetEvent(s->exited_event);
    return rc;
}

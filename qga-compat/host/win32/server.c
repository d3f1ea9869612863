/* The agent's event loop on Windows: the port's I/O, the guest-driven port's (g2h-channel.c), the stop event and device events in one WaitForMultipleObjects. */
#include "channel.h"

#include <string.h>

#include "g2h-port.h"

#include "core/backoff.h"
#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "host/host.h"
#include "core/session.h"

/*
 * Waiting for the host. When the host side of a virtio-serial port is not connected, vioser
 * completes every read at once (EOF, aborted, no resources) instead of leaving it pending, so
 * something must pace the re-reads. qemu-ga sleeps a fixed 100 ms: ten wake-ups a second for
 * as long as nobody is connected, which on a fleet of idle guests is pure waste. We double the
 * wait from 100 ms up to 2 s. The cap bounds the delay of a host that comes back: its first
 * bytes sit in the virtqueue until the next read, and libvirt gives the first guest-sync 5 s,
 * so 2 s keeps reconnects well inside that while an idle agent wakes up once every 2 s. Any
 * byte that arrives resets the back-off; a device arrival re-arms at once.
 */
static const QgaBackoff read_backoff = { .first_ms = 100, .cap_ms = 2000 };

/*
 * Opening the port. Missing (driver not installed, channel not configured) or held by another
 * process (QEMU-GA still running: "Access is denied"): retry with a back-off from 1 s to 30 s.
 * qemu-ga retries on a manual-reset event that stays signalled while the port exists, so a port
 * it cannot open makes it spin. In service mode a device arrival retries at once, so the cap
 * only matters for a port another process holds.
 */
static const QgaBackoff open_backoff = { .first_ms = 1000, .cap_ms = 30000 };

/* Output beyond this stops reading: a host that sends requests without reading the replies
 * gets back-pressure instead of an agent that buffers without bound. */
#define OUTPUT_HIGH_WATER (1024 * 1024)
/* One WriteFile moves at most this much of the session's output. */
#define WRITE_CHUNK (256 * 1024)

#define NOTIFY_QUEUE_LEN 32

typedef struct QgaWinNotify {
    QgaWinNotifyKind kind;
    DWORD event_type;
    DWORD session_id;
} QgaWinNotify;

struct QgaWinLoop {
    QgaAgent *agent;
    QgaWinLoopHooks hooks;
    QgaWinChannel *ch;

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

    int64_t open_backoff;
    ULONGLONG open_at;      /* port closed: next attempt (GetTickCount64) */
    DWORD last_open_error;  /* logged once per distinct cause */
    int64_t read_backoff;
    ULONGLONG read_at;      /* read_delayed: when to read next */
    bool read_delayed;      /* reads are paced (host not connected, or empty reads in a row) */
    bool hung_up;           /* the host side is gone (logged once, session dropped once) */
    unsigned empty_reads;   /* consecutive reads that ended with nothing */
    bool got_data;          /* bytes arrived since the port was opened */
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
    qga_win_channel_free(loop->ch);
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

/* Why the port cannot be opened, in words an administrator can act on. */
static const char *open_failure_hint(DWORD code, bool serial)
{
    switch (code) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        if (serial)
            return " (no such serial port)";
        return " (the port does not exist: is the virtio-serial driver installed and does the VM have "
               "the org.qemu.guest_agent.0 channel?)";
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
        return " (another agent, probably the QEMU-GA service, holds the port: stop or uninstall it)";
    default:
        return "";
    }
}

/* ack: an event to set once the handle is closed and before the device notification for it is
 * dropped (the service handler waits for it inside DBT_DEVICEQUERYREMOVE; unregistering first
 * would ask the PnP manager for something while it waits for that very handler). */
static void close_port_ack(QgaWinLoop *loop, HANDLE ack)
{
    bool was_open = qga_win_channel_is_open(loop->ch);
    if (was_open) {
        qga_win_channel_close(loop->ch);
        qga_session_reset(loop->agent->session);
    }
    if (ack)
        SetEvent(ack);
    if (was_open && loop->hooks.channel_closed)
        loop->hooks.channel_closed(loop->hooks.opaque);
}

static void close_port(QgaWinLoop *loop)
{
    close_port_ack(loop, NULL);
}

static void schedule_open(QgaWinLoop *loop, bool now)
{
    loop->open_backoff = now ? 0 : qga_backoff_next(&open_backoff, loop->open_backoff);
    loop->open_at = GetTickCount64() + (ULONGLONG)loop->open_backoff;
}

/* Try the port. Returns 0 when open, -1 with *error describing the cause. */
static int open_port(QgaWinLoop *loop, QgaError **error)
{
    DWORD code = 0;
    QgaError *err = NULL;
    if (qga_win_channel_open(loop->ch, &code, &err) < 0) {
        qga_error_generic(error, "%s%s", err->desc, open_failure_hint(code, qga_win_channel_is_serial(loop->ch)));
        qga_error_free(err);
        bool first = code != loop->last_open_error;
        loop->last_open_error = code;
        return first ? -1 : -2; /* -2: same cause as last time, already logged */
    }
    if (loop->last_open_error)
        qga_log_info("channel %s is open now", qga_win_channel_path(loop->ch));
    else
        qga_log_debug("channel %s opened", qga_win_channel_path(loop->ch));
    loop->last_open_error = 0;
    loop->open_backoff = 0;
    loop->hung_up = false;
    loop->read_delayed = false;
    loop->empty_reads = 0;
    loop->read_backoff = 0;
    loop->read_at = 0;
    loop->got_data = false;
    qga_session_reset(loop->agent->session);
    if (loop->hooks.channel_opened)
        loop->hooks.channel_opened(loop->hooks.opaque, qga_win_channel_handle(loop->ch));
    return 0;
}

static size_t output_pending(QgaWinLoop *loop)
{
    const void *p;
    return qga_session_pending(loop->agent->session, &p) + qga_win_channel_write_remaining(loop->ch);
}

static void pump_writes(QgaWinLoop *loop)
{
    if (qga_win_channel_write_busy(loop->ch))
        return;
    const void *data;
    size_t len = qga_session_pending(loop->agent->session, &data);
    if (len == 0)
        return;
    if (len > WRITE_CHUNK)
        len = WRITE_CHUNK;
    qga_win_channel_start_write(loop->ch, data, len);
    qga_session_consume(loop->agent->session, len);
}

/* The host went away: what it half-sent and what was meant for it are both void. */
static void host_gone(QgaWinLoop *loop)
{
    qga_win_channel_cancel_write(loop->ch);
    qga_session_reset(loop->agent->session);
}

/* Pace the next read by the back-off (the host is not there, see read_backoff). */
static void delay_reads(QgaWinLoop *loop)
{
    loop->read_delayed = true;
    loop->read_backoff = qga_backoff_next(&read_backoff, loop->read_backoff);
    loop->read_at = GetTickCount64() + (ULONGLONG)loop->read_backoff;
}

/* Returns false when the loop must end (fatal channel error without -r). */
static bool on_read(QgaWinLoop *loop, bool retry)
{
    const void *data;
    size_t len;
    DWORD code;
    switch (qga_win_channel_finish_read(loop->ch, &data, &len, &code)) {
    case QGA_WIN_READ_PENDING:
        return true;
    case QGA_WIN_READ_DATA:
        if (loop->hung_up)
            qga_log_debug("host connected on %s", qga_win_channel_path(loop->ch));
        loop->hung_up = false;
        loop->read_delayed = false;
        loop->empty_reads = 0;
        loop->read_backoff = 0;
        loop->read_at = 0;
        loop->got_data = true;
        qga_session_feed(loop->agent->session, data, len);
        return true;
    case QGA_WIN_READ_EMPTY:
        /* Read again at once; only a run of them (a port that keeps timing out) is paced. */
        if (++loop->empty_reads > 3)
            delay_reads(loop);
        return true;
    case QGA_WIN_READ_HANGUP:
        if (!loop->hung_up) {
            qga_log_debug("host side of %s is not connected (error %lu); waiting for it",
                          qga_win_channel_path(loop->ch), (unsigned long)code);
            host_gone(loop);
        }
        loop->hung_up = true;
        delay_reads(loop);
        return true;
    case QGA_WIN_READ_ERROR:
    default: {
        QgaError *err = NULL;
        qga_error_set_os(&err, (int)code, "error reading channel %s", qga_win_channel_path(loop->ch));
        if (retry)
            qga_log_warning("%s -- reopening the port", err->desc);
        else
            qga_log_error("%s", err->desc);
        qga_error_free(err);
        close_port(loop);
        if (!retry)
            return false;
        loop->last_open_error = 0;
        /* A port that served data and then failed (device reset, the Wine bridge's stand-in for
         * a hang-up) is retried at once; one that fails again without serving backs off, so a
         * broken device cannot make us spin. */
        schedule_open(loop, loop->got_data);
        return true;
    }
    }
}

static void on_write(QgaWinLoop *loop)
{
    DWORD code;
    if (qga_win_channel_finish_write(loop->ch, &code) != QGA_WIN_WRITE_ERROR)
        return;
    /* The reply cannot be delivered; the read side decides whether the port itself is gone. */
    qga_log_debug("error %lu writing to %s; dropping the pending replies", (unsigned long)code,
                  qga_win_channel_path(loop->ch));
    host_gone(loop);
}

static void on_release(QgaWinLoop *loop)
{
    if (qga_win_channel_is_open(loop->ch)) {
        qga_log_info("releasing %s: the device is being removed or its driver updated",
                     qga_win_channel_path(loop->ch));
        /* qemu-ga keeps the handle, so a driver update needs a reboot; closing it lets the
         * removal proceed. The device's arrival (or the back-off cap) brings us back. */
        loop->open_backoff = open_backoff.cap_ms;
        loop->open_at = GetTickCount64() + (ULONGLONG)open_backoff.cap_ms;
        loop->last_open_error = 0;
    }
    close_port_ack(loop, loop->released_event);
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
    QgaG2hPortHooks hooks = {
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

static DWORD wait_timeout(QgaWinLoop *loop, ULONGLONG now)
{
    ULONGLONG at;
    if (!qga_win_channel_is_open(loop->ch))
        at = loop->open_at;
    else if (loop->read_delayed && !qga_win_channel_read_busy(loop->ch) && output_pending(loop) <= OUTPUT_HIGH_WATER)
        at = loop->read_at;
    else
        at = UINT64_MAX; /* idle and connected: no timer at all */
    DWORD t = at == UINT64_MAX ? INFINITE : at <= now ? 0 : (DWORD)(at - now);
    if (loop->g2h) {
        DWORD g = qga_g2h_port_timeout(loop->g2h);
        if (g < t)
            t = g;
    }
    return t;
}

int qga_win_loop_run(QgaWinLoop *loop)
{
    const QgaConfig *cfg = loop->agent->config;
    const QgaConfigDefaults *defaults = qga_host_defaults();
    const char *method = cfg->method ? cfg->method : defaults->method;
    const char *path = cfg->path;
    if (!path)
        path = strcmp(method, "isa-serial") == 0 ? defaults->isa_path : defaults->virtio_path;
    bool retry = cfg->retry_path;
    int exit_code = 0;

    QgaError *err = NULL;
    loop->ch = qga_win_channel_new(method, path, NULL, &err);
    if (!loop->ch) {
        qga_log_error("%s", err->desc);
        qga_error_free(err);
        SetEvent(loop->exited_event);
        return 1;
    }
    int r = open_port(loop, &err);
    if (r < 0) {
        if (!retry) {
            qga_log_error("%s", err->desc);
            qga_error_free(err);
            SetEvent(loop->exited_event);
            return 1;
        }
        /* Error level: without -v only errors are logged, and an administrator must see why
         * the agent is not answering (QEMU-GA holding the port, driver missing). Once per cause. */
        qga_log_error("%s -- will retry", err->desc);
        qga_error_free(err);
        err = NULL;
        schedule_open(loop, false);
    }
    start_g2h(loop);
    if (loop->hooks.ready)
        loop->hooks.ready(loop->hooks.opaque);

    for (;;) {
        ULONGLONG now = GetTickCount64();
        if (!qga_win_channel_is_open(loop->ch) && now >= loop->open_at) {
            r = open_port(loop, &err);
            if (r < 0) {
                if (r == -1)
                    qga_log_error("%s -- will retry", err->desc);
                qga_error_free(err);
                err = NULL;
                schedule_open(loop, false);
            }
        }
        if (qga_win_channel_is_open(loop->ch)) {
            pump_writes(loop);
            if (!qga_win_channel_read_busy(loop->ch) && output_pending(loop) <= OUTPUT_HIGH_WATER &&
                (!loop->read_delayed || now >= loop->read_at))
                qga_win_channel_start_read(loop->ch);
        }

        if (loop->g2h)
            qga_g2h_port_prepare(loop->g2h);

        enum { W_STOP, W_WAKE, W_RELEASE, W_NOTIFY, W_READ, W_WRITE, W_G2H_RELEASE, W_G2H };
        HANDLE handles[7 + QGA_G2H_PORT_MAX_HANDLES];
        int kinds[7 + QGA_G2H_PORT_MAX_HANDLES];
        DWORD n = 0;
        handles[n] = loop->stop_event, kinds[n++] = W_STOP;
        handles[n] = loop->wake_event, kinds[n++] = W_WAKE;
        handles[n] = loop->release_event, kinds[n++] = W_RELEASE;
        handles[n] = loop->notify_event, kinds[n++] = W_NOTIFY;
        if (qga_win_channel_read_busy(loop->ch))
            handles[n] = qga_win_channel_read_event(loop->ch), kinds[n++] = W_READ;
        if (qga_win_channel_write_busy(loop->ch))
            handles[n] = qga_win_channel_write_event(loop->ch), kinds[n++] = W_WRITE;
        if (loop->g2h) {
            handles[n] = loop->g2h_release_event, kinds[n++] = W_G2H_RELEASE;
            DWORD k = qga_g2h_port_handles(loop->g2h, handles + n);
            for (DWORD i = 0; i < k; i++)
                kinds[n++] = W_G2H;
        }

        DWORD w = WaitForMultipleObjects(n, handles, FALSE, wait_timeout(loop, now));
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
            if (!qga_win_channel_is_open(loop->ch))
                schedule_open(loop, true);
            else if (loop->read_delayed)
                loop->read_at = 0;
            if (loop->g2h)
                qga_g2h_port_device_arrived(loop->g2h);
            break;
        case W_RELEASE:
            on_release(loop);
            break;
        case W_NOTIFY:
            drain_notifications(loop);
            break;
        case W_READ:
            if (!on_read(loop, retry))
                exit_code = 1;
            break;
        case W_WRITE:
            on_write(loop);
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
    close_port(loop);
    SetEvent(loop->exited_event);
    return exit_code;
}

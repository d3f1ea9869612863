/* The guest-driven channel on Windows: org.qgacompat.g2h.0 opened overlapped, the host's presence told by how reads end, the link's bytes and timer on the channel loop. */
#include "g2h-port.h"

#include <string.h>

#include "channel.h"
#include "core/backoff.h"
#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "os/os.h"

/*
 * Opening. Most VMs have no g2h channel: the port is missing and the agent must run as a plain
 * QGA agent without spending anything on it. The service gets the vioserial interface arrivals
 * (service.c), so there the back-off is only a safety net (ten minutes); a console run has no
 * notifications and retries from 1 s up to 30 s. A port held by another process is retried on
 * the console back-off either way, since no arrival will announce that it was let go.
 */
static const QgaBackoff open_backoff = { .first_ms = 1000, .cap_ms = 30000 };
#define OPEN_BACKOFF_NOTIFIED_MS (10 * 60 * 1000)

/*
 * Is the host there? vioser completes every read at once (EOF, aborted, no resources) while no
 * host has the socket open, and leaves it pending once one has (server.c, read_backoff). So a
 * read still pending PROBE_MS after it was issued means a host; one that ends at once means
 * none, and the next is paced from 100 ms up to 5 s. The cap is longer than the main port's 2 s:
 * nobody times out waiting for us here, the queued events are just delivered up to 5 s later.
 */
#define PROBE_MS 250
static const QgaBackoff read_backoff = { .first_ms = 100, .cap_ms = 5000 };

/* One WriteFile moves at most this much of the link's output. */
#define WRITE_CHUNK (64 * 1024)

#define MAX_OS_EVENTS 8

struct QgaG2hPort {
    QgaAgent *agent;
    QgaG2hPortHooks hooks;
    QgaG2hLink *link;
    QgaWinChannel *ch;
    QgaWinAddrWatch *addr;
    QgaWinPowerState power;
    const char *os_events[MAX_OS_EVENTS];   /* NULL-terminated, for the link's host-hello */

    bool notified_arrivals;  /* the service gets port arrivals: an absent port is waited for */
    bool connected;          /* the link was told the host is there */
    bool was_connected;      /* ... since the port was opened (a failure then reopens at once) */
    int64_t open_backoff;
    ULONGLONG open_at;       /* port closed: next attempt (GetTickCount64) */
    DWORD last_open_error;   /* logged once per distinct cause */
    int64_t read_backoff;
    ULONGLONG read_at;       /* read_delayed: when to read next */
    bool read_delayed;
    bool host_away_logged;
    unsigned empty_reads;
    ULONGLONG probe_at;      /* not connected, read in flight: a host if it is still pending then */
};


/* The OS events this platform reports (the link adds its own events and requests);
 * IP_ADDRESS_CHANGED only with a working address watch. */
static void fill_os_events(QgaG2hPort *g)
{
    static const char *const always[] = { "USER_SESSION", "SHUTDOWN_STARTING", "SUSPENDING", "RESUMED" };
    size_t n = 0;
    for (; n < QGA_N_ELEMENTS(always); n++)
        g->os_events[n] = always[n];
    if (g->addr)
        g->os_events[n++] = "IP_ADDRESS_CHANGED";
    g->os_events[n] = NULL;
}

QgaG2hPort *qga_g2h_port_new(QgaAgent *agent, const QgaG2hPortHooks *hooks, bool arrival_notifications,
                           QgaError **error)
{
    const QgaG2hConfig *c = &agent->config->g2h;
    /* method and path come filled in by qga_config_g2h_finish; a configuration built by hand
     * (the unit tests) must set both. */
    QgaWinChannel *ch = qga_win_channel_new(c->method, c->path, NULL, error);
    if (!ch) {
        qga_error_prefix(*error, "guest-driven channel");
        return NULL;
    }
    QgaG2hPort *g = qga_calloc(1, sizeof(*g));
    g->agent = agent;
    if (hooks)
        g->hooks = *hooks;
    g->ch = ch;
    /* The notifications announce vioserial ports; a COM port's arrival would go unnoticed. */
    g->notified_arrivals = arrival_notifications && !qga_win_channel_is_serial(ch);
    DWORD code = 0;
    g->addr = qga_win_addr_watch_new(&code);
    if (!g->addr)
        qga_log_info("g2h: no address-change notifications (error %lu): IP_ADDRESS_CHANGED is not sent",
                     (unsigned long)code);
    fill_os_events(g);
    QgaG2hLinkConfig lc = {
        .os = "windows",
        .os_events = g->os_events,
        .heartbeat_ms = c->heartbeat_s * 1000,
        .queue_max = (size_t)c->queue,
        .fs_free_threshold = (unsigned)c->fs_free_threshold,
        .time_sync_on_resume = c->time_sync_on_resume,
    };
    lc.forward_log = qga_config_g2h_forward_level(c, &lc.forward_level);
    g->link = qga_g2h_link_new(agent, &lc);
    return g;
}

static void close_port(QgaG2hPort *g, HANDLE ack)
{
    bool was_open = qga_win_channel_is_open(g->ch);
    if (g->connected) {
        g->connected = false;
        qga_g2h_link_disconnected(g->link);
    }
    if (was_open)
        qga_win_channel_close(g->ch);
    if (ack)
        SetEvent(ack);
    if (was_open && g->hooks.closed)
        g->hooks.closed(g->hooks.opaque);
}

void qga_g2h_port_free(QgaG2hPort *g)
{
    if (!g)
        return;
    close_port(g, NULL);
    qga_g2h_link_free(g->link);
    qga_win_channel_free(g->ch);
    qga_win_addr_watch_free(g->addr);
    free(g);
}

QgaG2hLink *qga_g2h_port_link(QgaG2hPort *g)
{
    return g->link;
}

QgaWinPowerState *qga_g2h_port_power_state(QgaG2hPort *g)
{
    return &g->power;
}

static bool port_absent(DWORD code)
{
    return code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND;
}

static void schedule_open(QgaG2hPort *g, bool now)
{
    ULONGLONG t = GetTickCount64();
    if (now) {
        g->open_backoff = 0;
        g->open_at = t;
        return;
    }
    if (g->notified_arrivals && port_absent(g->last_open_error)) {
        g->open_at = t + OPEN_BACKOFF_NOTIFIED_MS;
        return;
    }
    g->open_backoff = qga_backoff_next(&open_backoff, g->open_backoff);
    g->open_at = t + (ULONGLONG)g->open_backoff;
}

static void try_open(QgaG2hPort *g)
{
    DWORD code = 0;
    QgaError *err = NULL;
    if (qga_win_channel_open(g->ch, &code, &err) < 0) {
        /* One line per distinct cause, not one per try. */
        if (code != g->last_open_error) {
            if (port_absent(code))
                qga_log_info("g2h: %s (%s); running without the guest-driven channel until it appears",
                             err->desc, qga_win_channel_is_serial(g->ch) ? "no such serial port"
                                                                        : "no org.qgacompat.g2h.0 channel in this VM");
            else
                qga_log_warning("g2h: %s -- will retry", err->desc);
        }
        qga_error_free(err);
        g->last_open_error = code;
        schedule_open(g, false);
        return;
    }
    qga_log_debug("g2h: %s opened", qga_win_channel_path(g->ch));
    g->last_open_error = 0;
    g->open_backoff = 0;
    g->read_delayed = false;
    g->read_backoff = 0;
    g->empty_reads = 0;
    g->host_away_logged = false;
    g->was_connected = false;
    if (g->hooks.opened)
        g->hooks.opened(g->hooks.opaque, qga_win_channel_handle(g->ch));
}

static void become_connected(QgaG2hPort *g)
{
    if (g->connected)
        return;
    g->connected = true;
    g->was_connected = true;
    g->read_delayed = false;
    g->read_backoff = 0;
    g->host_away_logged = false;
    qga_log_info("g2h: host connected on %s", qga_win_channel_path(g->ch));
    qga_g2h_link_connected(g->link);
    if (g->hooks.connected)
        g->hooks.connected(g->hooks.opaque);
}

/* The port failed (or the host broke the protocol): close it and try again, at once when it had
 * been serving (a reset device, the Wine bridge's hang-up), else after the back-off. */
static void port_failed(QgaG2hPort *g)
{
    bool now = g->was_connected;
    close_port(g, NULL);
    g->last_open_error = 0;
    schedule_open(g, now);
}

static void delay_reads(QgaG2hPort *g)
{
    g->read_delayed = true;
    g->read_backoff = qga_backoff_next(&read_backoff, g->read_backoff);
    g->read_at = GetTickCount64() + (ULONGLONG)g->read_backoff;
}

static void pump_writes(QgaG2hPort *g)
{
    if (!g->connected || qga_win_channel_write_busy(g->ch))
        return;
    QgaBuf *out = qga_g2h_link_output(g->link);
    if (!out->len)
        return;
    size_t len = out->len > WRITE_CHUNK ? WRITE_CHUNK : out->len;
    qga_win_channel_start_write(g->ch, out->data, len);
    qga_buf_consume(out, len);
}

static void on_read(QgaG2hPort *g)
{
    const void *data;
    size_t len;
    DWORD code;
    switch (qga_win_channel_finish_read(g->ch, &data, &len, &code)) {
    case QGA_WIN_READ_PENDING:
        return;
    case QGA_WIN_READ_DATA:
        g->empty_reads = 0;
        become_connected(g);
        if (qga_g2h_link_feed(g->link, data, len) < 0) {
            qga_log_warning("g2h: the host sent a line over %d bytes; dropping the connection",
                            QGA_G2H_LINK_MAX_LINE);
            g->was_connected = false; /* back off: reconnecting at once would meet it again */
            port_failed(g);
        }
        return;
    case QGA_WIN_READ_EMPTY:
        /* A COM read's interval timeout: the port is alive (a COM port has no host state). */
        become_connected(g);
        if (++g->empty_reads > 3)
            delay_reads(g);
        return;
    case QGA_WIN_READ_HANGUP:
        if (g->connected) {
            qga_log_info("g2h: host left %s; events queue until it is back", qga_win_channel_path(g->ch));
            g->connected = false;
            /* What was in flight was meant for the host that left (the link re-sends hello and
             * the queue to the next one). */
            qga_win_channel_cancel_write(g->ch);
            qga_g2h_link_disconnected(g->link);
        } else if (!g->host_away_logged) {
            qga_log_debug("g2h: no host on %s yet (error %lu); waiting for it", qga_win_channel_path(g->ch),
                          (unsigned long)code);
        }
        g->host_away_logged = true;
        delay_reads(g);
        return;
    case QGA_WIN_READ_ERROR:
    default:
        if (g->connected)
            qga_log_info("g2h: lost the host on %s (error %lu); events queue until it is back",
                         qga_win_channel_path(g->ch), (unsigned long)code);
        else
            qga_log_debug("g2h: error %lu reading %s; reopening it", (unsigned long)code, qga_win_channel_path(g->ch));
        port_failed(g);
        return;
    }
}

static void on_write(QgaG2hPort *g)
{
    DWORD code;
    if (qga_win_channel_finish_write(g->ch, &code) != QGA_WIN_WRITE_ERROR)
        return;
    /* What was in flight is lost with the connection; the link re-sends its hello and the
     * queued events when the host is back. */
    qga_log_debug("g2h: error %lu writing to %s; reopening it", (unsigned long)code, qga_win_channel_path(g->ch));
    port_failed(g);
}

static void start_read(QgaG2hPort *g, ULONGLONG now)
{
    qga_win_channel_start_read(g->ch);
    if (!g->connected)
        g->probe_at = now + PROBE_MS;
}

void qga_g2h_port_prepare(QgaG2hPort *g)
{
    ULONGLONG now = GetTickCount64();
    if (!qga_win_channel_is_open(g->ch) && now >= g->open_at)
        try_open(g);
    if (qga_win_channel_is_open(g->ch)) {
        if (!g->connected && qga_win_channel_read_busy(g->ch) && now >= g->probe_at)
            become_connected(g);
        if (!qga_win_channel_read_busy(g->ch) && (!g->read_delayed || now >= g->read_at)) {
            g->read_delayed = false;
            start_read(g, now);
        }
    }
    int64_t deadline = qga_g2h_link_deadline_ms(g->link);
    if (deadline >= 0) {
        int64_t t = qga_os_monotonic_ms();
        if (t >= deadline)
            qga_g2h_link_run_timers(g->link, t);
    }
    if (qga_win_channel_is_open(g->ch))
        pump_writes(g);
}

DWORD qga_g2h_port_handles(const QgaG2hPort *g, HANDLE *out)
{
    DWORD n = 0;
    if (qga_win_channel_read_busy(g->ch))
        out[n++] = qga_win_channel_read_event(g->ch);
    if (qga_win_channel_write_busy(g->ch))
        out[n++] = qga_win_channel_write_event(g->ch);
    if (g->addr)
        out[n++] = qga_win_addr_watch_event(g->addr);
    return n;
}

static ULONGLONG earlier(ULONGLONG a, ULONGLONG b)
{
    return a < b ? a : b;
}

DWORD qga_g2h_port_timeout(const QgaG2hPort *g)
{
    ULONGLONG now = GetTickCount64();
    ULONGLONG at = UINT64_MAX;
    if (!qga_win_channel_is_open(g->ch))
        at = g->open_at;
    else if (!qga_win_channel_read_busy(g->ch) && g->read_delayed)
        at = g->read_at;
    else if (!g->connected && qga_win_channel_read_busy(g->ch))
        at = g->probe_at;
    int64_t deadline = qga_g2h_link_deadline_ms(g->link);
    if (deadline >= 0) {
        int64_t left = deadline - qga_os_monotonic_ms();
        at = earlier(at, now + (ULONGLONG)(left > 0 ? left : 0));
    }
    if (at == UINT64_MAX)
        return INFINITE;
    if (at <= now)
        return 0;
    return at - now >= INFINITE ? INFINITE - 1 : (DWORD)(at - now);
}

void qga_g2h_port_dispatch(QgaG2hPort *g, HANDLE h)
{
    if (g->addr && h == qga_win_addr_watch_event(g->addr)) {
        qga_win_on_system_event(g, QGA_WIN_NOTIFY_ADDRESS_CHANGE, 0, 0);
        DWORD code = 0;
        if (!qga_win_addr_watch_rearm(g->addr, &code)) {
            qga_log_warning("g2h: address-change notifications stopped (error %lu)", (unsigned long)code);
            qga_win_addr_watch_free(g->addr);
            g->addr = NULL;
        }
        return;
    }
    if (qga_win_channel_read_busy(g->ch) && h == qga_win_channel_read_event(g->ch))
        on_read(g);
    else if (qga_win_channel_write_busy(g->ch) && h == qga_win_channel_write_event(g->ch))
        on_write(g);
    if (qga_win_channel_is_open(g->ch))
        pump_writes(g);
}

void qga_g2h_port_device_arrived(QgaG2hPort *g)
{
    if (!qga_win_channel_is_open(g->ch))
        schedule_open(g, true);
    else if (g->read_delayed)
        g->read_at = 0;
}

void qga_g2h_port_release(QgaG2hPort *g, HANDLE ack)
{
    if (qga_win_channel_is_open(g->ch))
        qga_log_info("g2h: releasing %s: the device is being removed or its driver updated",
                     qga_win_channel_path(g->ch));
    close_port(g, ack);
    /* Back when the device arrives again (or on the back-off's safety net). */
    g->last_open_error = ERROR_FILE_NOT_FOUND;
    schedule_open(g, false);
}

void qga_g2h_port_stop(QgaG2hPort *g, bool shutdown, DWORD timeout_ms)
{
    if (shutdown)
        qga_g2h_link_event(g->link, "SHUTDOWN_STARTING", NULL);
    qga_g2h_link_stopping(g->link);
    /* Deliver what is in the output, bounded: the SCM waits for us, and a host that stopped
     * reading must not hold up a shutdown. */
    ULONGLONG deadline = GetTickCount64() + timeout_ms;
    while (g->connected && qga_win_channel_is_open(g->ch)) {
        pump_writes(g);
        if (!qga_win_channel_write_busy(g->ch))
            break;
        ULONGLONG now = GetTickCount64();
        if (now >= deadline) {
            qga_log_debug("g2h: %zu bytes not delivered when stopping", qga_win_channel_write_remaining(g->ch));
            break;
        }
        if (WaitForSingleObject(qga_win_channel_write_event(g->ch), (DWORD)(deadline - now)) != WAIT_OBJECT_0)
            continue;
        on_write(g);
    }
    close_port(g, NULL);
}

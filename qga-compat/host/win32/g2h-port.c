/* The guest-driven channel on Windows: org.qgacompat.g2h.0 opened overlapped, the host's presence told by how reads end, the link's bytes and timer on the channel loop. */
#include "g2h-port.h"

#include <string.h>

#include "core/config.h"
#include "g2h/messages.h"
#include "core/log.h"
#include "core/mem.h"
#include "os/os.h"

/*
 * Opening. Most VMs have no g2h channel: the port is missing and the agent must run as a plain
 * QGA agent without spending anything on it. The service gets the vioserial interface arrivals
 * (service.c), so there the back-off is only a safety net (ten minutes); a console run has no
 * notifications and retries from 1 s up to 30 s. A port held by another process is retried on
 * the console back-off either way, since no arrival will announce that it was let go.
 *
 * Is the host there? vioser completes every read at once (EOF, aborted, no resources) while no
 * host has the socket open, and leaves it pending once one has. So a read still pending 250 ms
 * after it was issued means a host; one that ends at once means none, and the next is paced from
 * 100 ms up to 5 s. The cap is longer than the QGA port's 2 s: nobody times out waiting for us
 * here, the queued events are just delivered up to 5 s later.
 *
 * One WriteFile moves at most 64 KiB of the link's output.
 */
static const QgaWinPortConfig g2h_port_config = {
    .log_prefix = "g2h: ",
    .open_backoff = { .first_ms = 1000, .cap_ms = 30000 },
    .absent_wait_ms = 10 * 60 * 1000,
    .read_backoff = { .first_ms = 100, .cap_ms = 5000 },
    .probe_ms = 250,
    .write_chunk = 64 * 1024,
    /* What was in flight is lost with the connection; the link re-sends its hello and the queued
     * events to the next host. */
    .write_errors_reopen = true,
};

#define MAX_OS_EVENTS 8

struct QgaG2hPort {
    QgaWinPortHooks hooks;
    QgaG2hLink *link;
    QgaWinPort *port;
    QgaWinAddrWatch *addr;
    QgaWinPowerState power;
    const char *os_events[MAX_OS_EVENTS]; /* NULL-terminated, for the link's host-hello */
};

/* The OS events this platform reports (the schema's list; the link adds its own events and
 * requests), less IP_ADDRESS_CHANGED without a working address watch. */
static void fill_os_events(QgaG2hPort *g)
{
    size_t n = 0;
    for (const char *const *e = qga_g2h_os_events; *e && n + 1 < MAX_OS_EVENTS; e++)
        if (g->addr || strcmp(*e, "IP_ADDRESS_CHANGED") != 0)
            g->os_events[n++] = *e;
    g->os_events[n] = NULL;
}

static bool on_data(void *opaque, const void *data, size_t len)
{
    QgaG2hPort *g = opaque;
    if (qga_g2h_link_feed(g->link, data, len) == 0)
        return true;
    qga_log_warning("g2h: the host sent a line over %d bytes; dropping the connection",
                    QGA_G2H_LINK_MAX_LINE);
    return false;
}

static size_t pending(void *opaque, const void **ret_data)
{
    QgaG2hPort *g = opaque;
    QgaBuf *out = qga_g2h_link_output(g->link);
    *ret_data = out->data;
    return out->len;
}

static void consume(void *opaque, size_t len)
{
    QgaG2hPort *g = opaque;
    qga_buf_consume(qga_g2h_link_output(g->link), len);
}

static void on_host(void *opaque)
{
    QgaG2hPort *g = opaque;
    qga_log_info("g2h: host connected on %s", qga_win_port_path(g->port));
    qga_g2h_link_connected(g->link);
    if (g->hooks.connected)
        g->hooks.connected(g->hooks.opaque);
}

static void on_gone(void *opaque)
{
    QgaG2hPort *g = opaque;
    qga_log_info("g2h: host left %s; events queue until it is back", qga_win_port_path(g->port));
    qga_g2h_link_disconnected(g->link);
}

static void on_opened(void *opaque, HANDLE h)
{
    QgaG2hPort *g = opaque;
    if (g->hooks.opened)
        g->hooks.opened(g->hooks.opaque, h);
}

static void on_closed(void *opaque)
{
    QgaG2hPort *g = opaque;
    if (qga_g2h_link_is_connected(g->link))
        qga_g2h_link_disconnected(g->link);
    if (g->hooks.closed)
        g->hooks.closed(g->hooks.opaque);
}

static void on_error(void *opaque, QgaWinPortOp op, DWORD code, const char *desc)
{
    QgaG2hPort *g = opaque;
    switch (op) {
    case QGA_WIN_PORT_OPEN:
        if (code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND)
            qga_log_info("g2h: %s (%s); running without the guest-driven channel until it appears",
                         desc,
                         qga_win_port_is_serial(g->port)
                             ? "no such serial port"
                             : "no org.qgacompat.g2h.0 channel in this VM");
        else
            qga_log_warning("g2h: %s -- will retry", desc);
        break;
    case QGA_WIN_PORT_READ:
        if (qga_win_port_has_host(g->port))
            qga_log_info("g2h: %s: lost the host, events queue until it is back", desc);
        else
            qga_log_debug("g2h: %s; reopening it", desc);
        break;
    case QGA_WIN_PORT_WRITE:
        qga_log_debug("g2h: %s; reopening it", desc);
        break;
    }
}

/* The link's timer runs first, so what it queues (a heartbeat) goes out in the same turn. */
static void source_prepare(void *opaque, int64_t now_ms)
{
    QgaG2hPort *g = opaque;
    int64_t deadline = qga_g2h_link_deadline_ms(g->link);
    if (deadline >= 0 && now_ms >= deadline)
        qga_g2h_link_run_timers(g->link, now_ms);
    qga_win_port_prepare(g->port, now_ms);
}

static DWORD source_handles(void *opaque, HANDLE *out)
{
    QgaG2hPort *g = opaque;
    DWORD n = qga_win_port_handles(g->port, out);
    if (g->addr)
        out[n++] = qga_win_addr_watch_event(g->addr);
    return n;
}

static int64_t source_deadline(void *opaque)
{
    QgaG2hPort *g = opaque;
    int64_t at = qga_win_port_deadline(g->port);
    int64_t link = qga_g2h_link_deadline_ms(g->link);
    return link >= 0 && (at < 0 || link < at) ? link : at;
}

static bool source_dispatch(void *opaque, HANDLE h, int64_t now_ms)
{
    QgaG2hPort *g = opaque;
    if (g->addr && h == qga_win_addr_watch_event(g->addr)) {
        qga_win_on_system_event(g, QGA_WIN_NOTIFY_ADDRESS_CHANGE, 0, 0);
        DWORD code = 0;
        if (!qga_win_addr_watch_rearm(g->addr, &code)) {
            qga_log_warning("g2h: address-change notifications stopped (error %lu)",
                            (unsigned long)code);
            qga_win_addr_watch_free(g->addr);
            g->addr = NULL;
        }
        return true;
    }
    return qga_win_port_dispatch(g->port, h, now_ms);
}

static const QgaWinSourceFuncs g2h_source = {
    .prepare = source_prepare,
    .handles = source_handles,
    .deadline = source_deadline,
    .dispatch = source_dispatch,
    .max_handles = QGA_WIN_PORT_MAX_HANDLES + 1,
};

QgaG2hPort *qga_g2h_port_new(QgaAgent *agent, QgaWinWaitSet *ws, const QgaWinPortHooks *hooks,
                             bool arrival_notifications, QgaError **error)
{
    const QgaG2hConfig *c = &agent->config->g2h;
    QgaG2hPort *g = qga_calloc(1, sizeof(*g));
    if (hooks)
        g->hooks = *hooks;
    QgaWinPortConfig pc = g2h_port_config;
    pc.arrivals_notified = arrival_notifications;
    QgaWinPortCallbacks cb = {
        .on_data = on_data,
        .pending = pending,
        .consume = consume,
        .on_host = on_host,
        .on_gone = on_gone,
        .on_opened = on_opened,
        .on_closed = on_closed,
        .on_error = on_error,
        .opaque = g,
    };
    /* method and path come filled in by qga_config_g2h_finish; a configuration built by hand
     * (the unit tests) must set both. */
    g->port = qga_win_port_new(c->method, c->path, &pc, &cb, error);
    if (!g->port) {
        qga_error_prefix(*error, "guest-driven channel");
        free(g);
        return NULL;
    }
    DWORD code = 0;
    g->addr = qga_win_addr_watch_new(&code);
    if (!g->addr)
        qga_log_info(
            "g2h: no address-change notifications (error %lu): IP_ADDRESS_CHANGED is not sent",
            (unsigned long)code);
    fill_os_events(g);
    QgaG2hLinkConfig lc = {
        .os = "windows",
        .monotonic_ms = qga_os_monotonic_ms,
        .now_ns = qga_os_now_ns,
        .os_events = g->os_events,
        .heartbeat_ms = c->heartbeat_s * 1000,
        .queue_max = (size_t)c->queue,
        .fs_free_threshold = (unsigned)c->fs_free_threshold,
        .time_sync_on_resume = c->time_sync_on_resume,
    };
    lc.forward_log = qga_config_g2h_forward_level(c, &lc.forward_level);
    g->link = qga_g2h_link_new(agent, &lc);
    qga_win_wait_set_add(ws, &g2h_source, g);
    return g;
}

void qga_g2h_port_free(QgaG2hPort *g)
{
    if (!g)
        return;
    qga_win_port_free(g->port);
    qga_g2h_link_free(g->link);
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

QgaWinPort *qga_g2h_port_port(QgaG2hPort *g)
{
    return g->port;
}

void qga_g2h_port_stop(QgaG2hPort *g, bool shutdown, DWORD timeout_ms)
{
    if (shutdown)
        qga_g2h_link_event(g->link, "SHUTDOWN_STARTING", NULL);
    qga_g2h_link_stopping(g->link);
    /* Deliver what is in the output, bounded: the SCM waits for us, and a host that stopped
     * reading must not hold up a shutdown. */
    size_t left = qga_win_port_flush(g->port, timeout_ms);
    if (left)
        qga_log_debug("g2h: %zu bytes not delivered when stopping", left);
    qga_win_port_close(g->port);
}

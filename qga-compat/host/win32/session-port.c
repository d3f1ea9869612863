/* The QGA port on Windows: the port's bytes feed the session, its replies are the port's output; the open, read and write failures told in an administrator's words. */
#include "session-port.h"

#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/session.h"
#include "host/host.h"
#include "os/os.h"

/*
 * Opening. Missing (driver not installed, channel not configured) or held by another process
 * (QEMU-GA still running: "Access is denied"): retry with a back-off from 1 s to 30 s. qemu-ga
 * retries on a manual-reset event that stays signalled while the port exists, so a port it cannot
 * open makes it spin. In service mode a device arrival retries at once, so the cap only matters
 * for a port another process holds.
 *
 * Waiting for the host. When the host side of a virtio-serial port is not connected, vioser
 * completes every read at once (EOF, aborted, no resources) instead of leaving it pending, so
 * something must pace the re-reads. qemu-ga sleeps a fixed 100 ms: ten wake-ups a second for as
 * long as nobody is connected, which on a fleet of idle guests is pure waste. We double the wait
 * from 100 ms up to 2 s. The cap bounds the delay of a host that comes back: its first bytes sit
 * in the virtqueue until the next read, and libvirt gives the first guest-sync 5 s, so 2 s keeps
 * reconnects well inside that while an idle agent wakes up once every 2 s. Any byte that arrives
 * resets the back-off; a device arrival re-arms at once.
 *
 * Output beyond 1 MiB stops reading: a host that sends requests without reading the replies gets
 * back-pressure instead of an agent that buffers without bound. One WriteFile moves at most
 * 256 KiB of it.
 */
static const QgaWinPortConfig session_port_config = {
    .log_prefix = "",
    .open_backoff = { .first_ms = 1000, .cap_ms = 30000 },
    .read_backoff = { .first_ms = 100, .cap_ms = 2000 },
    .write_chunk = 256 * 1024,
    .output_high_water = 1024 * 1024,
    .write_errors_reopen = false,
};

struct QgaWinSessionPort {
    QgaSession *session;
    QgaWinPortHooks hooks;
    QgaWinPort *port;
    bool retry; /* -r: a port that cannot be opened or read is retried */
};

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

static bool on_data(void *opaque, const void *data, size_t len)
{
    QgaWinSessionPort *sp = opaque;
    qga_session_feed(sp->session, data, len);
    return true;
}

static size_t pending(void *opaque, const void **ret_data)
{
    QgaWinSessionPort *sp = opaque;
    return qga_session_pending(sp->session, ret_data);
}

static void consume(void *opaque, size_t len)
{
    QgaWinSessionPort *sp = opaque;
    qga_session_consume(sp->session, len);
}

static void on_host(void *opaque)
{
    QgaWinSessionPort *sp = opaque;
    qga_log_debug("host connected on %s", qga_win_port_path(sp->port));
    if (sp->hooks.connected)
        sp->hooks.connected(sp->hooks.opaque);
}

/* The host went away: what it half-sent and the replies meant for it are both void. */
static void on_gone(void *opaque)
{
    QgaWinSessionPort *sp = opaque;
    qga_session_reset(sp->session);
}

static void on_opened(void *opaque, HANDLE h)
{
    QgaWinSessionPort *sp = opaque;
    qga_session_reset(sp->session);
    if (sp->hooks.opened)
        sp->hooks.opened(sp->hooks.opaque, h);
}

static void on_closed(void *opaque)
{
    QgaWinSessionPort *sp = opaque;
    qga_session_reset(sp->session);
    if (sp->hooks.closed)
        sp->hooks.closed(sp->hooks.opaque);
}

static void on_error(void *opaque, QgaWinPortOp op, DWORD code, const char *desc)
{
    QgaWinSessionPort *sp = opaque;
    switch (op) {
    case QGA_WIN_PORT_OPEN:
        /* Error level: without -v only errors are logged, and an administrator must see why the
         * agent is not answering (QEMU-GA holding the port, driver missing). Once per cause. */
        qga_log_error("%s%s%s", desc, open_failure_hint(code, qga_win_port_is_serial(sp->port)),
                      sp->retry ? " -- will retry" : "");
        break;
    case QGA_WIN_PORT_READ:
        if (sp->retry)
            qga_log_warning("%s -- reopening the port", desc);
        else
            qga_log_error("%s", desc);
        break;
    case QGA_WIN_PORT_WRITE:
        qga_log_debug("%s; dropping the pending replies", desc);
        break;
    }
}

QgaWinSessionPort *qga_win_session_port_new(QgaAgent *agent, QgaWinWaitSet *ws,
                                            const QgaWinPortHooks *hooks, QgaError **error)
{
    const QgaConfig *cfg = agent->config;
    const QgaConfigDefaults *defaults = qga_host_defaults();
    const char *method = cfg->method ? cfg->method : defaults->method;
    const char *path = cfg->path;
    if (!path)
        path = strcmp(method, "isa-serial") == 0 ? defaults->isa_path : defaults->virtio_path;

    QgaWinSessionPort *sp = qga_calloc(1, sizeof(*sp));
    sp->session = agent->session;
    if (hooks)
        sp->hooks = *hooks;
    sp->retry = cfg->retry_path;
    QgaWinPortConfig pc = session_port_config;
    pc.read_errors_fatal = !sp->retry;
    QgaWinPortCallbacks cb = {
        .on_data = on_data,
        .pending = pending,
        .consume = consume,
        .on_host = on_host,
        .on_gone = on_gone,
        .on_opened = on_opened,
        .on_closed = on_closed,
        .on_error = on_error,
        .opaque = sp,
    };
    sp->port = qga_win_port_new(method, path, &pc, &cb, error);
    if (!sp->port) {
        free(sp);
        return NULL;
    }
    qga_win_wait_set_add(ws, &qga_win_port_source, sp->port);
    return sp;
}

void qga_win_session_port_free(QgaWinSessionPort *sp)
{
    if (!sp)
        return;
    qga_win_port_free(sp->port);
    free(sp);
}

int qga_win_session_port_start(QgaWinSessionPort *sp)
{
    if (qga_win_port_open(sp->port, qga_os_monotonic_ms()) < 0 && !sp->retry)
        return -1;
    return 0;
}

QgaWinPort *qga_win_session_port_port(QgaWinSessionPort *sp)
{
    return sp->port;
}

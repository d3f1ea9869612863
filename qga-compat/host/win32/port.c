/* The reopenable overlapped port: one state machine over a QgaWinChannel, its policy in a QgaWinPortConfig, its owner behind callbacks. */
#include "port.h"

#include "core/log.h"
#include "core/mem.h"
#include "os/os.h"

struct QgaWinPort {
    QgaWinPortConfig cfg;
    QgaWinPortCallbacks cb;
    QgaWinChannel *ch;
    bool waits_for_arrival; /* a missing port is announced by its arrival (absent_wait_ms) */
    bool failed;            /* read_errors_fatal and a read failed: closed for good */

    int64_t open_backoff;
    int64_t open_at;       /* closed: the next attempt */
    DWORD last_open_error; /* the cause of the last failed attempt (told once); 0: none */

    int64_t read_backoff;
    int64_t read_at;      /* read_delayed: when to read next */
    bool read_delayed;    /* reads are paced (no host, or empty reads in a row) */
    unsigned empty_reads; /* consecutive reads that ended with nothing */

    bool host;        /* the host is there */
    bool served;      /* ... was seen (data, or a probe) since the port opened */
    bool away_logged; /* its absence is logged, once until it is back */
    int64_t probe_at; /* probe_ms, no host, read in flight: a host if still pending then */
};

QgaWinPort *qga_win_port_new(const char *method, const char *path, const QgaWinPortConfig *config,
                             const QgaWinPortCallbacks *callbacks, QgaError **error)
{
    QgaWinChannel *ch = qga_win_channel_new(method, path, config->device, error);
    if (!ch)
        return NULL;
    QgaWinPort *p = qga_calloc(1, sizeof(*p));
    p->cfg = *config;
    p->cb = *callbacks;
    p->ch = ch;
    p->waits_for_arrival =
        config->arrivals_notified && config->absent_wait_ms > 0 && !qga_win_channel_is_serial(ch);
    return p;
}

/* ack: set once the handle is closed and before on_closed drops its device notification (the
 * service handler waits for it inside DBT_DEVICEQUERYREMOVE; unregistering first would ask the
 * PnP manager for something while it waits for that very handler). */
static void close_port(QgaWinPort *p, HANDLE ack)
{
    bool was_open = qga_win_channel_is_open(p->ch);
    if (was_open)
        qga_win_channel_close(p->ch);
    p->host = false;
    if (ack)
        SetEvent(ack);
    if (was_open && p->cb.on_closed)
        p->cb.on_closed(p->cb.opaque);
}

void qga_win_port_free(QgaWinPort *p)
{
    if (!p)
        return;
    close_port(p, NULL);
    qga_win_channel_free(p->ch);
    free(p);
}

const char *qga_win_port_path(const QgaWinPort *p)
{
    return qga_win_channel_path(p->ch);
}

bool qga_win_port_is_serial(const QgaWinPort *p)
{
    return qga_win_channel_is_serial(p->ch);
}

bool qga_win_port_has_host(const QgaWinPort *p)
{
    return p->host;
}

static void report(QgaWinPort *p, QgaWinPortOp op, DWORD code, const char *desc)
{
    if (p->cb.on_error)
        p->cb.on_error(p->cb.opaque, op, code, desc);
}

static bool port_absent(DWORD code)
{
    return code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND;
}

/* at_once: a port that served and then failed (a device reset, the Wine bridge's stand-in for a
 * hang-up) is retried at once; one that fails without serving backs off, so a broken device
 * cannot make us spin. */
static void schedule_open(QgaWinPort *p, int64_t now, bool at_once)
{
    if (at_once) {
        p->open_backoff = 0;
        p->open_at = now;
    } else if (p->waits_for_arrival && port_absent(p->last_open_error)) {
        p->open_at = now + p->cfg.absent_wait_ms;
    } else {
        p->open_backoff = qga_backoff_next(&p->cfg.open_backoff, p->open_backoff);
        p->open_at = now + p->open_backoff;
    }
}

/* Closed after a failure: try again per schedule_open. */
static void reopen_later(QgaWinPort *p, int64_t now, bool at_once)
{
    close_port(p, NULL);
    p->last_open_error = 0;
    schedule_open(p, now, at_once);
}

int qga_win_port_open(QgaWinPort *p, int64_t now_ms)
{
    DWORD code = 0;
    QgaError *err = NULL;
    if (qga_win_channel_open(p->ch, &code, &err) < 0) {
        if (code != p->last_open_error) /* one report per distinct cause, not one per try */
            report(p, QGA_WIN_PORT_OPEN, code, err->desc);
        qga_error_free(err);
        p->last_open_error = code;
        schedule_open(p, now_ms, false);
        return -1;
    }
    if (p->last_open_error)
        qga_log_info("%schannel %s is open now", p->cfg.log_prefix, qga_win_port_path(p));
    else
        qga_log_debug("%schannel %s opened", p->cfg.log_prefix, qga_win_port_path(p));
    p->last_open_error = 0;
    p->open_backoff = 0;
    p->read_backoff = 0;
    p->read_delayed = false;
    p->empty_reads = 0;
    p->host = p->cfg.probe_ms == 0;
    p->served = false;
    p->away_logged = false;
    if (p->cb.on_opened)
        p->cb.on_opened(p->cb.opaque, qga_win_channel_handle(p->ch));
    return 0;
}

/* Evidence of a host: bytes, or (probed ports) a read that stays pending or an empty COM read. */
static void host_seen(QgaWinPort *p)
{
    p->served = true;
    if (p->host)
        return;
    p->host = true;
    p->read_delayed = false;
    p->read_backoff = 0;
    p->away_logged = false;
    if (p->cb.on_host)
        p->cb.on_host(p->cb.opaque);
}

/* The host left: what was in flight and what was meant for it are void. */
static void host_lost(QgaWinPort *p)
{
    qga_win_channel_cancel_write(p->ch);
    if (!p->host)
        return;
    p->host = false;
    if (p->cb.on_gone)
        p->cb.on_gone(p->cb.opaque);
}

static void delay_reads(QgaWinPort *p, int64_t now)
{
    p->read_delayed = true;
    p->read_backoff = qga_backoff_next(&p->cfg.read_backoff, p->read_backoff);
    p->read_at = now + p->read_backoff;
}

static bool output_below_high_water(const QgaWinPort *p)
{
    if (!p->cfg.output_high_water)
        return true;
    const void *data;
    size_t pending = p->cb.pending(p->cb.opaque, &data) + qga_win_channel_write_remaining(p->ch);
    return pending <= p->cfg.output_high_water;
}

static void pump_writes(QgaWinPort *p)
{
    if (!p->host || qga_win_channel_write_busy(p->ch))
        return;
    const void *data;
    size_t len = p->cb.pending(p->cb.opaque, &data);
    if (len == 0)
        return;
    if (len > p->cfg.write_chunk)
        len = p->cfg.write_chunk;
    qga_win_channel_start_write(p->ch, data, len);
    p->cb.consume(p->cb.opaque, len);
}

static void on_hangup(QgaWinPort *p, DWORD code, int64_t now)
{
    if (p->host || !p->away_logged)
        qga_log_debug("%shost side of %s is not connected (error %lu); waiting for it",
                      p->cfg.log_prefix, qga_win_port_path(p), (unsigned long)code);
    p->away_logged = true;
    host_lost(p);
    delay_reads(p, now);
}

static void report_os_error(QgaWinPort *p, QgaWinPortOp op, DWORD code)
{
    QgaError *err = NULL;
    qga_error_set_os(&err, (int)code, "error %s channel %s",
                     op == QGA_WIN_PORT_READ ? "reading" : "writing", qga_win_port_path(p));
    report(p, op, code, err->desc);
    qga_error_free(err);
}

/* Returns false when the port failed for good. */
static bool on_read(QgaWinPort *p, int64_t now)
{
    const void *data;
    size_t len;
    DWORD code;
    switch (qga_win_channel_finish_read(p->ch, &data, &len, &code)) {
    case QGA_WIN_READ_PENDING:
        return true;
    case QGA_WIN_READ_DATA:
        p->empty_reads = 0;
        p->read_backoff = 0;
        p->read_delayed = false;
        host_seen(p);
        if (!p->cb.on_data(p->cb.opaque, data, len))
            reopen_later(p, now, false); /* reconnecting at once would meet the same bytes */
        return true;
    case QGA_WIN_READ_EMPTY:
        /* A COM read's interval timeout. Read again at once; only a run of them is paced. */
        if (p->cfg.probe_ms)
            host_seen(p); /* the port is alive (a COM port has no host state) */
        if (++p->empty_reads > 3)
            delay_reads(p, now);
        return true;
    case QGA_WIN_READ_HANGUP:
        on_hangup(p, code, now);
        return true;
    case QGA_WIN_READ_ERROR:
    default:
        report_os_error(p, QGA_WIN_PORT_READ, code);
        if (p->cfg.read_errors_fatal) {
            close_port(p, NULL);
            p->failed = true;
            return false;
        }
        reopen_later(p, now, p->served);
        return true;
    }
}

static void on_write(QgaWinPort *p, int64_t now)
{
    DWORD code;
    if (qga_win_channel_finish_write(p->ch, &code) != QGA_WIN_WRITE_ERROR)
        return;
    /* The output cannot be delivered; the read side tells whether the port itself is gone. */
    report_os_error(p, QGA_WIN_PORT_WRITE, code);
    host_lost(p);
    if (p->cfg.write_errors_reopen)
        reopen_later(p, now, p->served);
}

void qga_win_port_prepare(QgaWinPort *p, int64_t now_ms)
{
    if (!qga_win_channel_is_open(p->ch) && !p->failed && now_ms >= p->open_at)
        qga_win_port_open(p, now_ms);
    if (!qga_win_channel_is_open(p->ch))
        return;
    if (p->cfg.probe_ms && !p->host && qga_win_channel_read_busy(p->ch) && now_ms >= p->probe_at)
        host_seen(p);
    pump_writes(p);
    if (!qga_win_channel_read_busy(p->ch) && output_below_high_water(p) &&
        (!p->read_delayed || now_ms >= p->read_at)) {
        p->read_delayed = false;
        qga_win_channel_start_read(p->ch);
        if (p->cfg.probe_ms && !p->host)
            p->probe_at = now_ms + p->cfg.probe_ms;
    }
}

DWORD qga_win_port_handles(const QgaWinPort *p, HANDLE *out)
{
    DWORD n = 0;
    if (qga_win_channel_read_busy(p->ch))
        out[n++] = qga_win_channel_read_event(p->ch);
    if (qga_win_channel_write_busy(p->ch))
        out[n++] = qga_win_channel_write_event(p->ch);
    return n;
}

int64_t qga_win_port_deadline(const QgaWinPort *p)
{
    if (!qga_win_channel_is_open(p->ch))
        return p->failed ? -1 : p->open_at;
    bool reading = qga_win_channel_read_busy(p->ch);
    if (!reading && p->read_delayed && output_below_high_water(p))
        return p->read_at;
    if (reading && p->cfg.probe_ms && !p->host)
        return p->probe_at;
    return -1; /* idle and connected: no timer at all */
}

bool qga_win_port_dispatch(QgaWinPort *p, HANDLE h, int64_t now_ms)
{
    if (qga_win_channel_read_busy(p->ch) && h == qga_win_channel_read_event(p->ch))
        return on_read(p, now_ms);
    if (qga_win_channel_write_busy(p->ch) && h == qga_win_channel_write_event(p->ch))
        on_write(p, now_ms);
    return true;
}

static void source_prepare(void *opaque, int64_t now_ms)
{
    qga_win_port_prepare(opaque, now_ms);
}

static DWORD source_handles(void *opaque, HANDLE *out)
{
    return qga_win_port_handles(opaque, out);
}

static int64_t source_deadline(void *opaque)
{
    return qga_win_port_deadline(opaque);
}

static bool source_dispatch(void *opaque, HANDLE h, int64_t now_ms)
{
    return qga_win_port_dispatch(opaque, h, now_ms);
}

const QgaWinSourceFuncs qga_win_port_source = {
    .prepare = source_prepare,
    .handles = source_handles,
    .deadline = source_deadline,
    .dispatch = source_dispatch,
    .max_handles = QGA_WIN_PORT_MAX_HANDLES,
};

void qga_win_port_device_arrived(QgaWinPort *p)
{
    if (!qga_win_channel_is_open(p->ch))
        schedule_open(p, 0, true);
    else if (p->read_delayed)
        p->read_at = 0;
}

void qga_win_port_release(QgaWinPort *p, HANDLE ack, int64_t now_ms)
{
    if (qga_win_channel_is_open(p->ch)) {
        qga_log_info("%sreleasing %s: the device is being removed or its driver updated",
                     p->cfg.log_prefix, qga_win_port_path(p));
        /* qemu-ga keeps the handle, so a driver update needs a reboot; closing it lets the
         * removal proceed. The device's arrival (or the back-off's cap) brings us back. */
        p->open_backoff = p->cfg.open_backoff.cap_ms;
        p->open_at =
            now_ms + (p->waits_for_arrival ? p->cfg.absent_wait_ms : p->cfg.open_backoff.cap_ms);
        p->last_open_error = 0;
    }
    close_port(p, ack);
}

size_t qga_win_port_flush(QgaWinPort *p, DWORD timeout_ms)
{
    int64_t deadline = qga_os_monotonic_ms() + timeout_ms;
    while (p->host && qga_win_channel_is_open(p->ch)) {
        pump_writes(p);
        if (!qga_win_channel_write_busy(p->ch))
            return 0;
        int64_t now = qga_os_monotonic_ms();
        if (now >= deadline)
            return qga_win_channel_write_remaining(p->ch);
        if (WaitForSingleObject(qga_win_channel_write_event(p->ch), (DWORD)(deadline - now)) ==
            WAIT_OBJECT_0)
            on_write(p, qga_os_monotonic_ms());
    }
    return 0;
}

void qga_win_port_close(QgaWinPort *p)
{
    close_port(p, NULL);
}

/* qga_host_run on POSIX: signals, daemon, the channel and its client served from the poll loop. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "daemon.h"
#include "g2h-port.h"
#include "core/log.h"
#include "os/posix/loop.h"
#include "core/mem.h"
#include "host/host.h"
#include "qga-version.h"

/* Reads of up to 64 KiB: qemu-ga's 4 KiB costs a wake-up per page for a big guest-file-write. */
#define READ_CHUNK ((size_t)64 << 10)
/* A client that stops reading its replies: stop reading its requests at 1 MiB of unsent
 * output (memory stays bounded, and we poll only for POLLOUT: no spinning), resume at half. */
#define OUTPUT_HIGH_WATER ((size_t)1 << 20)
#define OUTPUT_LOW_WATER (OUTPUT_HIGH_WATER / 2)
/* Back-off for re-checking a host-less virtio port and for re-opening a missing channel. */
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000
/* How long input the port received while reporting no host is kept for a host whose open the
 * driver has yet to apply (a work-queue delay: milliseconds). Past that, the sender has gone. */
#define HOST_OPEN_GRACE_MS 1000

typedef struct PosixServer {
    QgaAgent *agent;
    const QgaConfig *cfg;
    QgaLoop *loop;
    QgaChannelKind kind;

    /* The connection: the device itself, or the accepted client of unix-listen. */
    int conn_fd;
    QgaLoopWatch *conn_watch;
    bool conn_eof;           /* client half-closed: send what is pending, then drop it */
    bool output_blocked;     /* pending output above the high-water mark */

    QgaListenSocket listen;
    QgaLoopWatch *listen_watch;

    /* virtio-serial without a host (or a hung-up tty): the port is out of poll() and re-checked
     * on SIGIO or when recheck_timer fires, whichever comes first. */
    bool waiting_host;
    /* Bytes were read while the port said "no host", and no host has been seen since.
     * virtio_console applies a host's PORT_OPEN from a work queue but its data from the
     * interrupt, so a new host's request can be read before the port reports that host: the
     * EOF that follows is not a host leaving, and the reply must survive it (losing it left
     * the client waiting for its guest-sync reply until it timed out). */
    bool unconfirmed_input;
    int64_t last_input_ms; /* when bytes were last read */
    bool async_on;         /* O_ASYNC is set on the port: SIGIO on host open/close and on data */
    int64_t recheck_delay_ms;
    QgaLoopTimer *recheck_timer;

    /* The channel is missing (-r): re-open with back-off. */
    int64_t reopen_delay_ms;
    QgaLoopTimer *reopen_timer;
    bool reopen_warned;

    char *readbuf;
    int exit_code;

    QgaG2hChannel *g2h;      /* the guest-driven channel, NULL when off (g2h-channel.c) */
} PosixServer;

static int64_t backoff_next(int64_t current)
{
    int64_t next = current * 2;
    return next > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : next;
}

/* The port said a host has it open (read EAGAIN, no POLLHUP, a write taken): what we read came
 * from it. */
static void host_confirmed(PosixServer *s)
{
    s->unconfirmed_input = false;
}

static void conn_close(PosixServer *s);
static void channel_lost(PosixServer *s, const char *why);

/* ---- the connection's poll events ---- */

static void conn_update_events(PosixServer *s)
{
    if (!s->conn_watch)
        return;
    if (s->waiting_host) {
        qga_loop_watch_set_events(s->conn_watch, 0);
        return;
    }
    const void *data;
    size_t pending = qga_session_pending(s->agent->session, &data);
    if (pending >= OUTPUT_HIGH_WATER)
        s->output_blocked = true;
    else if (pending <= OUTPUT_LOW_WATER)
        s->output_blocked = false;
    short events = 0;
    if (!s->output_blocked && !s->conn_eof)
        events |= POLLIN;
    if (pending > 0)
        events |= POLLOUT;
    qga_loop_watch_set_events(s->conn_watch, events);
}

/* Write as much pending output as the channel takes now. -1: the connection is gone (closed). */
static int conn_flush(PosixServer *s)
{
    bool is_socket = s->kind == QGA_CHANNEL_UNIX_LISTEN;
    for (;;) {
        const void *data;
        size_t pending = qga_session_pending(s->agent->session, &data);
        if (pending == 0)
            break;
        size_t n;
        int err;
        QgaIoStatus st = qga_channel_write(s->conn_fd, is_socket, data, pending, &n, &err);
        if (st == QGA_IO_AGAIN)
            break;
        if (st == QGA_IO_ERROR) {
            if (is_socket) {
                /* EPIPE / ECONNRESET: the client left with a reply unread. That ends this
                 * client only; the next one starts clean. */
                qga_log_debug("client gone while writing: %s", strerror(err));
                conn_close(s);
            } else {
                channel_lost(s, strerror(err));
            }
            return -1;
        }
        if (n > 0 && !is_socket)
            host_confirmed(s); /* virtio_console takes writes only while a host has the port */
        qga_session_consume(s->agent->session, n);
    }
    if (s->conn_eof && qga_session_pending(s->agent->session, &(const void *){ NULL }) == 0) {
        conn_close(s);
        return -1;
    }
    conn_update_events(s);
    return 0;
}

/* ---- virtio-serial host presence ---- */

/* Does the port say a host has it open now? (virtio_console: POLLHUP is "no host"; POLLIN is no
 * help, the driver reports it with POLLHUP so that a read returns 0.) */
static bool port_has_host(PosixServer *s)
{
    struct pollfd p = { .fd = s->conn_fd, .events = POLLIN };
    /* 0 (nothing to report) is a host with nothing sent yet. */
    return poll(&p, 1, 0) >= 0 && !(p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

static int port_set_async(PosixServer *s, bool on, QgaError **error)
{
    if (s->kind != QGA_CHANNEL_VIRTIO_SERIAL || s->async_on == on)
        return 0;
    if (qga_channel_set_async(s->conn_fd, on, error) < 0)
        return -1;
    s->async_on = on;
    return 0;
}

/* Input read while the port said "no host": have the driver tell us (SIGIO) when it applies the
 * sender's open, so that a half request of a host that comes and goes is not kept for the next
 * one (see forget_departed_host). */
static void watch_unconfirmed_input(PosixServer *s)
{
    qga_log_debug("input read before the port reports its host; watching for its open");
    s->unconfirmed_input = true;
    s->last_input_ms = qga_loop_now_ms();
    if (port_set_async(s, true, NULL) == 0 && port_has_host(s))
        host_confirmed(s); /* it was applied before O_ASYNC: that SIGIO went to no one */
}

/* read() said "no host": drop the session of the host that left, unless it may be a host that is
 * still arriving. */
static void forget_departed_host(PosixServer *s)
{
    if (s->unconfirmed_input) {
        int64_t age = qga_loop_now_ms() - s->last_input_ms;
        if (age < HOST_OPEN_GRACE_MS) {
            /* What we read may come from a host whose open the driver has not applied yet (see
             * unconfirmed_input): keep its request's reply (and any half request); it goes out
             * when the port reports the host, on its SIGIO. */
            qga_log_debug("port reports no host, input unconfirmed: keeping the session");
            return;
        }
        qga_log_debug("no host came for the input read %lld ms ago: dropping the session",
                      (long long)age);
    }
    /* The host has left: its half request must not prefix the next host's (libvirt's guest-sync
     * carries no 0xFF to reset the parser), and its replies are for no one. */
    host_confirmed(s);
    qga_session_reset(s->agent->session);
    s->output_blocked = false;
}

static void enter_waiting_host(PosixServer *s)
{
    forget_departed_host(s);
    if (s->kind == QGA_CHANNEL_VIRTIO_SERIAL) {
        QgaError *err = NULL;
        if (port_set_async(s, true, &err) < 0) {
            qga_log_debug("no SIGIO for '%s' (%s): back-off only", s->cfg->path, err->desc);
            qga_error_free(err);
        } else if (port_has_host(s)) {
            /* The host opened the port between our read() and O_ASYNC: its SIGIO went to no one,
             * and waiting for the back-off (up to 5 s) would leave it unanswered. */
            host_confirmed(s);
            port_set_async(s, false, NULL);
            conn_update_events(s);
            return;
        }
    }
    /* The driver reports POLLHUP (and read() 0) while no host has the port open, forever: polling
     * it would spin. Take it out of poll() and look again on SIGIO or after a back-off. */
    if (s->recheck_delay_ms == BACKOFF_FIRST_MS)
        qga_log_info("host side of '%s' is not connected; waiting for it", s->cfg->path);
    else
        qga_log_debug("host still not connected; next check in %lld ms", (long long)s->recheck_delay_ms);
    s->waiting_host = true;
    qga_loop_timer_arm(s->recheck_timer, s->recheck_delay_ms, 0);
    s->recheck_delay_ms = backoff_next(s->recheck_delay_ms);
    conn_update_events(s);
}

static void recheck_host(PosixServer *s)
{
    if (!s->waiting_host)
        return;
    s->waiting_host = false;
    qga_loop_timer_disarm(s->recheck_timer);
    if (s->unconfirmed_input && port_has_host(s))
        host_confirmed(s);
    if (!s->unconfirmed_input)
        port_set_async(s, false, NULL);
    /* Back in poll(): data or EAGAIN means a host is there, POLLHUP + EOF means not yet. */
    conn_update_events(s);
}

static void on_recheck_timer(QgaLoop *loop, QgaLoopTimer *timer, void *opaque)
{
    recheck_host(opaque);
}

static void host_is_connected(PosixServer *s)
{
    if (s->recheck_delay_ms != BACKOFF_FIRST_MS)
        qga_log_info("host side of '%s' connected", s->cfg->path);
    s->recheck_delay_ms = BACKOFF_FIRST_MS;
}

/* ---- reading ---- */

static void conn_read(PosixServer *s)
{
    size_t n;
    int err;
    QgaIoStatus st = qga_channel_read(s->conn_fd, s->readbuf, READ_CHUNK, &n, &err);
    switch (st) {
    case QGA_IO_OK:
        if (s->kind != QGA_CHANNEL_UNIX_LISTEN) {
            host_is_connected(s);
            if (port_has_host(s))
                host_confirmed(s);
            else /* the sender's open is not applied yet, or it has already left again */
                watch_unconfirmed_input(s);
        }
        qga_session_feed(s->agent->session, s->readbuf, n);
        conn_flush(s);
        break;
    case QGA_IO_AGAIN:
        if (s->kind != QGA_CHANNEL_UNIX_LISTEN) {
            /* EAGAIN, not 0: the driver says a host has the port open now. */
            host_is_connected(s);
            host_confirmed(s);
        }
        break;
    case QGA_IO_EOF:
        if (s->kind == QGA_CHANNEL_UNIX_LISTEN) {
            /* The client is done sending; finish the replies it is owed, then drop it. */
            s->conn_eof = true;
            conn_flush(s);
        } else {
            enter_waiting_host(s);
        }
        break;
    case QGA_IO_ERROR:
        if (s->kind == QGA_CHANNEL_UNIX_LISTEN) {
            qga_log_debug("client connection error: %s", strerror(err));
            conn_close(s);
        } else {
            /* ENODEV: the port was hot-unplugged; EIO: the tty went away. */
            channel_lost(s, strerror(err));
        }
        break;
    }
}

static void on_conn_event(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque)
{
    PosixServer *s = opaque;
    if (revents & POLLNVAL) {
        channel_lost(s, "invalid file descriptor");
        return;
    }
    if (revents & POLLOUT) {
        if (conn_flush(s) < 0)
            return;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        if (s->output_blocked && !(revents & POLLIN)) {
            /* Hung up while we held back reading: nothing more will be delivered. */
            if (s->kind == QGA_CHANNEL_UNIX_LISTEN)
                conn_close(s);
            else
                enter_waiting_host(s);
            return;
        }
        conn_read(s);
    }
}

/* ---- unix-listen clients ---- */

static void conn_close(PosixServer *s)
{
    qga_loop_remove_fd(s->loop, s->conn_watch);
    s->conn_watch = NULL;
    if (s->conn_fd >= 0)
        close(s->conn_fd);
    s->conn_fd = -1;
    s->async_on = false;
    s->conn_eof = false;
    s->output_blocked = false;
    qga_session_reset(s->agent->session);
    if (s->listen_watch) {
        /* One client at a time (the host side of a channel is one connection too): the next
         * queued client is accepted only now. */
        qga_loop_watch_set_events(s->listen_watch, POLLIN);
    }
}

static void on_listen_event(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque)
{
    PosixServer *s = opaque;
    int client = -1;
    QgaError *err = NULL;
    if (qga_channel_accept(fd, &client, &err) < 0) {
        /* EMFILE and friends: don't spin on a listener that stays readable. */
        qga_log_warning("%s; pausing for a second", err->desc);
        qga_error_free(err);
        qga_loop_watch_set_events(s->listen_watch, 0);
        qga_loop_timer_arm(s->recheck_timer, 1000, 0);
        return;
    }
    if (client < 0)
        return;
    qga_log_debug("client connected");
    /* qemu-ga keeps the previous client's half message in its parser; a new client starts clean. */
    qga_session_reset(s->agent->session);
    s->conn_fd = client;
    s->conn_eof = false;
    s->conn_watch = qga_loop_add_fd(loop, client, POLLIN, on_conn_event, s);
    qga_loop_watch_set_events(s->listen_watch, 0);
}

static void on_listen_retry_timer(QgaLoop *loop, QgaLoopTimer *timer, void *opaque)
{
    PosixServer *s = opaque;
    if (s->listen_watch && s->conn_fd < 0)
        qga_loop_watch_set_events(s->listen_watch, POLLIN);
}

/* ---- opening, losing and re-opening the channel ---- */

static int channel_open(PosixServer *s, QgaError **error)
{
    if (s->kind == QGA_CHANNEL_UNIX_LISTEN) {
        if (qga_channel_listen_unix(s->cfg->path, &s->listen, error) < 0)
            return -1;
        s->listen_watch = qga_loop_add_fd(s->loop, s->listen.fd, POLLIN, on_listen_event, s);
        return 0;
    }
    int fd;
    if (qga_channel_open_device(s->kind, s->cfg->path, &fd, error) < 0)
        return -1;
    s->conn_fd = fd;
    s->async_on = false;
    s->conn_watch = qga_loop_add_fd(s->loop, fd, POLLIN, on_conn_event, s);
    s->waiting_host = false;
    host_confirmed(s);
    s->recheck_delay_ms = BACKOFF_FIRST_MS;
    qga_session_reset(s->agent->session);
    return 0;
}

static void channel_close(PosixServer *s)
{
    if (s->conn_fd >= 0 || s->conn_watch) {
        qga_loop_timer_disarm(s->recheck_timer);
        s->waiting_host = false;
        conn_close(s);
    }
    if (s->listen_watch) {
        qga_loop_remove_fd(s->loop, s->listen_watch);
        s->listen_watch = NULL;
    }
    qga_channel_listen_close(&s->listen);
}

static void schedule_reopen(PosixServer *s, const char *why)
{
    if (!s->reopen_warned)
        qga_log_warning("channel '%s' unavailable (%s); retrying", s->cfg->path, why);
    else
        qga_log_debug("channel '%s' still unavailable (%s)", s->cfg->path, why);
    s->reopen_warned = true;
    qga_loop_timer_arm(s->reopen_timer, s->reopen_delay_ms, 0);
    s->reopen_delay_ms = backoff_next(s->reopen_delay_ms);
}

static void channel_lost(PosixServer *s, const char *why)
{
    channel_close(s);
    if (s->cfg->retry_path) {
        s->reopen_delay_ms = BACKOFF_FIRST_MS;
        s->reopen_warned = false;
        schedule_reopen(s, why);
        return;
    }
    qga_log_error("channel '%s' failed: %s", s->cfg->path, why);
    s->exit_code = 1;
    qga_loop_quit(s->loop);
}

static void on_reopen_timer(QgaLoop *loop, QgaLoopTimer *timer, void *opaque)
{
    PosixServer *s = opaque;
    QgaError *err = NULL;
    if (channel_open(s, &err) < 0) {
        schedule_reopen(s, err->desc);
        qga_error_free(err);
        return;
    }
    qga_log_info("channel '%s' opened", s->cfg->path);
    s->reopen_warned = false;
    s->reopen_delay_ms = BACKOFF_FIRST_MS;
}

/* ---- signals ---- */

static void on_quit_signal(QgaLoop *loop, int signo, void *opaque)
{
    qga_log_debug("received signal %d, quitting", signo);
    qga_loop_quit(loop);
}

static void on_hup(QgaLoop *loop, int signo, void *opaque)
{
    /* logrotate moved the file: continue in a fresh one. */
    QgaError *err = NULL;
    if (qga_log_reopen(&err) < 0) {
        qga_log_error("%s", err->desc);
        qga_error_free(err);
    }
}

static void on_sigio(QgaLoop *loop, int signo, void *opaque)
{
    /* virtio_console: the host side opened or closed the port, or data arrived. */
    PosixServer *s = opaque;
    qga_g2h_channel_on_sigio(s->g2h);   /* either port may have raised it */
    if (s->waiting_host) {
        recheck_host(s);
        return;
    }
    if (s->kind != QGA_CHANNEL_VIRTIO_SERIAL || s->conn_fd < 0)
        return;
    /* O_ASYNC was left on for input read before the port reported its sender. */
    if (s->unconfirmed_input && port_has_host(s))
        host_confirmed(s);
    if (!s->unconfirmed_input)
        port_set_async(s, false, NULL);
}

static int setup_signals(PosixServer *s, QgaError **error)
{
    /* A write to a vanished peer or a closed stderr pipe must be an error, not death. */
    struct sigaction ign;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, NULL);
    if (qga_loop_add_signal(s->loop, SIGTERM, on_quit_signal, s, error) < 0 ||
        qga_loop_add_signal(s->loop, SIGINT, on_quit_signal, s, error) < 0 ||
        qga_loop_add_signal(s->loop, SIGHUP, on_hup, s, error) < 0 ||
        qga_loop_add_signal(s->loop, SIGIO, on_sigio, s, error) < 0)
        return -1;
    return 0;
}

/* A start-up failure: one line on stderr like every start-up error, and in the log file if any. */
static void startup_error(PosixServer *s, const QgaError *err)
{
    fprintf(stderr, "%s: %s\n", QGA_PROGRAM_NAME, err->desc);
    if (s->cfg->logfile)
        qga_log(QGA_LOG_CRITICAL, "%s", err->desc);
}

int qga_host_run(QgaAgent *agent)
{
    PosixServer s = {
        .agent = agent,
        .cfg = agent->config,
        .conn_fd = -1,
        .listen = QGA_LISTEN_SOCKET_INIT,
        .recheck_delay_ms = BACKOFF_FIRST_MS,
        .reopen_delay_ms = BACKOFF_FIRST_MS,
    };
    QgaPidfile pidfile = QGA_PIDFILE_INIT;
    QgaError *err = NULL;
    int rc = 1;

    if (qga_channel_kind_from_method(s.cfg->method, &s.kind, &err) < 0) {
        startup_error(&s, err);
        qga_error_free(err);
        return 1;
    }
    s.loop = qga_loop_new(&err);
    if (!s.loop) {
        startup_error(&s, err);
        qga_error_free(err);
        return 1;
    }
    s.readbuf = qga_malloc(READ_CHUNK);
    s.recheck_timer = qga_loop_add_timer(s.loop,
                                         s.kind == QGA_CHANNEL_UNIX_LISTEN ? on_listen_retry_timer
                                                                           : on_recheck_timer,
                                         &s);
    s.reopen_timer = qga_loop_add_timer(s.loop, on_reopen_timer, &s);

    if (setup_signals(&s, &err) < 0)
        goto out;

    /* Open the channel before detaching, so a wrong path is reported on the terminal. */
    if (channel_open(&s, &err) < 0) {
        if (!s.cfg->retry_path)
            goto out;
        schedule_reopen(&s, err->desc);
        qga_error_free(err);
        err = NULL;
    }

    if (s.cfg->daemon && qga_daemonize(s.cfg->pidfile, &pidfile, &err) < 0)
        goto out;

    /* After daemonizing: its port's SIGIO must reach this process. */
    s.g2h = qga_g2h_channel_start(s.loop, agent, &err);
    if (err)
        goto out;

    if (qga_loop_run(s.loop, &err) < 0)
        goto out;
    rc = s.exit_code;

out:
    if (err) {
        startup_error(&s, err);
        qga_error_free(err);
    }
    qga_g2h_channel_stop(s.g2h);
    channel_close(&s);
    qga_pidfile_release(&pidfile);
    qga_loop_free(s.loop);
    free(s.readbuf);
    return rc;
}

/* The guest-driven channel on POSIX: open or await the port, await the host, move bytes, keep the link's one timer. */
#include "g2h-port.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "g2h/link.h"
#include "g2h/messages.h"
#include "address-watch.h"
#include "channel.h"
#include "core/log.h"
#include "core/mem.h"
#include "path-watch.h"
#include "os/os.h"
#include "resume-watch.h"

#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 60000      /* a port held by someone else, or a listener not up yet */
#define READ_CHUNK 4096         /* the host sends only short replies */

struct QgaG2hChannel {
    QgaLoop *loop;
    QgaAgent *agent;
    QgaG2hLink *link;
    bool virtio;               /* else unix-connect */
    char *path;

    int fd;                    /* -1: port missing / not connected */
    QgaLoopWatch *watch;
    bool waiting_host;         /* virtio: port open, no host: out of poll(), awaiting SIGIO */
    bool async_on;

    QgaPathWatch *path_watch;  /* virtio: the port does not exist yet */
    QgaLoopTimer *retry;
    int64_t retry_ms;
    bool retry_logged;
    QgaLoopTimer *link_timer;
    QgaAddressWatch *addresses;
    QgaResumeWatch *resumes;
};

static void try_open(QgaG2hChannel *ch);
static void on_addresses_changed(void *opaque);
static void on_resumed(void *opaque, int64_t slept_ms);

/* The OS watches start with the port's first open, not with the agent: on the many guests
 * without the channel they would only cost every request a few more descriptors in poll(). */
static void start_os_watches(QgaG2hChannel *ch)
{
    QgaError *err = NULL;
    if (!ch->addresses && !(ch->addresses = qga_address_watch_new(ch->loop, on_addresses_changed, ch, &err))) {
        qga_log_warning("g2h: no IP_ADDRESS_CHANGED events: %s", err->desc);
        qga_error_free(err);
        err = NULL;
    }
    if (!ch->resumes && !(ch->resumes = qga_resume_watch_new(ch->loop, on_resumed, ch, &err))) {
        qga_log_warning("g2h: no RESUMED events: %s", err->desc);
        qga_error_free(err);
    }
}

static void sync_link_timer(QgaG2hChannel *ch)
{
    int64_t due = qga_g2h_link_deadline_ms(ch->link);
    if (due < 0) {
        qga_loop_timer_disarm(ch->link_timer);
        return;
    }
    int64_t delay = due - qga_os_monotonic_ms();
    qga_loop_timer_arm(ch->link_timer, delay > 0 ? delay : 0, 0);
}

static void update_events(QgaG2hChannel *ch)
{
    if (!ch->watch)
        return;
    short events = 0;
    if (!ch->waiting_host)
        events = qga_g2h_link_output(ch->link)->len ? POLLIN | POLLOUT : POLLIN;
    qga_loop_watch_set_events(ch->watch, events);
}

static void schedule_retry(QgaG2hChannel *ch, const char *why)
{
    if (!ch->retry_logged)
        qga_log_info("g2h: '%s' not available (%s); retrying", ch->path, why);
    ch->retry_logged = true;
    qga_loop_timer_arm(ch->retry, ch->retry_ms, 0);
    ch->retry_ms = ch->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : ch->retry_ms * 2;
}

/* virtio: has a host the port open now? (POLLHUP is "no host", see run.c) */
static bool port_has_host(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, 0) >= 0 && !(p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

static void set_async(QgaG2hChannel *ch, bool on)
{
    if (ch->async_on == on)
        return;
    QgaError *err = NULL;
    if (qga_channel_set_async(ch->fd, on, &err) < 0) {
        qga_log_debug("g2h: %s", err->desc);
        qga_error_free(err);
        return;
    }
    ch->async_on = on;
}

static void close_fd(QgaG2hChannel *ch)
{
    if (ch->fd < 0)
        return;
    qga_loop_remove_fd(ch->loop, ch->watch);
    ch->watch = NULL;
    close(ch->fd);
    ch->fd = -1;
    ch->async_on = false;
    ch->waiting_host = false;
}

static void host_connected(QgaG2hChannel *ch)
{
    ch->waiting_host = false;
    set_async(ch, false);
    qga_log_info("g2h: host connected on '%s'", ch->path);
    qga_g2h_link_connected(ch->link);
    sync_link_timer(ch);
    update_events(ch);
}

static void wait_for_host(QgaG2hChannel *ch)
{
    ch->waiting_host = true;
    /* The driver reports POLLHUP while no host has the port: polling would spin. It raises SIGIO
     * when a host opens it. */
    set_async(ch, true);
    if (!ch->async_on) {
        schedule_retry(ch, "no SIGIO from the port");
    } else if (port_has_host(ch->fd)) {
        host_connected(ch);   /* it came between our check and O_ASYNC */
        return;
    }
    update_events(ch);
}

/* The host left (EOF) or broke the protocol: the link forgets it; a virtio port stays open. */
static void host_gone(QgaG2hChannel *ch, const char *why)
{
    qga_log_info("g2h: host disconnected (%s)", why);
    qga_g2h_link_disconnected(ch->link);
    sync_link_timer(ch);
    if (ch->virtio) {
        wait_for_host(ch);
        return;
    }
    close_fd(ch);
    ch->retry_ms = RETRY_FIRST_MS;
    ch->retry_logged = true;   /* a departed listener is news once, above */
    schedule_retry(ch, why);
}

/* The port itself went away (hot-unplug) or failed. */
static void port_lost(QgaG2hChannel *ch, const char *why)
{
    if (qga_g2h_link_is_connected(ch->link))
        qga_g2h_link_disconnected(ch->link);
    sync_link_timer(ch);
    close_fd(ch);
    qga_log_warning("g2h: '%s' lost: %s", ch->path, why);
    ch->retry_ms = RETRY_FIRST_MS;
    ch->retry_logged = false;
    try_open(ch);
}

static void flush(QgaG2hChannel *ch)
{
    QgaBuf *out = qga_g2h_link_output(ch->link);
    while (ch->fd >= 0 && !ch->waiting_host && out->len) {
        size_t n;
        int err;
        QgaIoStatus st = qga_channel_write(ch->fd, !ch->virtio, out->data, out->len, &n, &err);
        if (st == QGA_IO_AGAIN)
            break;
        if (st != QGA_IO_OK) {
            if (ch->virtio && err != EPIPE)
                port_lost(ch, strerror(err));
            else
                host_gone(ch, strerror(err));
            return;
        }
        qga_buf_consume(out, n);
    }
    update_events(ch);
}

static void on_fd(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque)
{
    QgaG2hChannel *ch = opaque;
    if (revents & POLLOUT)
        flush(ch);
    if (ch->fd < 0 || ch->waiting_host || !(revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
        return;
    char buf[READ_CHUNK];
    size_t n;
    int err;
    switch (qga_channel_read(ch->fd, buf, sizeof(buf), &n, &err)) {
    case QGA_IO_OK:
        if (qga_g2h_link_feed(ch->link, buf, n) < 0) {
            host_gone(ch, "protocol error");
            return;
        }
        sync_link_timer(ch);
        flush(ch);
        break;
    case QGA_IO_AGAIN:
        break;
    case QGA_IO_EOF:
        host_gone(ch, "end of stream");
        break;
    case QGA_IO_ERROR:
        if (ch->virtio)
            port_lost(ch, strerror(err));
        else
            host_gone(ch, strerror(err));
        break;
    }
}

static int connect_unix(const char *path, int *ret_fd, QgaError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(addr.sun_path)) {
        qga_error_generic(error, "socket path too long");
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        /* A UNIX connect either succeeds or fails at once: no EINPROGRESS to wait out. */
        qga_error_set_os(error, errno, "connect");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *ret_fd = fd;
    return 0;
}

static void on_path_appeared(void *opaque)
{
    QgaG2hChannel *ch = opaque;
    if (ch->fd < 0)
        try_open(ch);
}

static void try_open(QgaG2hChannel *ch)
{
    QgaError *err = NULL;
    int fd = -1;
    int rc = ch->virtio ? qga_channel_open_device(QGA_CHANNEL_VIRTIO_SERIAL, ch->path, &fd, &err)
                        : connect_unix(ch->path, &fd, &err);
    if (rc < 0) {
        struct stat st;
        bool missing = ch->virtio && stat(ch->path, &st) < 0 && errno == ENOENT;
        if (missing && (ch->path_watch || (ch->path_watch = qga_path_watch_new(ch->loop, ch->path,
                                                                                 on_path_appeared, ch, NULL)))) {
            /* The usual case on a guest without the second channel: wait, costing nothing. */
            if (!ch->retry_logged)
                qga_log_debug("g2h: '%s' does not exist; waiting for it to appear", ch->path);
            ch->retry_logged = true;
            if (qga_path_watch_rearm(ch->path_watch, NULL) < 0)
                schedule_retry(ch, err->desc);
        } else {
            schedule_retry(ch, err->desc);
        }
        qga_error_free(err);
        return;
    }
    qga_path_watch_free(ch->path_watch);
    ch->path_watch = NULL;
    qga_loop_timer_disarm(ch->retry);
    ch->retry_ms = RETRY_FIRST_MS;
    ch->retry_logged = false;
    ch->fd = fd;
    ch->watch = qga_loop_add_fd(ch->loop, fd, POLLIN, on_fd, ch);
    qga_log_info("g2h: opened '%s'", ch->path);
    start_os_watches(ch);
    if (ch->virtio && !port_has_host(fd))
        wait_for_host(ch);
    else
        host_connected(ch);
    flush(ch);
}

static void on_retry(QgaLoop *loop, QgaLoopTimer *timer, void *opaque)
{
    QgaG2hChannel *ch = opaque;
    if (ch->fd < 0)
        try_open(ch);
    else if (ch->waiting_host)
        qga_g2h_channel_on_sigio(ch);   /* the no-SIGIO fallback */
}

static void on_link_timer(QgaLoop *loop, QgaLoopTimer *timer, void *opaque)
{
    QgaG2hChannel *ch = opaque;
    qga_g2h_link_run_timers(ch->link, qga_os_monotonic_ms());
    sync_link_timer(ch);
    flush(ch);
}

static void on_resumed(void *opaque, int64_t slept_ms)
{
    QgaG2hChannel *ch = opaque;
    qga_log_info("g2h: resumed after %lld s suspended", (long long)(slept_ms / 1000));
    qga_g2h_link_resumed(ch->link);
    sync_link_timer(ch);
    flush(ch);
}

static void on_addresses_changed(void *opaque)
{
    QgaG2hChannel *ch = opaque;
    qga_g2h_link_addresses_changed(ch->link);
    sync_link_timer(ch);
}

void qga_g2h_channel_on_sigio(QgaG2hChannel *ch)
{
    if (!ch || ch->fd < 0 || !ch->waiting_host)
        return;
    if (port_has_host(ch->fd)) {
        qga_loop_timer_disarm(ch->retry);
        host_connected(ch);
        flush(ch);
    } else if (!ch->async_on) {
        schedule_retry(ch, "no host yet");
    }
}

QgaG2hChannel *qga_g2h_channel_start(QgaLoop *loop, QgaAgent *agent, QgaError **error)
{
    const QgaG2hConfig *g = &agent->config->g2h;
    if (g->disabled)
        return NULL;
    QgaG2hChannel *ch = qga_calloc(1, sizeof(*ch));
    ch->loop = loop;
    ch->agent = agent;
    ch->virtio = strcmp(g->method, "virtio-serial") == 0;
    ch->path = qga_strdup(g->path);
    ch->fd = -1;
    ch->retry_ms = RETRY_FIRST_MS;
    ch->retry = qga_loop_add_timer(loop, on_retry, ch);
    ch->link_timer = qga_loop_add_timer(loop, on_link_timer, ch);
    QgaG2hLinkConfig lc = {
        .os = "linux",
        /* The schema's OS events: rtnetlink and a cancel-on-set timerfd work on any Linux this
         * agent runs on; if one cannot be set up, the event is simply never sent, with a log line. */
        .os_events = qga_g2h_os_events,
        .monotonic_ms = qga_os_monotonic_ms,
        .now_ns = qga_os_now_ns,
        .heartbeat_ms = g->heartbeat_s * 1000,
        .queue_max = (size_t)g->queue,
        .fs_free_threshold = (unsigned)g->fs_free_threshold,
        .time_sync_on_resume = g->time_sync_on_resume,
    };
    lc.forward_log = qga_config_g2h_forward_level(g, &lc.forward_level);
    ch->link = qga_g2h_link_new(agent, &lc);
    try_open(ch);
    sync_link_timer(ch);
    return ch;
}

void qga_g2h_channel_stop(QgaG2hChannel *ch)
{
    if (!ch)
        return;
    qga_g2h_link_stopping(ch->link);
    flush(ch);
    close_fd(ch);
    qga_path_watch_free(ch->path_watch);
    qga_address_watch_free(ch->addresses);
    qga_resume_watch_free(ch->resumes);
    qga_loop_remove_timer(ch->loop, ch->retry);
    qga_loop_remove_timer(ch->loop, ch->link_timer);
    qga_g2h_link_free(ch->link);
    free(ch->path);
    free(ch);
}

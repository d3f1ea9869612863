/* The POSIX glue of the guest-driven channel: a non-blocking UNIX socket on the agent's poll loop, driving the portable g2h client. */
#include "g2h-channel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../g2h/client.h"
#include "buf.h"
#include "log.h"
#include "mem.h"

#define G2H_CHANNEL_MAX_LINE (64 * 1024)   /* the host's replies are small; a longer line is junk */

struct QgaG2hChannel {
    QgaLoop *loop;
    char *path, *version;
    int64_t heartbeat_ms, retry_ms;
    QgaG2hClient *client;
    int fd;
    QgaLoopWatch *watch;
    QgaLoopTimer *heartbeat, *retry;
    uint64_t sequence;
    QgaBuf out, in;
};

static const char *const g2h_capabilities[] = {
    "AGENT_STARTED", "AGENT_STOPPING", "HEARTBEAT", "EVENTS_DROPPED", NULL,
};

static void now_stamp(int64_t *ret_s, int64_t *ret_us)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    *ret_s = tv.tv_sec;
    *ret_us = tv.tv_usec;
}

static void update_events(QgaG2hChannel *ch)
{
    if (ch->watch)
        qga_loop_watch_set_events(ch->watch, ch->out.len ? POLLIN | POLLOUT : POLLIN);
}

static void on_hello(void *opaque, const QgaJson *result, const QgaError *error)
{
    (void)opaque;
    (void)result;
    if (error)
        qga_log(QGA_LOG_WARNING, "g2h: host-hello failed: %s", error->desc);
}

static void disconnect(QgaG2hChannel *ch)
{
    if (ch->fd < 0)
        return;
    qga_loop_remove_fd(ch->loop, ch->watch);
    ch->watch = NULL;
    close(ch->fd);
    ch->fd = -1;
    qga_buf_clear(&ch->out);
    qga_buf_clear(&ch->in);
    qga_g2h_client_disconnected(ch->client);
    qga_loop_timer_disarm(ch->heartbeat);   /* no wake-ups while nobody listens */
    qga_loop_timer_arm(ch->retry, ch->retry_ms, 0);
}

static void flush_out(QgaG2hChannel *ch)
{
    while (ch->out.len) {
        ssize_t n = send(ch->fd, ch->out.data, ch->out.len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            disconnect(ch);
            return;
        }
        qga_buf_consume(&ch->out, (size_t)n);
    }
    update_events(ch);
}

static void read_in(QgaG2hChannel *ch)
{
    char chunk[4096];
    ssize_t n = recv(ch->fd, chunk, sizeof(chunk), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        disconnect(ch);
        return;
    }
    qga_buf_append(&ch->in, chunk, (size_t)n);
    char *nl;
    while (ch->in.len && (nl = memchr(ch->in.data, '\n', ch->in.len))) {
        size_t len = (size_t)(nl - ch->in.data);
        QgaError *err = NULL;
        if (qga_g2h_client_receive(ch->client, ch->in.data, len, &err) < 0) {
            qga_log(QGA_LOG_WARNING, "g2h: ignoring a message from the host: %s", err->desc);
            qga_error_free(err);
        }
        qga_buf_consume(&ch->in, len + 1);
    }
    if (ch->in.len > G2H_CHANNEL_MAX_LINE) {
        qga_log(QGA_LOG_WARNING, "g2h: host sent a line over %d bytes; reconnecting", G2H_CHANNEL_MAX_LINE);
        disconnect(ch);
    }
}

static void on_fd(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque)
{
    (void)loop;
    (void)watch;
    (void)fd;
    QgaG2hChannel *ch = opaque;
    if (revents & POLLOUT)
        flush_out(ch);
    if (ch->fd >= 0 && (revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
        read_in(ch);
    if (ch->fd >= 0)
        flush_out(ch);
}

static void on_heartbeat(QgaLoop *loop, QgaLoopTimer *timer, void *opaque)
{
    (void)loop;
    (void)timer;
    QgaG2hChannel *ch = opaque;
    int64_t s, us;
    now_stamp(&s, &us);
    QgaJson *data = qga_json_object();
    qga_json_object_set_uint(data, "sequence", ++ch->sequence);
    qga_g2h_client_event(ch->client, &ch->out, "HEARTBEAT", data, s, us);
    flush_out(ch);
}

static void try_connect(QgaG2hChannel *ch)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(ch->path) >= sizeof(addr.sun_path))
        return;
    strcpy(addr.sun_path, ch->path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    /* A UNIX connect either succeeds or fails at once (no EINPROGRESS wait worth having). */
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        close(fd);
        qga_loop_timer_arm(ch->retry, ch->retry_ms, 0);
        return;
    }
    ch->fd = fd;
    ch->watch = qga_loop_add_fd(ch->loop, fd, POLLIN, on_fd, ch);
    int64_t s, us;
    now_stamp(&s, &us);
    QgaError *err = NULL;
    if (qga_g2h_client_connected(ch->client, &ch->out, ch->version, "linux", g2h_capabilities, on_hello, ch,
                                 s, us, &err) < 0) {
        qga_log(QGA_LOG_WARNING, "g2h: %s", err->desc);
        qga_error_free(err);
    }
    if (ch->heartbeat_ms > 0)
        qga_loop_timer_arm(ch->heartbeat, ch->heartbeat_ms, ch->heartbeat_ms);
    flush_out(ch);
}

static void on_retry(QgaLoop *loop, QgaLoopTimer *timer, void *opaque)
{
    (void)loop;
    (void)timer;
    QgaG2hChannel *ch = opaque;
    if (ch->fd < 0)
        try_connect(ch);
}

QgaG2hChannel *qga_g2h_channel_start(QgaLoop *loop, const QgaG2hChannelConfig *config, QgaError **error)
{
    if (!config->socket_path || !*config->socket_path || config->retry_ms <= 0) {
        qga_error_generic(error, "g2h: a socket path and a positive retry delay are required");
        return NULL;
    }
    QgaG2hChannel *ch = qga_calloc(1, sizeof(*ch));
    ch->loop = loop;
    ch->path = qga_strdup(config->socket_path);
    ch->version = qga_strdup(config->version);
    ch->heartbeat_ms = config->heartbeat_ms;
    ch->retry_ms = config->retry_ms;
    ch->fd = -1;
    ch->client = qga_g2h_client_new(config->queue_max);
    ch->heartbeat = qga_loop_add_timer(loop, on_heartbeat, ch);
    ch->retry = qga_loop_add_timer(loop, on_retry, ch);
    int64_t s, us;
    now_stamp(&s, &us);
    QgaJson *data = qga_json_object();
    qga_json_object_set_str(data, "version", ch->version);
    qga_g2h_client_event(ch->client, &ch->out, "AGENT_STARTED", data, s, us);   /* queued until connected */
    try_connect(ch);
    return ch;
}

void qga_g2h_channel_stop(QgaG2hChannel *ch)
{
    if (!ch)
        return;
    if (ch->fd >= 0) {
        int64_t s, us;
        now_stamp(&s, &us);
        qga_g2h_client_event(ch->client, &ch->out, "AGENT_STOPPING", NULL, s, us);
        flush_out(ch);
        disconnect(ch);
    }
    qga_loop_remove_timer(ch->loop, ch->heartbeat);
    qga_loop_remove_timer(ch->loop, ch->retry);
    qga_g2h_client_free(ch->client);
    qga_buf_free(&ch->out);
    qga_buf_free(&ch->in);
    free(ch->path);
    free(ch->version);
    free(ch);
}

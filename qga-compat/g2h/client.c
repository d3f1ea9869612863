/* The agent's side of the guest-driven channel: builds requests and events, matches replies, keeps the bounded event queue. */
#include "client.h"

#include <string.h>

#include "core/mem.h"

typedef struct QgaG2hPending {
    uint64_t id;
    QgaG2hReplyFunc func;
    void *opaque;
} QgaG2hPending;

struct QgaG2hClient {
    bool connected;
    bool held;               /* connected, but events queue (qga_g2h_client_hold) */
    uint64_t next_id;
    QgaG2hPending pending[QGA_G2H_PENDING_MAX];
    size_t n_pending;
    /* Ring of serialized events (each ends in "\n"): the issue asks that an overflow drop the
     * oldest and tell the host how many, never silently. */
    char **queue;
    size_t queue_max, queue_head, queue_len;
    uint64_t dropped;
};

QgaG2hClient *qga_g2h_client_new(size_t queue_max)
{
    QgaG2hClient *c = qga_calloc(1, sizeof(*c));
    c->queue_max = queue_max ? queue_max : QGA_G2H_QUEUE_DEFAULT;
    c->queue = qga_calloc(c->queue_max, sizeof(char *));
    c->next_id = 1;
    return c;
}

static void fail_pending(QgaG2hClient *c, const char *why)
{
    /* Take the list first: a callback may send a new request. */
    QgaG2hPending failed[QGA_G2H_PENDING_MAX];
    size_t n = c->n_pending;
    memcpy(failed, c->pending, n * sizeof(failed[0]));
    c->n_pending = 0;
    for (size_t i = 0; i < n; i++) {
        QgaError err = {QGA_ERROR_GENERIC, (char *)why};
        failed[i].func(failed[i].opaque, NULL, &err);
    }
}

void qga_g2h_client_free(QgaG2hClient *c)
{
    if (!c)
        return;
    fail_pending(c, "agent stopping");
    for (size_t i = 0; i < c->queue_len; i++)
        free(c->queue[(c->queue_head + i) % c->queue_max]);
    free(c->queue);
    free(c);
}

static void write_message(QgaBuf *out, const QgaJson *msg)
{
    qga_json_write(out, msg);
    qga_buf_append_byte(out, '\n');
}

static QgaJson *build_event(const char *name, QgaJson *data, int64_t seconds, int64_t microseconds)
{
    QgaJson *ev = qga_json_object();
    qga_json_object_set_str(ev, "event", name);
    qga_json_object_set(ev, "data", data ? data : qga_json_object());
    QgaJson *ts = qga_json_object();
    qga_json_object_set_int(ts, "seconds", seconds);
    qga_json_object_set_int(ts, "microseconds", microseconds);
    qga_json_object_set(ev, "timestamp", ts);
    return ev;
}

static void queue_push(QgaG2hClient *c, char *text)
{
    if (c->queue_len == c->queue_max) {
        free(c->queue[c->queue_head]);
        c->queue_head = (c->queue_head + 1) % c->queue_max;
        c->queue_len--;
        c->dropped++;
    }
    c->queue[(c->queue_head + c->queue_len) % c->queue_max] = text;
    c->queue_len++;
}

void qga_g2h_client_event(QgaG2hClient *c, QgaBuf *out, const char *name, QgaJson *data,
                          int64_t seconds, int64_t microseconds)
{
    _qga_cleanup_json_ QgaJson *ev = build_event(name, data, seconds, microseconds);
    if (c->connected && !c->held) {
        write_message(out, ev);
        return;
    }
    QgaBuf text = {0};
    write_message(&text, ev);
    queue_push(c, qga_buf_steal(&text, NULL));
}

int qga_g2h_client_request(QgaG2hClient *c, QgaBuf *out, const char *name, QgaJson *args,
                           QgaG2hReplyFunc reply_func, void *opaque, uint64_t *ret_id, QgaError **error)
{
    _qga_cleanup_json_ QgaJson *owned_args = args;
    if (!c->connected) {
        qga_error_generic(error, "%s: host not connected", name);
        return -1;
    }
    if (c->n_pending == QGA_G2H_PENDING_MAX) {
        qga_error_generic(error, "%s: %d requests already wait for the host", name, QGA_G2H_PENDING_MAX);
        return -1;
    }
    uint64_t id = c->next_id++;
    _qga_cleanup_json_ QgaJson *req = qga_json_object();
    qga_json_object_set_str(req, "execute", name);
    if (owned_args)
        qga_json_object_set(req, "arguments", qga_steal_pointer(&owned_args));
    qga_json_object_set_uint(req, "id", id);
    write_message(out, req);
    c->pending[c->n_pending++] = (QgaG2hPending){id, reply_func, opaque};
    if (ret_id)
        *ret_id = id;
    return 0;
}

/* Writes EVENTS_DROPPED (if events were lost) and then every queued event, oldest first: the loss is
 * reported before what survived it, so the host reads events in order. */
static void flush_queue(QgaG2hClient *c, QgaBuf *out, int64_t seconds, int64_t microseconds)
{
    if (c->dropped) {
        QgaJson *data = qga_json_object();
        qga_json_object_set_uint(data, "count", c->dropped);
        _qga_cleanup_json_ QgaJson *ev = build_event("EVENTS_DROPPED", data, seconds, microseconds);
        write_message(out, ev);
        c->dropped = 0;
    }
    for (; c->queue_len; c->queue_len--) {
        char *text = c->queue[c->queue_head];
        qga_buf_append_str(out, text);
        free(text);
        c->queue_head = (c->queue_head + 1) % c->queue_max;
    }
    c->queue_head = 0;
}

int qga_g2h_client_connected(QgaG2hClient *c, QgaBuf *out, const char *version, const char *os,
                             const char *const *capabilities, QgaG2hReplyFunc reply_func, void *opaque,
                             int64_t seconds, int64_t microseconds, QgaError **error)
{
    c->connected = true;
    QgaJson *args = qga_json_object();
    qga_json_object_set_str(args, "version", version);
    qga_json_object_set_str(args, "os", os);
    QgaJson *caps = qga_json_array();
    for (size_t i = 0; capabilities && capabilities[i]; i++)
        qga_json_array_append(caps, qga_json_string(capabilities[i]));
    qga_json_object_set(args, "capabilities", caps);
    if (qga_g2h_client_request(c, out, "host-hello", args, reply_func, opaque, NULL, error) < 0) {
        c->connected = false;
        return -1;
    }
    flush_queue(c, out, seconds, microseconds);
    return 0;
}

void qga_g2h_client_hold(QgaG2hClient *c, bool hold, QgaBuf *out, int64_t seconds, int64_t microseconds)
{
    bool was = c->held;
    c->held = hold;
    if (was && !hold && c->connected)
        flush_queue(c, out, seconds, microseconds);
}

bool qga_g2h_client_is_held(const QgaG2hClient *c)
{
    return c->held;
}

void qga_g2h_client_disconnected(QgaG2hClient *c)
{
    c->connected = false;
    c->held = false;
    fail_pending(c, "host disconnected");
}

bool qga_g2h_client_is_connected(const QgaG2hClient *c)
{
    return c->connected;
}

int qga_g2h_client_receive(QgaG2hClient *c, const char *text, size_t len, QgaError **error)
{
    _qga_cleanup_json_ QgaJson *msg = qga_json_parse(text, len, NULL, error);
    if (!msg)
        return -1;
    QgaJson *id = qga_json_type(msg) == QGA_JSON_OBJECT ? qga_json_object_get(msg, "id") : NULL;
    if (!id || qga_json_type(id) != QGA_JSON_INT || (!qga_json_int_is_unsigned(id) && qga_json_get_int(id) < 0)) {
        qga_error_generic(error, "host message without a request id");
        return -1;
    }
    uint64_t want = qga_json_get_uint(id);
    size_t i = 0;
    while (i < c->n_pending && c->pending[i].id != want)
        i++;
    if (i == c->n_pending) {
        qga_error_generic(error, "host reply to unknown request id %llu", (unsigned long long)want);
        return -1;
    }
    QgaJson *ret = qga_json_object_get(msg, "return");
    QgaJson *err = qga_json_object_get(msg, "error");
    if (!ret && (!err || qga_json_type(err) != QGA_JSON_OBJECT)) {
        qga_error_generic(error, "host reply %llu has neither return nor error", (unsigned long long)want);
        return -1;
    }
    QgaG2hPending p = c->pending[i];
    memmove(&c->pending[i], &c->pending[i + 1], (c->n_pending - i - 1) * sizeof(p));
    c->n_pending--;
    if (ret) {
        p.func(p.opaque, ret, NULL);
        return 0;
    }
    QgaJson *cls = qga_json_object_get(err, "class");
    QgaJson *desc = qga_json_object_get(err, "desc");
    QgaError e = {QGA_ERROR_GENERIC, (char *)"host error without a description"};
    if (cls && qga_json_type(cls) == QGA_JSON_STRING && !strcmp(qga_json_get_string(cls, NULL), "CommandNotFound"))
        e.error_class = QGA_ERROR_COMMAND_NOT_FOUND;
    if (desc && qga_json_type(desc) == QGA_JSON_STRING)
        e.desc = (char *)qga_json_get_string(desc, NULL);
    p.func(p.opaque, NULL, &e);
    return 0;
}

size_t qga_g2h_client_queued(const QgaG2hClient *c)
{
    return c->queue_len;
}

uint64_t qga_g2h_client_dropped(const QgaG2hClient *c)
{
    return c->dropped;
}

size_t qga_g2h_client_pending(const QgaG2hClient *c)
{
    return c->n_pending;
}

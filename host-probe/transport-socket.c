/* The agent on a channel's UNIX socket, spoken to directly: qemu-ga's delimited sync handshake, then one line per request. */
#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "options.h"
#include "render.h"
#include "reply.h"
#include "transport-socket.h"
#include "transport.h"

#define PROBE_SOCKET_READ_CHUNK 65536

typedef struct ProbeSocketTransport {
    ProbeTransport base;
    GSocket *sock;
    GByteArray *buf;     /* bytes received and not yet consumed */
    char *path;
    gboolean synced;     /* like libvirt: sync once per connection, again after a timeout */
    gint64 last_id;
} ProbeSocketTransport;

static gint64 probe_deadline(int seconds)
{
    return seconds < 0 ? -1 : g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
}

static gboolean probe_socket_timeout(ProbeSocketTransport *self, const char *what, GError **error)
{
    /* A timed-out request may still be answered later: its reply must not be taken for the
     * next one's, so the next request starts with a fresh sync. */
    self->synced = FALSE;
    g_set_error(error, PROBE_ERROR, PROBE_ERROR_TIMEOUT, "no %s from the agent on %s in time%s", what,
                self->path,
                g_str_equal(what, "sync reply")
                    ? " (is an agent running in the guest? a socket another client such as "
                      "libvirtd holds never answers a second client)"
                    : "");
    return FALSE;
}

/* Wait until the deadline for more bytes and append them to the buffer. */
static gboolean probe_socket_fill(ProbeSocketTransport *self, gint64 deadline, const char *what,
                                  GError **error)
{
    guint8 chunk[PROBE_SOCKET_READ_CHUNK];

    for (;;) {
        g_autoptr(GError) local = NULL;
        gint64 wait = -1;
        gssize n;

        if (deadline >= 0) {
            wait = deadline - g_get_monotonic_time();
            if (wait <= 0)
                return probe_socket_timeout(self, what, error);
        }
        if (!g_socket_condition_timed_wait(self->sock, G_IO_IN, wait, NULL, &local)) {
            if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
                return probe_socket_timeout(self, what, error);
            g_set_error(error, PROBE_ERROR, PROBE_ERROR_NOT_CONNECTED, "reading %s: %s", self->path,
                        local->message);
            return FALSE;
        }
        n = g_socket_receive(self->sock, (char *)chunk, sizeof(chunk), NULL, &local);
        if (n < 0 && g_error_matches(local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            continue;
        if (n <= 0) {
            self->synced = FALSE;
            g_set_error(error, PROBE_ERROR, PROBE_ERROR_NOT_CONNECTED,
                        "the agent on %s closed the connection%s%s", self->path, n < 0 ? ": " : "",
                        n < 0 ? local->message : "");
            return FALSE;
        }
        g_byte_array_append(self->buf, chunk, (guint)n);
        return TRUE;
    }
}

/* Take one '\n'-terminated line out of the buffer (without the newline and a trailing '\r'). */
static char *probe_socket_read_line(ProbeSocketTransport *self, gint64 deadline, const char *what,
                                    GError **error)
{
    for (;;) {
        guint8 *nl = self->buf->len ? memchr(self->buf->data, '\n', self->buf->len) : NULL;
        if (nl) {
            gsize len = (gsize)(nl - self->buf->data);
            char *line = g_strndup((const char *)self->buf->data, len);
            g_byte_array_remove_range(self->buf, 0, (guint)len + 1);
            if (len > 0 && line[len - 1] == '\r')
                line[len - 1] = '\0';
            return line;
        }
        if (self->buf->len > PROBE_MAX_REPLY_BYTES) {
            self->synced = FALSE;
            g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                        "no complete line in %d bytes from the agent", PROBE_MAX_REPLY_BYTES);
            return NULL;
        }
        if (!probe_socket_fill(self, deadline, what, error))
            return NULL;
    }
}

static gboolean probe_socket_send(ProbeSocketTransport *self, const char *data, gsize len,
                                  gint64 deadline, GError **error)
{
    gsize done = 0;

    if (self->base.verbose)
        fprintf(stderr, "[%s] send %" G_GSIZE_FORMAT " bytes\n", self->base.description, len);
    while (done < len) {
        g_autoptr(GError) local = NULL;
        gint64 wait = deadline < 0 ? -1 : MAX(deadline - g_get_monotonic_time(), 1);
        gssize n;

        if (!g_socket_condition_timed_wait(self->sock, G_IO_OUT, wait, NULL, &local)) {
            if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
                return probe_socket_timeout(self, "room to send", error);
            g_set_error(error, PROBE_ERROR, PROBE_ERROR_NOT_CONNECTED, "writing %s: %s", self->path,
                        local->message);
            return FALSE;
        }
        n = g_socket_send(self->sock, data + done, len - done, NULL, &local);
        if (n < 0 && g_error_matches(local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            continue;
        if (n < 0) {
            self->synced = FALSE;
            g_set_error(error, PROBE_ERROR, PROBE_ERROR_NOT_CONNECTED, "writing %s: %s", self->path,
                        local->message);
            return FALSE;
        }
        done += (gsize)n;
    }
    return TRUE;
}

static gint64 probe_socket_fresh_id(ProbeSocketTransport *self)
{
    gint64 id;

    do
        id = (gint64)(g_random_int() & 0x7fffffff);
    while (id == 0 || id == self->last_id);
    self->last_id = id;
    return id;
}

static gboolean probe_socket_send_sync(ProbeSocketTransport *self, gint64 id, gint64 deadline,
                                       GError **error)
{
    /* 0xFF first: an agent that holds half a request from an earlier client drops it (qemu-ga
     * answers that byte with one parse error, which the sentinel scan skips). */
    g_autofree char *req = g_strdup_printf("\xff{\"execute\":\"guest-sync-delimited\","
                                           "\"arguments\":{\"id\":%" G_GINT64_FORMAT "}}\n", id);
    return probe_socket_send(self, req, strlen(req), deadline, error);
}

/*
 * qemu-ga's documented client procedure, with libvirt's tolerance rules: send 0xFF and
 * guest-sync-delimited with a fresh id; skip every byte up to the 0xFF the agent puts before
 * that reply (leftover replies for an earlier client, log noise); drop replies whose id is not
 * ours (a stale sync); a line that is not JSON after the sentinel is forgiven once — with a new
 * id, as libvirt forgives garbage on the first sync — and is fatal the second time.
 */
static gboolean probe_socket_sync(ProbeSocketTransport *self, GError **error)
{
    gboolean forgiven = FALSE;
    gint64 deadline, id;

    /* libvirt waits 5 s for its sync (less if asked for less, never more). Here the caller's
     * --timeout applies to the sync as well, so an operator can give a slow agent longer;
     * block and nowait sync with the 5 s default (nowait would never sync at all). */
    deadline = probe_deadline(self->base.timeout > 0 ? self->base.timeout : PROBE_DEFAULT_TIMEOUT_SECONDS);
    id = probe_socket_fresh_id(self);
    if (!probe_socket_send_sync(self, id, deadline, error))
        return FALSE;

    for (;;) {
        g_autofree char *line = NULL;
        g_autoptr(JsonNode) reply = NULL;
        g_autoptr(GError) local = NULL;
        guint8 *ff;
        const char *text;
        gint64 got = 0;

        while (!(ff = self->buf->len ? memchr(self->buf->data, 0xff, self->buf->len) : NULL)) {
            g_byte_array_set_size(self->buf, 0);
            if (!probe_socket_fill(self, deadline, "sync reply", error))
                return FALSE;
        }
        g_byte_array_remove_range(self->buf, 0, (guint)(ff - self->buf->data) + 1);
        if (!(line = probe_socket_read_line(self, deadline, "sync reply", error)))
            return FALSE;
        /* A second sentinel inside the line starts a newer reply. */
        text = strrchr(line, '\xff') ? strrchr(line, '\xff') + 1 : line;
        reply = probe_json_parse_reply(text, strlen(text), &local);
        if (!reply) {
            if (forgiven) {
                g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                            "the agent on %s answered the sync with garbage twice (%s)", self->path,
                            local->message);
                return FALSE;
            }
            if (self->base.verbose)
                fprintf(stderr, "[%s] garbage after the sync sentinel, syncing again\n",
                        self->base.description);
            forgiven = TRUE;
            id = probe_socket_fresh_id(self);
            if (!probe_socket_send_sync(self, id, deadline, error))
                return FALSE;
            continue;
        }
        if (probe_get_int(json_node_get_object(reply), "return", TRUE, G_MININT64, G_MAXINT64, &got,
                          NULL) && got == id) {
            self->synced = TRUE;
            return TRUE;
        }
        if (self->base.verbose) {
            g_autofree char *safe = probe_sanitize(text);
            fprintf(stderr, "[%s] dropping stale reply %s\n", self->base.description, safe);
        }
    }
}

static gboolean probe_socket_execute(ProbeTransport *t, const char *request, gboolean want_reply,
                                     char **ret_reply, GError **error)
{
    ProbeSocketTransport *self = (ProbeSocketTransport *)t;
    int seconds = t->timeout == PROBE_TIMEOUT_DEFAULT ? PROBE_DEFAULT_TIMEOUT_SECONDS : t->timeout;
    g_autofree char *line_out = g_strconcat(request, "\n", NULL);
    gint64 deadline;

    if (!self->synced && !probe_socket_sync(self, error))
        return FALSE;
    deadline = probe_deadline(seconds == PROBE_TIMEOUT_BLOCK ? -1 : seconds);
    if (!probe_socket_send(self, line_out, strlen(line_out), deadline, error))
        return FALSE;
    if (t->timeout == PROBE_TIMEOUT_NOWAIT) {
        /* Nobody reads the reply: the next request must sync past it. */
        self->synced = FALSE;
        *ret_reply = NULL;
        return TRUE;
    }

    for (;;) {
        g_autoptr(GError) local = NULL;
        g_autoptr(JsonNode) reply = NULL;
        g_autofree char *line = probe_socket_read_line(self, deadline, "reply", &local);
        JsonObject *obj;

        if (!line) {
            /* qemu-ga sends nothing when shutdown/suspend succeed; the guest going away or
             * the wait ending without an error reply is their success. */
            if (!want_reply && local->domain == PROBE_ERROR &&
                (local->code == PROBE_ERROR_TIMEOUT || local->code == PROBE_ERROR_NOT_CONNECTED)) {
                *ret_reply = NULL;
                return TRUE;
            }
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        if (g_strstrip(line)[0] == '\0')
            continue;
        if (!(reply = probe_json_parse_reply(line, strlen(line), error))) {
            self->synced = FALSE;
            return FALSE;
        }
        obj = json_node_get_object(reply);
        /* QMP-style events are not replies; no agent sends them on this port today. */
        if (json_object_has_member(obj, "event") && !json_object_has_member(obj, "return") &&
            !json_object_has_member(obj, "error"))
            continue;
        *ret_reply = g_steal_pointer(&line);
        return TRUE;
    }
}

static void probe_socket_free(ProbeTransport *t)
{
    ProbeSocketTransport *self = (ProbeSocketTransport *)t;

    if (self->sock)
        g_socket_close(self->sock, NULL);
    g_clear_object(&self->sock);
    g_byte_array_unref(self->buf);
    g_free(self->path);
    g_free(self);
}

static const ProbeTransportOps probe_socket_ops = {
    .execute = probe_socket_execute,
    .free = probe_socket_free,
};

static void probe_socket_connect_error(const char *path, GError *local, GError **error)
{
    const char *hint = "";

    if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        hint = " (no socket there: is the domain running, and is the path from its live XML?)";
    else if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        hint = " (channel sockets belong to the QEMU user: run as root or as that user/group)";
    else if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        hint = " (nothing listens there: the domain may have stopped)";
    g_set_error(error, PROBE_ERROR, PROBE_ERROR_CONNECT, "cannot connect to %s: %s%s", path,
                local->message, hint);
}

ProbeTransport *probe_socket_transport_new(const char *path, int timeout, gboolean verbose,
                                           GError **error)
{
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    g_autoptr(GError) local = NULL;
    ProbeSocketTransport *self;
    g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_DEFAULT, &local);

    if (!sock) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_CONNECT, "cannot create a socket: %s",
                    local->message);
        return NULL;
    }
    g_socket_set_blocking(sock, FALSE);
    if (!g_socket_connect(sock, addr, NULL, &local)) {
        if (!g_error_matches(local, G_IO_ERROR, G_IO_ERROR_PENDING)) {
            probe_socket_connect_error(path, local, error);
            return NULL;
        }
        g_clear_error(&local);
        if (!g_socket_condition_timed_wait(sock, G_IO_OUT, 5 * G_USEC_PER_SEC, NULL, &local) ||
            !g_socket_check_connect_result(sock, &local)) {
            probe_socket_connect_error(path, local, error);
            return NULL;
        }
    }
    self = g_new0(ProbeSocketTransport, 1);
    self->base.ops = &probe_socket_ops;
    self->base.max_request = PROBE_SOCKET_MAX_REQUEST;
    self->base.timeout = timeout;
    self->base.verbose = verbose;
    self->base.description = g_strdup_printf("socket %s", path);
    self->sock = g_steal_pointer(&sock);
    self->buf = g_byte_array_new();
    self->path = g_strdup(path);
    return &self->base;
}

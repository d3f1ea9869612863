/* One guest's g2h connection on the main loop: non-blocking reads split into lines, bounded buffers, slow-writer and flood cut-offs. */
#include <string.h>

#include "g2h-host.h"
#include "listen-conn.h"
#include "listen-hooks.h"
#include "listen-log.h"

/* A guest that over-runs the bucket this many times in one connection is cut off: dropping
 * alone would still cost the listener a read per message. */
#define LISTEN_FLOOD_DISCONNECT 1000
/* Replies waiting for a guest that does not read: past this it is cut off. */
#define LISTEN_MAX_OUTPUT (256 * 1024)
/* Bytes read from one guest per turn of the loop, so a fast writer cannot starve the others. */
#define LISTEN_READ_BUDGET (64 * 1024)

struct ListenConn {
    ListenConfig cfg;
    GSocket *sock;
    G2hHost *host;
    ListenConnClosed closed;
    gpointer data;
    GSource *in_src, *out_src, *timer_src;
    GByteArray *line;        /* the message being received, at most G2H_HOST_MAX_MESSAGE + 1 */
    gboolean skipping;       /* over the cap: discard up to the next newline */
    gint64 partial_since;    /* monotonic time the current partial message began, 0 if none */
    GByteArray *out;         /* replies not yet written, at most LISTEN_MAX_OUTPUT */
    guint throttled;
    gboolean is_closed;
};

static void conn_status(ListenConn *c, const char *what)
{
    g_autofree char *line = g2h_host_status_line(c->host, "connection", what);
    listen_output(line);
}

static void drop_source(GSource **src)
{
    if (*src) {
        g_source_destroy(*src);
        g_source_unref(*src);
        *src = NULL;
    }
}

void listen_conn_close(ListenConn *c, ListenClose why, const char *reason)
{
    if (c->is_closed)
        return;
    c->is_closed = TRUE;
    drop_source(&c->in_src);
    drop_source(&c->out_src);
    drop_source(&c->timer_src);
    g_socket_close(c->sock, NULL);
    conn_status(c, reason);
    if (c->closed)
        c->closed(c, why, c->data);   /* may free c */
}

void listen_conn_free(ListenConn *c)
{
    if (!c)
        return;
    drop_source(&c->in_src);
    drop_source(&c->out_src);
    drop_source(&c->timer_src);
    g_object_unref(c->sock);
    g_byte_array_unref(c->line);
    g_byte_array_unref(c->out);
    g_free(c);
}

static gboolean conn_writable(GSocket *sock, GIOCondition cond, gpointer data);

/* FALSE when the connection was closed (and perhaps freed). */
static gboolean conn_flush(ListenConn *c)
{
    while (c->out->len) {
        g_autoptr(GError) err = NULL;
        gssize n = g_socket_send(c->sock, (const char *)c->out->data, c->out->len, NULL, &err);
        if (n < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
        if (n <= 0) {
            listen_conn_close(c, LISTEN_CLOSE_EOF, "closed: write failed");
            return FALSE;
        }
        g_byte_array_remove_range(c->out, 0, (guint)n);
    }
    if (c->out->len && !c->out_src) {
        c->out_src = g_socket_create_source(c->sock, G_IO_OUT, NULL);
        g_source_set_callback(c->out_src, G_SOURCE_FUNC(conn_writable), c, NULL);
        g_source_attach(c->out_src, NULL);
    } else if (!c->out->len) {
        drop_source(&c->out_src);
    }
    return TRUE;
}

static gboolean conn_writable(GSocket *sock, GIOCondition cond, gpointer data)
{
    (void)sock;
    (void)cond;
    ListenConn *c = data;
    /* The source is dropped by conn_flush when everything is written. */
    conn_flush(c);
    return G_SOURCE_CONTINUE;
}

/* One complete line from the guest. FALSE when the connection was closed. */
static gboolean conn_handle_line(ListenConn *c)
{
    if (c->skipping) {
        /* Over the cap: handing the policy an oversized text makes it count the drop. */
        guint have = c->line->len;
        g_byte_array_set_size(c->line, G2H_HOST_MAX_MESSAGE + 1);
        memset(c->line->data + have, 'x', c->line->len - have);
        c->skipping = FALSE;
    } else if (c->line->len == 0) {
        return TRUE;
    }
    g_autofree char *reply = NULL, *record = NULL;
    G2hHostVerdict v = g2h_host_handle(c->host, (const char *)c->line->data, c->line->len,
                                       g_get_monotonic_time(), &reply, &record);
    g_byte_array_set_size(c->line, 0);
    if (v == G2H_HOST_THROTTLED && ++c->throttled >= LISTEN_FLOOD_DISCONNECT) {
        listen_conn_close(c, LISTEN_CLOSE_POLICY, "closed: flood");
        return FALSE;
    }
    if (record)
        listen_output(record);
    if (v == G2H_HOST_EVENT && c->cfg.hooks)
        listen_hooks_event(c->cfg.hooks, g2h_host_name(c->host), g2h_host_uuid(c->host),
                           g2h_host_last_name(c->host), record);
    if (reply) {
        if (c->out->len + strlen(reply) + 1 > LISTEN_MAX_OUTPUT) {
            listen_conn_close(c, LISTEN_CLOSE_POLICY, "closed: guest not reading its replies");
            return FALSE;
        }
        g_byte_array_append(c->out, (const guint8 *)reply, (guint)strlen(reply));
        g_byte_array_append(c->out, (const guint8 *)"\n", 1);
        return conn_flush(c);
    }
    return TRUE;
}

/* Messages end with "\n" (the agent writes one after each). FALSE when closed. */
static gboolean conn_feed(ListenConn *c, const char *buf, gsize n)
{
    const char *p = buf, *end = buf + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (gsize)(end - p));
        gsize seg = (gsize)((nl ? nl : end) - p);
        if (!c->skipping && c->line->len + seg > G2H_HOST_MAX_MESSAGE)
            c->skipping = TRUE;   /* what was kept so far stays, but no more: memory is capped */
        if (!c->skipping)
            g_byte_array_append(c->line, (const guint8 *)p, (guint)seg);
        if (!nl)
            break;
        c->partial_since = 0;
        if (!conn_handle_line(c))
            return FALSE;
        p = nl + 1;
    }
    if ((c->line->len || c->skipping) && !c->partial_since)
        c->partial_since = g_get_monotonic_time();
    return TRUE;
}

static gboolean conn_timer(gpointer data);

/* A slow writer (a byte a second) never finishes a message: the clock starts with the message. */
static void conn_arm_timer(ListenConn *c)
{
    if (!c->partial_since || !c->cfg.read_timeout_s) {
        drop_source(&c->timer_src);
        return;
    }
    if (c->timer_src)
        return;
    gint64 due = c->partial_since + (gint64)c->cfg.read_timeout_s * G_USEC_PER_SEC;
    gint64 left_ms = MAX(0, (due - g_get_monotonic_time()) / 1000 + 1);
    c->timer_src = g_timeout_source_new((guint)left_ms);
    g_source_set_callback(c->timer_src, conn_timer, c, NULL);
    g_source_attach(c->timer_src, NULL);
}

static gboolean conn_timer(gpointer data)
{
    ListenConn *c = data;
    g_source_unref(c->timer_src);
    c->timer_src = NULL;   /* this one ends here (G_SOURCE_REMOVE) */
    if (c->partial_since &&
        g_get_monotonic_time() - c->partial_since >= (gint64)c->cfg.read_timeout_s * G_USEC_PER_SEC) {
        g_autofree char *why = g_strdup_printf("closed: slow writer (no complete message in %u s)",
                                               c->cfg.read_timeout_s);
        listen_conn_close(c, LISTEN_CLOSE_POLICY, why);
        return G_SOURCE_REMOVE;
    }
    conn_arm_timer(c);
    return G_SOURCE_REMOVE;
}

static gboolean conn_readable(GSocket *sock, GIOCondition cond, gpointer data)
{
    (void)sock;
    (void)cond;
    ListenConn *c = data;
    char chunk[16 * 1024];
    gsize budget = LISTEN_READ_BUDGET;

    while (budget) {
        g_autoptr(GError) err = NULL;
        gssize n = g_socket_receive(c->sock, chunk, MIN(sizeof(chunk), budget), NULL, &err);
        if (n < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
        if (n <= 0) {
            listen_conn_close(c, LISTEN_CLOSE_EOF, "closed");
            return G_SOURCE_REMOVE;
        }
        budget -= (gsize)n;
        if (!conn_feed(c, chunk, (gsize)n))
            return G_SOURCE_REMOVE;
    }
    conn_arm_timer(c);
    return G_SOURCE_CONTINUE;
}

ListenConn *listen_conn_new(const ListenConfig *cfg, GSocket *sock, G2hHost *host, ListenConnClosed closed,
                            gpointer data)
{
    ListenConn *c = g_new0(ListenConn, 1);
    c->cfg = *cfg;
    c->sock = sock;
    c->host = host;
    c->closed = closed;
    c->data = data;
    c->line = g_byte_array_new();
    c->out = g_byte_array_new();
    g_socket_set_blocking(sock, FALSE);
    conn_status(c, "open");
    c->in_src = g_socket_create_source(sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
    g_source_set_callback(c->in_src, G_SOURCE_FUNC(conn_readable), c, NULL);
    g_source_attach(c->in_src, NULL);
    return c;
}

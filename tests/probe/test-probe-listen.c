/* `qga-probe listen` as a process: the agent's g2h client over a UNIX socket, state across listener restarts, hostile guests. */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>

#include "g2h/client.h"
#include "g2h-reply.h"

typedef struct Listener {
    GSubprocess *proc;
    GSocket *sock;
    char *path;
    GByteArray *in;    /* bytes from the listener not yet split into lines */
} Listener;

static char *tmp_dir;

static void listener_start(Listener *l, const char *state)
{
    l->path = g_build_filename(tmp_dir, "g2h.sock", NULL);
    g_remove(l->path);
    g_autoptr(GError) err = NULL;
    l->proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE, &err, g_getenv("QGA_PROBE"), "listen",
                               "--listen", l->path, "--state-dir", state, "--guest", "vm1", "--once", NULL);
    g_assert_no_error(err);
    for (int i = 0; i < 500 && !g_file_test(l->path, G_FILE_TEST_EXISTS); i++)
        g_usleep(10000);
    l->sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &err);
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(l->path);
    g_assert_true(g_socket_connect(l->sock, addr, NULL, &err));
    g_assert_no_error(err);
    g_socket_set_timeout(l->sock, 10);
    l->in = g_byte_array_new();
}

static void send_bytes(Listener *l, const char *data, gsize len)
{
    while (len) {
        gssize n = g_socket_send(l->sock, data, len, NULL, NULL);
        if (n <= 0)
            return;   /* the listener may have cut a flooding guest off */
        data += n;
        len -= (gsize)n;
    }
}

static char *read_line(Listener *l)
{
    for (;;) {
        guint8 *nl = l->in->len ? memchr(l->in->data, '\n', l->in->len) : NULL;
        if (nl) {
            gsize n = (gsize)(nl - l->in->data);
            char *line = g_strndup((const char *)l->in->data, n);
            g_byte_array_remove_range(l->in, 0, (guint)n + 1);
            return line;
        }
        char chunk[4096];
        gssize n = g_socket_receive(l->sock, chunk, sizeof(chunk), NULL, NULL);
        g_assert_cmpint(n, >, 0);
        g_byte_array_append(l->in, (const guint8 *)chunk, (guint)n);
    }
}

/* Closes the guest's end and returns everything the listener printed; it must exit 0. */
static char **listener_stop(Listener *l)
{
    g_socket_close(l->sock, NULL);
    g_clear_object(&l->sock);
    g_autofree char *out = NULL;
    g_autoptr(GError) err = NULL;
    g_assert_true(g_subprocess_communicate_utf8(l->proc, NULL, NULL, &out, NULL, &err));
    g_assert_true(g_subprocess_get_if_exited(l->proc));
    g_assert_cmpint(g_subprocess_get_exit_status(l->proc), ==, 0);
    g_clear_object(&l->proc);
    g_byte_array_unref(l->in);
    g_remove(l->path);
    g_free(l->path);
    return g_strsplit(out, "\n", -1);
}

/* Writes what the client queued, then reads one reply per outstanding request. */
static void exchange(Listener *l, QgaG2hClient *c, QgaBuf *out)
{
    send_bytes(l, out->data, out->len);
    qga_buf_clear(out);
    while (qga_g2h_client_pending(c)) {
        g_autofree char *line = read_line(l);
        g_assert_cmpint(qga_g2h_client_receive(c, line, strlen(line), NULL), ==, 0);
    }
}

static void kv_request(Listener *l, QgaG2hClient *c, QgaBuf *out, const char *name, const char *key,
                       const char *value, Reply *r)
{
    QgaJson *args = NULL;
    if (key) {
        args = qga_json_object();
        qga_json_object_set_str(args, "key", key);
        if (value)
            qga_json_object_set_str(args, "value", value);
    }
    g_assert_cmpint(qga_g2h_client_request(c, out, name, args, on_reply, r, NULL, NULL), ==, 0);
    exchange(l, c, out);
}

static void test_session_and_restart(void)
{
    g_autofree char *state = g_build_filename(tmp_dir, "state", NULL);
    Listener l = { 0 };
    QgaBuf out = { 0 };
    Reply hello = { 0 }, r = { 0 };
    QgaG2hClient *c = qga_g2h_client_new(2);

    /* Three events before the host is there: one is dropped and reported. */
    qga_g2h_client_event(c, &out, "AGENT_STOPPING", NULL, 1, 0);
    for (guint64 i = 1; i <= 2; i++) {
        QgaJson *d = qga_json_object();
        qga_json_object_set_uint(d, "sequence", i);
        qga_g2h_client_event(c, &out, "HEARTBEAT", d, 10, 0);
    }
    listener_start(&l, state);
    static const char *const caps[] = { "HEARTBEAT", NULL };
    g_assert_cmpint(qga_g2h_client_connected(c, &out, "9.9", "linux", caps, on_reply, &hello, 20, 0, NULL), ==, 0);
    exchange(&l, c, &out);
    g_assert_null(hello.error);
    g_assert_nonnull(strstr(hello.result, "\"requests\": [\"host-hello\", \"host-get-time\", \"host-kv-set\""));
    kv_request(&l, c, &out, "host-kv-set", "role", "web", &r);
    g_assert_cmpstr(r.result, ==, "{}");
    kv_request(&l, c, &out, "host-get-time", NULL, NULL, &r);
    g_assert_cmpint(g_ascii_strtoll(r.result, NULL, 10), >, 1700000000LL * 1000000000LL);
    kv_request(&l, c, &out, "host-nonsense", NULL, NULL, &r);
    g_assert_cmpstr(r.error, ==, "The command host-nonsense has not been found");
    qga_g2h_client_disconnected(c);
    g_auto(GStrv) lines = listener_stop(&l);
    g_assert_cmpstr(lines[0], ==, "{\"guest\":\"vm1\",\"connection\":\"open\"}");
    g_assert_cmpstr(lines[1], ==, "{\"guest\":\"vm1\",\"request\":{\"execute\":\"host-hello\",\"arguments\":{\"version\":\"9.9\","
                                  "\"os\":\"linux\",\"capabilities\":[\"HEARTBEAT\"]},\"id\":1}}");
    g_assert_cmpstr(lines[2], ==, "{\"guest\":\"vm1\",\"event\":{\"event\":\"EVENTS_DROPPED\",\"data\":{\"count\":1},"
                                  "\"timestamp\":{\"seconds\":20,\"microseconds\":0}}}");
    g_assert_nonnull(strstr(lines[3], "\"sequence\":1"));
    g_assert_nonnull(strstr(lines[4], "\"sequence\":2"));
    g_assert_cmpstr(lines[5], ==, "{\"guest\":\"vm1\",\"request\":{\"execute\":\"host-kv-set\",\"arguments\":{\"key\":\"role\","
                                  "\"value\":\"web\"},\"id\":2}}");
    g_assert_cmpstr(lines[8], ==, "{\"guest\":\"vm1\",\"connection\":\"closed\"}");
    g_assert_cmpstr(lines[9], ==, "");
    g_assert_null(lines[10]);

    /* A new listener process over the same state directory still has the key. */
    listener_start(&l, state);
    g_free(hello.result);
    hello.result = NULL;
    g_assert_cmpint(qga_g2h_client_connected(c, &out, "9.9", "linux", caps, on_reply, &hello, 30, 0, NULL), ==, 0);
    exchange(&l, c, &out);
    kv_request(&l, c, &out, "host-kv-get", "role", NULL, &r);
    g_assert_cmpstr(r.result, ==, "\"web\"");
    kv_request(&l, c, &out, "host-kv-list", NULL, NULL, &r);
    g_assert_cmpstr(r.result, ==, "[\"role\"]");
    qga_g2h_client_disconnected(c);
    g_auto(GStrv) again = listener_stop(&l);
    g_assert_cmpuint(g_strv_length(again), ==, 6);

    qga_g2h_client_free(c);
    qga_buf_free(&out);
    g_free(hello.result);
    g_free(r.result);
    g_free(r.error);
    g_autofree char *kv = g_build_filename(state, "vm1.kv", NULL);
    g_assert_cmpint(g_remove(kv), ==, 0);
    g_assert_cmpint(g_rmdir(state), ==, 0);
}

static void test_hostile_guest(void)
{
    g_autofree char *state = g_build_filename(tmp_dir, "state2", NULL);
    Listener l = { 0 };
    listener_start(&l, state);
    /* A megabyte line, invalid UTF-8, deep nesting: dropped without a reply. */
    g_autofree char *mega = g_strnfill(1024 * 1024, 'a');
    send_bytes(&l, mega, strlen(mega));
    const char *bad_utf8 = "\n{\"execute\":\"host-log\",\"arguments\":{\"message\":\"\xff\"},\"id\":1}\n";
    send_bytes(&l, bad_utf8, strlen(bad_utf8));
    g_autofree char *deep = g_strnfill(50000, '[');
    send_bytes(&l, deep, strlen(deep));
    send_bytes(&l, "\n", 1);
    /* Still answering. */
    const char *ok = "{\"execute\":\"host-kv-list\",\"id\":7}\n";
    send_bytes(&l, ok, strlen(ok));
    g_autofree char *reply = read_line(&l);
    g_assert_cmpstr(reply, ==, "{\"return\":[],\"id\":7}");
    /* A flood: the listener stops reading and hangs up. */
    const char *hb = "{\"event\":\"HEARTBEAT\",\"data\":{\"sequence\":1},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}\n";
    GString *flood = g_string_new(NULL);
    for (int i = 0; i < 3000; i++)
        g_string_append(flood, hb);
    send_bytes(&l, flood->str, flood->len);
    g_string_free(flood, TRUE);
    g_auto(GStrv) lines = listener_stop(&l);
    guint n = g_strv_length(lines);
    /* open, the kv-list request, about a bucket of heartbeats (plus the refill while it reads), the
     * cut-off: far fewer than the 3000 sent. */
    g_assert_cmpuint(n, <=, 300);
    g_assert_cmpstr(lines[0], ==, "{\"guest\":\"vm1\",\"connection\":\"open\"}");
    g_assert_cmpstr(lines[1], ==, "{\"guest\":\"vm1\",\"request\":{\"execute\":\"host-kv-list\",\"id\":7}}");
    g_assert_cmpstr(lines[n - 2], ==, "{\"guest\":\"vm1\",\"connection\":\"closed: flood\"}");
    g_assert_cmpint(g_rmdir(state), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("probe-listen-XXXXXX", NULL);
    g_test_add_func("/probe/listen/session-and-restart", test_session_and_restart);
    g_test_add_func("/probe/listen/hostile-guest", test_hostile_guest);
    int rc = g_test_run();
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
    return rc;
}

/* Unit tests of the guest-driven channel's client state: hello, request ids and replies, events, the bounded queue. */
#include <glib.h>
#include <string.h>

#include "g2h/client.h"

typedef struct Reply {
    int calls;
    char *result;   /* the return value, serialized */
    char *error;    /* "<class>: <desc>" */
} Reply;

static void reply_clear(Reply *r)
{
    g_free(r->result);
    g_free(r->error);
    memset(r, 0, sizeof(*r));
}

static void on_reply(void *opaque, const QgaJson *result, const QgaError *error)
{
    Reply *r = opaque;
    r->calls++;
    g_assert_true((result == NULL) != (error == NULL));
    if (result)
        r->result = qga_json_to_string(result);
    else
        r->error = g_strdup_printf("%s: %s", qga_error_class_name(error->error_class), error->desc);
}

/* The output, split into its lines; each message is one line ending in "\n". */
static char **take_lines(QgaBuf *out)
{
    g_assert_true(out->len > 0);
    g_assert_cmpint(out->data[out->len - 1], ==, '\n');
    char *text = g_strndup(out->data, out->len - 1);
    qga_buf_clear(out);
    char **lines = g_strsplit(text, "\n", -1);
    g_free(text);
    return lines;
}

static const char *const caps[] = {"HEARTBEAT", "host-get-time", NULL};

static void test_hello(void)
{
    QgaG2hClient *c = qga_g2h_client_new(0);
    QgaBuf out = {0};
    Reply r = {0};
    g_assert_false(qga_g2h_client_is_connected(c));
    g_assert_cmpint(qga_g2h_client_connected(c, &out, "1.2.3", "linux", caps, on_reply, &r, 100, 5, NULL), ==, 0);
    g_assert_true(qga_g2h_client_is_connected(c));
    g_assert_cmpstr(out.data, ==,
        "{\"execute\": \"host-hello\", \"arguments\": {\"version\": \"1.2.3\", \"os\": \"linux\", "
        "\"capabilities\": [\"HEARTBEAT\", \"host-get-time\"]}, \"id\": 1}\n");
    g_assert_cmpuint(qga_g2h_client_pending(c), ==, 1);
    const char *reply = "{\"return\": {\"host\": \"qga-probe 1\", \"time\": 5, \"requests\": []}, \"id\": 1}";
    g_assert_cmpint(qga_g2h_client_receive(c, reply, strlen(reply), NULL), ==, 0);
    g_assert_cmpint(r.calls, ==, 1);
    g_assert_cmpstr(r.result, ==, "{\"host\": \"qga-probe 1\", \"time\": 5, \"requests\": []}");
    g_assert_cmpuint(qga_g2h_client_pending(c), ==, 0);
    /* The same reply again matches nothing. */
    QgaError *err = NULL;
    g_assert_cmpint(qga_g2h_client_receive(c, reply, strlen(reply), &err), ==, -1);
    g_assert_cmpstr(err->desc, ==, "host reply to unknown request id 1");
    qga_error_free(err);
    g_assert_cmpint(r.calls, ==, 1);
    reply_clear(&r);
    qga_buf_free(&out);
    qga_g2h_client_free(c);
}

static void test_request_ids_and_errors(void)
{
    QgaG2hClient *c = qga_g2h_client_new(0);
    QgaBuf out = {0};
    Reply hello = {0}, a = {0}, b = {0};
    QgaError *err = NULL;
    uint64_t id = 0;

    g_assert_cmpint(qga_g2h_client_request(c, &out, "host-get-time", NULL, on_reply, &a, &id, &err), ==, -1);
    g_assert_cmpstr(err->desc, ==, "host-get-time: host not connected");
    g_clear_pointer(&err, qga_error_free);
    g_assert_cmpuint(out.len, ==, 0);

    g_assert_cmpint(qga_g2h_client_connected(c, &out, "1", "linux", NULL, on_reply, &hello, 0, 0, NULL), ==, 0);
    qga_buf_clear(&out);
    const char *r1 = "{\"return\": {}, \"id\": 1}";
    g_assert_cmpint(qga_g2h_client_receive(c, r1, strlen(r1), NULL), ==, 0);
    g_assert_cmpstr(hello.result, ==, "{}");
    g_assert_cmpint(qga_g2h_client_request(c, &out, "host-get-time", NULL, on_reply, &a, &id, NULL), ==, 0);
    g_assert_cmpuint(id, ==, 2);
    QgaJson *args = qga_json_object();
    qga_json_object_set_str(args, "key", "k");
    g_assert_cmpint(qga_g2h_client_request(c, &out, "host-kv-get", args, on_reply, &b, &id, NULL), ==, 0);
    g_assert_cmpuint(id, ==, 3);
    g_assert_cmpstr(out.data, ==,
        "{\"execute\": \"host-get-time\", \"id\": 2}\n"
        "{\"execute\": \"host-kv-get\", \"arguments\": {\"key\": \"k\"}, \"id\": 3}\n");

    /* Replies may come in any order; errors keep the host's class and text. */
    const char *r3 = "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no such key: k\"}, \"id\": 3}";
    g_assert_cmpint(qga_g2h_client_receive(c, r3, strlen(r3), NULL), ==, 0);
    g_assert_cmpstr(b.error, ==, "GenericError: no such key: k");
    g_assert_cmpint(a.calls, ==, 0);
    const char *bad[] = {"[1]", "{\"return\": 1}", "{\"id\": \"2\", \"return\": 1}", "{\"id\": 2}", "{\"id\": -2, \"return\": 1}", "{"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpint(qga_g2h_client_receive(c, bad[i], strlen(bad[i]), &err), ==, -1);
        g_assert_nonnull(err);
        g_clear_pointer(&err, qga_error_free);
    }
    g_assert_cmpint(a.calls, ==, 0);
    const char *r2 = "{\"return\": 1700000000123456789, \"id\": 2}";
    g_assert_cmpint(qga_g2h_client_receive(c, r2, strlen(r2), NULL), ==, 0);
    g_assert_cmpstr(a.result, ==, "1700000000123456789");

    /* The number of requests in flight is bounded. */
    Reply many[QGA_G2H_PENDING_MAX] = {0};
    for (int i = 0; i < QGA_G2H_PENDING_MAX; i++)
        g_assert_cmpint(qga_g2h_client_request(c, &out, "host-log", NULL, on_reply, &many[i], NULL, NULL), ==, 0);
    g_assert_cmpint(qga_g2h_client_request(c, &out, "host-log", NULL, on_reply, &a, NULL, &err), ==, -1);
    g_assert_cmpstr(err->desc, ==, "host-log: 16 requests already wait for the host");
    g_clear_pointer(&err, qga_error_free);

    /* A disconnect fails each of them exactly once. */
    qga_g2h_client_disconnected(c);
    g_assert_cmpuint(qga_g2h_client_pending(c), ==, 0);
    for (int i = 0; i < QGA_G2H_PENDING_MAX; i++) {
        g_assert_cmpint(many[i].calls, ==, 1);
        g_assert_cmpstr(many[i].error, ==, "GenericError: host disconnected");
        reply_clear(&many[i]);
    }
    reply_clear(&hello);
    reply_clear(&a);
    reply_clear(&b);
    qga_buf_free(&out);
    qga_g2h_client_free(c);
}

static void test_event_shape(void)
{
    QgaG2hClient *c = qga_g2h_client_new(0);
    QgaBuf out = {0};
    Reply hello = {0};
    g_assert_cmpint(qga_g2h_client_connected(c, &out, "1", "linux", NULL, on_reply, &hello, 0, 0, NULL), ==, 0);
    qga_buf_clear(&out);
    QgaJson *data = qga_json_object();
    qga_json_object_set_uint(data, "sequence", 7);
    qga_g2h_client_event(c, &out, "HEARTBEAT", data, 1700000000, 250);
    qga_g2h_client_event(c, &out, "AGENT_STOPPING", NULL, 1700000001, 0);
    g_assert_cmpstr(out.data, ==,
        "{\"event\": \"HEARTBEAT\", \"data\": {\"sequence\": 7}, "
        "\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 250}}\n"
        "{\"event\": \"AGENT_STOPPING\", \"data\": {}, "
        "\"timestamp\": {\"seconds\": 1700000001, \"microseconds\": 0}}\n");
    g_assert_cmpuint(qga_g2h_client_queued(c), ==, 0);
    qga_buf_free(&out);
    qga_g2h_client_free(c);
    /* Freeing with hello unanswered fails it once. */
    g_assert_cmpstr(hello.error, ==, "GenericError: agent stopping");
    reply_clear(&hello);
}

static void emit_heartbeat(QgaG2hClient *c, QgaBuf *out, uint64_t seq)
{
    QgaJson *data = qga_json_object();
    qga_json_object_set_uint(data, "sequence", seq);
    qga_g2h_client_event(c, out, "HEARTBEAT", data, (int64_t)seq, 0);
}

static void test_queue_overflow(void)
{
    QgaG2hClient *c = qga_g2h_client_new(4);
    QgaBuf out = {0};
    Reply hello = {0};
    /* Ten events while the host is away: the oldest six go, and are counted. */
    for (uint64_t seq = 1; seq <= 10; seq++)
        emit_heartbeat(c, &out, seq);
    g_assert_cmpuint(out.len, ==, 0);
    g_assert_cmpuint(qga_g2h_client_queued(c), ==, 4);
    g_assert_cmpuint(qga_g2h_client_dropped(c), ==, 6);

    g_assert_cmpint(qga_g2h_client_connected(c, &out, "1", "linux", NULL, on_reply, &hello, 99, 42, NULL), ==, 0);
    char **lines = take_lines(&out);
    g_assert_cmpuint(g_strv_length(lines), ==, 6);
    g_assert_cmpstr(lines[0], ==, "{\"execute\": \"host-hello\", \"arguments\": {\"version\": \"1\", \"os\": \"linux\", "
                                  "\"capabilities\": []}, \"id\": 1}");
    g_assert_cmpstr(lines[1], ==, "{\"event\": \"EVENTS_DROPPED\", \"data\": {\"count\": 6}, "
                                  "\"timestamp\": {\"seconds\": 99, \"microseconds\": 42}}");
    for (int i = 0; i < 4; i++) {
        g_autofree char *want = g_strdup_printf("{\"event\": \"HEARTBEAT\", \"data\": {\"sequence\": %d}, "
                                                "\"timestamp\": {\"seconds\": %d, \"microseconds\": 0}}", 7 + i, 7 + i);
        g_assert_cmpstr(lines[2 + i], ==, want);
    }
    g_strfreev(lines);
    g_assert_cmpuint(qga_g2h_client_queued(c), ==, 0);
    g_assert_cmpuint(qga_g2h_client_dropped(c), ==, 0);

    /* Away again: the hello fails, the count starts afresh, and no stale EVENTS_DROPPED follows. */
    qga_g2h_client_disconnected(c);
    g_assert_cmpstr(hello.error, ==, "GenericError: host disconnected");
    reply_clear(&hello);
    for (uint64_t seq = 11; seq <= 13; seq++)
        emit_heartbeat(c, &out, seq);
    g_assert_cmpuint(qga_g2h_client_dropped(c), ==, 0);
    g_assert_cmpint(qga_g2h_client_connected(c, &out, "1", "linux", NULL, on_reply, &hello, 0, 0, NULL), ==, 0);
    lines = take_lines(&out);
    g_assert_cmpuint(g_strv_length(lines), ==, 4);
    g_assert_cmpstr(lines[0], ==, "{\"execute\": \"host-hello\", \"arguments\": {\"version\": \"1\", \"os\": \"linux\", "
                                  "\"capabilities\": []}, \"id\": 2}");
    g_assert_nonnull(strstr(lines[1], "\"sequence\": 11"));
    g_assert_nonnull(strstr(lines[3], "\"sequence\": 13"));
    g_strfreev(lines);
    qga_buf_free(&out);
    qga_g2h_client_free(c);
    reply_clear(&hello);
}

/* Freeing a client with a full queue releases every event (checked under ASan/valgrind). */
static void test_free_queued(void)
{
    QgaG2hClient *c = qga_g2h_client_new(3);
    QgaBuf out = {0};
    for (uint64_t seq = 1; seq <= 5; seq++)
        emit_heartbeat(c, &out, seq);
    g_assert_cmpuint(qga_g2h_client_queued(c), ==, 3);
    g_assert_cmpuint(qga_g2h_client_dropped(c), ==, 2);
    qga_g2h_client_free(c);
    qga_buf_free(&out);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/g2h/hello", test_hello);
    g_test_add_func("/agent/g2h/request-ids-and-errors", test_request_ids_and_errors);
    g_test_add_func("/agent/g2h/event-shape", test_event_shape);
    g_test_add_func("/agent/g2h/queue-overflow", test_queue_overflow);
    g_test_add_func("/agent/g2h/free-queued", test_free_queued);
    return g_test_run();
}

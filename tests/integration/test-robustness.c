/* Bad input, limits and misbehaving clients: exact qemu-ga errors, bounded memory, no spinning. */
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

/* The agent still answers on this connection. */
static void assert_still_serving(QgaTestClient *c)
{
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-ping\", \"id\": \"alive\"}");
    qga_test_reply_return(r);
    g_assert_cmpstr(json_object_get_string_member(r, "id"), ==, "alive");
}

typedef struct {
    const char *input;   /* sent as is, followed by "\n" */
    const char *desc;    /* exact GenericError desc */
} ErrorCase;

static void check_error_cases(const ErrorCase *cases, size_t n)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);

    for (size_t i = 0; i < n; i++) {
        g_test_message("input: %s", cases[i].input);
        g_autoptr(JsonObject) r = qga_test_cmd(c, cases[i].input);
        qga_test_assert_error(r, "GenericError", cases[i].desc);
        /* A parse error never carries an id (the input never became a request). */
        g_assert_false(json_object_has_member(r, "id"));
        qga_test_expect_silence(c, 20);
        assert_still_serving(c);
    }
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* Syntax errors: qobject/json-parser.c's messages, first error wins. */
static void test_malformed_json(void)
{
    static const ErrorCase cases[] = {
        { "{\"execute\": }", "JSON parse error, expecting value" },
        { "{\"execute\" \"guest-ping\"}", "JSON parse error, missing : in object pair" },
        { "{\"execute\": \"guest-ping\",}", "JSON parse error, expecting value" },
        { "{\"execute\": \"guest-ping\" \"id\": 1}", "JSON parse error, expected separator in dict" },
        { "{1: 2}", "JSON parse error, key is not a string in object" },
        { "{\"execute\": nul}", "JSON parse error, invalid keyword 'nul'" },
        { "{\"execute\": \"guest-ping\", \"execute\": \"guest-ping\"}", "JSON parse error, duplicate key" },
        { "[1 2]", "JSON parse error, expected separator in list" },
        { "[1,]", "JSON parse error, expecting value" },
        { "}", "JSON parse error, expecting value" },
        { "]", "JSON parse error, expecting value" },
        { "{\"execute\": \"\xc3\x28\"}", "JSON parse error, invalid UTF-8 sequence in string" },
        { "{\"execute\": \"\\uD800\"}", "JSON parse error, \\uD800 is not a valid Unicode character" },
    };
    check_error_cases(cases, G_N_ELEMENTS(cases));
}

/* Valid JSON that is not a request: qapi/qmp-dispatch.c's messages. */
static void test_not_a_request(void)
{
    static const ErrorCase cases[] = {
        { "42", "QMP input must be a JSON object" },
        { "\"guest-ping\"", "QMP input must be a JSON object" },
        { "[]", "QMP input must be a JSON object" },
        { "[{\"execute\": \"guest-ping\"}]", "QMP input must be a JSON object" },
        { "null", "QMP input must be a JSON object" },
        { "true", "QMP input must be a JSON object" },
        { "{}", "QMP input lacks member 'execute'" },
        { "{\"arguments\": {}}", "QMP input lacks member 'execute'" },
        { "{\"execute\": 1}", "QMP input member 'execute' must be a string" },
        { "{\"execute\": \"guest-ping\", \"arguments\": []}", "QMP input member 'arguments' must be an object" },
        { "{\"execute\": \"guest-ping\", \"arguments\": null}", "QMP input member 'arguments' must be an object" },
    };
    check_error_cases(cases, G_N_ELEMENTS(cases));
}

static void test_unknown_member(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);

    g_autoptr(JsonObject) r1 = qga_test_cmd(c, "{\"execute\": \"guest-ping\", \"foo\": 1}");
    qga_test_assert_error(r1, "GenericError", "QMP input member 'foo' is unexpected");
    g_autoptr(JsonObject) r2 = qga_test_cmd(c, "{\"execute\": \"guest-ping\", \"control\": {}, \"id\": 9}");
    qga_test_assert_error(r2, "GenericError", "QMP input member 'control' is unexpected");
    g_assert_cmpint(json_object_get_int_member(r2, "id"), ==, 9);
    assert_still_serving(c);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* Argument checking: qapi/qobject-input-visitor.c's messages. */
static void test_wrong_argument_types(void)
{
    static const ErrorCase cases[] = {
        { "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": \"x\"}}", "Invalid parameter type for 'id', expected: integer" },
        { "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 1.5}}", "Invalid parameter type for 'id', expected: integer" },
        { "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": true}}", "Invalid parameter type for 'id', expected: integer" },
        { "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": null}}", "Invalid parameter type for 'id', expected: integer" },
        { "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": [1]}}", "Invalid parameter type for 'id', expected: integer" },
        { "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 9223372036854775808}}",
          "Invalid parameter type for 'id', expected: integer" },
        { "{\"execute\": \"guest-sync\", \"arguments\": {}}", "Parameter 'id' is missing" },
        { "{\"execute\": \"guest-sync\"}", "Parameter 'id' is missing" },
        { "{\"execute\": \"guest-sync\", \"arguments\": {\"extra\": 1}}", "Parameter 'id' is missing" },
        { "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 1, \"extra\": 2}}", "Parameter 'extra' is unexpected" },
        { "{\"execute\": \"guest-get-time\", \"arguments\": {\"now\": true}}", "Parameter 'now' is unexpected" },
    };
    check_error_cases(cases, G_N_ELEMENTS(cases));
}

/* A lexical error: the stray byte is reported, recovery resumes at the next structural char. */
static void test_stray_byte(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);

    qga_test_send_str(c, "{\"execute\": @}\n");
    g_autoptr(JsonObject) r1 = qga_test_recv(c);
    qga_test_assert_error(r1, "GenericError", "JSON parse error, stray '@'");
    /* QEMU's lexer skips to the '}', which then stands alone: one more error. */
    g_autoptr(JsonObject) r2 = qga_test_recv(c);
    qga_test_assert_error(r2, "GenericError", "JSON parse error, expecting value");
    qga_test_expect_silence(c, 50);
    assert_still_serving(c);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* 0xFF in the middle of a request throws the partial request away. */
static void test_ff_discards_partial(void)
{
    static const char input[] = "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": \xff"
                                "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 5}}\n";
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);

    qga_test_send(c, input, sizeof(input) - 1);
    g_autoptr(JsonObject) r1 = qga_test_recv(c);
    qga_test_assert_error(r1, "GenericError", "JSON parse error, stray '\xef\xbf\xbd'");
    size_t len;
    g_autofree char *line = qga_test_read_line(c, QGA_TEST_TIMEOUT_MS, &len);
    g_assert_cmpstr(line, ==, "{\"return\": 5}");
    qga_test_expect_silence(c, 50);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/*
 * Resynchronise after garbage: 0xFF, then guest-sync-delimited; return the
 * descs of the error replies that came before the sync reply (all replies
 * before it must be errors).
 */
static GPtrArray *resync(QgaTestClient *c, gint64 id)
{
    GPtrArray *descs = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *req = g_strdup_printf(
        "\xff{\"execute\": \"guest-sync-delimited\", \"arguments\": {\"id\": %" G_GINT64_FORMAT "}}\n", id);
    g_autofree char *expected = g_strdup_printf("\xff{\"return\": %" G_GINT64_FORMAT "}", id);

    g_assert_cmpuint(qga_test_send_draining(c, req, strlen(req), QGA_TEST_TIMEOUT_MS), ==, strlen(req));
    for (;;) {
        size_t len;
        g_autofree char *line = qga_test_read_line(c, QGA_TEST_TIMEOUT_MS * 3, &len);
        g_assert_nonnull(line);
        if (g_str_equal(line, expected)) {
            return descs;
        }
        g_autoptr(JsonObject) r = qga_test_parse_reply(line, len);
        g_assert_true(json_object_has_member(r, "error"));
        g_ptr_array_add(descs, g_strdup(json_object_get_string_member(json_object_get_object_member(r, "error"),
                                                                      "desc")));
        /* Garbage is answered in bounded amounts, never echoed back wholesale. */
        g_assert_cmpuint(descs->len, <, 4096);
    }
}

static void test_depth_limit(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(GString) text = g_string_new(NULL);

    /* Exactly 1024 levels is allowed: the request parses (and is not an object). */
    for (int i = 0; i < 1024; i++) {
        g_string_append_c(text, '[');
    }
    for (int i = 0; i < 1024; i++) {
        g_string_append_c(text, ']');
    }
    g_autoptr(JsonObject) r1 = qga_test_cmd(c, text->str);
    qga_test_assert_error(r1, "GenericError", "QMP input must be a JSON object");

    /* Level 1025 is refused as soon as it arrives. */
    g_string_truncate(text, 0);
    g_string_append(text, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": ");
    for (int i = 0; i < 1023; i++) {
        g_string_append_c(text, '[');
    }
    qga_test_send(c, text->str, text->len);
    g_autoptr(JsonObject) r2 = qga_test_recv(c);
    qga_test_assert_error(r2, "GenericError", "JSON nesting depth limit exceeded");
    g_autoptr(GPtrArray) descs = resync(c, 77);
    g_assert_cmpuint(descs->len, ==, 1);
    g_assert_cmpstr(descs->pdata[0], ==, "JSON parse error, stray '\xef\xbf\xbd'");

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_token_limit(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    const size_t n = ((size_t)2 << 20) + 64;
    g_autoptr(GString) text = g_string_sized_new(n * 2 + 16);

    g_string_append_c(text, '[');
    for (size_t i = 0; i < n / 2; i++) {
        g_string_append(text, "1,");
    }
    g_assert_cmpuint(qga_test_send_draining(c, text->str, text->len, QGA_TEST_TIMEOUT_MS * 3), ==, text->len);
    g_autoptr(GPtrArray) descs = resync(c, 78);
    g_assert_cmpuint(descs->len, >=, 1);
    g_assert_cmpstr(descs->pdata[0], ==, "JSON token count limit exceeded");
    assert_still_serving(c);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/*
 * 192 MiB streamed as one message (three times the 64 MiB limit): refused
 * with qemu-ga's error, the agent's peak RSS stays bounded (an agent that
 * buffered the message would need at least 192 MiB), and it answers afterwards.
 */
static void test_oversized_message(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    const size_t chunk_len = (size_t)1 << 20, chunks = 192;
    g_autofree char *chunk = g_malloc(chunk_len);
    const char *limit_env = g_getenv("QGA_TEST_MAX_RSS_MB");
    long limit_kb = (limit_env ? atol(limit_env) : 100) * 1024;
    static const char head[] = "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 1, \"pad\": [";

    /* Each chunk is one string token of 1 MiB, then a comma. */
    memset(chunk, 'x', chunk_len);
    chunk[0] = '"';
    chunk[chunk_len - 2] = '"';
    chunk[chunk_len - 1] = ',';

    g_assert_cmpuint(qga_test_send_draining(c, head, strlen(head), QGA_TEST_TIMEOUT_MS), ==, strlen(head));
    for (size_t i = 0; i < chunks; i++) {
        g_assert_cmpuint(qga_test_send_draining(c, chunk, chunk_len, QGA_TEST_TIMEOUT_MS), ==, chunk_len);
    }
    g_autoptr(GPtrArray) descs = resync(c, 79);
    g_assert_cmpuint(descs->len, >=, 1);
    g_assert_cmpstr(descs->pdata[0], ==, "JSON token size limit exceeded");

    long hwm = qga_test_proc_vmhwm_kb(qga_test_agent_measured_pid(agent));
    g_test_message("agent peak RSS after a 192 MiB message: %ld KiB (limit %ld KiB)", hwm, limit_kb);
    g_assert_cmpint(hwm, <, limit_kb);
    assert_still_serving(c);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* A client that vanishes mid-message leaves nothing behind for the next one. */
static void test_disconnect_mid_message(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);

    QgaTestClient *c1 = qga_test_connect(agent);
    qga_test_send_str(c1, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": ");
    /* Make sure the agent has read the partial bytes before the hang-up. */
    g_usleep(100 * 1000);
    qga_test_client_close(c1);

    QgaTestClient *c2 = qga_test_connect(agent);
    qga_test_send_str(c2, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 2}}\n");
    size_t len;
    /* The very first bytes the new client sees are its own reply: no error from the leftover. */
    g_autofree char *line = qga_test_read_line(c2, QGA_TEST_TIMEOUT_MS, &len);
    g_assert_cmpstr(line, ==, "{\"return\": 2}");
    qga_test_expect_silence(c2, 50);
    qga_test_client_close(c2);

    /* Also a hang-up inside a string and in lexer recovery. */
    static const char *const partials[] = { "{\"execute\": \"guest-sy", "{\"execute\": @ garbage", "[[[[" };
    for (size_t i = 0; i < G_N_ELEMENTS(partials); i++) {
        QgaTestClient *p = qga_test_connect(agent);
        qga_test_send_str(p, partials[i]);
        g_usleep(50 * 1000);
        qga_test_client_close(p);

        QgaTestClient *n = qga_test_connect(agent);
        g_autoptr(JsonObject) r = qga_test_cmd(n, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 3}}");
        g_assert_cmpint(json_node_get_int(qga_test_reply_return(r)), ==, 3);
        qga_test_expect_silence(n, 20);
        qga_test_client_close(n);
    }
    qga_test_agent_stop(agent);
}

/* Replies the client never reads (it hung up) are dropped; the agent survives the broken pipe. */
static void test_close_with_unread_replies(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    g_autoptr(GString) batch = g_string_new(NULL);

    for (int i = 0; i < 300; i++) {
        g_string_append(batch, "{\"execute\": \"guest-info\"}\n");
    }
    for (int round = 0; round < 3; round++) {
        QgaTestClient *c = qga_test_connect(agent);
        qga_test_send(c, batch->str, batch->len);
        qga_test_client_close(c);
    }
    g_usleep(200 * 1000);
    g_assert_true(qga_test_agent_alive(agent));

    QgaTestClient *c = qga_test_connect(agent);
    size_t len;
    qga_test_send_str(c, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 11}}\n");
    g_autofree char *line = qga_test_read_line(c, QGA_TEST_TIMEOUT_MS, &len);
    /* Not a stale guest-info reply of an earlier client: the new client's own answer. */
    g_assert_cmpstr(line, ==, "{\"return\": 11}");
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* 10,000 pings with long ids, written without ever reading: replies back up in the socket. */
static GString *stalled_batch(int n, size_t *ret_msg_len)
{
    GString *batch = g_string_new(NULL);
    g_autofree char *pad = g_strnfill(200, 'p');

    for (int i = 0; i < n; i++) {
        g_string_append_printf(batch, "{\"execute\": \"guest-ping\", \"id\": \"%s-%05d\"}\n", pad, i);
    }
    *ret_msg_len = batch->len / (size_t)n;
    return batch;
}

static void test_stalled_reader_no_spin(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    pid_t pid = qga_test_agent_measured_pid(agent);
    const int n = 10000;
    size_t msg_len;
    g_autoptr(GString) batch = stalled_batch(n, &msg_len);

    /* Write without reading until the agent stops taking bytes (or everything is in). */
    size_t sent = 0;
    for (;;) {
        ssize_t w = send(c->fd, batch->str + sent, batch->len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w > 0) {
            sent += (size_t)w;
            continue;
        }
        g_usleep(200 * 1000);
        w = send(c->fd, batch->str + sent, batch->len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w <= 0) {
            break;
        }
        sent += (size_t)w;
    }
    g_test_message("agent accepted %zu of %zu bytes while nobody read its replies", sent, batch->len);

    /* Blocked on a full socket, the agent must sleep, not spin. */
    long t0 = qga_test_proc_cpu_ticks(pid);
    g_usleep(2 * G_USEC_PER_SEC);
    long t1 = qga_test_proc_cpu_ticks(pid);
    g_test_message("agent CPU while stalled: %ld ticks in 2 s", t1 - t0);
    g_assert_cmpint(t1 - t0, <=, 20);
    g_assert_true(qga_test_agent_alive(agent));

    /* Then the client catches up: every request answered, in order, none lost. */
    if (sent < batch->len) {
        g_assert_cmpuint(qga_test_send_draining(c, batch->str + sent, batch->len - sent, QGA_TEST_TIMEOUT_MS * 3),
                         ==, batch->len - sent);
    }
    g_autofree char *pad = g_strnfill(200, 'p');
    for (int i = 0; i < n; i++) {
        g_autoptr(JsonObject) r = qga_test_recv(c);
        g_autofree char *id = g_strdup_printf("%s-%05d", pad, i);
        g_assert_cmpstr(json_object_get_string_member(r, "id"), ==, id);
        qga_test_reply_return(r);
    }
    assert_still_serving(c);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* SIGTERM still stops the agent cleanly while its writes are blocked by a stalled client. */
static void test_stalled_reader_sigterm(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    size_t msg_len;
    g_autoptr(GString) batch = stalled_batch(10000, &msg_len);
    size_t sent = 0;

    for (int stalls = 0; stalls < 3 && sent < batch->len;) {
        ssize_t w = send(c->fd, batch->str + sent, batch->len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w > 0) {
            sent += (size_t)w;
        } else {
            stalls++;
            g_usleep(100 * 1000);
        }
    }
    /* The client keeps its connection open and unread while the agent is told to stop. */
    qga_test_agent_stop(agent);
    qga_test_client_close(c);
}

/* An idle agent, with and without a client, costs (almost) no CPU: it waits, it does not poll. */
static void test_idle_no_spin(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    pid_t pid = qga_test_agent_measured_pid(agent);

    g_usleep(200 * 1000);
    long t0 = qga_test_proc_cpu_ticks(pid);
    g_usleep(G_USEC_PER_SEC);
    long t1 = qga_test_proc_cpu_ticks(pid);
    g_assert_cmpint(t1 - t0, <=, 2);

    QgaTestClient *c = qga_test_connect(agent);
    assert_still_serving(c);
    t0 = qga_test_proc_cpu_ticks(pid);
    g_usleep(G_USEC_PER_SEC);
    t1 = qga_test_proc_cpu_ticks(pid);
    g_assert_cmpint(t1 - t0, <=, 2);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/integration/robustness/malformed-json", test_malformed_json);
    g_test_add_func("/integration/robustness/not-a-request", test_not_a_request);
    g_test_add_func("/integration/robustness/unknown-member", test_unknown_member);
    g_test_add_func("/integration/robustness/wrong-argument-types", test_wrong_argument_types);
    g_test_add_func("/integration/robustness/stray-byte", test_stray_byte);
    g_test_add_func("/integration/robustness/ff-discards-partial", test_ff_discards_partial);
    g_test_add_func("/integration/robustness/depth-limit", test_depth_limit);
    g_test_add_func("/integration/robustness/token-limit", test_token_limit);
    g_test_add_func("/integration/robustness/oversized-message", test_oversized_message);
    g_test_add_func("/integration/robustness/disconnect-mid-message", test_disconnect_mid_message);
    g_test_add_func("/integration/robustness/close-with-unread-replies", test_close_with_unread_replies);
    g_test_add_func("/integration/robustness/stalled-reader-no-spin", test_stalled_reader_no_spin);
    g_test_add_func("/integration/robustness/stalled-reader-sigterm", test_stalled_reader_sigterm);
    g_test_add_func("/integration/robustness/idle-no-spin", test_idle_no_spin);

    return g_test_run();
}

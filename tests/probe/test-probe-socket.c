/* The probe's socket transport against the scripted fake agent: sync handshake, garbage, stale ids, split replies, hangs, disconnects. */
#include <string.h>

#include "cmd-info.h"
#include "errors.h"
#include "fake-agent.h"
#include "options.h"
#include "transport-socket.h"
#include "transport.h"

static ProbeTransport *open_fake(FakeAgent *fa, int timeout)
{
    g_autoptr(GError) error = NULL;
    ProbeTransport *t = probe_socket_transport_new(fake_agent_socket(fa), timeout, FALSE, &error);

    g_assert_no_error(error);
    g_assert_nonnull(t);
    return t;
}

static void assert_ping_ok(ProbeTransport *t)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = probe_agent_call(t, "guest-ping", NULL, &error);

    g_assert_no_error(error);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(ret));
    g_assert_cmpuint(json_object_get_size(json_node_get_object(ret)), ==, 0);
}

static void test_sync_good(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_GOOD);
    g_autoptr(ProbeTransport) t = open_fake(fa, PROBE_TIMEOUT_DEFAULT);

    /* The fake answers the 0xFF with a parse error, as qemu-ga does; the sentinel scan skips it. */
    assert_ping_ok(t);
    assert_ping_ok(t);
    g_assert_cmpuint(fake_agent_syncs(fa), ==, 1);   /* once per connection */
    g_assert_cmpuint(fake_agent_commands(fa), ==, 2);
}

static void test_garbage_before_sync(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_GARBAGE_BEFORE_SYNC);
    g_autoptr(ProbeTransport) t = open_fake(fa, PROBE_TIMEOUT_DEFAULT);

    assert_ping_ok(t);
    g_assert_cmpuint(fake_agent_syncs(fa), ==, 1);
}

static void test_garbage_after_sentinel_once(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_GARBAGE_AFTER_SENTINEL);
    g_autoptr(ProbeTransport) t = open_fake(fa, PROBE_TIMEOUT_DEFAULT);

    assert_ping_ok(t);
    g_assert_cmpuint(fake_agent_syncs(fa), ==, 2);   /* forgiven once, with a new sync */
}

static void test_garbage_twice(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_GARBAGE_ALWAYS);
    g_autoptr(ProbeTransport) t = open_fake(fa, PROBE_TIMEOUT_DEFAULT);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = probe_agent_call(t, "guest-ping", NULL, &error);

    g_assert_null(ret);
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL);
    g_assert_true(strstr(error->message, "answered the sync with garbage twice"));
    g_assert_cmpuint(fake_agent_syncs(fa), ==, 2);
    g_assert_cmpuint(fake_agent_commands(fa), ==, 0);
}

static void test_stale_id(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_STALE_ID);
    g_autoptr(ProbeTransport) t = open_fake(fa, PROBE_TIMEOUT_DEFAULT);

    assert_ping_ok(t);
    g_assert_cmpuint(fake_agent_syncs(fa), ==, 1);
}

static void test_split_reply(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_SPLIT);
    g_autoptr(ProbeTransport) t = open_fake(fa, PROBE_TIMEOUT_DEFAULT);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = probe_agent_call(t, "guest-info", NULL, &error);
    g_autoptr(ProbeAgentInfo) info = NULL;

    g_assert_no_error(error);
    info = probe_agent_info_parse(ret, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(info->version, ==, "fake-1.0");
    g_assert_cmpuint(info->names->len, ==, 20);
}

static void test_hang_timeout(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_HANG);
    g_autoptr(ProbeTransport) t = open_fake(fa, 1);
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    g_autoptr(JsonNode) ret = probe_agent_call(t, "guest-ping", NULL, &error);
    gint64 elapsed_ms = (g_get_monotonic_time() - start) / 1000;

    g_assert_null(ret);
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_TIMEOUT);
    g_assert_true(g_str_has_prefix(error->message, "no sync reply from the agent on "));
    g_assert_cmpint(elapsed_ms, >=, 950);
    g_assert_cmpint(elapsed_ms, <, 3000);
}

static void test_hang_after_sync_resyncs(void)
{
    g_autofree char *want = NULL;
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_HANG_AFTER_SYNC);
    g_autoptr(ProbeTransport) t = open_fake(fa, 1);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = probe_agent_call(t, "guest-ping", NULL, &error);

    g_assert_null(ret);
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_TIMEOUT);
    want = g_strdup_printf("no reply from the agent on %s in time", fake_agent_socket(fa));
    g_assert_cmpstr(error->message, ==, want);
    /* After a timeout the next request syncs again, like libvirt. */
    assert_ping_ok(t);
    g_assert_cmpuint(fake_agent_syncs(fa), ==, 2);
}

static void test_late_reply_dropped(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_LATE);
    g_autoptr(ProbeTransport) t = open_fake(fa, 1);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) first = probe_agent_call(t, "guest-get-host-name", NULL, &error);
    g_autoptr(JsonNode) second = NULL;

    g_assert_null(first);
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_TIMEOUT);
    g_clear_error(&error);
    /* The late guest-get-host-name reply arrives before the new sync reply: it must not be
     * taken for guest-info's answer. */
    second = probe_agent_call(t, "guest-info", NULL, &error);
    g_assert_no_error(error);
    g_assert_true(json_object_has_member(json_node_get_object(second), "supported_commands"));
}

static void test_disconnect(void)
{
    g_autofree char *want = NULL;
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_DISCONNECT);
    g_autoptr(ProbeTransport) t = open_fake(fa, PROBE_TIMEOUT_DEFAULT);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = probe_agent_call(t, "guest-ping", NULL, &error);

    g_assert_null(ret);
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_NOT_CONNECTED);
    want = g_strdup_printf("the agent on %s closed the connection", fake_agent_socket(fa));
    g_assert_cmpstr(error->message, ==, want);
}

static void test_no_socket(void)
{
    g_autoptr(GError) error = NULL;
    ProbeTransport *t = probe_socket_transport_new("/nonexistent/agent.sock", 1, FALSE, &error);

    g_assert_null(t);
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_CONNECT);
    g_assert_true(g_str_has_prefix(error->message, "cannot connect to /nonexistent/agent.sock: "));
}

static void test_silent_command(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_GOOD);
    g_autoptr(ProbeTransport) t = open_fake(fa, 1);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonNode) ret = NULL;

    json_object_set_string_member(args, "mode", "powerdown");
    ret = probe_agent_call(t, "guest-shutdown", args, &error);
    g_assert_no_error(error);
    g_assert_true(JSON_NODE_HOLDS_NULL(ret));
    /* and the connection is still usable */
    assert_ping_ok(t);
}

static void test_error_classes(void)
{
    g_autoptr(FakeAgent) good = fake_agent_start(FAKE_GOOD);
    g_autoptr(FakeAgent) limited = fake_agent_start(FAKE_LIMITED);
    g_autoptr(ProbeTransport) t = open_fake(good, PROBE_TIMEOUT_DEFAULT);
    g_autoptr(ProbeTransport) tl = open_fake(limited, PROBE_TIMEOUT_DEFAULT);
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(GError) error = NULL;

    g_assert_null(probe_agent_call(t, "guest-frobnicate", NULL, &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_NOT_FOUND);
    g_clear_error(&error);
    g_assert_null(probe_agent_call(tl, "guest-get-users", NULL, &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_DISABLED);
    g_clear_error(&error);
    json_object_set_string_member(args, "path", "/missing");
    g_assert_null(probe_agent_call(t, "guest-exec", args, &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_FAILED);
    g_assert_cmpstr(error->message, ==, "guest-exec failed in the guest: GenericError: Guest agent command "
                    "failed, error was 'Failed to execute child process /missing'");
    g_clear_error(&error);
    /* the stream stays in step after errors */
    assert_ping_ok(t);
}

static void test_oversize_line(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_HOSTILE);
    g_autoptr(ProbeTransport) t = open_fake(fa, 10);
    g_autoptr(GError) error = NULL;

    g_assert_null(probe_agent_call(t, "guest-get-disks", NULL, &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL);
    g_assert_cmpstr(error->message, ==, "no complete line in 10485760 bytes from the agent");
}

static void test_raw_request(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_GOOD);
    g_autoptr(ProbeTransport) t = open_fake(fa, PROBE_TIMEOUT_DEFAULT);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = probe_agent_call_raw(t, "{\n \"execute\": \"guest-get-host-name\"\n}", &error);

    g_assert_no_error(error);
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(ret), "host-name"), ==, "fakehost");
    g_assert_null(probe_agent_call_raw(t, "{\"execute\": 5}", &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_USAGE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/probe/socket/sync-once-per-connection", test_sync_good);
    g_test_add_func("/probe/socket/garbage-before-sync", test_garbage_before_sync);
    g_test_add_func("/probe/socket/garbage-after-sentinel-forgiven-once", test_garbage_after_sentinel_once);
    g_test_add_func("/probe/socket/garbage-twice-fails", test_garbage_twice);
    g_test_add_func("/probe/socket/stale-sync-id-dropped", test_stale_id);
    g_test_add_func("/probe/socket/reply-split-across-reads", test_split_reply);
    g_test_add_func("/probe/socket/hang-times-out", test_hang_timeout);
    g_test_add_func("/probe/socket/timeout-then-resync", test_hang_after_sync_resyncs);
    g_test_add_func("/probe/socket/late-reply-dropped", test_late_reply_dropped);
    g_test_add_func("/probe/socket/disconnect", test_disconnect);
    g_test_add_func("/probe/socket/no-socket", test_no_socket);
    g_test_add_func("/probe/socket/silent-command", test_silent_command);
    g_test_add_func("/probe/socket/error-classes", test_error_classes);
    g_test_add_func("/probe/socket/oversize-line", test_oversize_line);
    g_test_add_func("/probe/socket/raw-request", test_raw_request);
    return g_test_run();
}

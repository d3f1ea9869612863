/* Unit tests of the dispatcher: qemu-ga's request rules, error table, id echo, reply framing, filters, in-process calls. */
#include <glib.h>
#include <string.h>

#include "core/dispatch.h"
#include "core/log.h"

static int shutdown_calls;

static int h_ping(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    *ret_result = NULL;
    return 0;
}

static int h_sync(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    *ret_result = qga_json_copy(qga_json_object_get(args, "id"));
    return 0;
}

static int h_shutdown(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    const QgaJson *mode = qga_json_object_get(args, "mode");
    shutdown_calls++;
    if (mode && strcmp(qga_json_get_string(mode, NULL), "fail") == 0) {
        qga_error_generic(error, "Parameter 'mode' expects 'halt', 'powerdown', or 'reboot'");
        return -1;
    }
    return 0;
}

static int h_fail(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    qga_error_generic(error, "failed to open file '%s': No such file or directory", "/nope");
    return -1;
}

static int h_echo(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    *ret_result = qga_json_copy(qga_json_object_get(args, "value"));
    return 0;
}

static int h_info(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    QgaJson *r = qga_json_object();
    qga_json_object_set_str(r, "version", "1.0");
    qga_json_object_set_bool(r, "ok", true);
    *ret_result = r;
    return 0;
}

static const QgaTypeSpec t_int = { .kind = QGA_TYPE_INT, .name = "int", .min = INT64_MIN, .umax = INT64_MAX };
static const QgaTypeSpec t_str = { .kind = QGA_TYPE_STRING, .name = "str" };
static const QgaTypeSpec t_any = { .kind = QGA_TYPE_ANY, .name = "any" };
static const QgaMemberSpec sync_args[] = { { "id", &t_int, false } };
static const QgaMemberSpec shutdown_args[] = { { "mode", &t_str, true } };
static const QgaMemberSpec echo_args[] = { { "value", &t_any, true } };

enum { CMD_PING, CMD_SYNC, CMD_SYNC_DELIMITED, CMD_SHUTDOWN, CMD_FAIL, CMD_ECHO, CMD_INFO, N_CMDS };

static const QgaCommandSpec commands[N_CMDS] = {
    [CMD_PING] = { "guest-ping", NULL, 0, QGA_CMD_ALLOWED_WHILE_FROZEN, h_ping },
    [CMD_SYNC] = { "guest-sync", sync_args, 1, QGA_CMD_ALLOWED_WHILE_FROZEN, h_sync },
    [CMD_SYNC_DELIMITED] = { "guest-sync-delimited", sync_args, 1,
                             QGA_CMD_ALLOWED_WHILE_FROZEN | QGA_CMD_DELIMITED_REPLY, h_sync },
    [CMD_SHUTDOWN] = { "guest-shutdown", shutdown_args, 1, QGA_CMD_NO_SUCCESS_RESPONSE | QGA_CMD_PRIVILEGED,
                       h_shutdown },
    [CMD_FAIL] = { "guest-fail", NULL, 0, 0, h_fail },
    [CMD_ECHO] = { "guest-echo", echo_args, 1, 0, h_echo },
    [CMD_INFO] = { "guest-info", NULL, 0, QGA_CMD_ALLOWED_WHILE_FROZEN, h_info },
};
static const QgaCommandTable table = { commands, N_CMDS };

/* Dispatch one text and return the reply bytes. */
static char *dispatch(QgaDispatcher *d, const char *text)
{
    QgaBuf out = QGA_BUF_INIT;
    qga_dispatch_message(d, text, strlen(text), &out);
    char *r = g_strndup(out.data ? out.data : "", out.len);
    qga_buf_free(&out);
    return r;
}

static void expect(QgaDispatcher *d, const char *request, const char *reply)
{
    g_autofree char *got = dispatch(d, request);
    g_assert_cmpstr(got, ==, reply);
}

#define GENERIC(desc) "{\"error\": {\"class\": \"GenericError\", \"desc\": \"" desc "\"}}\n"
#define GENERIC_ID(id, desc) "{\"id\": " id ", \"error\": {\"class\": \"GenericError\", \"desc\": \"" desc "\"}}\n"
#define NOT_FOUND_ID(id, desc) "{\"id\": " id ", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"" desc "\"}}\n"

static void test_success(void)
{
    QgaDispatcher *d = qga_dispatcher_new(&table, NULL);
    expect(d, "{\"execute\":\"guest-ping\"}", "{\"return\": {}}\n");
    expect(d, "{'execute':'guest-ping', 'arguments': {}}", "{\"return\": {}}\n");
    expect(d, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":123}}", "{\"return\": 123}\n");
    expect(d, "{\"execute\":\"guest-info\", \"id\": 1}", "{\"return\": {\"version\": \"1.0\", \"ok\": true}, \"id\": 1}\n");
    expect(d, "{\"execute\":\"guest-echo\",\"arguments\":{\"value\":[1.5, \"\\u00E9\", null]}}",
           "{\"return\": [1.5, \"\\u00E9\", null]}\n");
    qga_dispatcher_free(d);
}

/* Every row of docs/PROTOCOL.md "Errors" the dispatcher produces, desc and class exact. */
static void test_error_table(void)
{
    QgaDispatcher *d = qga_dispatcher_new(&table, NULL);
    expect(d, "[1]", GENERIC("QMP input must be a JSON object"));
    expect(d, "42", GENERIC("QMP input must be a JSON object"));
    expect(d, "\"guest-ping\"", GENERIC("QMP input must be a JSON object"));
    expect(d, "{}", GENERIC("QMP input lacks member 'execute'"));
    expect(d, "{\"arguments\": {}}", GENERIC("QMP input lacks member 'execute'"));
    expect(d, "{\"execute\":\"guest-ping\",\"foo\":1}", GENERIC("QMP input member 'foo' is unexpected"));
    expect(d, "{\"exec-oob\":\"guest-ping\"}", GENERIC("QMP input member 'exec-oob' is unexpected"));
    expect(d, "{\"execute\": 1}", GENERIC("QMP input member 'execute' must be a string"));
    expect(d, "{\"execute\": null}", GENERIC("QMP input member 'execute' must be a string"));
    expect(d, "{\"execute\":\"guest-ping\",\"arguments\":[]}", GENERIC("QMP input member 'arguments' must be an object"));
    expect(d, "{\"execute\":\"guest-bogus\"}",
           "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command guest-bogus has not been found\"}}\n");
    expect(d, "{\"execute\":\"guest-ping\",\"arguments\":{\"foo\":1}}", GENERIC("Parameter 'foo' is unexpected"));
    expect(d, "{\"execute\":\"guest-sync\"}", GENERIC("Parameter 'id' is missing"));
    expect(d, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":\"1\"}}",
           GENERIC("Invalid parameter type for 'id', expected: integer"));
    expect(d, "{\"execute\":\"guest-fail\"}", GENERIC("failed to open file '/nope': No such file or directory"));

    const char *block[] = { "guest-info" };
    qga_dispatcher_block(d, block, 1);
    expect(d, "{\"execute\":\"guest-info\", \"id\": 3}",
           NOT_FOUND_ID("3", "Command guest-info has been disabled: the command is not allowed"));
    /* Disabled is decided before the arguments are looked at. */
    expect(d, "{\"execute\":\"guest-info\", \"arguments\": {\"x\": 1}}",
           "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Command guest-info has been disabled: the command is not allowed\"}}\n");
    qga_dispatcher_free(d);
}

static void test_parse_error(void)
{
    QgaDispatcher *d = qga_dispatcher_new(&table, NULL);
    g_autofree char *r = dispatch(d, "{\"execute\" \"guest-ping\", \"id\": 1}");
    /* Whatever the detail, it is a GenericError without an id. */
    g_assert_true(g_str_has_prefix(r, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, "));
    g_assert_true(g_str_has_suffix(r, "\"}}\n"));
    g_assert_null(strstr(r, "\"id\""));
    qga_dispatcher_free(d);
}

/* With several bad members the first in QEMU's QDict bucket order is reported, not the first written. */
static void test_member_order(void)
{
    QgaDispatcher *d = qga_dispatcher_new(&table, NULL);
    expect(d, "{\"foo\": 1, \"execute\": 2}", GENERIC("QMP input member 'execute' must be a string"));
    expect(d, "{\"execute\": 2, \"extra\": 1}", GENERIC("QMP input member 'extra' is unexpected"));
    expect(d, "{\"arguments\": 1, \"bar\": 1}", GENERIC("QMP input member 'bar' is unexpected"));
    expect(d, "{\"bar\": 1, \"arguments\": 1}", GENERIC("QMP input member 'bar' is unexpected"));
    /* A bad member is reported before a missing execute. */
    expect(d, "{\"arguments\": 1}", GENERIC("QMP input member 'arguments' must be an object"));
    qga_dispatcher_free(d);
}

/* id: any JSON value, echoed as written, on success and on every error once the input is an object. */
static void test_id_echo(void)
{
    static const char *const ids[] = {
        "1", "-7", "0", "1732533223000", "18446744073709551615", "9223372036854775807", "1.5",
        "\"abc\"", "\"\\u00E9\\n\"", "null", "true", "false", "[1, \"x\"]", "{\"a\": {\"b\": []}}", "{}", "[]",
    };
    QgaDispatcher *d = qga_dispatcher_new(&table, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
        g_autofree char *ok = g_strdup_printf("{\"execute\":\"guest-ping\",\"id\":%s}", ids[i]);
        g_autofree char *ok_reply = g_strdup_printf("{\"return\": {}, \"id\": %s}\n", ids[i]);
        expect(d, ok, ok_reply);

        g_autofree char *lacks = g_strdup_printf("{\"id\":%s}", ids[i]);
        g_autofree char *lacks_reply = g_strdup_printf("{\"id\": %s, \"error\": {\"class\": \"GenericError\", "
                                                       "\"desc\": \"QMP input lacks member 'execute'\"}}\n", ids[i]);
        expect(d, lacks, lacks_reply);

        g_autofree char *nf = g_strdup_printf("{\"id\":%s, \"execute\":\"nope\"}", ids[i]);
        g_autofree char *nf_reply = g_strdup_printf("{\"id\": %s, \"error\": {\"class\": \"CommandNotFound\", "
                                                    "\"desc\": \"The command nope has not been found\"}}\n", ids[i]);
        expect(d, nf, nf_reply);

        g_autofree char *bad = g_strdup_printf("{\"execute\":\"guest-ping\",\"id\":%s,\"oops\":0}", ids[i]);
        g_autofree char *bad_reply = g_strdup_printf("{\"id\": %s, \"error\": {\"class\": \"GenericError\", "
                                                     "\"desc\": \"QMP input member 'oops' is unexpected\"}}\n", ids[i]);
        expect(d, bad, bad_reply);

        g_autofree char *arg = g_strdup_printf("{\"execute\":\"guest-sync\",\"id\":%s}", ids[i]);
        g_autofree char *arg_reply = g_strdup_printf("{\"id\": %s, \"error\": {\"class\": \"GenericError\", "
                                                     "\"desc\": \"Parameter 'id' is missing\"}}\n", ids[i]);
        expect(d, arg, arg_reply);
    }
    /* The id is written the way qemu-ga's writer writes JSON, not copied byte for byte. */
    expect(d, "{\"execute\":\"guest-ping\",\"id\":  [ 1 ,2 ] }", "{\"return\": {}, \"id\": [1, 2]}\n");
    expect(d, "{\"execute\":\"guest-ping\",\"id\":'x'}", "{\"return\": {}, \"id\": \"x\"}\n");
    qga_dispatcher_free(d);
}

static void test_sync_delimited(void)
{
    QgaDispatcher *d = qga_dispatcher_new(&table, NULL);
    expect(d, "{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":4242}}", "\xff{\"return\": 4242}\n");
    expect(d, "{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":1},\"id\":\"x\"}",
           "\xff{\"return\": 1, \"id\": \"x\"}\n");
    /* No sentinel when the request fails before the handler. */
    expect(d, "{\"execute\":\"guest-sync-delimited\"}", GENERIC("Parameter 'id' is missing"));
    expect(d, "{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":1.5}}",
           GENERIC("Invalid parameter type for 'id', expected: integer"));
    /* Only the delimited variant gets one. */
    expect(d, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":4242}}", "{\"return\": 4242}\n");
    /* libvirt's sync id: host time in milliseconds, echoed as plain digits. */
    expect(d, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":1732533223123}}", "{\"return\": 1732533223123}\n");
    qga_dispatcher_free(d);
}

/* ---- in-process calls: the same checks as a request, the result as a value ---- */

/* Calls name with args (JSON text, NULL for none); returns the result written as JSON, or
 * "<class>: <desc>" for an error. */
static char *call(QgaDispatcher *d, const char *name, const char *args_text)
{
    QgaError *err = NULL;
    QgaJson *args = NULL;
    if (args_text) {
        args = qga_json_parse(args_text, strlen(args_text), NULL, &err);
        g_assert_null(err);
    }
    QgaJson *sentinel = qga_json_null();
    QgaJson *result = sentinel;
    int r = qga_dispatch_call(d, name, args, &result, &err);
    qga_json_free(args);
    char *text;
    if (r < 0) {
        g_assert_nonnull(err);
        g_assert_true(result == sentinel); /* untouched on failure */
        text = g_strdup_printf("%s: %s", qga_error_class_name(err->error_class), err->desc);
        qga_error_free(err);
    } else {
        g_assert_null(err);
        g_assert_true(result != sentinel && result != NULL);
        char *json = qga_json_to_string(result);
        text = g_strdup(json);
        free(json);
        qga_json_free(result);
    }
    qga_json_free(sentinel);
    return text;
}

static void expect_call(QgaDispatcher *d, const char *name, const char *args, const char *want)
{
    g_autofree char *got = call(d, name, args);
    g_assert_cmpstr(got, ==, want);
}

#define DISABLED(name) \
    "CommandNotFound: Command " name " has been disabled: the command is not allowed"

static GPtrArray *log_lines;

static void log_capture(QgaLogLevel level, const char *message)
{
    g_ptr_array_add(log_lines, g_strdup(message));
}

static void test_no_success_response(void)
{
    QgaDispatcher *d = qga_dispatcher_new(&table, NULL);
    shutdown_calls = 0;
    expect(d, "{\"execute\":\"guest-shutdown\"}", "");
    expect(d, "{\"execute\":\"guest-shutdown\",\"id\":9}", "");
    g_assert_cmpint(shutdown_calls, ==, 2);
    /* Errors are still answered, with the id. */
    expect(d, "{\"execute\":\"guest-shutdown\",\"arguments\":{\"mode\":\"fail\"},\"id\":9}",
           GENERIC_ID("9", "Parameter 'mode' expects 'halt', 'powerdown', or 'reboot'"));
    expect(d, "{\"execute\":\"guest-shutdown\",\"arguments\":{\"mode\":1}}",
           GENERIC("Invalid parameter type for 'mode', expected: string"));
    g_assert_cmpint(shutdown_calls, ==, 3);
    qga_dispatcher_free(d);
}

static void test_audit(void)
{
    QgaError *err = NULL;
    log_lines = g_ptr_array_new_with_free_func(g_free);
    g_assert_cmpint(qga_log_open(NULL, true, &err), ==, 0);
    qga_log_set_sink(log_capture);
    QgaDispatcher *d = qga_dispatcher_new(&table, NULL);
    expect(d, "{\"execute\":\"guest-ping\"}", "{\"return\": {}}\n");
    g_assert_cmpuint(log_lines->len, ==, 0);
    expect(d, "{\"execute\":\"guest-shutdown\"}", "");
    g_assert_cmpuint(log_lines->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(log_lines, 0), ==, "audit: guest-shutdown called");
    /* Refused before the handler: nothing was done, nothing to audit. */
    expect(d, "{\"execute\":\"guest-shutdown\",\"arguments\":{\"mode\":1}}",
           GENERIC("Invalid parameter type for 'mode', expected: string"));
    g_assert_cmpuint(log_lines->len, ==, 1);
    /* An in-process call is audited the same way. */
    expect_call(d, "guest-shutdown", "{\"mode\": 1}",
                "GenericError: Invalid parameter type for 'mode', expected: string");
    g_assert_cmpuint(log_lines->len, ==, 1);
    expect_call(d, "guest-shutdown", NULL, "{}");
    g_assert_cmpuint(log_lines->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(log_lines, 1), ==, "audit: guest-shutdown called");
    qga_dispatcher_free(d);
    qga_log_set_sink(NULL);
    qga_log_close();
    g_ptr_array_unref(log_lines);
}

static void assert_enabled(QgaDispatcher *d, const char *expected_mask)
{
    /* expected_mask: one char per command in table order, '1' enabled. */
    for (size_t i = 0; i < N_CMDS; i++) {
        bool want = expected_mask[i] == '1';
        if (qga_dispatcher_is_enabled(d, &commands[i]) != want)
            g_error("%s: enabled should be %d", commands[i].name, want);
    }
}

static void test_filters(void)
{
    QgaDispatcher *d = qga_dispatcher_new(&table, NULL);
    g_assert_true(qga_dispatcher_table(d) == &table);
    /* ping sync sdelim shutdown fail echo info */
    assert_enabled(d, "1111111");

    /* Unknown names in a block list are ignored. */
    const char *unknown[] = { "guest-nope", "" };
    qga_dispatcher_block(d, unknown, 2);
    assert_enabled(d, "1111111");
    qga_dispatcher_block(d, NULL, 0);
    qga_dispatcher_allow(d, NULL, 0);
    assert_enabled(d, "1111111");

    /* An allow list keeps only what it names; lists accumulate. */
    const char *allow1[] = { "guest-ping", "guest-echo" };
    qga_dispatcher_allow(d, allow1, 2);
    assert_enabled(d, "1000010");
    const char *allow2[] = { "guest-sync" };
    qga_dispatcher_allow(d, allow2, 1);
    assert_enabled(d, "1100010");
    expect(d, "{\"execute\":\"guest-fail\"}",
           "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Command guest-fail has been disabled: the command is not allowed\"}}\n");

    /* Block wins over allow. */
    const char *block[] = { "guest-echo" };
    qga_dispatcher_block(d, block, 1);
    assert_enabled(d, "1100000");

    /* Frozen: only the commands safe while frozen, whatever the lists say (even a blocked one). */
    const char *block_ping[] = { "guest-ping" };
    qga_dispatcher_block(d, block_ping, 1);
    assert_enabled(d, "0100000");
    qga_dispatcher_set_frozen(d, true);
    assert_enabled(d, "1110001");
    expect(d, "{\"execute\":\"guest-ping\"}", "{\"return\": {}}\n");
    expect(d, "{\"execute\":\"guest-echo\"}",
           "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Command guest-echo has been disabled: the command is not allowed\"}}\n");
    qga_dispatcher_set_frozen(d, false);
    assert_enabled(d, "0100000");

    /* A spec that is not an element of the table is looked up by name. */
    QgaCommandSpec copy = commands[CMD_SYNC];
    g_assert_true(qga_dispatcher_is_enabled(d, &copy));
    copy.name = "guest-unknown";
    g_assert_false(qga_dispatcher_is_enabled(d, &copy));
    qga_dispatcher_free(d);

    /* An allow list naming only unknown commands denies everything, as qemu-ga does. */
    d = qga_dispatcher_new(&table, NULL);
    qga_dispatcher_allow(d, unknown, 1);
    assert_enabled(d, "0000000");
    qga_dispatcher_free(d);
}

static void test_call(void)
{
    QgaDispatcher *d = qga_dispatcher_new(&table, NULL);
    expect_call(d, "guest-info", NULL, "{\"version\": \"1.0\", \"ok\": true}");
    expect_call(d, "guest-sync", "{\"id\": 123}", "123");
    /* No return type: {} as in the reply; missing arguments are {}. */
    expect_call(d, "guest-ping", NULL, "{}");
    expect_call(d, "guest-ping", "{}", "{}");
    /* Without a success response the command still runs and gives {}. */
    shutdown_calls = 0;
    expect_call(d, "guest-shutdown", NULL, "{}");
    g_assert_cmpint(shutdown_calls, ==, 1);

    /* Unknown commands, bad arguments and handler failures: the request's errors, word for word. */
    expect_call(d, "guest-bogus", NULL,
                "CommandNotFound: The command guest-bogus has not been found");
    expect_call(d, "guest-sync", NULL, "GenericError: Parameter 'id' is missing");
    expect_call(d, "guest-sync", "{\"id\": \"1\"}",
                "GenericError: Invalid parameter type for 'id', expected: integer");
    expect_call(d, "guest-ping", "{\"foo\": 1}", "GenericError: Parameter 'foo' is unexpected");
    expect_call(d, "guest-shutdown", "{\"mode\": \"fail\"}",
                "GenericError: Parameter 'mode' expects 'halt', 'powerdown', or 'reboot'");
    expect_call(d, "guest-fail", NULL,
                "GenericError: failed to open file '/nope': No such file or directory");
    qga_dispatcher_free(d);
}

static void test_call_filters(void)
{
    /* Blocked: refused before the arguments are looked at, as a request is. */
    QgaDispatcher *d = qga_dispatcher_new(&table, NULL);
    const char *block[] = { "guest-info", "guest-ping" };
    qga_dispatcher_block(d, block, 2);
    expect_call(d, "guest-info", NULL, DISABLED("guest-info"));
    expect_call(d, "guest-info", "{\"x\": 1}", DISABLED("guest-info"));
    expect_call(d, "guest-echo", "{\"value\": [1]}", "[1]");

    /* Frozen: only the frozen-safe commands, even a blocked one. */
    qga_dispatcher_set_frozen(d, true);
    expect_call(d, "guest-echo", "{\"value\": 1}", DISABLED("guest-echo"));
    expect_call(d, "guest-ping", NULL, "{}");
    expect_call(d, "guest-sync", "{\"id\": 5}", "5");
    qga_dispatcher_set_frozen(d, false);
    expect_call(d, "guest-ping", NULL, DISABLED("guest-ping"));
    qga_dispatcher_free(d);

    /* An allow list keeps only what it names. */
    d = qga_dispatcher_new(&table, NULL);
    const char *allow[] = { "guest-sync" };
    qga_dispatcher_allow(d, allow, 1);
    expect_call(d, "guest-sync", "{\"id\": 1}", "1");
    expect_call(d, "guest-info", NULL, DISABLED("guest-info"));
    qga_dispatcher_free(d);
}

static void test_frame_error(void)
{
    QgaDispatcher *d = qga_dispatcher_new(&table, NULL);
    QgaBuf out = QGA_BUF_INIT;
    qga_dispatch_frame_error(d, "JSON parse error, stray '\xff'", &out);
    qga_dispatch_frame_error(d, "JSON token size limit exceeded", &out);
    g_assert_cmpstr(out.data, ==,
                    GENERIC("JSON parse error, stray '\\uFFFD'") GENERIC("JSON token size limit exceeded"));
    qga_buf_free(&out);
    qga_dispatcher_free(d);
}

static void test_empty_table(void)
{
    static const QgaCommandTable empty = { NULL, 0 };
    QgaDispatcher *d = qga_dispatcher_new(&empty, NULL);
    expect(d, "{\"execute\":\"guest-ping\"}",
           "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command guest-ping has not been found\"}}\n");
    qga_dispatcher_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/dispatch/success", test_success);
    g_test_add_func("/agent/dispatch/error-table", test_error_table);
    g_test_add_func("/agent/dispatch/parse-error", test_parse_error);
    g_test_add_func("/agent/dispatch/member-order", test_member_order);
    g_test_add_func("/agent/dispatch/id-echo", test_id_echo);
    g_test_add_func("/agent/dispatch/sync-delimited", test_sync_delimited);
    g_test_add_func("/agent/dispatch/no-success-response", test_no_success_response);
    g_test_add_func("/agent/dispatch/audit", test_audit);
    g_test_add_func("/agent/dispatch/filters", test_filters);
    g_test_add_func("/agent/dispatch/call", test_call);
    g_test_add_func("/agent/dispatch/call-filters", test_call_filters);
    g_test_add_func("/agent/dispatch/frame-error", test_frame_error);
    g_test_add_func("/agent/dispatch/empty-table", test_empty_table);
    return g_test_run();
}

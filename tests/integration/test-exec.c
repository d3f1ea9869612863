/* guest-exec and guest-exec-status: arguments, stdin, capture modes, limits, exit status, a live agent. */
/*
 * The child is tests/exec/qga-test-child ($QGA_EXEC_CHILD: meson sets the native one; the Wine
 * tier sets the qga-test-child.exe of the cross build, given here as a Linux path and passed to
 * the agent as Wine sees it, Z:\...). It echoes its argv as JSON, copies stdin, writes patterns.
 *
 * Checks that only a POSIX agent can do, and why they are skipped for the Windows agent:
 *  - upstream's /qga/guest-exec runs `echo`, which Wine does not have as a program;
 *  - "no zombie" looks at /proc/<pid>: the Windows pid is not a Linux pid.
 */
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "harness.h"

#define OUTPUT_MAX (16 * 1024 * 1024)

static char *agent_path(const char *linux_path)
{
    if (qga_test_agent_is_posix()) {
        return g_strdup(linux_path);
    }
    g_autofree char *p = g_strdup(linux_path);
    g_strdelimit(p, "/", '\\');
    return g_strconcat("Z:", p, NULL);
}

/* The test child as the agent sees it. */
static char *child_path(void)
{
    const char *child = g_getenv("QGA_EXEC_CHILD");
    if (!child || !*child) {
        g_error("QGA_EXEC_CHILD is not set: run the integration tests through `meson test`");
    }
    if (!qga_test_agent_is_posix() && !g_str_has_suffix(child, ".exe")) {
        g_error("QGA_EXEC_CHILD is %s; a Windows agent needs the cross build's tests/exec/qga-test-child.exe "
                "(tests/wine/run-integration.py sets it)", child);
    }
    return agent_path(child);
}

static char *json_str(const char *text)
{
    g_autoptr(JsonNode) node = json_node_init_string(json_node_alloc(), text);
    return json_to_string(node, FALSE);
}

/* A JSON array of strings. */
static char *json_strv(const char *const *v)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_array(b);
    for (; v && *v; v++) {
        json_builder_add_string_value(b, *v);
    }
    json_builder_end_array(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    return json_to_string(root, FALSE);
}

/* guest-exec of the test child with args; extra is more JSON members (", \"capture-output\": ..."). */
static gint64 exec_child(QgaTestClient *c, const char *const *args, const char *extra)
{
    g_autofree char *child = child_path();
    g_autofree char *jchild = json_str(child);
    g_autofree char *jargs = json_strv(args);
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": %s, \"arg\": %s%s}}",
                                            jchild, jargs, extra ? extra : "");
    JsonObject *ret = json_node_get_object(qga_test_reply_return(r));
    gint64 pid = json_object_get_int_member(ret, "pid");
    g_assert_cmpint(pid, >, 0);
    return pid;
}

static JsonObject *status(QgaTestClient *c, gint64 pid)
{
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-exec-status\", \"arguments\": {\"pid\": %" G_GINT64_FORMAT "}}", pid);
    return json_object_ref(json_node_get_object(qga_test_reply_return(r)));
}

/* Poll guest-exec-status until exited (asserts within timeout_ms); the final status. */
static JsonObject *wait_exited(QgaTestClient *c, gint64 pid, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        JsonObject *st = status(c, pid);
        if (json_object_get_boolean_member(st, "exited")) {
            /* Once reported, the entry is gone. */
            g_autoptr(JsonObject) again = qga_test_cmdf(c, "{\"execute\": \"guest-exec-status\", \"arguments\": {\"pid\": %"
                                                        G_GINT64_FORMAT "}}", pid);
            g_autofree char *expected = g_strdup_printf("PID %" G_GINT64_FORMAT " does not exist", pid);
            qga_test_assert_error(again, "GenericError", expected);
            return st;
        }
        /* While running: nothing but "exited". */
        g_assert_cmpuint(json_object_get_size(st), ==, 1);
        json_object_unref(st);
        if (g_get_monotonic_time() > deadline) {
            g_error("pid %" G_GINT64_FORMAT " did not exit within %d ms", pid, timeout_ms);
        }
        g_usleep(20000);
    }
}

/* Decoded out-data/err-data (NULL when absent: the stream produced nothing). */
static GBytes *stream(JsonObject *st, const char *name)
{
    g_autofree char *data_member = g_strdup_printf("%s-data", name);
    g_autofree char *trunc_member = g_strdup_printf("%s-truncated", name);
    if (!json_object_has_member(st, data_member)) {
        g_assert_false(json_object_has_member(st, trunc_member));
        return NULL;
    }
    /* Data and its truncation flag come together. */
    g_assert_true(json_object_has_member(st, trunc_member));
    gsize len = 0;
    guchar *d = g_base64_decode(json_object_get_string_member(st, data_member), &len);
    g_assert_cmpuint(len, >, 0);
    return g_bytes_new_take(d, len);
}

static void assert_stream(JsonObject *st, const char *name, const char *text)
{
    g_autoptr(GBytes) b = stream(st, name);
    if (!text) {
        g_assert_null(b);
        return;
    }
    g_assert_nonnull(b);
    gsize n = 0;
    const char *p = g_bytes_get_data(b, &n);
    g_assert_cmpmem(p, n, text, strlen(text));
    g_autofree char *trunc_member = g_strdup_printf("%s-truncated", name);
    g_assert_false(json_object_get_boolean_member(st, trunc_member));
}

static void assert_exitcode(JsonObject *st, gint64 code)
{
    g_assert_true(json_object_has_member(st, "exitcode"));
    g_assert_false(json_object_has_member(st, "signal"));
    g_assert_cmpint(json_object_get_int_member(st, "exitcode"), ==, code);
}

/* Another request, answered at once whatever children run (a command of this family, so the
 * check does not depend on which other commands a platform's agent has). */
static void other_request(QgaTestClient *c)
{
    gint64 t = g_get_monotonic_time();
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-exec-status\", \"arguments\": {\"pid\": 0}}");
    qga_test_assert_error(r, "GenericError", "PID 0 does not exist");
    g_assert_cmpint(g_get_monotonic_time() - t, <, 1000000);
}

static QgaTestAgent *start_agent(void)
{
    static const char *const env[] = { "QGA_TEST_MARKER=from-the-agent", NULL };
    QgaTestAgentOptions opts = { .env = env };
    return qga_test_agent_start(&opts);
}

/* Arguments arrive exactly as sent: no shell, and (Windows) the MSVC quoting rules applied. */
static void test_argv_intact(void)
{
    QgaTestAgent *agent = start_agent();
    QgaTestClient *c = qga_test_connect(agent);
    static const char *const args[] = {
        "argv", "plain", "", "two words", "  lead and trail  ", "tab\there", "new\nline", "q\"uote", "\"", "'single'",
        "\\", "\\\\", "end\\", "sp ace\\", "a\\\\\\\"b", "\\\\server\\share\\", "C:\\Program Files\\x",
        "$HOME", "%PATH%", "*", "?", "a;b|c&d>e<f", "`echo no`", "$(echo no)", "^caret",
        "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac \xe4\xb8\xad\xe6\x96\x87", "\xf0\x9f\x98\x80", "-n", "--", NULL,
    };
    gint64 pid = exec_child(c, args, ", \"capture-output\": true");
    g_autoptr(JsonObject) st = wait_exited(c, pid, 20000);
    assert_exitcode(st, 0);
    g_autoptr(GBytes) out = stream(st, "out");
    g_assert_nonnull(out);
    gsize n = 0;
    const char *text = g_bytes_get_data(out, &n);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    g_assert_true(json_parser_load_from_data(parser, text, (gssize)n, &error));
    JsonArray *got = json_node_get_array(json_parser_get_root(parser));
    g_assert_cmpuint(json_array_get_length(got), ==, g_strv_length((char **)args) - 1);
    for (guint i = 0; i < json_array_get_length(got); i++) {
        g_assert_cmpstr(json_array_get_string_element(got, i), ==, args[i + 1]);
    }
    assert_stream(st, "err", NULL);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* Upstream's /qga/guest-exec: echo through PATH. */
static void test_upstream_echo(void)
{
    if (!qga_test_agent_is_posix()) {
        g_test_skip("Wine has no echo program (see the file comment)");
        return;
    }
    QgaTestAgent *agent = start_agent();
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": \"echo\", \"arg\": [\"-n\", \" test_str \"], "
                                              "\"capture-output\": true}}");
    gint64 pid = json_object_get_int_member(json_node_get_object(qga_test_reply_return(r)), "pid");
    g_autoptr(JsonObject) st = wait_exited(c, pid, 5000);
    assert_exitcode(st, 0);
    assert_stream(st, "out", " test_str ");
    assert_stream(st, "err", NULL);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_stdin(void)
{
    QgaTestAgent *agent = start_agent();
    QgaTestClient *c = qga_test_connect(agent);
    static const char *const cat[] = { "cat", NULL };

    /* Every byte value. */
    guchar bytes[512];
    for (int i = 0; i < 512; i++) {
        bytes[i] = (guchar)(255 - i % 256);
    }
    g_autofree char *b64 = g_base64_encode(bytes, sizeof(bytes));
    g_autofree char *extra = g_strdup_printf(", \"input-data\": \"%s\", \"capture-output\": \"stdout\"", b64);
    gint64 pid = exec_child(c, cat, extra);
    g_autoptr(JsonObject) st = wait_exited(c, pid, 20000);
    assert_exitcode(st, 0);
    g_autoptr(GBytes) out = stream(st, "out");
    gsize n = 0;
    const void *p = g_bytes_get_data(out, &n);
    g_assert_cmpmem(p, n, bytes, sizeof(bytes));

    /* 4 MiB in while 4 MiB come out: fed and drained at the same time, or both sides block. */
    gsize big_len = 4 * 1024 * 1024;
    g_autofree guchar *big = g_malloc(big_len);
    for (gsize i = 0; i < big_len; i++) {
        big[i] = (guchar)(i * 13 + (i >> 16));
    }
    g_autofree char *big64 = g_base64_encode(big, big_len);
    g_autofree char *extra2 = g_strdup_printf(", \"input-data\": \"%s\", \"capture-output\": \"separated\"", big64);
    pid = exec_child(c, cat, extra2);
    /* The agent answers while it feeds the child. */
    other_request(c);
    g_autoptr(JsonObject) st2 = wait_exited(c, pid, 60000);
    assert_exitcode(st2, 0);
    g_autoptr(GBytes) out2 = stream(st2, "out");
    p = g_bytes_get_data(out2, &n);
    g_assert_cmpmem(p, n, big, big_len);

    /* Empty input: stdin is at its end at once. */
    pid = exec_child(c, cat, ", \"input-data\": \"\", \"capture-output\": \"stdout\"");
    g_autoptr(JsonObject) st3 = wait_exited(c, pid, 20000);
    assert_exitcode(st3, 0);
    assert_stream(st3, "out", NULL);
    /* No input at all: stdin is the null device, not the agent's own. */
    pid = exec_child(c, cat, ", \"capture-output\": \"stdout\"");
    g_autoptr(JsonObject) st4 = wait_exited(c, pid, 20000);
    assert_exitcode(st4, 0);
    assert_stream(st4, "out", NULL);

    g_autoptr(JsonObject) bad = qga_test_cmd(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": \"x\", \"input-data\": \"%%%\"}}");
    qga_test_assert_error(bad, "GenericError", "Base64 data contains invalid characters");
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_capture_modes(void)
{
    QgaTestAgent *agent = start_agent();
    QgaTestClient *c = qga_test_connect(agent);
    static const char *const interleave[] = { "interleave", "3", NULL };
    static const struct {
        const char *capture;
        const char *out, *err;
    } cases[] = {
        { NULL, NULL, NULL },
        { "false", NULL, NULL },
        { "\"none\"", NULL, NULL },
        { "true", "out 0\nout 1\nout 2\n", "err 0\nerr 1\nerr 2\n" },
        { "\"separated\"", "out 0\nout 1\nout 2\n", "err 0\nerr 1\nerr 2\n" },
        { "\"stdout\"", "out 0\nout 1\nout 2\n", NULL },
        { "\"stderr\"", NULL, "err 0\nerr 1\nerr 2\n" },
        /* One pipe for both, in the order of the writes (qemu-ga has no "merged" on Windows). */
        { "\"merged\"", "out 0\nerr 0\nout 1\nerr 1\nout 2\nerr 2\n", NULL },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *extra = cases[i].capture ? g_strdup_printf(", \"capture-output\": %s", cases[i].capture) : NULL;
        gint64 pid = exec_child(c, interleave, extra);
        g_autoptr(JsonObject) st = wait_exited(c, pid, 20000);
        assert_exitcode(st, 0);
        assert_stream(st, "out", cases[i].out);
        assert_stream(st, "err", cases[i].err);
    }
    g_autoptr(JsonObject) bad = qga_test_cmd(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": \"x\", \"capture-output\": \"both\"}}");
    qga_test_assert_error(bad, "GenericError", "Parameter 'capture-output' does not accept value 'both'");
    g_autoptr(JsonObject) bad2 = qga_test_cmd(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": \"x\", \"capture-output\": 1}}");
    qga_test_assert_error(bad2, "GenericError", "Invalid parameter type for 'capture-output', expected: GuestExecCaptureOutput");
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* 16 MiB per stream are kept; more is read (the child never blocks) and dropped. */
static void check_pattern(GBytes *b, gsize len)
{
    gsize n = 0;
    const guchar *p = g_bytes_get_data(b, &n);
    g_assert_cmpuint(n, ==, len);
    for (gsize i = 0; i < n; i += 4099) {
        g_assert_cmpint(p[i], ==, 'a' + i % 26);
    }
    g_assert_cmpint(p[n - 1], ==, 'a' + (n - 1) % 26);
}

static void test_truncation(void)
{
    QgaTestAgent *agent = start_agent();
    QgaTestClient *c = qga_test_connect(agent);
    static const struct {
        const char *stream;
        gsize written;
        gboolean truncated;
    } cases[] = {
        { "out", OUTPUT_MAX, FALSE },
        { "out", OUTPUT_MAX + 1, TRUE },
        { "err", OUTPUT_MAX + 1, TRUE },
        { "out", OUTPUT_MAX + 3 * 1024 * 1024, TRUE },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *count = g_strdup_printf("%zu", cases[i].written);
        const char *const args[] = { "write", cases[i].stream, count, NULL };
        gint64 pid = exec_child(c, args, ", \"capture-output\": \"separated\"");
        g_autoptr(JsonObject) st = wait_exited(c, pid, 60000);
        assert_exitcode(st, 0);   /* it wrote everything: nobody stopped reading */
        const char *other = g_str_equal(cases[i].stream, "out") ? "err" : "out";
        g_autoptr(GBytes) b = stream(st, cases[i].stream);
        g_assert_nonnull(b);
        check_pattern(b, OUTPUT_MAX);
        g_autofree char *trunc = g_strdup_printf("%s-truncated", cases[i].stream);
        g_assert_cmpint(json_object_get_boolean_member(st, trunc), ==, cases[i].truncated);
        assert_stream(st, other, NULL);
    }
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_exit_status(void)
{
    QgaTestAgent *agent = start_agent();
    QgaTestClient *c = qga_test_connect(agent);
    static const char *const codes[] = { "0", "1", "42", "255" };
    for (gsize i = 0; i < G_N_ELEMENTS(codes); i++) {
        const char *const args[] = { "exit", codes[i], NULL };
        gint64 pid = exec_child(c, args, NULL);
        g_autoptr(JsonObject) st = wait_exited(c, pid, 20000);
        assert_exitcode(st, g_ascii_strtoll(codes[i], NULL, 10));
        g_assert_false(json_object_has_member(st, "out-data"));
    }
    static const char *const die[] = { "die", NULL };
    gint64 pid = exec_child(c, die, ", \"capture-output\": true");
    g_autoptr(JsonObject) st = wait_exited(c, pid, 20000);
    g_assert_false(json_object_has_member(st, "exitcode"));
    /* POSIX: SIGTERM. Windows: the NTSTATUS (access violation), signed as qemu-ga reports it. */
    g_assert_cmpint(json_object_get_int_member(st, "signal"), ==,
                    qga_test_agent_is_posix() ? 15 : (gint64)(gint32)0xC0000005u);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_errors(void)
{
    QgaTestAgent *agent = start_agent();
    QgaTestClient *c = qga_test_connect(agent);
    /* Upstream's /qga/guest-exec-invalid, with the text checked. */
    const char *missing = qga_test_agent_is_posix() ? "/bin/invalid-cmd42" : "Z:\\nonexistent\\invalid-cmd42.exe";
    g_autofree char *jmissing = json_str(missing);
    g_autoptr(JsonObject) r1 = qga_test_cmdf(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": %s}}", jmissing);
    g_autofree char *prefix = g_strdup_printf("Guest agent command failed, error was 'Failed to execute child process "
                                              "\xe2\x80\x9c%s\xe2\x80\x9d (", missing);
    qga_test_assert_error_prefix(r1, "GenericError", prefix);
    if (qga_test_agent_is_posix()) {
        qga_test_assert_error(r1, "GenericError", "Guest agent command failed, error was 'Failed to execute child process "
                                                  "\xe2\x80\x9c/bin/invalid-cmd42\xe2\x80\x9d (No such file or directory)'");
        /* Found but not runnable: no execute permission. */
        g_autofree char *plain = g_build_filename(agent->dir, "plain.txt", NULL);
        g_assert_true(g_file_set_contents(plain, "echo script ran\n", -1, NULL));
        g_assert_cmpint(g_chmod(plain, 0644), ==, 0);
        g_autofree char *jplain = json_str(plain);
        g_autoptr(JsonObject) r2 = qga_test_cmdf(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": %s}}", jplain);
        g_autofree char *expected = g_strdup_printf("Guest agent command failed, error was 'Failed to execute child process "
                                                    "\xe2\x80\x9c%s\xe2\x80\x9d (Permission denied)'", plain);
        qga_test_assert_error(r2, "GenericError", expected);
        /* Executable without a "#!" line: run by /bin/sh, as execvp and glib (so qemu-ga) do. */
        g_assert_cmpint(g_chmod(plain, 0755), ==, 0);
        g_autoptr(JsonObject) r6 = qga_test_cmdf(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": %s, "
                                                    "\"capture-output\": true}}", jplain);
        gint64 pid = json_object_get_int_member(json_node_get_object(qga_test_reply_return(r6)), "pid");
        g_autoptr(JsonObject) st = wait_exited(c, pid, 20000);
        assert_exitcode(st, 0);
        assert_stream(st, "out", "script ran\n");
        g_autoptr(JsonObject) r3 = qga_test_cmd(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": \"/\"}}");
        qga_test_assert_error_prefix(r3, "GenericError", "Guest agent command failed, error was 'Failed to execute child process ");
    }
    /* Unknown pids: a correct "PID <n> does not exist" (qemu-ga prints "PID ld ..."). */
    static const char *const pids[] = { "0", "-1", "1", "4611686018427387904", "-9223372036854775808" };
    for (gsize i = 0; i < G_N_ELEMENTS(pids); i++) {
        g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-exec-status\", \"arguments\": {\"pid\": %s}}", pids[i]);
        g_autofree char *expected = g_strdup_printf("PID %s does not exist", pids[i]);
        qga_test_assert_error(r, "GenericError", expected);
    }
    g_autoptr(JsonObject) r4 = qga_test_cmd(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"arg\": [\"x\"]}}");
    qga_test_assert_error(r4, "GenericError", "Parameter 'path' is missing");
    g_autoptr(JsonObject) r5 = qga_test_cmd(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": \"x\", \"arg\": [1]}}");
    qga_test_assert_error_prefix(r5, "GenericError", "Invalid parameter type for 'arg[0]', expected: string");
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* The reply comes at once, the child lives on, and the agent keeps answering meanwhile. */
static void test_running_child(void)
{
    QgaTestAgent *agent = start_agent();
    QgaTestClient *c = qga_test_connect(agent);
    static const char *const sleep_args[] = { "sleep", "2500", NULL };
    gint64 t0 = g_get_monotonic_time();
    gint64 pid = exec_child(c, sleep_args, ", \"capture-output\": \"separated\"");
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 2000000);
    g_autoptr(JsonObject) running = status(c, pid);
    g_assert_false(json_object_get_boolean_member(running, "exited"));
    g_assert_cmpuint(json_object_get_size(running), ==, 1);
    for (int i = 0; i < 5; i++) {
        other_request(c);
    }
    /* Others run and finish meanwhile. */
    static const char *const quick[] = { "interleave", "1", NULL };
    gint64 pids[4];
    for (int i = 0; i < 4; i++) {
        pids[i] = exec_child(c, quick, ", \"capture-output\": \"merged\"");
    }
    for (int i = 0; i < 4; i++) {
        g_autoptr(JsonObject) st = wait_exited(c, pids[i], 20000);
        assert_stream(st, "out", "out 0\nerr 0\n");
    }
    g_autoptr(JsonObject) still = status(c, pid);
    g_assert_false(json_object_get_boolean_member(still, "exited"));
    g_autoptr(JsonObject) st = wait_exited(c, pid, 20000);
    assert_exitcode(st, 0);
    g_assert_cmpint(g_get_monotonic_time() - t0, >=, 2400000);
    assert_stream(st, "out", NULL);
    assert_stream(st, "err", NULL);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* env replaces the whole environment; without it the agent's own is inherited. */
static void test_environment(void)
{
    QgaTestAgent *agent = start_agent();
    QgaTestClient *c = qga_test_connect(agent);
    static const char *const args[] = { "env", "QGA_TEST_MARKER", "FOO", "EMPTY", NULL };
    gint64 pid = exec_child(c, args, ", \"capture-output\": \"stdout\"");
    g_autoptr(JsonObject) st1 = wait_exited(c, pid, 20000);
    assert_stream(st1, "out", "[\"from-the-agent\",null,null]");
    pid = exec_child(c, args, ", \"env\": [\"FOO=bar baz\", \"EMPTY=\"], \"capture-output\": \"stdout\"");
    g_autoptr(JsonObject) st2 = wait_exited(c, pid, 20000);
    assert_stream(st2, "out", "[null,\"bar baz\",\"\"]");

    /* PATH for finding the program comes from the given environment (glib's SEARCH_PATH_FROM_ENVP). */
    g_autofree char *dir = g_path_get_dirname(g_getenv("QGA_EXEC_CHILD"));
    g_autofree char *agent_dir = agent_path(dir);
    const char *sep = qga_test_agent_is_posix() ? ":" : ";";
    g_autofree char *path_entry = g_strdup_printf("PATH=%snonexistent%s%s", qga_test_agent_is_posix() ? "/" : "Z:\\", sep, agent_dir);
    g_autofree char *jpath_entry = json_str(path_entry);
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": \"qga-test-child\", "
                                               "\"arg\": [\"exit\", \"7\"], \"env\": [%s]}}", jpath_entry);
    pid = json_object_get_int_member(json_node_get_object(qga_test_reply_return(r)), "pid");
    g_autoptr(JsonObject) st3 = wait_exited(c, pid, 20000);
    assert_exitcode(st3, 7);
    /* Without that PATH the bare name is not found. */
    g_autoptr(JsonObject) r2 = qga_test_cmd(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": \"qga-test-child\", "
                                               "\"env\": [\"PATH=/nonexistent\"]}}");
    qga_test_assert_error_prefix(r2, "GenericError", "Guest agent command failed, error was 'Failed to execute child process ");
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* Children are reaped when they end, before anyone asks for their status. */
static void test_no_zombie(void)
{
    if (!qga_test_agent_is_posix()) {
        g_test_skip("the Windows agent's pids are not Linux pids (see the file comment)");
        return;
    }
    QgaTestAgent *agent = start_agent();
    QgaTestClient *c = qga_test_connect(agent);
    static const char *const args[] = { "exit", "3", NULL };
    gint64 pid = exec_child(c, args, NULL);
    g_autofree char *stat_path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/stat", pid);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (g_file_test(stat_path, G_FILE_TEST_EXISTS)) {
        if (g_get_monotonic_time() > deadline) {
            g_autofree char *stat = NULL;
            g_file_get_contents(stat_path, &stat, NULL, NULL);
            g_error("child %" G_GINT64_FORMAT " was not reaped: %s", pid, stat ? stat : "?");
        }
        g_usleep(10000);
    }
    /* Reaped, and its status kept for the host. */
    g_autoptr(JsonObject) st = wait_exited(c, pid, 1000);
    assert_exitcode(st, 3);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* At most 64 uncollected children: an ended one makes room; 64 running ones refuse the 65th. */
static void test_table_limit(void)
{
    QgaTestAgent *agent = start_agent();
    QgaTestClient *c = qga_test_connect(agent);
    static const char *const quick[] = { "exit", "0", NULL };
    /* Long enough to outlast starting 64 of them (about 10 s under Wine). */
    const char *const slow[] = { "sleep", qga_test_agent_is_posix() ? "4000" : "25000", NULL };
    gint64 first = exec_child(c, quick, NULL);
    g_usleep(200000);
    gint64 running[63];
    for (int i = 0; i < 63; i++) {
        running[i] = exec_child(c, slow, NULL);
    }
    /* Full: the ended, never collected first child is dropped for the new one. */
    gint64 extra = exec_child(c, slow, NULL);
    g_autoptr(JsonObject) gone = qga_test_cmdf(c, "{\"execute\": \"guest-exec-status\", \"arguments\": {\"pid\": %" G_GINT64_FORMAT "}}", first);
    g_autofree char *expected = g_strdup_printf("PID %" G_GINT64_FORMAT " does not exist", first);
    qga_test_assert_error(gone, "GenericError", expected);
    /* Full of running children: refused. */
    g_autofree char *child = child_path();
    g_autofree char *jchild = json_str(child);
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": %s, \"arg\": [\"exit\", \"0\"]}}", jchild);
    qga_test_assert_error(r, "GenericError", "too many guest-exec processes: 64 are running and their status has not "
                                             "been read with guest-exec-status");
    for (int i = 0; i < 63; i++) {
        g_autoptr(JsonObject) st = wait_exited(c, running[i], 60000);
        assert_exitcode(st, 0);
    }
    g_autoptr(JsonObject) st = wait_exited(c, extra, 60000);
    assert_exitcode(st, 0);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* The agent stops cleanly with children still running; they are not killed. */
static void test_stop_with_running_child(void)
{
    QgaTestAgent *agent = start_agent();
    QgaTestClient *c = qga_test_connect(agent);
    static const char *const slow[] = { "sleep", "1500", NULL };
    exec_child(c, slow, ", \"capture-output\": true");
    static const char *const cat[] = { "cat", NULL };
    exec_child(c, cat, ", \"input-data\": \"aGVsbG8=\"");
    qga_test_client_close(c);
    qga_test_agent_stop(agent);   /* asserts exit status 0 and the socket removed */
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/integration/exec/argv-intact", test_argv_intact);
    g_test_add_func("/integration/exec/upstream-echo", test_upstream_echo);
    g_test_add_func("/integration/exec/stdin", test_stdin);
    g_test_add_func("/integration/exec/capture-modes", test_capture_modes);
    g_test_add_func("/integration/exec/truncation", test_truncation);
    g_test_add_func("/integration/exec/exit-status", test_exit_status);
    g_test_add_func("/integration/exec/errors", test_errors);
    g_test_add_func("/integration/exec/running-child", test_running_child);
    g_test_add_func("/integration/exec/environment", test_environment);
    g_test_add_func("/integration/exec/no-zombie", test_no_zombie);
    g_test_add_func("/integration/exec/table-limit", test_table_limit);
    g_test_add_func("/integration/exec/stop-with-running-child", test_stop_with_running_child);

    return g_test_run();
}

/* QEMU test-qga.c's rows for the file, exec and system-information command families. */
#include <locale.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* A row applies once the agent lists the command; until then it is reported as skipped. */
static bool agent_has(QgaTestClient *c, const char *name)
{
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-info\"}");
    JsonArray *cmds = json_object_get_array_member(json_node_get_object(qga_test_reply_return(r)),
                                                   "supported_commands");
    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        if (g_str_equal(json_object_get_string_member(json_array_get_object_element(cmds, i), "name"), name)) {
            return true;
        }
    }
    return false;
}

typedef struct {
    QgaTestAgent *agent;
    QgaTestClient *c;
} Fixture;

static bool fixture_start(Fixture *f, const char *const *needed)
{
    f->agent = qga_test_agent_start(NULL);
    f->c = qga_test_connect(f->agent);
    for (const char *const *n = needed; *n; n++) {
        if (!agent_has(f->c, *n)) {
            g_autofree char *why = g_strdup_printf("the agent does not have %s yet", *n);
            g_test_skip(why);
            return false;
        }
    }
    return true;
}

static void fixture_stop(Fixture *f)
{
    qga_test_client_close(f->c);
    qga_test_agent_stop(f->agent);
}

/* "Hello World!\n" plus its NUL: the 14 bytes upstream writes. */
static const guchar hello[] = "Hello World!\n";

static gint64 file_open(QgaTestClient *c, const char *mode)
{
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-file-open\", \"arguments\": {\"path\": \"foo\", \"mode\": \"%s\"}}", mode);
    return json_node_get_int(qga_test_reply_return(r));
}

static void file_close(QgaTestClient *c, gint64 h)
{
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-file-close\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT "}}", h);
    qga_test_reply_return(r);
}

static void file_read_expect(QgaTestClient *c, gint64 h, gint64 count, gboolean eof, const char *b64)
{
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-file-read\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT "}}", h);
    JsonObject *v = json_node_get_object(qga_test_reply_return(r));
    g_assert_cmpint(json_object_get_int_member(v, "count"), ==, count);
    g_assert_cmpint(json_object_get_boolean_member(v, "eof"), ==, eof);
    g_assert_cmpstr(json_object_get_string_member(v, "buf-b64"), ==, b64);
}

static void file_write_expect(QgaTestClient *c, gint64 h, const char *b64, gint64 count)
{
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-file-write\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT ", \"buf-b64\": \"%s\"}}", h, b64);
    JsonObject *v = json_node_get_object(qga_test_reply_return(r));
    g_assert_cmpint(json_object_get_int_member(v, "count"), ==, count);
    g_assert_false(json_object_get_boolean_member(v, "eof"));
}

static void file_seek_expect(QgaTestClient *c, gint64 h, gint64 offset, gint64 position)
{
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-file-seek\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT ", \"offset\": %" G_GINT64_FORMAT ", \"whence\": \"set\"}}", h, offset);
    JsonObject *v = json_node_get_object(qga_test_reply_return(r));
    g_assert_cmpint(json_object_get_int_member(v, "position"), ==, position);
    g_assert_false(json_object_get_boolean_member(v, "eof"));
}

static void test_file_ops(void)
{
    static const char *const needed[] = { "guest-file-open", "guest-file-write", "guest-file-read",
                                          "guest-file-seek", "guest-file-flush", "guest-file-close", NULL };
    Fixture f;
    if (!fixture_start(&f, needed)) {
        fixture_stop(&f);
        return;
    }
    g_autofree char *enc = g_base64_encode(hello, sizeof(hello));
    g_autofree char *tail = g_base64_encode(hello + 6, sizeof(hello) - 6);

    gint64 h = file_open(f.c, "w+");
    file_write_expect(f.c, h, enc, sizeof(hello));
    g_autoptr(JsonObject) fl = qga_test_cmdf(f.c, "{\"execute\": \"guest-file-flush\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT "}}", h);
    qga_test_reply_return(fl);
    file_close(f.c, h);

    /* The bytes really are on disk, in the agent's working directory. */
    g_autofree char *path = g_build_filename(f.agent->dir, "foo", NULL);
    g_autofree char *content = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(path, &content, &len, NULL));
    g_assert_cmpuint(len, ==, sizeof(hello));
    g_assert_cmpmem(content, len, hello, sizeof(hello));

    h = file_open(f.c, "r");
    file_read_expect(f.c, h, sizeof(hello), TRUE, enc);
    file_read_expect(f.c, h, 0, TRUE, "");
    file_seek_expect(f.c, h, 6, 6);
    file_read_expect(f.c, h, sizeof(hello) - 6, TRUE, tail);
    file_close(f.c, h);
    fixture_stop(&f);
}

static void test_file_write_read(void)
{
    static const char *const needed[] = { "guest-file-open", "guest-file-write", "guest-file-read",
                                          "guest-file-seek", "guest-file-close", NULL };
    Fixture f;
    if (!fixture_start(&f, needed)) {
        fixture_stop(&f);
        return;
    }
    g_autofree char *enc = g_base64_encode(hello, sizeof(hello));

    gint64 h = file_open(f.c, "w+");
    file_write_expect(f.c, h, enc, sizeof(hello));
    /* Reading right after the write: nothing (position at the end), and the write was flushed. */
    file_read_expect(f.c, h, 0, TRUE, "");
    file_seek_expect(f.c, h, 0, 0);
    file_read_expect(f.c, h, sizeof(hello), TRUE, enc);
    file_close(f.c, h);
    fixture_stop(&f);
}

/* Poll guest-exec-status for up to 5 s, as upstream does; returns the final status object. */
static JsonObject *exec_wait(QgaTestClient *c, gint64 pid)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    for (;;) {
        JsonObject *r = qga_test_cmdf(c, "{\"execute\": \"guest-exec-status\", \"arguments\": {\"pid\": %" G_GINT64_FORMAT "}}", pid);
        JsonObject *v = json_node_get_object(qga_test_reply_return(r));
        if (json_object_get_boolean_member(v, "exited")) {
            return r;
        }
        json_object_unref(r);
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(10000);
    }
}

static gint64 exec_start(QgaTestClient *c, const char *args_json)
{
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-exec\", \"arguments\": %s}", args_json);
    gint64 pid = json_object_get_int_member(json_node_get_object(qga_test_reply_return(r)), "pid");
    g_assert_cmpint(pid, >, 0);
    return pid;
}

static void assert_b64(JsonObject *v, const char *member, const char *expected)
{
    gsize len;
    const char *b64 = json_object_get_string_member_with_default(v, member, NULL);
    g_assert_nonnull(b64);
    g_autofree guchar *decoded = g_base64_decode(b64, &len);
    g_assert_cmpmem(decoded, len, expected, strlen(expected));
}

/* Upstream's exec tests run echo(1) and bash; a Windows guest (and Wine) has neither. The exec
 * integration program (test-exec.c) covers the Windows agent with its own child program. */
static bool skip_without_posix_shell(void)
{
    if (qga_test_agent_is_posix())
        return false;
    g_test_skip("upstream's exec tests run echo and bash: POSIX guests only");
    return true;
}

static void test_guest_exec(void)
{
    static const char *const needed[] = { "guest-exec", "guest-exec-status", NULL };
    Fixture f;
    if (skip_without_posix_shell())
        return;
    if (!fixture_start(&f, needed)) {
        fixture_stop(&f);
        return;
    }
    gint64 pid = exec_start(f.c, "{\"path\": \"echo\", \"arg\": [\"-n\", \"\\\" test_str \\\"\"], \"capture-output\": true}");
    g_autoptr(JsonObject) r = exec_wait(f.c, pid);
    JsonObject *v = json_node_get_object(qga_test_reply_return(r));
    g_assert_cmpint(json_object_get_int_member(v, "exitcode"), ==, 0);
    assert_b64(v, "out-data", "\" test_str \"");
    fixture_stop(&f);
}

static const char bash_loop[] =
    "{\"path\": \"bash\", \"arg\": [\"-c\", \"for i in $(seq 4); do if (( $i %% 2 )); then echo stdout; "
    "else echo stderr 1>&2; fi; done;\"], \"capture-output\": \"%s\"}";

/* Upstream's bash loop in one capture mode; check() looks at the finished status. */
static void run_bash_loop(const char *mode, void (*check)(JsonObject *status))
{
    if (skip_without_posix_shell())
        return;
    static const char *const needed[] = { "guest-exec", "guest-exec-status", NULL };
    Fixture f;
    if (!fixture_start(&f, needed)) {
        fixture_stop(&f);
        return;
    }
    g_autofree char *args = g_strdup_printf(bash_loop, mode);
    gint64 pid = exec_start(f.c, args);
    g_autoptr(JsonObject) r = exec_wait(f.c, pid);
    JsonObject *v = json_node_get_object(qga_test_reply_return(r));
    g_assert_cmpint(json_object_get_int_member(v, "exitcode"), ==, 0);
    check(v);
    fixture_stop(&f);
}

static void check_separated(JsonObject *v)
{
    assert_b64(v, "out-data", "stdout\nstdout\n");
    assert_b64(v, "err-data", "stderr\nstderr\n");
}

static void check_merged(JsonObject *v)
{
    assert_b64(v, "out-data", "stdout\nstderr\nstdout\nstderr\n");
    g_assert_false(json_object_has_member(v, "err-data"));
}

static void test_guest_exec_separated(void)
{
    run_bash_loop("separated", check_separated);
}

static void test_guest_exec_merged(void)
{
    run_bash_loop("merged", check_merged);
}

static void test_guest_exec_invalid(void)
{
    static const char *const needed[] = { "guest-exec", "guest-exec-status", NULL };
    Fixture f;
    if (!fixture_start(&f, needed)) {
        fixture_stop(&f);
        return;
    }
    g_autoptr(JsonObject) r1 = qga_test_cmd(f.c, "{\"execute\": \"guest-exec\", \"arguments\": {\"path\": \"/bin/invalid-cmd42\"}}");
    qga_test_assert_error(r1, "GenericError", NULL);
    g_autoptr(JsonObject) r2 = qga_test_cmd(f.c, "{\"execute\": \"guest-exec-status\", \"arguments\": {\"pid\": 0}}");
    qga_test_assert_error(r2, "GenericError", NULL);
    fixture_stop(&f);
}

/* The first element of a list reply, or NULL for an empty list. */
static JsonObject *first_of(JsonObject *reply)
{
    JsonArray *a = json_node_get_array(qga_test_reply_return(reply));
    return json_array_get_length(a) ? json_array_get_object_element(a, 0) : NULL;
}

static void test_network_get_interfaces(void)
{
    static const char *const needed[] = { "guest-network-get-interfaces", NULL };
    Fixture f;
    if (fixture_start(&f, needed)) {
        g_autoptr(JsonObject) r = qga_test_cmd(f.c, "{\"execute\": \"guest-network-get-interfaces\"}");
        JsonObject *first = first_of(r);
        g_assert_nonnull(first);
        g_assert_true(json_object_has_member(first, "name"));
    }
    fixture_stop(&f);
}

static void test_get_vcpus(void)
{
    static const char *const needed[] = { "guest-get-vcpus", NULL };
    Fixture f;
    if (fixture_start(&f, needed) && access("/sys/devices/system/cpu/cpu0", F_OK) == 0) {
        g_autoptr(JsonObject) r = qga_test_cmd(f.c, "{\"execute\": \"guest-get-vcpus\"}");
        JsonObject *first = first_of(r);
        g_assert_nonnull(first);
        g_assert_true(json_object_has_member(first, "online"));
        g_assert_true(json_object_has_member(first, "logical-id"));
    }
    fixture_stop(&f);
}

static void test_get_fsinfo(void)
{
    static const char *const needed[] = { "guest-get-fsinfo", NULL };
    Fixture f;
    if (fixture_start(&f, needed)) {
        g_autoptr(JsonObject) r = qga_test_cmd(f.c, "{\"execute\": \"guest-get-fsinfo\"}");
        JsonObject *first = first_of(r);
        if (first) {
            static const char *const members[] = { "name", "mountpoint", "type", "disk" };
            for (size_t i = 0; i < G_N_ELEMENTS(members); i++) {
                g_assert_true(json_object_has_member(first, members[i]));
            }
        }
    }
    fixture_stop(&f);
}

static void test_get_load(void)
{
    static const char *const needed[] = { "guest-get-load", NULL };
    Fixture f;
    if (fixture_start(&f, needed)) {
        g_autoptr(JsonObject) r = qga_test_cmd(f.c, "{\"execute\": \"guest-get-load\"}");
        if (!qga_test_wine_cannot("guest-get-load", r)) {
            JsonObject *v = json_node_get_object(qga_test_reply_return(r));
            g_assert_true(json_object_has_member(v, "load1m"));
            g_assert_true(json_object_has_member(v, "load5m"));
            g_assert_true(json_object_has_member(v, "load15m"));
        }
    }
    fixture_stop(&f);
}

static void test_get_memory_block_info(void)
{
    static const char *const needed[] = { "guest-get-memory-block-info", NULL };
    Fixture f;
    if (fixture_start(&f, needed)) {
        g_autoptr(JsonObject) r = qga_test_cmd(f.c, "{\"execute\": \"guest-get-memory-block-info\"}");
        /* Some hosts expose no memory blocks in sysfs: upstream tolerates an error. */
        if (json_object_has_member(r, "return")) {
            g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(r, "return"), "size"), >, 0);
        }
    }
    fixture_stop(&f);
}

static void test_get_memory_blocks(void)
{
    static const char *const needed[] = { "guest-get-memory-blocks", NULL };
    Fixture f;
    if (fixture_start(&f, needed)) {
        g_autoptr(JsonObject) r = qga_test_cmd(f.c, "{\"execute\": \"guest-get-memory-blocks\"}");
        if (json_object_has_member(r, "return")) {
            JsonObject *first = first_of(r);
            if (first) {
                g_assert_true(json_object_has_member(first, "phys-index"));
                g_assert_true(json_object_has_member(first, "online"));
            }
        }
    }
    fixture_stop(&f);
}

static void test_fsfreeze_status(void)
{
    static const char *const needed[] = { "guest-fsfreeze-status", NULL };
    Fixture f;
    if (fixture_start(&f, needed)) {
        g_autoptr(JsonObject) r = qga_test_cmd(f.c, "{\"execute\": \"guest-fsfreeze-status\"}");
        g_assert_cmpstr(json_node_get_string(qga_test_reply_return(r)), ==, "thawed");
    }
    fixture_stop(&f);
}

static void test_get_users(void)
{
    static const char *const needed[] = { "guest-get-users", NULL };
    Fixture f;
    if (fixture_start(&f, needed)) {
        g_autoptr(JsonObject) r = qga_test_cmd(f.c, "{\"execute\": \"guest-get-users\"}");
        g_assert_true(JSON_NODE_HOLDS_ARRAY(qga_test_reply_return(r)));
    }
    fixture_stop(&f);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/integration/upstream/file-ops", test_file_ops);
    g_test_add_func("/integration/upstream/file-write-read", test_file_write_read);
    g_test_add_func("/integration/upstream/guest-exec", test_guest_exec);
    g_test_add_func("/integration/upstream/guest-exec-separated", test_guest_exec_separated);
    g_test_add_func("/integration/upstream/guest-exec-merged", test_guest_exec_merged);
    g_test_add_func("/integration/upstream/guest-exec-invalid", test_guest_exec_invalid);
    g_test_add_func("/integration/upstream/network-get-interfaces", test_network_get_interfaces);
    g_test_add_func("/integration/upstream/get-vcpus", test_get_vcpus);
    g_test_add_func("/integration/upstream/get-fsinfo", test_get_fsinfo);
    g_test_add_func("/integration/upstream/get-load", test_get_load);
    g_test_add_func("/integration/upstream/get-memory-block-info", test_get_memory_block_info);
    g_test_add_func("/integration/upstream/get-memory-blocks", test_get_memory_blocks);
    g_test_add_func("/integration/upstream/fsfreeze-status", test_fsfreeze_status);
    g_test_add_func("/integration/upstream/guest-get-users", test_get_users);

    return g_test_run();
}

/* qga-probe against a real agent binary (qga-compat or Debian's qemu-ga, from PROBE_AGENT) listening on a UNIX socket. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct Run {
    int status;
    char *out, *err;
} Run;

static void run_clear(Run *r)
{
    g_free(r->out);
    g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

static char *agent_dir, *agent_sock;
static GSubprocess *agent;

static void run_probe(Run *r, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GError) error = NULL;
    va_list ap;
    const char *arg;

    g_ptr_array_add(argv, (gpointer)g_getenv("QGA_PROBE"));
    g_ptr_array_add(argv, "--socket");
    g_ptr_array_add(argv, agent_sock);
    va_start(ap, r);
    while ((arg = va_arg(ap, const char *)))
        g_ptr_array_add(argv, (gpointer)arg);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    proc = g_subprocess_newv((const char *const *)argv->pdata,
                             G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
    g_assert_no_error(error);
    g_assert_true(g_subprocess_communicate_utf8(proc, NULL, NULL, &r->out, &r->err, &error));
    g_assert_true(g_subprocess_get_if_exited(proc));
    r->status = g_subprocess_get_exit_status(proc);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        g_error("expected to find\n  [%s]\nin\n  [%s]", needle, haystack);
}

/* Whether guest-info lists the command as enabled. */
static gboolean agent_has(const char *command)
{
    g_auto(Run) r = { 0 };
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonArray *cmds;

    run_probe(&r, "--json", "info", NULL);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(json_parser_load_from_data(parser, r.out, -1, NULL));
    cmds = json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)), "supported_commands");
    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        JsonObject *c = json_array_get_object_element(cmds, i);
        if (g_str_equal(json_object_get_string_member(c, "name"), command))
            return json_object_get_boolean_member(c, "enabled");
    }
    return FALSE;
}

static void test_ping_info(void)
{
    g_auto(Run) p = { 0 }, i = { 0 };

    run_probe(&p, "ping", "-n", "3", "-i", "0.05", NULL);
    g_assert_cmpint(p.status, ==, 0);
    assert_contains(p.out, "guest-ping 3: reply in ");
    run_probe(&i, "info", NULL);
    g_assert_cmpint(i.status, ==, 0);
    assert_contains(i.out, "agent version ");
    assert_contains(i.out, "  guest-sync-delimited ");
    assert_contains(i.out, "  guest-ping ");
}

static void test_call(void)
{
    g_auto(Run) h = { 0 }, nf = { 0 }, bad = { 0 };
    g_autofree char *want = g_strdup_printf("{\"return\":{\"host-name\":\"%s\"}}\n", g_get_host_name());

    run_probe(&h, "--json", "call", "guest-get-host-name", NULL);
    g_assert_cmpint(h.status, ==, 0);
    g_assert_cmpstr(h.out, ==, want);
    run_probe(&nf, "call", "guest-frobnicate", NULL);
    g_assert_cmpint(nf.status, ==, 8);
    g_assert_cmpstr(nf.err, ==, "qga-probe: guest-frobnicate: not supported by this agent (CommandNotFound: "
                    "The command guest-frobnicate has not been found)\n");
    run_probe(&bad, "call", "guest-ping", "{\"foo\": 42}", NULL);
    g_assert_cmpint(bad.status, ==, 10);
    g_assert_cmpstr(bad.err, ==, "qga-probe: guest-ping failed in the guest: GenericError: Parameter 'foo' is unexpected\n");
}

static void test_report(void)
{
    g_auto(Run) r = { 0 };
    g_autofree char *host = g_strdup_printf("\nHostname     %s\n", g_get_host_name());

    run_probe(&r, "report", NULL);
    if (r.status != 0)
        g_error("report exited %d:\n%s%s", r.status, r.out, r.err);
    assert_contains(r.out, host);
    assert_contains(r.out, " against the host clock ");
}

/* Half a request left by an earlier client must not confuse the next one (the 0xFF flush). */
static void test_sync_after_debris(void)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_auto(Run) r = { 0 };

    strcpy(addr.sun_path, agent_sock);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    /* (No complete request: qemu-ga on a host socket dies of SIGPIPE answering a gone client.) */
    g_assert_cmpint(write(fd, "{\"execute\": \"gue", 16), ==, 16);
    g_usleep(100000);
    close(fd);
    run_probe(&r, "call", "guest-ping", NULL);
    g_assert_cmpint(r.status, ==, 0);
}

static void test_exec(void)
{
    g_auto(Run) r = { 0 };

    run_probe(&r, "exec", "--", "/bin/sh", "-c", "printf out; printf err >&2; exit 7", NULL);
    if (!agent_has("guest-exec")) {
        /* Documented behaviour while the agent lacks the command. */
        g_assert_cmpint(r.status, ==, 255);
        assert_contains(r.err, "guest-exec: not supported by this agent (CommandNotFound");
        return;
    }
    g_assert_cmpint(r.status, ==, 7);
    g_assert_cmpstr(r.out, ==, "out");
    g_assert_cmpstr(r.err, ==, "err");
}

static void test_cp(void)
{
    g_autofree char *src = g_build_filename(agent_dir, "src.bin", NULL);
    g_autofree char *guest = g_strdup_printf("guest:%s/in-guest.bin", agent_dir);
    g_autofree char *back = g_build_filename(agent_dir, "back.bin", NULL);
    gsize size = 3 * 1024 * 1024 + 17, len;
    g_autofree guint8 *data = g_malloc(size);
    g_autofree char *content = NULL;
    g_auto(Run) push = { 0 }, pull = { 0 };

    for (gsize i = 0; i < size; i++)
        data[i] = (guint8)(i * 7 + (i >> 12));
    g_assert_true(g_file_set_contents(src, (const char *)data, (gssize)size, NULL));
    run_probe(&push, "cp", src, guest, NULL);
    if (!agent_has("guest-file-open")) {
        g_assert_cmpint(push.status, ==, 8);
        assert_contains(push.err, "guest-file-open: not supported by this agent (CommandNotFound");
        return;
    }
    g_assert_cmpint(push.status, ==, 0);
    run_probe(&pull, "cp", guest, back, NULL);
    g_assert_cmpint(pull.status, ==, 0);
    g_assert_true(g_file_get_contents(back, &content, &len, NULL));
    g_assert_cmpmem(content, len, data, size);
}

static void agent_start(const char *exe)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *pidfile = NULL;

    agent_dir = g_dir_make_tmp("qga-probe-live-XXXXXX", &error);
    g_assert_no_error(error);
    agent_sock = g_build_filename(agent_dir, "agent.sock", NULL);
    pidfile = g_build_filename(agent_dir, "agent.pid", NULL);
    agent = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &error, exe, "-m", "unix-listen", "-p", agent_sock,
                             "-t", agent_dir, "-f", pidfile, NULL);
    g_assert_no_error(error);
    for (int i = 0; i < 100 && !g_file_test(agent_sock, G_FILE_TEST_EXISTS); i++)
        g_usleep(100000);
    if (!g_file_test(agent_sock, G_FILE_TEST_EXISTS))
        g_error("%s did not create %s within 10 s", exe, agent_sock);
}

static void agent_stop(void)
{
    g_autoptr(GDir) dir = NULL;
    const char *name;

    g_subprocess_send_signal(agent, SIGTERM);
    g_subprocess_wait(agent, NULL, NULL);
    g_clear_object(&agent);
    dir = g_dir_open(agent_dir, 0, NULL);
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(agent_dir, name, NULL);
        g_remove(path);
    }
    g_rmdir(agent_dir);
}

int main(int argc, char **argv)
{
    const char *exe = g_getenv("PROBE_AGENT");
    int rc;

    g_test_init(&argc, &argv, NULL);
    if (!exe || !g_getenv("QGA_PROBE"))
        g_error("set PROBE_AGENT (agent binary) and QGA_PROBE (qga-probe binary)");
    if (!g_file_test(exe, G_FILE_TEST_IS_EXECUTABLE))
        g_error("agent binary %s is missing", exe);
    agent_start(exe);
    g_test_add_func("/probe/live/ping-info", test_ping_info);
    g_test_add_func("/probe/live/call", test_call);
    g_test_add_func("/probe/live/report", test_report);
    g_test_add_func("/probe/live/sync-after-debris", test_sync_after_debris);
    g_test_add_func("/probe/live/exec", test_exec);
    g_test_add_func("/probe/live/cp", test_cp);
    rc = g_test_run();
    agent_stop();
    return rc;
}

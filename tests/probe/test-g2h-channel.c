/* The agent's POSIX g2h glue on a real poll loop against a `qga-probe listen` process: hello, heartbeats, stopping, late host. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "g2h-channel.h"

static char *tmp_dir;

static GSubprocess *listener_start(const char *sock, const char *state)
{
    g_autoptr(GError) err = NULL;
    GSubprocess *proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE, &err, g_getenv("QGA_PROBE"), "listen",
                                         "--listen", sock, "--state-dir", state, "--guest", "vm1", "--once", NULL);
    g_assert_no_error(err);
    for (int i = 0; i < 500 && !g_file_test(sock, G_FILE_TEST_EXISTS); i++)
        g_usleep(10000);
    return proc;
}

static char **listener_output(GSubprocess *proc)
{
    g_autofree char *out = NULL;
    g_assert_true(g_subprocess_communicate_utf8(proc, NULL, NULL, &out, NULL, NULL));
    g_assert_true(g_subprocess_get_if_exited(proc));
    g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
    return g_strsplit(out, "\n", -1);
}

static void on_quit(QgaLoop *loop, QgaLoopTimer *timer, void *opaque)
{
    (void)timer;
    (void)opaque;
    qga_loop_quit(loop);
}

static void run_for(QgaLoop *loop, int64_t ms)
{
    QgaLoopTimer *t = qga_loop_add_timer(loop, on_quit, NULL);
    qga_loop_timer_arm(t, ms, 0);
    g_assert_cmpint(qga_loop_run(loop, NULL), ==, 0);
    qga_loop_remove_timer(loop, t);
}

static guint count_containing(char **lines, const char *needle)
{
    guint n = 0;
    for (char **l = lines; *l; l++)
        n += strstr(*l, needle) != NULL;
    return n;
}

static void test_hello_heartbeat_stopping(void)
{
    g_autofree char *sock = g_build_filename(tmp_dir, "a.sock", NULL);
    g_autofree char *state = g_build_filename(tmp_dir, "state", NULL);
    g_autoptr(GSubprocess) proc = listener_start(sock, state);
    QgaLoop *loop = qga_loop_new(NULL);
    QgaG2hChannelConfig cfg = { .socket_path = sock, .version = "7.7", .heartbeat_ms = 150, .retry_ms = 50 };
    QgaG2hChannel *ch = qga_g2h_channel_start(loop, &cfg, NULL);
    g_assert_nonnull(ch);
    run_for(loop, 700);
    qga_g2h_channel_stop(ch);
    qga_loop_free(loop);
    g_auto(GStrv) lines = listener_output(proc);
    g_assert_cmpstr(lines[0], ==, "{\"guest\":\"vm1\",\"connection\":\"open\"}");
    g_assert_cmpstr(lines[1], ==, "{\"guest\":\"vm1\",\"request\":{\"execute\":\"host-hello\",\"arguments\":{\"version\":\"7.7\","
                                  "\"os\":\"linux\",\"capabilities\":[\"AGENT_STARTED\",\"AGENT_STOPPING\",\"HEARTBEAT\","
                                  "\"EVENTS_DROPPED\"]},\"id\":1}}");
    g_assert_true(g_str_has_prefix(lines[2], "{\"guest\":\"vm1\",\"event\":{\"event\":\"AGENT_STARTED\",\"data\":{\"version\":\"7.7\"},"));
    g_assert_true(g_str_has_prefix(lines[3], "{\"guest\":\"vm1\",\"event\":{\"event\":\"HEARTBEAT\",\"data\":{\"sequence\":1},"));
    guint beats = count_containing(lines, "\"HEARTBEAT\"");
    g_assert_cmpuint(beats, >=, 2);
    g_assert_cmpuint(beats, <=, 5);
    guint n = g_strv_length(lines);
    g_assert_true(g_str_has_prefix(lines[n - 3], "{\"guest\":\"vm1\",\"event\":{\"event\":\"AGENT_STOPPING\",\"data\":{},"));
    g_assert_cmpstr(lines[n - 2], ==, "{\"guest\":\"vm1\",\"connection\":\"closed\"}");
    g_rmdir(state);
}

static void test_host_appears_later(void)
{
    g_autofree char *sock = g_build_filename(tmp_dir, "b.sock", NULL);
    g_autofree char *state = g_build_filename(tmp_dir, "state-b", NULL);
    QgaLoop *loop = qga_loop_new(NULL);
    QgaG2hChannelConfig cfg = { .socket_path = sock, .version = "7.7", .heartbeat_ms = 0, .retry_ms = 30 };
    QgaG2hChannel *ch = qga_g2h_channel_start(loop, &cfg, NULL);
    g_assert_nonnull(ch);
    run_for(loop, 100);   /* nobody there: it keeps retrying */
    g_autoptr(GSubprocess) proc = listener_start(sock, state);
    run_for(loop, 300);
    qga_g2h_channel_stop(ch);
    qga_loop_free(loop);
    g_auto(GStrv) lines = listener_output(proc);
    g_assert_cmpuint(g_strv_length(lines), ==, 6);
    g_assert_nonnull(strstr(lines[1], "\"execute\":\"host-hello\""));
    g_assert_nonnull(strstr(lines[2], "\"event\":\"AGENT_STARTED\""));
    g_assert_nonnull(strstr(lines[3], "\"event\":\"AGENT_STOPPING\""));
    g_assert_cmpstr(lines[4], ==, "{\"guest\":\"vm1\",\"connection\":\"closed\"}");
    g_rmdir(state);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("g2h-channel-XXXXXX", NULL);
    g_test_add_func("/agent/g2h/posix/hello-heartbeat-stopping", test_hello_heartbeat_stopping);
    g_test_add_func("/agent/g2h/posix/host-appears-later", test_host_appears_later);
    int rc = g_test_run();
    g_autofree char *a = g_build_filename(tmp_dir, "a.sock", NULL);
    g_autofree char *b = g_build_filename(tmp_dir, "b.sock", NULL);
    g_remove(a);
    g_remove(b);
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
    return rc;
}

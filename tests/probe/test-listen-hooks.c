/* `qga-probe listen --hooks-dir`: the admin's hooks get each accepted event on stdin and in their environment; unsafe files are skipped; a hook that hangs is killed; the queue is bounded. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "listen-harness.h"

static char *tmp_dir;

static void write_hook(const char *dir, const char *name, const char *body, int mode)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *text = g_strdup_printf("#!/bin/sh\n%s\n", body);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    g_assert_cmpint(g_chmod(path, mode), ==, 0);
}

static char *wait_file(const char *path, int timeout_ms)
{
    char *text = NULL;
    for (int i = 0; i < timeout_ms / 20; i++) {
        if (g_file_get_contents(path, &text, NULL, NULL))
            return text;
        g_usleep(20000);
    }
    return NULL;
}

static gboolean process_alive(const char *pid_file)
{
    g_autofree char *pid = NULL;
    if (!g_file_get_contents(pid_file, &pid, NULL, NULL))
        return FALSE;
    g_autofree char *proc = g_strdup_printf("/proc/%s/stat", g_strstrip(pid));
    g_autofree char *stat = NULL;
    if (!g_file_get_contents(proc, &stat, NULL, NULL))
        return FALSE;
    const char *close_paren = strrchr(stat, ')');
    return close_paren && close_paren[2] != 'Z';
}

static void test_hooks(void)
{
    g_autofree char *hooks = g_build_filename(tmp_dir, "hooks.d", NULL);
    g_autofree char *out = g_build_filename(tmp_dir, "out", NULL);
    g_autofree char *sock = g_build_filename(tmp_dir, "g2h.sock", NULL);
    g_autofree char *state = g_build_filename(tmp_dir, "state", NULL);
    g_assert_cmpint(g_mkdir(hooks, 0700), ==, 0);
    g_assert_cmpint(g_mkdir(out, 0700), ==, 0);
    /* Records its environment and stdin, then says something on stdout. */
    g_autofree char *record = g_strdup_printf(
        "grep SigIgn /proc/$$/status > %s/sigign.$QGA_EVENT\n"
        "env | sort > %s/env.$QGA_EVENT.tmp\n"
        "cat > %s/stdin.$QGA_EVENT.tmp\n"
        "echo \"argv=$0 $#\" >> %s/env.$QGA_EVENT.tmp\n"
        "mv %s/stdin.$QGA_EVENT.tmp %s/stdin.$QGA_EVENT\n"
        "mv %s/env.$QGA_EVENT.tmp %s/env.$QGA_EVENT\n"
        "echo \"recorded $QGA_EVENT\"", out, out, out, out, out, out, out, out);
    write_hook(hooks, "10-record", record, 0700);
    /* Unsafe or hidden: never run. */
    g_autofree char *touch = g_strdup_printf("touch %s/ran.$(basename $0)", out);
    write_hook(hooks, "20-group-writable", touch, 0770);
    write_hook(hooks, ".hidden", touch, 0700);
    write_hook(hooks, "25-not-executable", touch, 0600);
    g_autofree char *target = g_build_filename(hooks, "10-record", NULL);
    g_autofree char *link = g_build_filename(hooks, "26-symlink", NULL);
    g_assert_cmpint(symlink(target, link), ==, 0);
    /* Hangs: killed at the timeout, with its children. */
    g_autofree char *hang = g_strdup_printf("sleep 1000 & echo $! > %s/child.pid\nwait", out);
    write_hook(hooks, "30-hang", hang, 0700);

    LhProc *p = lh_start("--listen", sock, "--state-dir", state, "--guest", "vm7", "--hooks-dir", hooks,
                         "--hook-timeout", "1", NULL);
    GSocket *g = lh_guest_connect(sock);
    const char *ev = "{\"event\":\"FILESYSTEM_SPACE\",\"data\":{\"mountpoint\":\"/\",\"state\":\"low\",\"free-bytes\":1,"
                     "\"total-bytes\":100,\"threshold-percent\":5},\"timestamp\":{\"seconds\":7,\"microseconds\":8}}\n";
    g_assert_true(lh_send(g, ev, strlen(ev)));
    g_autofree char *stdin_path = g_build_filename(out, "stdin.FILESYSTEM_SPACE", NULL);
    g_autofree char *env_path = g_build_filename(out, "env.FILESYSTEM_SPACE", NULL);
    g_autofree char *in = wait_file(stdin_path, 5000);
    g_autofree char *env = wait_file(env_path, 5000);
    g_assert_nonnull(in);
    g_assert_nonnull(env);
    /* stdin: the line the listener printed for the event. */
    const char *printed = lh_wait_out(p, "\"event\":{\"event\":\"FILESYSTEM_SPACE\"", 5000);
    g_assert_nonnull(printed);
    g_autofree char *printed_nl = g_strconcat(printed, "\n", NULL);
    g_assert_cmpstr(in, ==, printed_nl);
    g_autofree char *want_env = g_strdup_printf("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
                                                "PWD=/\nQGA_DOMAIN=vm7\nQGA_EVENT=FILESYSTEM_SPACE\nargv=%s 0\n", target);
    g_assert_cmpstr(env, ==, want_env);
    g_assert_nonnull(lh_wait_err(p, "hook 10-record: recorded FILESYSTEM_SPACE", 5000));
    /* The listener ignores SIGPIPE; its hooks get the default back. */
    g_autofree char *sigign_path = g_build_filename(out, "sigign.FILESYSTEM_SPACE", NULL);
    g_autofree char *sigign = wait_file(sigign_path, 1000);
    g_assert_nonnull(sigign);
    g_assert_true(g_str_has_prefix(sigign, "SigIgn:"));
    guint64 ignored = g_ascii_strtoull(sigign + 7, NULL, 16);
    g_assert_cmpuint(ignored & (1u << (13 - 1)), ==, 0);   /* SIGPIPE is 13 */
    /* The hanging hook is killed after 1 s, its child too. */
    g_assert_nonnull(lh_wait_err(p, "hook 30-hang killed: still running after 1 s", 5000));
    g_autofree char *child_pid = g_build_filename(out, "child.pid", NULL);
    for (int i = 0; i < 100 && process_alive(child_pid); i++)
        g_usleep(20000);
    g_assert_true(g_file_test(child_pid, G_FILE_TEST_EXISTS));
    g_assert_false(process_alive(child_pid));
    /* The unsafe ones were skipped, each with one line, and never ran. */
    p->err_seen = 0;
    g_assert_nonnull(lh_wait_err(p, "hook 20-group-writable skipped: group- or world-writable", 1000));
    p->err_seen = 0;
    g_assert_nonnull(lh_wait_err(p, "hook 25-not-executable skipped: not executable", 1000));
    p->err_seen = 0;
    g_assert_nonnull(lh_wait_err(p, "hook 26-symlink skipped: not a regular file", 1000));
    g_autofree char *ran_gw = g_build_filename(out, "ran.20-group-writable", NULL);
    g_autofree char *ran_hidden = g_build_filename(out, "ran..hidden", NULL);
    g_assert_false(g_file_test(ran_gw, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(ran_hidden, G_FILE_TEST_EXISTS));
    /* The listener kept serving throughout. */
    GString *buf = g_string_new(NULL);
    const char *req = "{\"execute\":\"host-kv-list\",\"id\":1}\n";
    g_assert_true(lh_send(g, req, strlen(req)));
    g_autofree char *reply = lh_read_line(g, buf, 2000);
    g_assert_cmpstr(reply, ==, "{\"return\":[],\"id\":1}");
    /* A second event runs them again; the skipped ones are not logged twice. */
    const char *ev2 = "{\"event\":\"RESUMED\",\"data\":{},\"timestamp\":{\"seconds\":9,\"microseconds\":0}}\n";
    g_assert_true(lh_send(g, ev2, strlen(ev2)));
    g_autofree char *stdin2 = g_build_filename(out, "stdin.RESUMED", NULL);
    g_autofree char *in2 = wait_file(stdin2, 5000);
    g_assert_nonnull(in2);
    g_assert_nonnull(strstr(in2, "\"event\":\"RESUMED\""));
    g_assert_cmpint(lh_stop(p), ==, 0);
    guint skipped_lines = 0;
    for (guint i = 0; i < p->err_lines->len; i++)
        skipped_lines += strstr(g_ptr_array_index(p->err_lines, i), "20-group-writable skipped") != NULL;
    g_assert_cmpuint(skipped_lines, ==, 1);
    lh_free(p);
    g_object_unref(g);
    g_string_free(buf, TRUE);
    g_autofree char *cmd = g_strdup_printf("rm -rf %s %s %s", hooks, out, state);
    g_assert_cmpint(system(cmd), ==, 0);
}

/* Many events with slow hooks: 4 run, the queue holds its bound, the rest are counted and reported. */
static void test_queue_bound(void)
{
    g_autofree char *hooks = g_build_filename(tmp_dir, "hooks-slow", NULL);
    g_autofree char *sock = g_build_filename(tmp_dir, "g2h-slow.sock", NULL);
    g_autofree char *state = g_build_filename(tmp_dir, "state-slow", NULL);
    g_assert_cmpint(g_mkdir(hooks, 0700), ==, 0);
    write_hook(hooks, "slow", "sleep 30", 0700);
    LhProc *p = lh_start("--listen", sock, "--state-dir", state, "--hooks-dir", hooks, "--hook-timeout", "30", NULL);
    GSocket *g = lh_guest_connect(sock);
    GString *burst = g_string_new(NULL);
    for (int i = 1; i <= 30; i++)
        g_string_append_printf(burst, "{\"event\":\"HEARTBEAT\",\"data\":{\"sequence\":%d},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}\n", i);
    g_assert_true(lh_send(g, burst->str, burst->len));
    g_string_free(burst, TRUE);
    /* 30 events: 4 running + 16 waiting (the per-guest bound), 10 dropped. */
    g_assert_nonnull(lh_wait_err(p, "hooks: 10 runs dropped so far (queue full", 5000));
    g_assert_cmpuint(lh_count_out(p, "\"event\":{\"event\":\"HEARTBEAT\""), ==, 30);
    GString *buf = g_string_new(NULL);
    const char *req = "{\"execute\":\"host-kv-list\",\"id\":1}\n";
    g_assert_true(lh_send(g, req, strlen(req)));
    g_autofree char *reply = lh_read_line(g, buf, 2000);
    g_assert_cmpstr(reply, ==, "{\"return\":[],\"id\":1}");
    gint64 t0 = g_get_monotonic_time();
    g_assert_cmpint(lh_stop(p), ==, 0);
    /* Stopping does not wait for the hooks: they are killed. */
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 5 * G_USEC_PER_SEC);
    lh_free(p);
    g_object_unref(g);
    g_string_free(buf, TRUE);
    g_autofree char *cmd = g_strdup_printf("rm -rf %s %s", hooks, state);
    g_assert_cmpint(system(cmd), ==, 0);
}

static void test_unsafe_dir(void)
{
    g_autofree char *hooks = g_build_filename(tmp_dir, "hooks-open", NULL);
    g_autofree char *state = g_build_filename(tmp_dir, "state-open", NULL);
    g_autofree char *sock = g_build_filename(tmp_dir, "g2h-open.sock", NULL);
    g_assert_cmpint(g_mkdir(hooks, 0777), ==, 0);
    g_assert_cmpint(g_chmod(hooks, 0777), ==, 0);
    LhProc *p = lh_start("--listen", sock, "--state-dir", state, "--hooks-dir", hooks, NULL);
    lh_expect_exit(p, "not group/world-writable", 2);
    lh_free(p);
    g_rmdir(hooks);
    g_rmdir(state);
}

int main(int argc, char **argv)
{
    /* In the listener's environment, never in a hook's (set before any thread exists). */
    g_setenv("LISTENER_SECRET", "must-not-leak", TRUE);
    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("listen-hooks-XXXXXX", NULL);
    g_test_add_func("/probe/listen-hooks/contract", test_hooks);
    g_test_add_func("/probe/listen-hooks/queue-bound", test_queue_bound);
    g_test_add_func("/probe/listen-hooks/unsafe-dir", test_unsafe_dir);
    int rc = g_test_run();
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
    return rc;
}

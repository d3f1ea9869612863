/* The real Linux agent and the real `qga-probe listen` together over a UNIX socket: hello, events, the guest's keys on the host, the host's view in the guest, a clean stop. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "listen-harness.h"

/*
 * The agent's guest-driven channel normally runs on a virtio-serial port (the e2e tier); its
 * unix-connect method puts it on the socket `listen --listen` creates, so both programs can meet
 * here without a VM.
 */

static char *tmp_dir;

/* Waits until path exists and holds needle (the agent writes its state files on its own time). */
static char *wait_file_with(const char *path, const char *needle, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        char *text = NULL;
        if (g_file_get_contents(path, &text, NULL, NULL) && strstr(text, needle))
            return text;
        g_free(text);
        if (g_get_monotonic_time() > end)
            return NULL;
        g_usleep(50 * 1000);
    }
}

static void test_agent_meets_listener(void)
{
    g_autofree char *sock = g_build_filename(tmp_dir, "g2h.sock", NULL);
    g_autofree char *state = g_build_filename(tmp_dir, "host-state", NULL);
    g_autofree char *agent_dir = g_build_filename(tmp_dir, "agent", NULL);
    g_autofree char *agent_sock = g_build_filename(agent_dir, "qga.sock", NULL);
    g_assert_cmpint(g_mkdir(agent_dir, 0700), ==, 0);
    LhProc *p = lh_start("--listen", sock, "--state-dir", state, "--guest", "vm1", NULL);
    for (int i = 0; i < 100 && !g_file_test(sock, G_FILE_TEST_EXISTS); i++)
        g_usleep(50 * 1000);
    g_assert_true(g_file_test(sock, G_FILE_TEST_EXISTS));

    g_autofree char *g2h = g_strdup_printf("--g2h=%s", sock);
    const char *argv[] = { g_getenv("PROBE_AGENT"), "-m", "unix-listen", "-p", agent_sock, "-t", agent_dir,
                           "--g2h-method=unix-connect", g2h, "--g2h-heartbeat=1", NULL };
    g_assert_nonnull(argv[0]);
    g_autoptr(GError) err = NULL;
    g_autoptr(GSubprocess) agent = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_NONE, &err);
    g_assert_no_error(err);

    const char *hello = lh_wait_out(p, "\"execute\":\"host-hello\"", 10000);
    g_assert_nonnull(hello);
    g_assert_nonnull(strstr(hello, "\"guest\":\"vm1\""));
    g_assert_nonnull(strstr(hello, "\"os\":\"linux\""));
    g_assert_nonnull(lh_wait_out(p, "\"event\":\"AGENT_STARTED\"", 5000));
    g_assert_nonnull(lh_wait_out(p, "\"event\":\"HEARTBEAT\"", 5000));

    /* The guest's keys, stored by the host... */
    g_autofree char *kv_path = g_build_filename(state, "vm1.kv", NULL);
    g_autofree char *want_host = g_strdup_printf("guest.hostname=%s\n", g_get_host_name());
    g_autofree char *host_kv = wait_file_with(kv_path, want_host, 5000);
    g_assert_nonnull(host_kv);
    /* ...and the host's view, mirrored into the agent's state directory. */
    g_autofree char *id_path = g_build_filename(agent_dir, "g2h-identity.json", NULL);
    g_autofree char *identity = wait_file_with(id_path, "\"name\": \"vm1\"", 5000);
    g_assert_nonnull(identity);
    g_autofree char *mirror_path = g_build_filename(agent_dir, "g2h-kv.json", NULL);
    g_autofree char *want_mirror = g_strdup_printf("\"guest.hostname\": \"%s\"", g_get_host_name());
    g_autofree char *mirror = wait_file_with(mirror_path, want_mirror, 5000);
    g_assert_nonnull(mirror);

    /* A clean stop is announced; the listener stays up for the next agent. */
    g_subprocess_send_signal(agent, SIGTERM);
    g_assert_true(g_subprocess_wait(agent, NULL, &err));
    g_assert_cmpint(g_subprocess_get_exit_status(agent), ==, 0);
    g_assert_nonnull(lh_wait_out(p, "\"event\":\"AGENT_STOPPING\"", 5000));
    g_assert_nonnull(lh_wait_out(p, "\"connection\":\"closed\"", 5000));
    g_assert_cmpint(lh_stop(p), ==, 0);
    lh_free(p);
    g_unlink(id_path);
    g_unlink(mirror_path);
    g_unlink(kv_path);
    g_rmdir(state);
    g_rmdir(agent_dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("listen-agent-XXXXXX", NULL);
    g_test_add_func("/probe/listen-agent/agent-meets-listener", test_agent_meets_listener);
    int rc = g_test_run();
    g_rmdir(tmp_dir);
    return rc;
}

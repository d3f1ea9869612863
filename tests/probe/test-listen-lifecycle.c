/* `qga-probe listen --connect` following domain lifecycle events and a libvirtd restart, against a private session libvirtd serving the test driver (the test plays QEMU). */
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <string.h>
#include <unistd.h>

#include "listen-harness.h"

/*
 * libvirt's test driver is in-process per connection, so events caused by another client only
 * reach the listener through a daemon: this test starts its own libvirtd in session mode (as
 * nobody when run as root, so it touches nothing of the machine's libvirt), with every
 * directory under a temporary one, and reaches its shared test:///default driver with
 * test+unix:///default?socket=.... LIBVIRTD names the daemon (meson sets it when found).
 */

#define UUID "12345678-1234-1234-1234-123456789abc"

static char *tmp_dir;

static GSubprocess *libvirtd_start(const char *dir, char **ret_sock)
{
    g_autofree char *home = g_build_filename(dir, "home", NULL);
    g_autofree char *run = g_build_filename(dir, "run", NULL);
    g_mkdir_with_parents(home, 0755);
    g_mkdir_with_parents(run, 0700);
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    if (getuid() == 0) {
        g_assert_cmpint(chown(home, 65534, 65534), ==, 0);
        g_assert_cmpint(chown(run, 65534, 65534), ==, 0);
        g_ptr_array_add(argv, g_strdup("setpriv"));
        g_ptr_array_add(argv, g_strdup("--reuid=65534"));
        g_ptr_array_add(argv, g_strdup("--regid=65534"));
        g_ptr_array_add(argv, g_strdup("--clear-groups"));
    }
    g_ptr_array_add(argv, g_strdup("env"));
    g_ptr_array_add(argv, g_strdup("-i"));
    g_ptr_array_add(argv, g_strdup_printf("HOME=%s", home));
    g_ptr_array_add(argv, g_strdup_printf("XDG_RUNTIME_DIR=%s", run));
    g_ptr_array_add(argv, g_strdup_printf("XDG_CONFIG_HOME=%s/.config", home));
    g_ptr_array_add(argv, g_strdup_printf("XDG_CACHE_HOME=%s/.cache", home));
    g_ptr_array_add(argv, g_strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"));
    g_ptr_array_add(argv, g_strdup(g_getenv("LIBVIRTD")));
    g_ptr_array_add(argv, g_strdup("--timeout=120"));
    g_ptr_array_add(argv, NULL);
    g_autoptr(GError) err = NULL;
    GSubprocess *proc = g_subprocess_newv((const char *const *)argv->pdata,
                                          G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &err);
    g_assert_no_error(err);
    *ret_sock = g_build_filename(run, "libvirt", "libvirt-sock", NULL);
    for (int i = 0; i < 500 && !g_file_test(*ret_sock, G_FILE_TEST_EXISTS); i++)
        g_usleep(20000);
    g_assert_true(g_file_test(*ret_sock, G_FILE_TEST_EXISTS));
    return proc;
}

static void libvirtd_stop(GSubprocess *proc, const char *sock)
{
    g_subprocess_send_signal(proc, SIGTERM);
    g_assert_true(g_subprocess_wait(proc, NULL, NULL));
    for (int i = 0; i < 250 && g_file_test(sock, G_FILE_TEST_EXISTS); i++)
        g_usleep(20000);
    g_object_unref(proc);
}

typedef struct Guest {
    GSocket *sock;
    GString *buf;
} Guest;

static void guest_accept(Guest *g, GSocket *server)
{
    g->sock = lh_server_accept(server, 10000);
    g_assert_nonnull(g->sock);
    g->buf = g_string_new(NULL);
}

static void guest_ask(Guest *g, int id)
{
    g_autofree char *req = g_strdup_printf("{\"execute\":\"host-get-identity\",\"id\":%d}\n", id);
    g_assert_true(lh_send(g->sock, req, strlen(req)));
    g_autofree char *reply = lh_read_line(g->sock, g->buf, 5000);
    g_autofree char *want = g_strdup_printf("{\"return\":{\"name\":\"lc1\",\"uuid\":\"" UUID "\",\"metadata\":[]},\"id\":%d}", id);
    g_assert_cmpstr(reply, ==, want);
}

static void guest_close(Guest *g)
{
    g_clear_object(&g->sock);
    g_string_free(g->buf, TRUE);
    g->buf = NULL;
}

static void test_lifecycle(void)
{
    g_assert_nonnull(g_getenv("LIBVIRTD"));
    g_autofree char *daemon_sock = NULL;
    GSubprocess *daemon = libvirtd_start(tmp_dir, &daemon_sock);
    g_autofree char *uri = g_strdup_printf("test+unix:///default?socket=%s", daemon_sock);
    g_autofree char *qsock = g_build_filename(tmp_dir, "q.sock", NULL);
    g_autofree char *state = g_build_filename(tmp_dir, "state", NULL);
    GSocket *qemu = lh_server_new(qsock);

    LhProc *p = lh_start("--connect", uri, "--state-dir", state, NULL);
    /* The default test domain has no g2h channel. */
    g_assert_nonnull(lh_wait_err(p, "domain test has no org.qgacompat.g2h.0 channel; ignored", 10000));

    virConnectPtr conn = virConnectOpen(uri);
    g_assert_nonnull(conn);
    g_autofree char *xml = g_strdup_printf(
        "<domain type='test'><name>lc1</name><uuid>" UUID "</uuid><memory>65536</memory><os><type>hvm</type></os>"
        "<devices><channel type='unix'><source mode='bind' path='%s'/><target type='virtio' name='org.qgacompat.g2h.0'/>"
        "</channel></devices></domain>", qsock);
    virDomainPtr dom = virDomainDefineXML(conn, xml);
    g_assert_nonnull(dom);
    /* STARTED: connected. */
    g_assert_cmpint(virDomainCreate(dom), ==, 0);
    Guest g = { 0 };
    guest_accept(&g, qemu);
    guest_ask(&g, 1);
    /* STOPPED: dropped, with a line. */
    g_assert_cmpint(virDomainDestroy(dom), ==, 0);
    g_assert_nonnull(lh_wait_out(p, "{\"domain\":\"lc1\",\"uuid\":\"" UUID "\",\"connection\":\"closed: domain stopped\"}", 5000));
    g_assert_true(lh_wait_eof(g.sock, 5000));
    guest_close(&g);
    /* Started again: connected again; pause/resume changes nothing. */
    g_assert_cmpint(virDomainCreate(dom), ==, 0);
    guest_accept(&g, qemu);
    g_assert_cmpint(virDomainSuspend(dom), ==, 0);
    g_assert_cmpint(virDomainResume(dom), ==, 0);
    guest_ask(&g, 2);
    g_assert_null(lh_server_accept(qemu, 300));
    virDomainFree(dom);
    virConnectClose(conn);

    /* libvirtd goes away: the guest stays served while the listener reconnects with back-off. */
    libvirtd_stop(daemon, daemon_sock);
    g_assert_nonnull(lh_wait_err(p, "lost the libvirt connection", 10000));
    const char *list = "{\"execute\":\"host-kv-list\",\"id\":3}\n";
    g_assert_true(lh_send(g.sock, list, strlen(list)));
    g_autofree char *listed = lh_read_line(g.sock, g.buf, 5000);
    g_assert_cmpstr(listed, ==, "{\"return\":[],\"id\":3}");
    /* The identity's metadata is read live: without libvirt it is an error, not a guess. */
    const char *ident = "{\"execute\":\"host-get-identity\",\"id\":4}\n";
    g_assert_true(lh_send(g.sock, ident, strlen(ident)));
    g_autofree char *no_ident = lh_read_line(g.sock, g.buf, 5000);
    g_assert_cmpstr(no_ident, ==, "{\"error\":{\"class\":\"GenericError\",\"desc\":\"the host cannot read the domain's "
                                  "identity: no libvirt connection right now\"},\"id\":4}");
    daemon = libvirtd_start(tmp_dir, &daemon_sock);
    g_assert_nonnull(lh_wait_err(p, "libvirt connection restored", 15000));
    /* The new daemon's test driver has no lc1 running: the rescan drops it. */
    g_assert_nonnull(lh_wait_out(p, "\"uuid\":\"" UUID "\",\"connection\":\"closed: domain not running\"}", 5000));
    g_assert_true(lh_wait_eof(g.sock, 5000));
    guest_close(&g);
    g_assert_cmpint(lh_stop(p), ==, 0);
    lh_free(p);
    libvirtd_stop(daemon, daemon_sock);
    g_object_unref(qemu);
    g_autofree char *cmd = g_strdup_printf("rm -rf %s/home %s/run %s %s", tmp_dir, tmp_dir, state, qsock);
    g_assert_cmpint(system(cmd), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("listen-lifecycle-XXXXXX", NULL);
    g_chmod(tmp_dir, 0755);   /* the daemon runs as nobody when we are root */
    g_test_add_func("/probe/listen-lifecycle/start-stop-libvirtd-restart", test_lifecycle);
    int rc = g_test_run();
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
    return rc;
}

/* `qga-probe listen --connect` against libvirt's test driver: each running domain's g2h socket from the live XML (the test plays QEMU), identity metadata, key/value pairs kept per UUID across restarts. */
#include <glib/gstdio.h>
#include <string.h>

#include "listen-harness.h"

#define UUID_A "11111111-2222-3333-4444-555555555555"
#define UUID_B "66666666-7777-8888-9999-000000000000"
#define UUID_C "abcdefab-cdef-abcd-efab-cdefabcdefab"

static char *tmp_dir;

static char *domain_xml(const char *name, const char *uuid, const char *sock, const char *metadata)
{
    g_autofree char *channel = sock ? g_strdup_printf(
        "<channel type='unix'><source mode='bind' path='%s'/><target type='virtio' name='org.qgacompat.g2h.0'/></channel>", sock)
        : g_strdup("");
    return g_strdup_printf("<domain type='test'><name>%s</name><uuid>%s</uuid><memory>65536</memory>"
                           "<os><type>hvm</type></os>%s<devices>%s</devices></domain>",
                           name, uuid, metadata ? metadata : "", channel);
}

typedef struct Guest {
    GSocket *sock;    /* the connection the listener made to our "QEMU" socket */
    GString *buf;
} Guest;

static char *guest_call(Guest *g, const char *request)
{
    g_autofree char *line = g_strconcat(request, "\n", NULL);
    g_assert_true(lh_send(g->sock, line, strlen(line)));
    char *reply = lh_read_line(g->sock, g->buf, 5000);
    g_assert_nonnull(reply);
    return reply;
}

static void guest_accept(Guest *g, GSocket *server)
{
    g->sock = lh_server_accept(server, 10000);
    g_assert_nonnull(g->sock);
    g->buf = g_string_new(NULL);
}

static void guest_close(Guest *g)
{
    g_clear_object(&g->sock);
    if (g->buf)
        g_string_free(g->buf, TRUE);
    g->buf = NULL;
}

static void test_connect(void)
{
    g_autofree char *sock_a = g_build_filename(tmp_dir, "a.sock", NULL);
    g_autofree char *sock_b = g_build_filename(tmp_dir, "b.sock", NULL);
    g_autofree char *node = g_build_filename(tmp_dir, "node.xml", NULL);
    g_autofree char *state = g_build_filename(tmp_dir, "state", NULL);
    g_autofree char *a = domain_xml("g2h-a", UUID_A, sock_a,
        "<metadata><qga:identity xmlns:qga='https://qga-compat.org/xmlns/identity/1'>"
        "<qga:entry key='role'>web</qga:entry><qga:entry key='tier'>front &amp; back</qga:entry>"
        "</qga:identity></metadata>");
    g_autofree char *b = domain_xml("g2h-b", UUID_B, sock_b, NULL);
    g_autofree char *c = domain_xml("plain-c", UUID_C, NULL, NULL);
    g_autofree char *xml = g_strdup_printf("<node>%s%s%s</node>", a, b, c);
    g_assert_true(g_file_set_contents(node, xml, -1, NULL));
    g_autofree char *uri = g_strdup_printf("test://%s", node);
    GSocket *qemu_a = lh_server_new(sock_a), *qemu_b = lh_server_new(sock_b);

    LhProc *p = lh_start("--connect", uri, "--state-dir", state, NULL);
    Guest ga = { 0 }, gb = { 0 };
    guest_accept(&ga, qemu_a);
    guest_accept(&gb, qemu_b);
    g_assert_nonnull(lh_wait_out(p, "{\"domain\":\"g2h-a\",\"uuid\":\"" UUID_A "\",\"connection\":\"open\"}", 5000));
    g_assert_nonnull(lh_wait_err(p, "domain plain-c has no org.qgacompat.g2h.0 channel; ignored", 5000));

    g_autofree char *hello = guest_call(&gb, "{\"execute\":\"host-hello\",\"arguments\":{\"version\":\"1\",\"os\":\"linux\",\"capabilities\":[]},\"id\":1}");
    g_assert_nonnull(strstr(hello, "\"host-get-identity\"]"));
    g_autofree char *ida = guest_call(&ga, "{\"execute\":\"host-get-identity\",\"id\":2}");
    g_assert_cmpstr(ida, ==, "{\"return\":{\"name\":\"g2h-a\",\"uuid\":\"" UUID_A "\",\"metadata\":["
                             "{\"key\":\"role\",\"value\":\"web\"},{\"key\":\"tier\",\"value\":\"front & back\"}]},\"id\":2}");
    g_autofree char *idb = guest_call(&gb, "{\"execute\":\"host-get-identity\",\"id\":3}");
    g_assert_cmpstr(idb, ==, "{\"return\":{\"name\":\"g2h-b\",\"uuid\":\"" UUID_B "\",\"metadata\":[]},\"id\":3}");
    g_autofree char *seta = guest_call(&ga, "{\"execute\":\"host-kv-set\",\"arguments\":{\"key\":\"who\",\"value\":\"a\"},\"id\":4}");
    g_autofree char *setb = guest_call(&gb, "{\"execute\":\"host-kv-set\",\"arguments\":{\"key\":\"who\",\"value\":\"b\"},\"id\":5}");
    g_assert_cmpstr(seta, ==, "{\"return\":{},\"id\":4}");
    g_assert_cmpstr(setb, ==, "{\"return\":{},\"id\":5}");
    const char *ev = "{\"event\":\"USER_SESSION\",\"data\":{\"action\":\"logon\",\"session-id\":3},\"timestamp\":{\"seconds\":5,\"microseconds\":6}}\n";
    g_assert_true(lh_send(ga.sock, ev, strlen(ev)));
    g_assert_nonnull(lh_wait_out(p, "{\"domain\":\"g2h-b\",\"uuid\":\"" UUID_B "\",\"request\":{\"execute\":\"host-kv-set\"", 5000));
    g_assert_nonnull(lh_wait_out(p, "{\"domain\":\"g2h-a\",\"uuid\":\"" UUID_A "\",\"event\":{\"event\":\"USER_SESSION\","
                                    "\"data\":{\"action\":\"logon\",\"session-id\":3}", 5000));
    g_assert_cmpint(lh_stop(p), ==, 0);
    g_assert_cmpuint(lh_count_out(p, "\"connection\":\"closed: listener stopping\""), ==, 2);
    lh_free(p);
    guest_close(&ga);
    guest_close(&gb);

    /* The pairs are kept per UUID, not per name. */
    g_autofree char *kv_a = g_build_filename(state, UUID_A ".kv", NULL);
    g_autofree char *kv_b = g_build_filename(state, UUID_B ".kv", NULL);
    g_assert_true(g_file_test(kv_a, G_FILE_TEST_IS_REGULAR));
    g_assert_true(g_file_test(kv_b, G_FILE_TEST_IS_REGULAR));

    /* A new listener, naming its domains (by name and by UUID): each still has its own pairs. */
    p = lh_start("--connect", uri, "--state-dir", state, "--domain", "g2h-a", "--domain", UUID_B, NULL);
    guest_accept(&ga, qemu_a);
    guest_accept(&gb, qemu_b);
    g_autofree char *geta = guest_call(&ga, "{\"execute\":\"host-kv-get\",\"arguments\":{\"key\":\"who\"},\"id\":6}");
    g_autofree char *getb = guest_call(&gb, "{\"execute\":\"host-kv-get\",\"arguments\":{\"key\":\"who\"},\"id\":7}");
    g_assert_cmpstr(geta, ==, "{\"return\":\"a\",\"id\":6}");
    g_assert_cmpstr(getb, ==, "{\"return\":\"b\",\"id\":7}");
    g_assert_cmpint(lh_stop(p), ==, 0);
    /* plain-c was not asked for: not even looked at. */
    g_assert_null(lh_wait_err(p, "plain-c", 100));
    lh_free(p);
    guest_close(&ga);
    guest_close(&gb);

    /* Only g2h-b: nothing connects to a's socket. */
    p = lh_start("--connect", uri, "--state-dir", state, "--domain", "g2h-b", NULL);
    guest_accept(&gb, qemu_b);
    g_assert_null(lh_server_accept(qemu_a, 1000));
    g_assert_cmpint(lh_stop(p), ==, 0);
    lh_free(p);
    guest_close(&gb);

    g_object_unref(qemu_a);
    g_object_unref(qemu_b);
    g_remove(kv_a);
    g_remove(kv_b);
    g_remove(sock_a);
    g_remove(sock_b);
    g_remove(node);
    g_assert_cmpint(g_rmdir(state), ==, 0);
}

/* The domain's socket is not there yet: the listener retries with back-off and gets it. */
static void test_socket_appears_late(void)
{
    g_autofree char *sock = g_build_filename(tmp_dir, "late.sock", NULL);
    g_autofree char *node = g_build_filename(tmp_dir, "late.xml", NULL);
    g_autofree char *state = g_build_filename(tmp_dir, "state-late", NULL);
    g_autofree char *d = domain_xml("late", UUID_A, sock, NULL);
    g_autofree char *xml = g_strdup_printf("<node>%s</node>", d);
    g_assert_true(g_file_set_contents(node, xml, -1, NULL));
    g_autofree char *uri = g_strdup_printf("test://%s", node);
    LhProc *p = lh_start("--connect", uri, "--state-dir", state, NULL);
    g_usleep(700000);
    GSocket *qemu = lh_server_new(sock);
    Guest g = { 0 };
    guest_accept(&g, qemu);
    g_autofree char *r = guest_call(&g, "{\"execute\":\"host-kv-list\",\"id\":1}");
    g_assert_cmpstr(r, ==, "{\"return\":[],\"id\":1}");
    g_assert_cmpint(lh_stop(p), ==, 0);
    lh_free(p);
    guest_close(&g);
    g_object_unref(qemu);
    g_remove(sock);
    g_remove(node);
    g_rmdir(state);
}

/* A URI libvirt cannot open (no daemon here for bogus:///): one line, exit 3. */
static void test_bad_uri(void)
{
    g_autofree char *state = g_build_filename(tmp_dir, "state-bad", NULL);
    LhProc *p = lh_start("--connect", "bogus:///nowhere", "--state-dir", state, NULL);
    lh_expect_exit(p, "qga-probe: ", 3);
    g_assert_cmpuint(p->err_lines->len, ==, 1);
    lh_free(p);
    g_rmdir(state);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("listen-libvirt-XXXXXX", NULL);
    g_test_add_func("/probe/listen-libvirt/connect-identity-kv", test_connect);
    g_test_add_func("/probe/listen-libvirt/socket-appears-late", test_socket_appears_late);
    g_test_add_func("/probe/listen-libvirt/bad-uri", test_bad_uri);
    int rc = g_test_run();
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
    return rc;
}

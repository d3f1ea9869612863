/* The agent driven the way real hosts drive qemu-ga: libvirt, Proxmox, and stream-shape extremes. */
#include <locale.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

/* Commands every style below sends; all exist on the Linux agent and need no arguments. */
static const char *const everyday_commands[] = {
    "guest-info", "guest-get-time", "guest-get-host-name", "guest-get-osinfo", "guest-get-timezone", "guest-ping",
};

/*
 * libvirt (src/qemu/qemu_agent.c): compact JSON + "\n", guest-sync with the
 * host time in milliseconds as id, then one command per line; every reply
 * must be exactly one line holding one JSON object, or libvirt marks the
 * agent broken until the channel reconnects.
 */
static void test_libvirt_style(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    gint64 id = g_get_real_time() / 1000;
    size_t len;

    g_assert_cmpint(id, >, 1700000000000);
    g_autofree char *sync = g_strdup_printf("{\"execute\":\"guest-sync\",\"arguments\":{\"id\":%" G_GINT64_FORMAT "}}\n",
                                            id);
    qga_test_send_str(c, sync);
    g_autofree char *line = qga_test_read_line(c, QGA_TEST_TIMEOUT_MS, &len);
    /* Echoed as plain digits: libvirt compares the integer it parses with strtoll. */
    g_autofree char *expected = g_strdup_printf("{\"return\": %" G_GINT64_FORMAT "}", id);
    g_assert_cmpstr(line, ==, expected);

    for (size_t i = 0; i < G_N_ELEMENTS(everyday_commands); i++) {
        g_autofree char *req = g_strdup_printf("{\"execute\":\"%s\"}", everyday_commands[i]);
        g_autoptr(JsonObject) r = qga_test_cmd(c, req);
        qga_test_reply_return(r);
        /* Exactly one line per request: nothing else may follow (no empty line, no 0xFF). */
        qga_test_expect_silence(c, 50);
    }
    g_autoptr(JsonObject) bad = qga_test_cmd(c, "{\"execute\":\"guest-no-such-command\"}");
    qga_test_assert_error(bad, "CommandNotFound", "The command guest-no-such-command has not been found");
    qga_test_expect_silence(c, 50);

    /* A later re-sync (after a libvirt timeout) on the same connection. */
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":%" G_GINT64_FORMAT "}}",
                                            id + 1);
    g_assert_cmpint(json_node_get_int(qga_test_reply_return(r)), ==, id + 1);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* Wait until the bytes after the last 0xFF hold n complete lines. */
static void wait_lines_after_last_ff(QgaTestClient *c, int n)
{
    gint64 deadline = g_get_monotonic_time() + QGA_TEST_TIMEOUT_MS * 1000;

    for (;;) {
        size_t avail;
        const guint8 *data = qga_test_pending(c, &avail);
        const guint8 *ff = NULL;
        for (size_t i = 0; i < avail; i++) {
            if (data[i] == 0xff) {
                ff = data + i;
            }
        }
        if (ff) {
            int lines = 0;
            for (const guint8 *p = ff + 1; p < data + avail; p++) {
                lines += *p == '\n';
            }
            if (lines >= n) {
                return;
            }
        }
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        if (left <= 0 || qga_test_fill(c, (int)left) <= 0) {
            g_error("timed out waiting for 0xFF and %d lines (have %zu bytes)", n, avail);
        }
    }
}

/*
 * Proxmox VE (PVE/QMPClient.pm): a fresh connection per batch; the
 * guest-sync-delimited request and the real command go out in ONE write;
 * everything up to the last 0xFF is discarded and exactly two lines must
 * follow it: the sync reply, then the command's.
 */
static void test_proxmox_style(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);

    for (guint batch = 0; batch < G_N_ELEMENTS(everyday_commands); batch++) {
        QgaTestClient *c = qga_test_connect(agent);
        gint64 id = (gint64)getpid() * 100000 + batch;
        g_autofree char *payload = g_strdup_printf(
            "{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%" G_GINT64_FORMAT "}}\n"
            "{\"execute\":\"%s\",\"arguments\":{}}\n", id, everyday_commands[batch]);

        qga_test_send_str(c, payload);
        wait_lines_after_last_ff(c, 2);
        g_autoptr(GByteArray) before = qga_test_skip_to_ff(c, 0);
        /* A fresh connection to an idle agent: nothing precedes the sentinel. */
        g_assert_cmpuint(before->len, ==, 0);

        size_t len;
        g_autofree char *sync = qga_test_read_line(c, 0, &len);
        g_autofree char *expected = g_strdup_printf("{\"return\": %" G_GINT64_FORMAT "}", id);
        g_assert_cmpstr(sync, ==, expected);
        g_autofree char *reply_line = qga_test_read_line(c, 0, &len);
        g_assert_nonnull(reply_line);
        g_autoptr(JsonObject) reply = qga_test_parse_reply(reply_line, len);
        qga_test_reply_return(reply);
        qga_test_expect_silence(c, 50);
        qga_test_client_close(c);
    }
    qga_test_agent_stop(agent);
}

/* One request dribbled in byte by byte: the reply comes only once the last brace arrives. */
static void test_byte_at_a_time(void)
{
    static const char req[] = "  {\"execute\" : \"guest-sync\",\n \"arguments\": {\"id\": 4242}\t}";
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    size_t n = strlen(req), len;

    for (size_t i = 0; i + 1 < n; i++) {
        qga_test_send(c, req + i, 1);
        g_usleep(300);
    }
    qga_test_expect_silence(c, 100);
    qga_test_send(c, req + n - 1, 1);
    g_autofree char *line = qga_test_read_line(c, QGA_TEST_TIMEOUT_MS, &len);
    g_assert_cmpstr(line, ==, "{\"return\": 4242}");

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* Many requests in one write with every kind of separator, including none at all. */
static void test_many_in_one_write(void)
{
    static const char *const seps[] = { "", "\n", " ", "\r\n", "\t", "\n\n" };
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(GString) batch = g_string_new(NULL);
    const int n = 60;

    for (int i = 0; i < n; i++) {
        g_string_append_printf(batch, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":%d}}%s", i,
                               seps[i % G_N_ELEMENTS(seps)]);
    }
    qga_test_send(c, batch->str, batch->len);
    for (int i = 0; i < n; i++) {
        size_t len;
        g_autofree char *line = qga_test_read_line(c, QGA_TEST_TIMEOUT_MS, &len);
        g_autofree char *expected = g_strdup_printf("{\"return\": %d}", i);
        g_assert_cmpstr(line, ==, expected);
    }
    qga_test_expect_silence(c, 100);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* 1000 pings written before reading anything: answered in order, ids matching. */
static void test_pipelined_pings(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(GString) batch = g_string_new(NULL);
    const int n = 1000;

    for (int i = 0; i < n; i++) {
        g_string_append_printf(batch, "{\"execute\": \"guest-ping\", \"id\": %d}\n", i);
    }
    g_assert_cmpuint(qga_test_send_draining(c, batch->str, batch->len, QGA_TEST_TIMEOUT_MS), ==, batch->len);
    for (int i = 0; i < n; i++) {
        g_autoptr(JsonObject) r = qga_test_recv(c);
        g_assert_cmpint(json_object_get_int_member(r, "id"), ==, i);
        JsonNode *ret = qga_test_reply_return(r);
        g_assert_true(JSON_NODE_HOLDS_OBJECT(ret));
        g_assert_cmpuint(json_object_get_size(json_node_get_object(ret)), ==, 0);
    }
    qga_test_expect_silence(c, 100);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/*
 * `echo '{"execute":"guest-ping"}' | socat - UNIX-CONNECT:...` half-closes
 * right after the request: qemu-ga still answers (it handles the bytes before
 * it sees the EOF), so must we.
 */
static void test_half_close(void)
{
    if (!qga_test_agent_is_posix()) {
        /* Behind QEMU's chardev (and a launcher's bridge) a host-side EOF closes the channel. */
        g_test_skip("half-close is a property of the agent's own unix-listen socket");
        return;
    }
    QgaTestAgent *agent = qga_test_agent_start(NULL);

    for (int i = 0; i < 5; i++) {
        QgaTestClient *c = qga_test_connect(agent);
        qga_test_send_str(c, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 31}}\n{\"execute\": \"guest-ping\"}\n");
        g_assert_cmpint(shutdown(c->fd, SHUT_WR), ==, 0);
        size_t len;
        g_autofree char *l1 = qga_test_read_line(c, QGA_TEST_TIMEOUT_MS, &len);
        g_assert_cmpstr(l1, ==, "{\"return\": 31}");
        g_autofree char *l2 = qga_test_read_line(c, QGA_TEST_TIMEOUT_MS, &len);
        g_assert_cmpstr(l2, ==, "{\"return\": {}}");
        qga_test_client_close(c);
    }
    qga_test_agent_stop(agent);
}

/* Several clients one after another on the same agent, each served from a clean state. */
static void test_sequential_clients(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);

    for (int i = 0; i < 20; i++) {
        QgaTestClient *c = qga_test_connect(agent);
        g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": %d}}", i);
        g_assert_cmpint(json_node_get_int(qga_test_reply_return(r)), ==, i);
        qga_test_client_close(c);
    }
    qga_test_agent_stop(agent);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/integration/clients/libvirt-style", test_libvirt_style);
    g_test_add_func("/integration/clients/proxmox-style", test_proxmox_style);
    g_test_add_func("/integration/clients/byte-at-a-time", test_byte_at_a_time);
    g_test_add_func("/integration/clients/many-in-one-write", test_many_in_one_write);
    g_test_add_func("/integration/clients/pipelined-pings", test_pipelined_pings);
    g_test_add_func("/integration/clients/sequential-clients", test_sequential_clients);
    g_test_add_func("/integration/clients/half-close", test_half_close);

    return g_test_run();
}

/* The agent's guest-driven channel against a host played by the test: hello, keys, heartbeat, reconnect, queue overflow, address and free-space events. */
#define _GNU_SOURCE   /* accept4 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

/*
 * The agent runs with --g2h-method=unix-connect: it connects to a UNIX socket the test listens
 * on, as qga-probe listen --listen would (the virtio-serial port itself is covered by the
 * end-to-end tier). The test is the host: it reads the guest's messages line by line and
 * answers its requests.
 */

#define QGA_G2H_MAX_LINE_FOR_TEST (64 * 1024)   /* QGA_G2H_LINK_MAX_LINE: the agent reads at least this */

typedef struct Host {
    char *dir;
    char *path;
    int listen_fd;
    QgaTestClient *conn;   /* the agent's connection, NULL until accepted */
} Host;

static void host_listen(Host *h)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_assert_cmpuint(strlen(h->path), <, sizeof(addr.sun_path));
    strcpy(addr.sun_path, h->path);
    h->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(h->listen_fd, >=, 0);
    g_assert_cmpint(bind(h->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(h->listen_fd, 4), ==, 0);
}

static Host *host_new(bool listening)
{
    Host *h = g_new0(Host, 1);
    GError *err = NULL;
    h->dir = g_dir_make_tmp("qga-g2h-XXXXXX", &err);
    g_assert_no_error(err);
    h->path = g_build_filename(h->dir, "g2h.sock", NULL);
    h->listen_fd = -1;
    if (listening)
        host_listen(h);
    return h;
}

static void host_drop(Host *h)
{
    if (h->conn)
        qga_test_client_close(h->conn);
    h->conn = NULL;
}

/* The host is gone altogether: no connection, nobody listening (a connect would be refused). */
static void host_go_away(Host *h)
{
    host_drop(h);
    close(h->listen_fd);
    h->listen_fd = -1;
    g_unlink(h->path);
}

static void host_free(Host *h)
{
    host_drop(h);
    if (h->listen_fd >= 0)
        close(h->listen_fd);
    g_unlink(h->path);
    g_rmdir(h->dir);
    g_free(h->path);
    g_free(h->dir);
    g_free(h);
}

static void host_accept(Host *h, int timeout_ms)
{
    struct pollfd p = { .fd = h->listen_fd, .events = POLLIN };
    g_assert_cmpint(poll(&p, 1, timeout_ms), ==, 1);
    int fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    h->conn = g_new0(QgaTestClient, 1);
    h->conn->fd = fd;
    h->conn->rx = g_byte_array_new();
}

/* The next message from the guest, parsed (asserts one arrives in time). */
static JsonObject *host_recv(Host *h, int timeout_ms)
{
    size_t len;
    g_autofree char *line = qga_test_read_line(h->conn, timeout_ms, &len);
    g_assert_nonnull(line);
    g_autoptr(JsonParser) parser = json_parser_new();
    GError *err = NULL;
    json_parser_load_from_data(parser, line, (gssize)len, &err);
    g_assert_no_error(err);
    JsonNode *root = json_parser_get_root(parser);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
    return json_object_ref(json_node_get_object(root));
}

static void host_reply(Host *h, JsonObject *request, const char *return_json)
{
    g_autofree char *line = g_strdup_printf("{\"return\": %s, \"id\": %" G_GINT64_FORMAT "}\n", return_json,
                                            json_object_get_int_member(request, "id"));
    qga_test_send_str(h->conn, line);
}

/* Reads messages until the event called name (answering requests on the way with {}). */
static JsonObject *host_wait_event(Host *h, const char *name, int timeout_ms, GPtrArray *seen)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gint64 left = (end - g_get_monotonic_time()) / 1000;
        g_assert_cmpint(left, >, 0);
        JsonObject *msg = host_recv(h, (int)left);
        if (json_object_has_member(msg, "execute")) {
            host_reply(h, msg, "{}");
        } else if (!g_strcmp0(json_object_get_string_member(msg, "event"), name)) {
            return msg;
        }
        if (seen)
            g_ptr_array_add(seen, json_object_ref(msg));
        json_object_unref(msg);
    }
}

static const char *event_name(JsonObject *msg)
{
    return json_object_has_member(msg, "event") ? json_object_get_string_member(msg, "event") : NULL;
}

static QgaTestAgent *start_agent(Host *h, const char *binary, const char *const *more_args)
{
    g_autofree char *g2h = g_strdup_printf("--g2h=%s", h->path);
    GPtrArray *args = g_ptr_array_new();
    g_ptr_array_add(args, (gpointer) "--g2h-method=unix-connect");
    g_ptr_array_add(args, g2h);
    for (size_t i = 0; more_args && more_args[i]; i++)
        g_ptr_array_add(args, (gpointer)more_args[i]);
    g_ptr_array_add(args, NULL);
    QgaTestAgentOptions opts = { .binary = binary, .extra_args = (const char *const *)args->pdata };
    QgaTestAgent *agent = qga_test_agent_start(&opts);
    g_ptr_array_free(args, TRUE);
    return agent;
}

/* With the default settings the capabilities are exactly the schema's guest-driven messages that
 * list the posix platform, but for those only a setting turns on (fs-free-threshold,
 * time-sync-on-resume). */
static void assert_capabilities_match_schema(JsonArray *caps)
{
    g_autoptr(JsonParser) p = json_parser_new();
    GError *err = NULL;
    json_parser_load_from_file(p, g_getenv("QGA_SCHEMA"), &err);
    g_assert_no_error(err);
    JsonObject *gd = json_object_get_object_member(json_node_get_object(json_parser_get_root(p)), "guest-driven");
    g_autoptr(GPtrArray) want = g_ptr_array_new();
    const char *sections[] = { "host-requests", "events" };
    for (size_t s = 0; s < G_N_ELEMENTS(sections); s++) {
        JsonArray *list = json_object_get_array_member(gd, sections[s]);
        for (guint i = 0; i < json_array_get_length(list); i++) {
            JsonObject *m = json_array_get_object_element(list, i);
            JsonArray *plats = json_object_get_array_member(m, "platforms");
            const char *name = json_object_get_string_member(m, "name");
            if (!g_strcmp0(name, "FILESYSTEM_SPACE") || !g_strcmp0(name, "CLOCK_CORRECTED") ||
                !g_strcmp0(name, "host-get-time"))   /* off by default; forward-log (host-log) is on */
                continue;
            for (guint j = 0; j < json_array_get_length(plats); j++)
                if (!g_strcmp0(json_array_get_string_element(plats, j), "posix"))
                    g_ptr_array_add(want, (gpointer)name);
        }
    }
    g_assert_cmpuint(json_array_get_length(caps), ==, want->len);
    for (guint i = 0; i < want->len; i++) {
        gboolean found = FALSE;
        for (guint j = 0; j < json_array_get_length(caps); j++)
            found |= !g_strcmp0(json_array_get_string_element(caps, j), want->pdata[i]);
        if (!found)
            g_error("capability %s (schema: posix) not announced", (const char *)want->pdata[i]);
    }
}

/* ---- tests ---- */

static void test_hello_keys_heartbeat_stopping(void)
{
    Host *h = host_new(true);
    const char *const args[] = { "--g2h-heartbeat=1", NULL };
    QgaTestAgent *agent = start_agent(h, NULL, args);
    host_accept(h, QGA_TEST_TIMEOUT_MS);

    /* host-hello comes first, with the agent's version, OS and what it may send. */
    g_autoptr(JsonObject) hello = host_recv(h, QGA_TEST_TIMEOUT_MS);
    g_assert_cmpstr(json_object_get_string_member(hello, "execute"), ==, "host-hello");
    JsonObject *hargs = json_object_get_object_member(hello, "arguments");
    g_assert_cmpstr(json_object_get_string_member(hargs, "version"), ==, g_getenv("QGA_EXPECTED_VERSION"));
    g_assert_cmpstr(json_object_get_string_member(hargs, "os"), ==, "linux");
    assert_capabilities_match_schema(json_object_get_array_member(hargs, "capabilities"));
    host_reply(h, hello, "{\"host\": \"test\", \"time\": 0, \"requests\": []}");

    /* AGENT_STARTED was queued before the connection and comes right after. */
    g_autoptr(JsonObject) started = host_recv(h, QGA_TEST_TIMEOUT_MS);
    g_assert_cmpstr(event_name(started), ==, "AGENT_STARTED");
    JsonObject *ts = json_object_get_object_member(started, "timestamp");
    gint64 now_s = g_get_real_time() / G_USEC_PER_SEC;
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), >=, now_s - 30);
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), <=, now_s + 1);

    /* The intrinsic keys, each a host-kv-set with what the agent's own commands report. */
    g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    while (g_hash_table_size(keys) < 4) {
        g_autoptr(JsonObject) req = host_recv(h, QGA_TEST_TIMEOUT_MS);
        g_assert_cmpstr(json_object_get_string_member(req, "execute"), ==, "host-kv-set");
        JsonObject *kv = json_object_get_object_member(req, "arguments");
        g_hash_table_insert(keys, g_strdup(json_object_get_string_member(kv, "key")),
                            g_strdup(json_object_get_string_member(kv, "value")));
        host_reply(h, req, "{}");
    }
    g_assert_cmpstr(g_hash_table_lookup(keys, "guest.hostname"), ==, g_get_host_name());
    g_assert_cmpstr(g_hash_table_lookup(keys, "guest.agent-version"), ==, g_getenv("QGA_EXPECTED_VERSION"));
    g_assert_nonnull(g_hash_table_lookup(keys, "guest.os"));
    g_assert_nonnull(g_hash_table_lookup(keys, "guest.ip-addresses"));

    /* Heartbeats, one a second, counting from 1. */
    gint64 t0 = g_get_monotonic_time();
    for (int seq = 1; seq <= 2; seq++) {
        g_autoptr(JsonObject) hb = host_recv(h, 5000);
        g_assert_cmpstr(event_name(hb), ==, "HEARTBEAT");
        g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(hb, "data"), "sequence"), ==, seq);
    }
    gint64 took_ms = (g_get_monotonic_time() - t0) / 1000;
    g_assert_cmpint(took_ms, >=, 900);
    g_assert_cmpint(took_ms, <, 4000);

    /* The main channel keeps answering meanwhile. */
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(JsonObject) pong = qga_test_cmd(c, "{\"execute\": \"guest-ping\"}");
    qga_test_reply_return(pong);
    qga_test_client_close(c);

    /* A clean stop says so (the event waits in the socket after the agent is gone). */
    qga_test_agent_stop(agent);
    g_autoptr(JsonObject) stopping = host_wait_event(h, "AGENT_STOPPING", 10000, NULL);
    host_free(h);
}

static void test_host_later_reconnect_overflow(void)
{
    /* A small queue, and a host that is not there yet. */
    Host *h = host_new(false);
    g_autofree char *conf = qga_test_fixture_file("g2h-queue.conf", "[g2h]\nqueue=2\nheartbeat=1\n", -1);
    const char *const args[] = { "-c", conf, NULL };
    QgaTestAgent *agent = start_agent(h, NULL, args);
    g_usleep(300 * 1000);
    host_listen(h);
    /* Back-off: the agent retries within its cap (100 ms doubling; well under 5 s here). */
    host_accept(h, 10000);
    g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
    g_autoptr(JsonObject) first_hb = host_wait_event(h, "HEARTBEAT", 5000, seen);
    gboolean started = FALSE;
    for (guint i = 0; i < seen->len; i++)
        started |= !g_strcmp0(event_name(seen->pdata[i]), "AGENT_STARTED");
    g_assert_true(started);

    /* The host goes away: no heartbeat is sent (or lost) while nobody listens, and the agent
     * comes back by itself when the host does. */
    host_go_away(h);
    g_usleep(1500 * 1000);
    host_listen(h);
    host_accept(h, 10000);
    g_autoptr(JsonObject) hello = host_recv(h, QGA_TEST_TIMEOUT_MS);
    g_assert_cmpstr(json_object_get_string_member(hello, "execute"), ==, "host-hello");
    host_reply(h, hello, "{}");
    g_autoptr(JsonObject) hb = host_wait_event(h, "HEARTBEAT", 5000, NULL);
    g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(hb, "data"), "sequence"), >,
                    json_object_get_int_member(json_object_get_object_member(first_hb, "data"), "sequence"));
    host_drop(h);
    qga_test_agent_stop(agent);
    host_free(h);
}

/* Runs a shell command, asserting it succeeds. */
static void run(const char *cmd)
{
    g_autofree char *out = NULL, *errout = NULL;
    int status = 0;
    GError *err = NULL;
    g_assert_true(g_spawn_command_line_sync(cmd, &out, &errout, &status, &err));
    g_assert_no_error(err);
    if (!g_spawn_check_wait_status(status, NULL))
        g_error("'%s' failed: %s%s", cmd, out, errout);
}

/*
 * The agent in a network namespace of its own (unshare -n; the test's own network is never
 * touched): addresses added there while the host is away are reported as IP_ADDRESS_CHANGED once
 * they settle; with a queue of 2, the overflow is reported as EVENTS_DROPPED before what survived.
 */
static void test_addresses_in_netns_and_overflow(void)
{
    if (geteuid() != 0)
        g_error("this test needs root for unshare -n (a network namespace); run the suite as root");
    Host *h = host_new(true);
    g_autofree char *wrapper = qga_test_fixture_file("netns-agent.sh",
        "#!/bin/sh\nexec unshare -n -- \"$QGA_AGENT\" \"$@\"\n", -1);
    g_chmod(wrapper, 0755);
    g_autofree char *conf = qga_test_fixture_file("g2h-netns.conf", "[g2h]\nqueue=2\nheartbeat=0\n", -1);
    const char *const args[] = { "-c", conf, NULL };
    QgaTestAgent *agent = start_agent(h, wrapper, args);
    pid_t pid = qga_test_agent_measured_pid(agent);

    host_accept(h, QGA_TEST_TIMEOUT_MS);
    /* hello, AGENT_STARTED, the keys: the namespace has no address but loopback's. */
    g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    while (g_hash_table_size(keys) < 4) {
        g_autoptr(JsonObject) msg = host_recv(h, QGA_TEST_TIMEOUT_MS);
        if (!json_object_has_member(msg, "execute"))
            continue;
        if (!g_strcmp0(json_object_get_string_member(msg, "execute"), "host-kv-set")) {
            JsonObject *kv = json_object_get_object_member(msg, "arguments");
            g_hash_table_insert(keys, g_strdup(json_object_get_string_member(kv, "key")),
                                g_strdup(json_object_get_string_member(kv, "value")));
        }
        host_reply(h, msg, "{}");
    }
    g_assert_cmpstr(g_hash_table_lookup(keys, "guest.ip-addresses"), ==, "");

    /* Connected: one change, one event. */
    g_autofree char *add1 = g_strdup_printf("nsenter -t %d -n ip addr add 10.77.0.1/24 dev lo", (int)pid);
    run(add1);
    g_autoptr(JsonObject) ev = host_recv(h, 10000);
    g_assert_cmpstr(event_name(ev), ==, "IP_ADDRESS_CHANGED");
    g_autofree char *addrs = json_to_string(json_object_get_member(json_object_get_object_member(ev, "data"),
                                                                   "addresses"), FALSE);
    g_assert_cmpstr(addrs, ==, "[\"lo:10.77.0.1/24\"]");

    /* Away: three settled changes into a queue of two. */
    host_go_away(h);
    g_usleep(200 * 1000);
    for (int i = 2; i <= 4; i++) {
        g_autofree char *add = g_strdup_printf("nsenter -t %d -n ip addr add 10.77.0.%d/24 dev lo", (int)pid, i);
        run(add);
        g_usleep(1500 * 1000);   /* past the 1 s settling time: one event each */
    }
    host_listen(h);
    host_accept(h, 10000);
    g_autoptr(JsonObject) hello = host_recv(h, QGA_TEST_TIMEOUT_MS);
    g_assert_cmpstr(json_object_get_string_member(hello, "execute"), ==, "host-hello");
    g_autoptr(JsonObject) dropped = host_recv(h, QGA_TEST_TIMEOUT_MS);
    g_assert_cmpstr(event_name(dropped), ==, "EVENTS_DROPPED");
    g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(dropped, "data"), "count"), ==, 1);
    g_autoptr(JsonObject) kept1 = host_recv(h, QGA_TEST_TIMEOUT_MS);
    g_autoptr(JsonObject) kept2 = host_recv(h, QGA_TEST_TIMEOUT_MS);
    g_assert_cmpstr(event_name(kept1), ==, "IP_ADDRESS_CHANGED");
    g_assert_cmpstr(event_name(kept2), ==, "IP_ADDRESS_CHANGED");
    g_autofree char *last = json_to_string(json_object_get_member(json_object_get_object_member(kept2, "data"),
                                                                  "addresses"), FALSE);
    g_assert_cmpstr(last, ==, "[\"lo:10.77.0.1/24\",\"lo:10.77.0.2/24\",\"lo:10.77.0.3/24\",\"lo:10.77.0.4/24\"]");
    host_drop(h);
    qga_test_agent_stop(agent);
    host_free(h);
}

static void test_free_space_threshold(void)
{
    /* 99 %: every file system with less than 99 % free is "low" on its first check, which runs
     * at start-up; the event carries consistent numbers. */
    Host *h = host_new(true);
    g_autofree char *conf = qga_test_fixture_file("g2h-fs.conf", "[g2h]\nfs-free-threshold=99\nheartbeat=0\n", -1);
    const char *const args[] = { "-c", conf, NULL };
    QgaTestAgent *agent = start_agent(h, NULL, args);
    host_accept(h, QGA_TEST_TIMEOUT_MS);
    g_autoptr(JsonObject) ev = host_wait_event(h, "FILESYSTEM_SPACE", QGA_TEST_TIMEOUT_MS, NULL);
    JsonObject *data = json_object_get_object_member(ev, "data");
    g_assert_cmpstr(json_object_get_string_member(data, "state"), ==, "low");
    g_assert_cmpint(json_object_get_int_member(data, "threshold-percent"), ==, 99);
    gint64 free_b = json_object_get_int_member(data, "free-bytes");
    gint64 total = json_object_get_int_member(data, "total-bytes");
    g_assert_cmpint(total, >, 0);
    g_assert_cmpint(free_b, <, total * 99 / 100 + 1);
    g_assert_cmpstr(json_object_get_string_member(data, "mountpoint"), !=, "");
    host_drop(h);
    qga_test_agent_stop(agent);
    host_free(h);
}

static void test_hostile_host(void)
{
    /* A host that sends junk, replies to unknown ids and a megabyte line: the agent logs, drops
     * that connection, reconnects, and its main channel never notices. */
    Host *h = host_new(true);
    QgaTestAgent *agent = start_agent(h, NULL, NULL);
    host_accept(h, QGA_TEST_TIMEOUT_MS);
    g_autoptr(JsonObject) hello = host_recv(h, QGA_TEST_TIMEOUT_MS);
    qga_test_send_str(h->conn, "not json\n{\"return\": {}, \"id\": 999}\n{\"id\": -1}\n[]\n");
    /* The agent hangs up part-way through: EPIPE is the expected end of this write. */
    g_autofree char *big = g_strnfill(1 << 20, 'x');
    size_t sent = 0;
    while (sent < (1u << 20)) {
        ssize_t n = send(h->conn->fd, big + sent, (1u << 20) - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            g_assert_true(n < 0 && (errno == EPIPE || errno == ECONNRESET));
            break;
        }
        sent += (size_t)n;
    }
    g_assert_cmpuint(sent, >, QGA_G2H_MAX_LINE_FOR_TEST);
    /* The agent hangs up on the over-long line... */
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!h->conn->eof && g_get_monotonic_time() < end)
        qga_test_fill(h->conn, 500);
    g_assert_true(h->conn->eof);
    host_drop(h);
    /* ...and comes back. */
    host_accept(h, 10000);
    g_autoptr(JsonObject) again = host_recv(h, QGA_TEST_TIMEOUT_MS);
    g_assert_cmpstr(json_object_get_string_member(again, "execute"), ==, "host-hello");
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(JsonObject) pong = qga_test_cmd(c, "{\"execute\": \"guest-ping\"}");
    qga_test_reply_return(pong);
    qga_test_client_close(c);
    host_drop(h);
    qga_test_agent_stop(agent);
    host_free(h);
}

static void test_off_and_idle(void)
{
    /* --g2h=off: no connection attempt at all. */
    Host *h = host_new(true);
    const char *const off[] = { "--g2h=off", NULL };
    QgaTestAgent *agent = start_agent(h, NULL, off);
    struct pollfd p = { .fd = h->listen_fd, .events = POLLIN };
    g_assert_cmpint(poll(&p, 1, 1500), ==, 0);
    qga_test_agent_stop(agent);
    host_free(h);

    /* The default virtio-serial port is absent here: the agent waits for it without waking up. */
    agent = qga_test_agent_start(NULL);
    pid_t pid = qga_test_agent_measured_pid(agent);
    long t0 = qga_test_proc_cpu_ticks(pid);
    g_usleep(2 * G_USEC_PER_SEC);
    long t1 = qga_test_proc_cpu_ticks(pid);
    g_assert_cmpint(t1 - t0, <=, 2);
    qga_test_agent_stop(agent);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    signal(SIGPIPE, SIG_IGN);
    g_test_add_func("/integration/g2h/hello-keys-heartbeat-stopping", test_hello_keys_heartbeat_stopping);
    g_test_add_func("/integration/g2h/host-later-reconnect", test_host_later_reconnect_overflow);
    g_test_add_func("/integration/g2h/addresses-netns-overflow", test_addresses_in_netns_and_overflow);
    g_test_add_func("/integration/g2h/free-space-threshold", test_free_space_threshold);
    g_test_add_func("/integration/g2h/hostile-host", test_hostile_host);
    g_test_add_func("/integration/g2h/off-and-idle", test_off_and_idle);
    return g_test_run();
}

/* `qga-probe listen --listen`: several guests at once, each answered; flooding, slow and malformed guests cut off without delaying the others; deny policy. */
#include <glib/gstdio.h>
#include <signal.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "listen-harness.h"

static char *tmp_dir;

static const char HEARTBEAT[] =
    "{\"event\":\"HEARTBEAT\",\"data\":{\"sequence\":1},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}\n";

typedef struct Fx {
    char *sock_path;
    char *state;
    LhProc *p;
} Fx;

static void fx_start(Fx *fx, const char *extra1, const char *extra2)
{
    static int n;
    fx->sock_path = g_strdup_printf("%s/g2h-%d.sock", tmp_dir, ++n);
    fx->state = g_strdup_printf("%s/state-%d", tmp_dir, n);
    fx->p = lh_start("--listen", fx->sock_path, "--state-dir", fx->state, "--guest", "vm1", "--read-timeout", "2",
                     extra1, extra2, NULL);
}

static void fx_stop(Fx *fx)
{
    g_assert_cmpint(lh_stop(fx->p), ==, 0);
    /* The socket is removed on exit. */
    g_assert_false(g_file_test(fx->sock_path, G_FILE_TEST_EXISTS));
    lh_free(fx->p);
    g_autofree char *kv = g_build_filename(fx->state, "vm1.kv", NULL);
    g_remove(kv);
    g_rmdir(fx->state);
    g_free(fx->sock_path);
    g_free(fx->state);
}

/* Sends one request and returns the reply line (asserting it arrives within timeout_ms). */
static char *call(GSocket *s, GString *buf, const char *request, int timeout_ms)
{
    g_autofree char *line = g_strconcat(request, "\n", NULL);
    g_assert_true(lh_send(s, line, strlen(line)));
    char *reply = lh_read_line(s, buf, timeout_ms);
    g_assert_nonnull(reply);
    return reply;
}

static void test_several_guests(void)
{
    Fx fx = { 0 };
    fx_start(&fx, NULL, NULL);
    GSocket *g[3];
    GString *buf[3];
    for (int i = 0; i < 3; i++) {
        g[i] = lh_guest_connect(fx.sock_path);
        buf[i] = g_string_new(NULL);
    }
    /* All three say hello before any reads a reply: each is answered on its own connection. */
    for (int i = 0; i < 3; i++) {
        g_autofree char *hello = g_strdup_printf(
            "{\"execute\":\"host-hello\",\"arguments\":{\"version\":\"1.%d\",\"os\":\"linux\",\"capabilities\":[]},\"id\":%d}\n", i, 100 + i);
        g_assert_true(lh_send(g[i], hello, strlen(hello)));
    }
    for (int i = 2; i >= 0; i--) {
        g_autofree char *reply = lh_read_line(g[i], buf[i], 5000);
        g_assert_nonnull(reply);
        g_autofree char *id = g_strdup_printf("\"id\":%d}", 100 + i);
        g_assert_true(g_str_has_suffix(reply, id));
        g_assert_nonnull(strstr(reply, "\"host\":\"qga-probe "));
    }
    /* The key/value store is the guest's (one name), shared by its connections. */
    g_autofree char *set = call(g[0], buf[0], "{\"execute\":\"host-kv-set\",\"arguments\":{\"key\":\"k\",\"value\":\"v0\"},\"id\":1}", 5000);
    g_assert_cmpstr(set, ==, "{\"return\":{},\"id\":1}");
    g_autofree char *get = call(g[2], buf[2], "{\"execute\":\"host-kv-get\",\"arguments\":{\"key\":\"k\"},\"id\":2}", 5000);
    g_assert_cmpstr(get, ==, "{\"return\":\"v0\",\"id\":2}");
    /* Without libvirt the identity is the name alone. */
    g_autofree char *ident = call(g[1], buf[1], "{\"execute\":\"host-get-identity\",\"id\":3}", 5000);
    g_assert_cmpstr(ident, ==, "{\"return\":{\"name\":\"vm1\",\"metadata\":[]},\"id\":3}");
    g_assert_nonnull(lh_wait_out(fx.p, "\"request\":{\"execute\":\"host-get-identity\"", 5000));
    g_assert_cmpuint(lh_count_out(fx.p, "{\"guest\":\"vm1\",\"connection\":\"open\"}"), ==, 3);
    for (int i = 0; i < 3; i++) {
        g_socket_close(g[i], NULL);
        g_object_unref(g[i]);
        g_string_free(buf[i], TRUE);
    }
    for (int i = 0; i < 3; i++)
        g_assert_nonnull(lh_wait_out(fx.p, "{\"guest\":\"vm1\",\"connection\":\"closed\"}", 5000));
    fx_stop(&fx);
}

typedef struct Hostile {
    GSocket *sock;
    gboolean flood;         /* else: a valid message, one byte every 300 ms */
    gint64 cut_after_us;    /* how long until the listener hung up */
    guint64 sent;
} Hostile;

static gpointer hostile_thread(gpointer data)
{
    Hostile *h = data;
    gint64 start = g_get_monotonic_time();
    g_socket_set_timeout(h->sock, 1);
    if (h->flood) {
        GString *burst = g_string_new(NULL);
        for (int i = 0; i < 200; i++)
            g_string_append(burst, HEARTBEAT);
        while (lh_send(h->sock, burst->str, burst->len) && g_get_monotonic_time() - start < 20 * G_USEC_PER_SEC)
            h->sent += 200;
        g_string_free(burst, TRUE);
    } else {
        const char *msg = "{\"execute\":\"host-get-time\",\"id\":9}\n";
        for (gsize i = 0; msg[i] && g_get_monotonic_time() - start < 20 * G_USEC_PER_SEC; i++) {
            if (!lh_send(h->sock, msg + i, 1))
                break;
            h->sent++;
            g_usleep(300000);
        }
    }
    /* Reading 0 bytes: the listener closed the connection. */
    lh_wait_eof(h->sock, 10000);
    h->cut_after_us = g_get_monotonic_time() - start;
    return NULL;
}

static void test_hostile_neighbours(void)
{
    Fx fx = { 0 };
    fx_start(&fx, NULL, NULL);
    GSocket *good = lh_guest_connect(fx.sock_path);
    GString *buf = g_string_new(NULL);
    Hostile flood = { .sock = lh_guest_connect(fx.sock_path), .flood = TRUE };
    Hostile slow = { .sock = lh_guest_connect(fx.sock_path), .flood = FALSE };
    GThread *t1 = g_thread_new("flood", hostile_thread, &flood);
    GThread *t2 = g_thread_new("slow", hostile_thread, &slow);
    /* The good guest asks 5 times a second for 4 seconds while the others misbehave. */
    gint64 worst = 0;
    for (int i = 0; i < 20; i++) {
        g_autofree char *req = g_strdup_printf("{\"execute\":\"host-kv-list\",\"id\":%d}", i);
        gint64 t0 = g_get_monotonic_time();
        g_autofree char *reply = call(good, buf, req, 5000);
        worst = MAX(worst, g_get_monotonic_time() - t0);
        g_autofree char *want = g_strdup_printf("{\"return\":[],\"id\":%d}", i);
        g_assert_cmpstr(reply, ==, want);
        g_usleep(200000);
    }
    g_thread_join(t1);
    g_thread_join(t2);
    g_test_message("good guest's worst reply latency: %" G_GINT64_FORMAT " us; flood cut after %" G_GUINT64_FORMAT
                   " messages in %" G_GINT64_FORMAT " ms; slow writer cut after %" G_GINT64_FORMAT " ms",
                   worst, flood.sent, flood.cut_after_us / 1000, slow.cut_after_us / 1000);
    g_assert_cmpint(worst, <, G_USEC_PER_SEC);
    g_assert_nonnull(lh_wait_out(fx.p, "{\"guest\":\"vm1\",\"connection\":\"closed: flood\"}", 5000));
    /* --read-timeout 2: the byte-a-time guest is cut after about 2 s, far before its 36 bytes. */
    g_assert_nonnull(lh_wait_out(fx.p, "\"connection\":\"closed: slow writer (no complete message in 2 s)\"}", 5000));
    g_assert_cmpint(slow.cut_after_us, <, 5 * G_USEC_PER_SEC);
    g_assert_cmpuint(slow.sent, <, 20);
    /* The flood produced at most about a bucket of heartbeat records, not one per message. */
    guint printed = lh_count_out(fx.p, "\"event\":{\"event\":\"HEARTBEAT\"");
    g_assert_cmpuint(printed, <, 300);
    g_assert_cmpuint(flood.sent, >, printed);
    /* Still serving. */
    g_autofree char *last = call(good, buf, "{\"execute\":\"host-kv-list\",\"id\":99}", 2000);
    g_assert_cmpstr(last, ==, "{\"return\":[],\"id\":99}");
    g_object_unref(flood.sock);
    g_object_unref(slow.sock);
    g_object_unref(good);
    g_string_free(buf, TRUE);
    fx_stop(&fx);
}

static guint64 peak_rss_kb(GSubprocess *proc)
{
    g_autofree char *path = g_strdup_printf("/proc/%s/status", g_subprocess_get_identifier(proc));
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    const char *hwm = strstr(text, "VmHWM:");
    g_assert_nonnull(hwm);
    return g_ascii_strtoull(hwm + 6, NULL, 10);
}

static void test_hostile_input(void)
{
    Fx fx = { 0 };
    fx_start(&fx, NULL, NULL);
    GSocket *g = lh_guest_connect(fx.sock_path);
    GString *buf = g_string_new(NULL);
    g_autofree char *warm = call(g, buf, "{\"execute\":\"host-kv-list\",\"id\":0}", 5000);
    guint64 before = peak_rss_kb(fx.p->proc);
    /* Megabyte lines (20 of them), invalid UTF-8, 1000 levels of nesting: dropped, no reply. */
    g_autofree char *mega = g_strnfill(1024 * 1024, 'a');
    for (int i = 0; i < 20; i++) {
        g_assert_true(lh_send(g, mega, strlen(mega)));
        g_assert_true(lh_send(g, "\n", 1));
        g_usleep(20000);   /* under the rate: each is dropped for its size, not throttled */
    }
    const char *bad_utf8 = "{\"execute\":\"host-log\",\"arguments\":{\"message\":\"\xff\xfe\"},\"id\":1}\n";
    g_assert_true(lh_send(g, bad_utf8, strlen(bad_utf8)));
    GString *deep = g_string_new("{\"execute\":\"host-log\",\"arguments\":{\"message\":");
    for (int i = 0; i < 1000; i++)
        g_string_append_c(deep, '[');
    for (int i = 0; i < 1000; i++)
        g_string_append_c(deep, ']');
    g_string_append(deep, "},\"id\":2}\n");
    g_assert_true(lh_send(g, deep->str, deep->len));
    g_string_free(deep, TRUE);
    /* Unknown request: an error reply, never an action. */
    g_autofree char *unknown = call(g, buf, "{\"execute\":\"host-run\",\"arguments\":{\"cmd\":\"/bin/sh\"},\"id\":3}", 5000);
    g_assert_cmpstr(unknown, ==, "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"The command host-run has not been found\"},\"id\":3}");
    g_autofree char *ok = call(g, buf, "{\"execute\":\"host-kv-list\",\"id\":4}", 5000);
    g_assert_cmpstr(ok, ==, "{\"return\":[],\"id\":4}");
    guint64 after = peak_rss_kb(fx.p->proc);
    g_test_message("listener peak RSS before/after 20 MB of oversized lines: %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT " kB",
                   before, after);
    g_assert_cmpuint(after, <, before + 4096);   /* a line is capped at 64 KiB: no megabyte buffers */
    /* Only the two requests answered were printed, plus the first. */
    g_assert_cmpuint(lh_count_out(fx.p, "\"request\":"), ==, 3);
    g_object_unref(g);
    g_string_free(buf, TRUE);
    fx_stop(&fx);
}

static void test_deny(void)
{
    Fx fx = { 0 };
    fx_start(&fx, "--deny", "host-kv-set,host-get-identity");
    GSocket *g = lh_guest_connect(fx.sock_path);
    GString *buf = g_string_new(NULL);
    g_autofree char *hello = call(g, buf, "{\"execute\":\"host-hello\",\"arguments\":{\"version\":\"1\",\"os\":\"linux\",\"capabilities\":[]},\"id\":1}", 5000);
    g_assert_nonnull(strstr(hello, "\"requests\":[\"host-hello\",\"host-get-time\",\"host-kv-get\",\"host-kv-list\",\"host-log\"]"));
    g_autofree char *set = call(g, buf, "{\"execute\":\"host-kv-set\",\"arguments\":{\"key\":\"k\",\"value\":\"v\"},\"id\":2}", 5000);
    g_assert_cmpstr(set, ==, "{\"error\":{\"class\":\"GenericError\",\"desc\":\"denied by the host's policy\"},\"id\":2}");
    g_autofree char *ident = call(g, buf, "{\"execute\":\"host-get-identity\",\"id\":3}", 5000);
    g_assert_cmpstr(ident, ==, "{\"error\":{\"class\":\"GenericError\",\"desc\":\"denied by the host's policy\"},\"id\":3}");
    g_autofree char *list = call(g, buf, "{\"execute\":\"host-kv-list\",\"id\":4}", 5000);
    g_assert_cmpstr(list, ==, "{\"return\":[],\"id\":4}");
    g_object_unref(g);
    g_string_free(buf, TRUE);
    fx_stop(&fx);
}

/* --log: every record and note, timestamped, in the file; SIGHUP after a rename starts a new one. */
static void test_log_file(void)
{
    Fx fx = { 0 };
    g_autofree char *log = g_strdup_printf("%s/listen.log", tmp_dir);
    g_autofree char *rotated = g_strdup_printf("%s/listen.log.1", tmp_dir);
    fx_start(&fx, "--log", log);
    GSocket *g = lh_guest_connect(fx.sock_path);
    GString *buf = g_string_new(NULL);
    g_autofree char *hello = call(g, buf, "{\"execute\":\"host-hello\",\"arguments\":{\"version\":\"1\",\"os\":\"linux\",\"capabilities\":[]},\"id\":1}", 5000);
    g_assert_cmpint(g_rename(log, rotated), ==, 0);
    g_assert_cmpint(kill(g_ascii_strtoll(g_subprocess_get_identifier(fx.p->proc), NULL, 10), SIGHUP), ==, 0);
    g_usleep(300 * 1000);
    g_autofree char *log_text = call(g, buf, "{\"execute\":\"host-log\",\"arguments\":{\"message\":\"after rotation\"},\"id\":2}", 5000);
    g_object_unref(g);
    g_string_free(buf, TRUE);
    fx_stop(&fx);
    g_autofree char *old = NULL, *cur = NULL;
    g_assert_true(g_file_get_contents(rotated, &old, NULL, NULL));
    g_assert_true(g_file_get_contents(log, &cur, NULL, NULL));
    g_autoptr(GRegex) re = g_regex_new("^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z record \\{\"guest\":\"vm1\",\"request\":\\{\"execute\":\"host-hello\"",
                                       G_REGEX_MULTILINE, 0, NULL);
    g_assert_true(g_regex_match(re, old, 0, NULL));
    g_assert_nonnull(strstr(cur, "after rotation"));
    g_assert_null(strstr(cur, "host-hello"));
    g_remove(log);
    g_remove(rotated);
}

/* Usage errors: one line, exit 2; a socket that cannot be reached: exit 3. */
static void test_usage_errors(void)
{
    static const char *const cases[][6] = {
        { "--state-dir", "/tmp/x", NULL },
        { "--state-dir", "/tmp/x", "--listen", "/tmp/a", "--socket", "/tmp/b" },
        { "--state-dir", "/tmp/x", "--connect", "test:///default", "--once", NULL },
        { "--state-dir", "/tmp/x", "--listen", "/tmp/a", "--deny", "host-nope" },
        { "--listen", "/tmp/a", NULL },
        { "--state-dir", "/tmp/x", "--listen", "/tmp/a", "--hook-timeout", "0" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        LhProc *p = lh_start(cases[i][0], cases[i][1], cases[i][2], cases[i][3], cases[i][4], cases[i][5], NULL);
        lh_expect_exit(p, "qga-probe: listen: ", 2);
        g_assert_cmpuint(p->err_lines->len, ==, 1);
        lh_free(p);
    }
    g_autofree char *missing = g_build_filename(tmp_dir, "nobody-here.sock", NULL);
    g_autofree char *state = g_build_filename(tmp_dir, "state-missing", NULL);
    LhProc *p = lh_start("--socket", missing, "--state-dir", state, NULL);
    lh_expect_exit(p, "qga-probe: listen: ", 3);
    lh_free(p);
    g_rmdir(state);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("listen-serve-XXXXXX", NULL);
    g_test_add_func("/probe/listen-serve/several-guests", test_several_guests);
    g_test_add_func("/probe/listen-serve/hostile-neighbours", test_hostile_neighbours);
    g_test_add_func("/probe/listen-serve/log-file", test_log_file);
    g_test_add_func("/probe/listen-serve/hostile-input", test_hostile_input);
    g_test_add_func("/probe/listen-serve/deny", test_deny);
    g_test_add_func("/probe/listen-serve/usage-errors", test_usage_errors);
    int rc = g_test_run();
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
    return rc;
}

/* Unit tests of a session: bytes in, replies out in order, as libvirt and Proxmox drive qemu-ga. */
#include <glib.h>
#include <malloc.h>
#include <string.h>

#include "core/session.h"

static int h_ping(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    *ret_result = NULL;
    return 0;
}

static int h_sync(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    *ret_result = qga_json_copy(qga_json_object_get(args, "id"));
    return 0;
}

static int h_echo(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    *ret_result = qga_json_copy(qga_json_object_get(args, "value"));
    return 0;
}

static int h_shutdown(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    return 0;
}

static const QgaTypeSpec t_int = { .kind = QGA_TYPE_INT, .name = "int", .min = INT64_MIN, .umax = INT64_MAX };
static const QgaTypeSpec t_any = { .kind = QGA_TYPE_ANY, .name = "any" };
static const QgaMemberSpec sync_args[] = { { "id", &t_int, false } };
static const QgaMemberSpec echo_args[] = { { "value", &t_any, true } };

static const QgaCommandSpec commands[] = {
    { "guest-sync-delimited", sync_args, 1, QGA_CMD_ALLOWED_WHILE_FROZEN | QGA_CMD_DELIMITED_REPLY, h_sync },
    { "guest-sync", sync_args, 1, QGA_CMD_ALLOWED_WHILE_FROZEN, h_sync },
    { "guest-ping", NULL, 0, QGA_CMD_ALLOWED_WHILE_FROZEN, h_ping },
    { "guest-echo", echo_args, 1, 0, h_echo },
    { "guest-shutdown", NULL, 0, QGA_CMD_NO_SUCCESS_RESPONSE, h_shutdown },
};
static const QgaCommandTable table = { commands, G_N_ELEMENTS(commands) };

#define PING "{\"execute\":\"guest-ping\"}"
#define PING_REPLY "{\"return\": {}}\n"

typedef struct Fixture {
    QgaDispatcher *d;
    QgaSession *s;
} Fixture;

static void fixture_init(Fixture *f, const QgaFramerLimits *limits)
{
    f->d = qga_dispatcher_new(&table, NULL);
    f->s = qga_session_new(f->d, limits);
}

static void fixture_clear(Fixture *f)
{
    qga_session_free(f->s);
    qga_dispatcher_free(f->d);
}

/* Take all pending output as a string (bytes kept as they are). */
static char *drain(QgaSession *s)
{
    const void *data;
    size_t n = qga_session_pending(s, &data);
    char *r = g_strndup(n ? data : "", n);
    qga_session_consume(s, n);
    g_assert_cmpuint(qga_session_pending(s, NULL), ==, 0);
    return r;
}

static void feed_str(QgaSession *s, const char *text) { qga_session_feed(s, text, strlen(text)); }

static void feed_bytewise(QgaSession *s, const char *text)
{
    for (const char *p = text; *p; p++)
        qga_session_feed(s, p, 1);
}

static void test_ping(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    g_assert_cmpuint(qga_session_pending(f.s, NULL), ==, 0);
    feed_str(f.s, PING);
    g_autofree char *r = drain(f.s);
    g_assert_cmpstr(r, ==, PING_REPLY);
    fixture_clear(&f);
}

/* libvirt: guest-sync with the host time in ms, then one command per line, replies matched by order. */
static void test_libvirt_style(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    feed_str(f.s, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":1732533223123}}\n");
    g_autofree char *r1 = drain(f.s);
    g_assert_cmpstr(r1, ==, "{\"return\": 1732533223123}\n");
    feed_str(f.s, "{\"execute\":\"guest-echo\",\"arguments\":{\"value\":\"hostname\"}}\n");
    g_autofree char *r2 = drain(f.s);
    g_assert_cmpstr(r2, ==, "{\"return\": \"hostname\"}\n");
    feed_str(f.s, "{\"execute\":\"guest-nope\"}\n");
    g_autofree char *r3 = drain(f.s);
    g_assert_cmpstr(r3, ==, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command guest-nope has not been found\"}}\n");
    fixture_clear(&f);
}

/* Proxmox: sync-delimited and the command in one write; 0xFF right before the sync reply, command reply next. */
static void test_proxmox_style(void)
{
    const char *req = "{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":202400017}}\n"
                      "{\"execute\":\"guest-echo\",\"arguments\":{\"value\":{\"a\":1}}}\n";
    const char *want = "\xff{\"return\": 202400017}\n{\"return\": {\"a\": 1}}\n";
    Fixture f;
    fixture_init(&f, NULL);
    feed_str(f.s, req);
    g_autofree char *r = drain(f.s);
    g_assert_cmpstr(r, ==, want);
    /* The same, byte by byte. */
    feed_bytewise(f.s, req);
    g_autofree char *r2 = drain(f.s);
    g_assert_cmpstr(r2, ==, want);
    /* guest-shutdown after the sync: only the sync reply, then nothing (the host waits for EOF). */
    feed_str(f.s, "{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":5}}\n{\"execute\":\"guest-shutdown\"}\n");
    g_autofree char *r3 = drain(f.s);
    g_assert_cmpstr(r3, ==, "\xff{\"return\": 5}\n");
    fixture_clear(&f);
}

/* A client following the qemu-ga docs flushes with 0xFF first: one error object, then the sentinel reply. */
static void test_leading_ff(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    feed_str(f.s, "\xff");
    feed_str(f.s, "{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":77}}");
    g_autofree char *r = drain(f.s);
    g_assert_cmpstr(r, ==,
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\n"
                    "\xff{\"return\": 77}\n");
    fixture_clear(&f);
}

static void test_ff_mid_message(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    feed_str(f.s, "{\"execute\":\"guest-ping\"");
    feed_str(f.s, "\xff");
    feed_str(f.s, PING);
    g_autofree char *r = drain(f.s);
    g_assert_cmpstr(r, ==,
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\n"
                    PING_REPLY);
    fixture_clear(&f);
}

static void test_many_per_feed(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    feed_str(f.s, PING PING "\n\n  " PING "[1]" PING);
    g_autofree char *r = drain(f.s);
    g_assert_cmpstr(r, ==, PING_REPLY PING_REPLY PING_REPLY
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\n"
                    PING_REPLY);
    fixture_clear(&f);
}

static void test_pipelined_1000(void)
{
    GString *req = g_string_new(NULL), *want = g_string_new(NULL);
    for (int i = 0; i < 1000; i++) {
        g_string_append_printf(req, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":%d},\"id\":\"r%d\"}\n", i * 7, i);
        g_string_append_printf(want, "{\"return\": %d, \"id\": \"r%d\"}\n", i * 7, i);
    }
    Fixture f;
    fixture_init(&f, NULL);
    qga_session_feed(f.s, req->str, req->len);
    g_autofree char *r = drain(f.s);
    g_assert_cmpstr(r, ==, want->str);

    /* Fed in odd-sized pieces and read back in small pieces while feeding. */
    GString *got = g_string_new(NULL);
    for (size_t off = 0; off < req->len; off += 333) {
        qga_session_feed(f.s, req->str + off, MIN(333, req->len - off));
        const void *data;
        size_t n = qga_session_pending(f.s, &data);
        size_t take = MIN(n, 100);
        g_string_append_len(got, data, take);
        qga_session_consume(f.s, take);
    }
    g_autofree char *rest = drain(f.s);
    g_string_append(got, rest);
    g_assert_cmpstr(got->str, ==, want->str);
    g_string_free(got, TRUE);
    g_string_free(req, TRUE);
    g_string_free(want, TRUE);
    fixture_clear(&f);
}

static void test_bytewise(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    feed_bytewise(f.s, "  {\"execute\" : \"guest-sync\",\n \"arguments\": {\"id\": -12}, \"id\": 3.25}\r\n" PING);
    g_autofree char *r = drain(f.s);
    g_assert_cmpstr(r, ==, "{\"return\": -12, \"id\": 3.25}\n" PING_REPLY);
    fixture_clear(&f);
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/*
 * 70 MiB in one message against a 1 MiB limit: refused once at the limit, memory
 * stays bounded, and the stream is usable afterwards. What follows the cut is
 * lexed afresh, exactly as qemu-ga does: the first 'A' is a stray token, the
 * lexer then skips to the closing braces, each a stray closer.
 */
static void test_oversized_bounded(void)
{
    const size_t limit = 1 << 20;
    QgaFramerLimits lim = { .max_message_bytes = limit };
    Fixture f;
    fixture_init(&f, &lim);
    size_t base = heap_in_use(), peak = 0;

    feed_str(f.s, "{\"execute\":\"guest-echo\",\"arguments\":{\"value\":\"");
    char *chunk = g_malloc(64 << 10);
    memset(chunk, 'A', 64 << 10);
    size_t replies_bytes = 0;
    for (size_t fed = 0; fed < ((size_t)70 << 20); fed += 64 << 10) {
        qga_session_feed(f.s, chunk, 64 << 10);
        size_t used = heap_in_use();
        peak = MAX(peak, used > base ? used - base : 0);
        replies_bytes = qga_session_pending(f.s, NULL);
    }
    g_free(chunk);
    feed_str(f.s, "\"}}\n" PING);

    /* The lexer holds at most limit + 1 bytes, the message the same: a few MiB all told. */
    g_assert_cmpuint(peak, <, 4 * limit);
    g_assert_cmpuint(replies_bytes, <, 1024);

    g_autofree char *r = drain(f.s);
    g_auto(GStrv) lines = g_strsplit(r, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 6);
    g_assert_cmpstr(lines[0], ==, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON token size limit exceeded\"}}");
    g_assert_cmpstr(lines[1], ==, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'A'\"}}");
    g_assert_true(g_str_has_prefix(lines[2], "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, "));
    g_assert_true(g_str_has_prefix(lines[3], "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, "));
    g_assert_cmpstr(lines[4], ==, "{\"return\": {}}");
    g_assert_cmpstr(lines[5], ==, "");
    fixture_clear(&f);
}

static GString *deep_echo(guint depth)
{
    /* {"execute":..,"arguments":{"value": [[...]]}}: two braces plus depth - 2 brackets. */
    GString *s = g_string_new("{\"execute\":\"guest-echo\",\"arguments\":{\"value\":");
    for (guint i = 0; i < depth - 2; i++)
        g_string_append_c(s, '[');
    for (guint i = 0; i < depth - 2; i++)
        g_string_append_c(s, ']');
    g_string_append(s, "}}");
    return s;
}

static void test_depth(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    GString *ok = deep_echo(1024);
    qga_session_feed(f.s, ok->str, ok->len);
    g_autofree char *r = drain(f.s);
    g_assert_true(g_str_has_prefix(r, "{\"return\": [[[["));
    g_assert_true(g_str_has_suffix(r, "]]]]}\n"));
    g_assert_cmpuint(strlen(r), ==, strlen("{\"return\": }\n") + 2 * 1022);

    /* One level more: the depth error, then every closer of the rest is a stray message (qemu-ga <= 11.0). */
    GString *bad = deep_echo(1025);
    qga_session_feed(f.s, bad->str, bad->len);
    feed_str(f.s, PING);
    g_autofree char *r2 = drain(f.s);
    g_auto(GStrv) lines = g_strsplit(r2, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 1 + 1023 + 2 + 1 + 1);
    g_assert_cmpstr(lines[0], ==, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON nesting depth limit exceeded\"}}");
    for (guint i = 1; i <= 1025; i++)
        g_assert_true(g_str_has_prefix(lines[i], "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, "));
    g_assert_cmpstr(lines[1026], ==, "{\"return\": {}}");
    g_string_free(ok, TRUE);
    g_string_free(bad, TRUE);
    fixture_clear(&f);
}

static void test_reset(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    feed_str(f.s, PING "{\"execute\":");
    g_assert_cmpuint(qga_session_pending(f.s, NULL), ==, strlen(PING_REPLY));
    qga_session_reset(f.s);
    g_assert_cmpuint(qga_session_pending(f.s, NULL), ==, 0);
    /* The partial request is gone: a new client starts clean. */
    feed_str(f.s, PING);
    g_autofree char *r = drain(f.s);
    g_assert_cmpstr(r, ==, PING_REPLY);
    /* Partly written output is dropped too. */
    feed_str(f.s, PING PING);
    qga_session_consume(f.s, 3);
    qga_session_reset(f.s);
    g_assert_cmpuint(qga_session_pending(f.s, NULL), ==, 0);
    feed_str(f.s, PING);
    g_autofree char *r2 = drain(f.s);
    g_assert_cmpstr(r2, ==, PING_REPLY);
    fixture_clear(&f);
}

static void test_partial_consume(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    feed_str(f.s, PING);
    const void *data;
    g_assert_cmpuint(qga_session_pending(f.s, &data), ==, 15);
    qga_session_consume(f.s, 5);
    g_assert_cmpuint(qga_session_pending(f.s, &data), ==, 10);
    g_assert_cmpmem(data, 10, "urn\": {}}\n", 10);
    fixture_clear(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/session/ping", test_ping);
    g_test_add_func("/agent/session/libvirt-style", test_libvirt_style);
    g_test_add_func("/agent/session/proxmox-style", test_proxmox_style);
    g_test_add_func("/agent/session/leading-ff", test_leading_ff);
    g_test_add_func("/agent/session/ff-mid-message", test_ff_mid_message);
    g_test_add_func("/agent/session/many-per-feed", test_many_per_feed);
    g_test_add_func("/agent/session/pipelined-1000", test_pipelined_1000);
    g_test_add_func("/agent/session/bytewise", test_bytewise);
    g_test_add_func("/agent/session/oversized-bounded", test_oversized_bounded);
    g_test_add_func("/agent/session/depth", test_depth);
    g_test_add_func("/agent/session/reset", test_reset);
    g_test_add_func("/agent/session/partial-consume", test_partial_consume);
    return g_test_run();
}

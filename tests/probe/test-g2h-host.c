/* The guest-driven channel end to end in one process: the agent's client state against the host's message policy, and hostile guests. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "g2h/client.h"
#include "g2h-reply.h"
#include "g2h-host.h"

/* ---- the schema and the host's table agree ---- */

static const char *member_type(JsonNode *type)
{
    if (JSON_NODE_HOLDS_ARRAY(type)) {
        JsonArray *a = json_node_get_array(type);
        g_assert_cmpuint(json_array_get_length(a), ==, 1);
        g_assert_cmpstr(json_array_get_string_element(a, 0), ==, "str");
        return "[str]";
    }
    return json_node_get_string(type);
}

static void check_list(JsonArray *list, gboolean is_event, const char *members_key, guint *ret_seen)
{
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *entry = json_array_get_object_element(list, i);
        const char *name = json_object_get_string_member(entry, "name");
        const G2hHostMessage *m = G2H_HOST_MESSAGES;
        while (m->name && strcmp(m->name, name))
            m++;
        g_assert_nonnull(m->name);
        g_assert_cmpint(m->is_event, ==, is_event);
        JsonArray *members = json_object_get_array_member(entry, members_key);
        guint n = 0;
        while (m->members[n].name)
            n++;
        g_assert_cmpuint(json_array_get_length(members), ==, n);
        for (guint j = 0; j < n; j++) {
            JsonObject *mem = json_array_get_object_element(members, j);
            g_assert_cmpstr(json_object_get_string_member(mem, "name"), ==, m->members[j].name);
            g_assert_cmpstr(member_type(json_object_get_member(mem, "type")), ==, m->members[j].type);
            g_assert_cmpint(json_object_get_boolean_member(mem, "optional"), ==, m->members[j].optional);
        }
        (*ret_seen)++;
    }
}

static void test_schema_table(void)
{
    const char *path = g_getenv("QGA_SCHEMA");
    g_assert_nonnull(path);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_assert_true(json_parser_load_from_file(parser, path, NULL));
    JsonObject *gd = json_object_get_object_member(json_node_get_object(json_parser_get_root(parser)), "guest-driven");
    guint seen = 0, total = 0;
    check_list(json_object_get_array_member(gd, "host-requests"), FALSE, "args", &seen);
    check_list(json_object_get_array_member(gd, "events"), TRUE, "data", &seen);
    for (const G2hHostMessage *m = G2H_HOST_MESSAGES; m->name; m++)
        total++;
    /* Every schema message is in the table and nothing else: 7 requests, 11 events. */
    g_assert_cmpuint(seen, ==, 18);
    g_assert_cmpuint(total, ==, seen);
}

/* ---- agent and host together ---- */

typedef struct Fixture {
    char *dir;
    QgaG2hClient *client;
    G2hHost *host;
    QgaBuf out;          /* agent -> host bytes */
    gint64 now_us;
    GPtrArray *records;  /* what the listener would print */
} Fixture;

static void fixture_set_up(Fixture *f, gconstpointer data)
{
    (void)data;
    f->dir = g_dir_make_tmp("g2h-host-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->client = qga_g2h_client_new(4);
    f->host = g2h_host_new(f->dir, "guest1", NULL);
    g_assert_nonnull(f->host);
    f->now_us = 1000000;
    f->records = g_ptr_array_new_with_free_func(g_free);
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
    (void)data;
    qga_g2h_client_free(f->client);
    g2h_host_free(f->host);
    qga_buf_free(&f->out);
    g_ptr_array_free(f->records, TRUE);
    g_autofree char *kv = g_build_filename(f->dir, "guest1.kv", NULL);
    g_remove(kv);
    g_assert_cmpint(g_rmdir(f->dir), ==, 0);
    g_free(f->dir);
}

/* Carries everything the agent wrote to the host, line by line, and the host's replies back. */
static void pump(Fixture *f)
{
    g_autofree char *text = g_strndup(f->out.data ? f->out.data : "", f->out.len);
    qga_buf_clear(&f->out);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (!**l)
            continue;
        f->now_us += 100000;
        char *reply = NULL, *record = NULL;
        G2hHostVerdict v = g2h_host_handle(f->host, *l, strlen(*l), f->now_us, &reply, &record);
        g_assert_true(v == G2H_HOST_EVENT || v == G2H_HOST_REQUEST);
        g_assert_nonnull(record);
        g_ptr_array_add(f->records, record);
        if (reply) {
            g_assert_cmpint(qga_g2h_client_receive(f->client, reply, strlen(reply), NULL), ==, 0);
            g_free(reply);
        }
    }
}

static void request(Fixture *f, const char *name, QgaJson *args, Reply *r)
{
    g_assert_cmpint(qga_g2h_client_request(f->client, &f->out, name, args, on_reply, r, NULL, NULL), ==, 0);
    pump(f);
    g_assert_cmpint(r->calls, ==, 1);
}

static void connect_agent(Fixture *f, Reply *hello)
{
    static const char *const caps[] = {"HEARTBEAT", "host-kv-set", NULL};
    g_assert_cmpint(qga_g2h_client_connected(f->client, &f->out, "9.9", "linux", caps, on_reply, hello,
                                             1700000000, 7, NULL), ==, 0);
    pump(f);
    g_assert_cmpint(hello->calls, ==, 1);
}

static void test_hello(Fixture *f, gconstpointer data)
{
    (void)data;
    Reply hello = {0};
    gint64 before = g_get_real_time() * 1000;
    connect_agent(f, &hello);
    gint64 after = g_get_real_time() * 1000;
    g_assert_null(hello.error);
    g_autoptr(JsonNode) node = json_from_string(hello.result, NULL);
    JsonObject *o = json_node_get_object(node);
    g_assert_cmpstr(json_object_get_string_member(o, "host"), ==, "qga-probe " PROBE_VERSION);
    gint64 t = json_object_get_int_member(o, "time");
    g_assert_cmpint(t, >=, before);
    g_assert_cmpint(t, <=, after);
    g_autofree char *reqs = json_to_string(json_object_get_member(o, "requests"), FALSE);
    g_assert_cmpstr(reqs, ==, "[\"host-hello\",\"host-get-time\",\"host-kv-set\",\"host-kv-get\",\"host-kv-list\",\"host-log\",\"host-get-identity\"]");
    g_assert_cmpuint(f->records->len, ==, 1);
    g_assert_cmpstr(f->records->pdata[0], ==,
        "{\"guest\":\"guest1\",\"request\":{\"execute\":\"host-hello\",\"arguments\":{\"version\":\"9.9\",\"os\":\"linux\","
        "\"capabilities\":[\"HEARTBEAT\",\"host-kv-set\"]},\"id\":1}}");
    reply_clear(&hello);
}

static void test_heartbeat_and_time(Fixture *f, gconstpointer data)
{
    (void)data;
    Reply hello = {0}, t = {0}, log = {0};
    connect_agent(f, &hello);
    QgaJson *d = qga_json_object();
    qga_json_object_set_uint(d, "sequence", 1);
    qga_g2h_client_event(f->client, &f->out, "HEARTBEAT", d, 1700000001, 5);
    pump(f);
    g_assert_cmpstr(f->records->pdata[1], ==,
        "{\"guest\":\"guest1\",\"event\":{\"event\":\"HEARTBEAT\",\"data\":{\"sequence\":1},"
        "\"timestamp\":{\"seconds\":1700000001,\"microseconds\":5}}}");
    gint64 before = g_get_real_time() * 1000;
    request(f, "host-get-time", NULL, &t);
    gint64 after = g_get_real_time() * 1000;
    gint64 ns = g_ascii_strtoll(t.result, NULL, 10);
    g_assert_cmpint(ns, >=, before);
    g_assert_cmpint(ns, <=, after);
    QgaJson *args = qga_json_object();
    qga_json_object_set_str(args, "message", "disk almost full");
    request(f, "host-log", args, &log);
    g_assert_cmpstr(log.result, ==, "{}");
    g_assert_cmpstr(f->records->pdata[3], ==,
        "{\"guest\":\"guest1\",\"request\":{\"execute\":\"host-log\",\"arguments\":{\"message\":\"disk almost full\"},\"id\":3}}");
    reply_clear(&hello);
    reply_clear(&t);
    reply_clear(&log);
}

static void kv(Fixture *f, const char *name, const char *key, const char *value, Reply *r)
{
    QgaJson *args = NULL;
    if (key) {
        args = qga_json_object();
        qga_json_object_set_str(args, "key", key);
        if (value)
            qga_json_object_set_str(args, "value", value);
    }
    reply_clear(r);
    request(f, name, args, r);
}

static void test_kv(Fixture *f, gconstpointer data)
{
    (void)data;
    Reply hello = {0}, r = {0};
    connect_agent(f, &hello);
    kv(f, "host-kv-list", NULL, NULL, &r);
    g_assert_cmpstr(r.result, ==, "[]");
    kv(f, "host-kv-get", "role", NULL, &r);
    g_assert_cmpstr(r.error, ==, "no such key: role");
    kv(f, "host-kv-set", "role", "db primary\nline2 = x", &r);
    g_assert_cmpstr(r.result, ==, "{}");
    kv(f, "host-kv-set", "app.version", "3", &r);
    kv(f, "host-kv-get", "role", NULL, &r);
    g_assert_cmpstr(r.result, ==, "\"db primary\\nline2 = x\"");
    kv(f, "host-kv-list", NULL, NULL, &r);
    g_assert_cmpstr(r.result, ==, "[\"app.version\", \"role\"]");
    kv(f, "host-kv-set", "../etc", "x", &r);
    g_assert_cmpstr(r.error, ==, "key must be 1 to 256 characters of A-Z a-z 0-9 . _ -");
    g_autofree char *big = g_strnfill(G2H_HOST_KV_MAX_VALUE + 1, 'v');
    kv(f, "host-kv-set", "big", big, &r);
    g_assert_cmpstr(r.error, ==, "value longer than 4096 bytes");

    /* A new listener over the same state directory still has them. */
    g2h_host_free(f->host);
    f->host = g2h_host_new(f->dir, "guest1", NULL);
    g_assert_nonnull(f->host);
    qga_g2h_client_disconnected(f->client);
    reply_clear(&hello);
    connect_agent(f, &hello);
    kv(f, "host-kv-get", "role", NULL, &r);
    g_assert_cmpstr(r.result, ==, "\"db primary\\nline2 = x\"");
    kv(f, "host-kv-list", NULL, NULL, &r);
    g_assert_cmpstr(r.result, ==, "[\"app.version\", \"role\"]");
    reply_clear(&hello);
    reply_clear(&r);
}

static void test_overflow_reported(Fixture *f, gconstpointer data)
{
    (void)data;
    Reply hello = {0};
    qga_g2h_client_event(f->client, &f->out, "AGENT_STOPPING", NULL, 1, 0);   /* the oldest: lost first */
    for (int i = 1; i <= 9; i++) {
        QgaJson *d = qga_json_object();
        qga_json_object_set_uint(d, "sequence", (guint64)i);
        qga_g2h_client_event(f->client, &f->out, "HEARTBEAT", d, 100 + i, 0);
    }
    connect_agent(f, &hello);
    /* hello, EVENTS_DROPPED (6 of the 10), then heartbeats 6..9. */
    g_assert_cmpuint(f->records->len, ==, 6);
    g_assert_cmpstr(f->records->pdata[1], ==,
        "{\"guest\":\"guest1\",\"event\":{\"event\":\"EVENTS_DROPPED\",\"data\":{\"count\":6},"
        "\"timestamp\":{\"seconds\":1700000000,\"microseconds\":7}}}");
    for (guint i = 0; i < 4; i++) {
        g_autofree char *want = g_strdup_printf("\"data\":{\"sequence\":%u}", 6 + i);
        g_assert_nonnull(strstr(f->records->pdata[2 + i], want));
    }
    g_assert_cmpuint(g2h_host_dropped(f->host), ==, 0);
    reply_clear(&hello);
}

/* ---- hostile guests ---- */

static G2hHostVerdict feed(Fixture *f, const char *text, gsize len, char **ret_reply)
{
    char *reply = NULL, *record = NULL;
    G2hHostVerdict v = g2h_host_handle(f->host, text, len, f->now_us, &reply, &record);
    g_free(record);
    if (ret_reply)
        *ret_reply = reply;
    else
        g_free(reply);
    return v;
}

static void test_hostile(Fixture *f, gconstpointer data)
{
    (void)data;
    char *reply = NULL;
    /* A megabyte string, inside the structure so only the cap stops it. */
    GString *mega = g_string_new("{\"execute\":\"host-log\",\"arguments\":{\"message\":\"");
    while (mega->len < 1024 * 1024)
        g_string_append_c(mega, 'x');
    g_string_append(mega, "\"}}");
    g_assert_cmpint(feed(f, mega->str, mega->len, NULL), ==, G2H_HOST_DROPPED);
    g_string_free(mega, TRUE);
    /* Invalid UTF-8, and a NUL. */
    const char bad_utf8[] = "{\"execute\":\"host-log\",\"arguments\":{\"message\":\"\xc3\x28\"}}";
    g_assert_cmpint(feed(f, bad_utf8, sizeof(bad_utf8) - 1, NULL), ==, G2H_HOST_DROPPED);
    g_assert_cmpint(feed(f, "{\"a\":\0}", 7, NULL), ==, G2H_HOST_DROPPED);
    /* 100000 nested arrays would overflow a recursive parser's stack. */
    g_autofree char *deep = g_strnfill(100000, '[');
    g_assert_cmpint(feed(f, deep, 100000, NULL), ==, G2H_HOST_DROPPED);
    const char *nest17 = "{\"execute\":\"host-log\",\"arguments\":{\"message\":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]}}";
    g_assert_cmpint(feed(f, nest17, strlen(nest17), NULL), ==, G2H_HOST_DROPPED);
    /* Malformed or unknown shapes. */
    const char *junk[] = {"", "[]", "42", "{", "{\"execute\":1}", "{\"event\":\"HEARTBEAT\"}",
        "{\"event\":\"NOPE\",\"data\":{},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"HEARTBEAT\",\"data\":{\"sequence\":-1},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"AGENT_STOPPING\",\"data\":{\"x\":1},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"execute\":\"host-log\",\"extra\":1}"};
    for (gsize i = 0; i < G_N_ELEMENTS(junk); i++)
        g_assert_cmpint(feed(f, junk[i], strlen(junk[i]), NULL), ==, G2H_HOST_DROPPED);
    g_assert_cmpuint(g2h_host_dropped(f->host), ==, 5 + G_N_ELEMENTS(junk));
    /* Unknown requests and bad arguments are answered, never acted on. */
    const char *unknown = "{\"execute\":\"host-run\",\"arguments\":{\"cmd\":\"/bin/sh\"},\"id\":5}";
    g_assert_cmpint(feed(f, unknown, strlen(unknown), &reply), ==, G2H_HOST_REQUEST);
    g_assert_cmpstr(reply, ==, "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"The command host-run has not been found\"},\"id\":5}");
    g_free(reply);
    const char *bad_args[][2] = {
        {"{\"execute\":\"host-kv-get\"}", "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'key' missing\"}}"},
        {"{\"execute\":\"host-kv-get\",\"arguments\":{\"key\":1},\"id\":\"a\"}",
         "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Invalid parameter type for 'key', expected: string\"},\"id\":\"a\"}"},
        {"{\"execute\":\"host-get-time\",\"arguments\":{\"x\":1}}",
         "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'x' is unexpected\"}}"},
        {"{\"execute\":\"host-get-time\",\"arguments\":[]}",
         "{\"error\":{\"class\":\"GenericError\",\"desc\":\"QMP input member 'arguments' must be an object\"}}"},
        {"{\"execute\":\"HEARTBEAT\"}",
         "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"The command HEARTBEAT has not been found\"}}"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad_args); i++) {
        g_assert_cmpint(feed(f, bad_args[i][0], strlen(bad_args[i][0]), &reply), ==, G2H_HOST_REQUEST);
        g_assert_cmpstr(reply, ==, bad_args[i][1]);
        g_free(reply);
    }
    g_assert_cmpuint(g2h_host_throttled(f->host), ==, 0);
    /* Still serving. */
    const char *ok = "{\"execute\":\"host-kv-list\",\"id\":1}";
    f->now_us += 10 * G_USEC_PER_SEC;
    g_assert_cmpint(feed(f, ok, strlen(ok), &reply), ==, G2H_HOST_REQUEST);
    g_assert_cmpstr(reply, ==, "{\"return\":[],\"id\":1}");
    g_free(reply);
}

static void test_flood(Fixture *f, gconstpointer data)
{
    (void)data;
    const char *hb = "{\"event\":\"HEARTBEAT\",\"data\":{\"sequence\":1},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}";
    guint accepted = 0;
    for (int i = 0; i < 10000; i++)
        accepted += feed(f, hb, strlen(hb), NULL) == G2H_HOST_EVENT;
    g_assert_cmpuint(accepted, ==, G2H_HOST_BUCKET);
    g_assert_cmpuint(g2h_host_throttled(f->host), ==, 10000 - G2H_HOST_BUCKET);
    /* One second later the bucket holds G2H_HOST_RATE tokens again. */
    f->now_us += G_USEC_PER_SEC;
    accepted = 0;
    for (int i = 0; i < 100; i++)
        accepted += feed(f, hb, strlen(hb), NULL) == G2H_HOST_EVENT;
    g_assert_cmpuint(accepted, ==, G2H_HOST_RATE);
}

/* The events the schema gained, with optional members and signed integers. */
static void test_event_shapes(Fixture *f, gconstpointer data)
{
    (void)data;
    static const char *const ok[] = {
        "{\"event\":\"USER_SESSION\",\"data\":{\"action\":\"lock\",\"session-id\":2},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"USER_SESSION\",\"data\":{\"action\":\"logon\",\"session-id\":2,\"user\":\"CORP\\\\bob\"},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"IP_ADDRESS_CHANGED\",\"data\":{\"addresses\":[\"eth0:10.0.0.2/24\"]},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"SHUTDOWN_STARTING\",\"data\":{},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"SUSPENDING\",\"data\":{},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"RESUMED\",\"data\":{},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"CLOCK_CORRECTED\",\"data\":{\"offset-ns\":-1500000000},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"FILESYSTEM_SPACE\",\"data\":{\"mountpoint\":\"C:\\\\\",\"state\":\"ok\",\"free-bytes\":10,\"total-bytes\":100,"
        "\"threshold-percent\":5},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
    };
    static const char *const names[] = { "USER_SESSION", "USER_SESSION", "IP_ADDRESS_CHANGED", "SHUTDOWN_STARTING",
                                         "SUSPENDING", "RESUMED", "CLOCK_CORRECTED", "FILESYSTEM_SPACE" };
    for (gsize i = 0; i < G_N_ELEMENTS(ok); i++) {
        g_assert_cmpint(feed(f, ok[i], strlen(ok[i]), NULL), ==, G2H_HOST_EVENT);
        g_assert_cmpstr(g2h_host_last_name(f->host), ==, names[i]);
    }
    static const char *const bad[] = {
        /* required member missing, optional of the wrong type, unsigned negative, float for int */
        "{\"event\":\"USER_SESSION\",\"data\":{\"action\":\"lock\"},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"USER_SESSION\",\"data\":{\"action\":\"lock\",\"session-id\":2,\"user\":7},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"USER_SESSION\",\"data\":{\"action\":\"lock\",\"session-id\":-2},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"CLOCK_CORRECTED\",\"data\":{\"offset-ns\":1.5},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"IP_ADDRESS_CHANGED\",\"data\":{\"addresses\":[1]},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"RESUMED\",\"data\":{\"why\":\"x\"},\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
        "{\"event\":\"FILESYSTEM_SPACE\",\"data\":{\"mountpoint\":\"/\",\"state\":\"ok\",\"free-bytes\":10,\"total-bytes\":100},"
        "\"timestamp\":{\"seconds\":1,\"microseconds\":0}}",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpint(feed(f, bad[i], strlen(bad[i]), NULL), ==, G2H_HOST_DROPPED);
        g_assert_null(g2h_host_last_name(f->host));
    }
}

static gboolean fake_identity(gpointer data, GPtrArray **ret, GError **error)
{
    const char *xml = data;
    if (!xml) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "libvirt went away");
        return FALSE;
    }
    *ret = g2h_identity_parse(xml, NULL, error);
    return *ret != NULL;
}

static void test_identity_and_deny(void)
{
    g_autofree char *dir = g_dir_make_tmp("g2h-ident-XXXXXX", NULL);
    g_autoptr(G2hKv) kv = g2h_kv_open(dir, "0000-uuid", NULL);
    g_assert_nonnull(kv);
    g_autoptr(G2hHost) host = g2h_host_new_with_kv(kv, "web01", "0000-uuid");
    char *reply = NULL, *record = NULL;
    const char *req = "{\"execute\":\"host-get-identity\",\"id\":1}";
    /* No identity source: the name and UUID only. */
    g_assert_cmpint(g2h_host_handle(host, req, strlen(req), 1, &reply, &record), ==, G2H_HOST_REQUEST);
    g_assert_cmpstr(reply, ==, "{\"return\":{\"name\":\"web01\",\"uuid\":\"0000-uuid\",\"metadata\":[]},\"id\":1}");
    /* With a UUID the records say domain and uuid instead of guest. */
    g_assert_cmpstr(record, ==, "{\"domain\":\"web01\",\"uuid\":\"0000-uuid\",\"request\":{\"execute\":\"host-get-identity\",\"id\":1}}");
    g_free(reply);
    g_free(record);
    g_autofree char *status = g2h_host_status_line(host, "connection", "open");
    g_assert_cmpstr(status, ==, "{\"domain\":\"web01\",\"uuid\":\"0000-uuid\",\"connection\":\"open\"}");
    g2h_host_set_identity_func(host, fake_identity,
        "<q:identity xmlns:q='" G2H_IDENTITY_NS "'><q:entry key='role'>db &lt;primary&gt;</q:entry><q:entry key='x'></q:entry></q:identity>");
    g2h_host_set_name(host, "web02");
    g_assert_cmpint(g2h_host_handle(host, req, strlen(req), 2, &reply, &record), ==, G2H_HOST_REQUEST);
    g_assert_cmpstr(reply, ==, "{\"return\":{\"name\":\"web02\",\"uuid\":\"0000-uuid\",\"metadata\":["
                               "{\"key\":\"role\",\"value\":\"db <primary>\"},{\"key\":\"x\",\"value\":\"\"}]},\"id\":1}");
    g_free(reply);
    g_free(record);
    g2h_host_set_identity_func(host, fake_identity, NULL);
    g_assert_cmpint(g2h_host_handle(host, req, strlen(req), 3, &reply, &record), ==, G2H_HOST_REQUEST);
    g_assert_cmpstr(reply, ==, "{\"error\":{\"class\":\"GenericError\",\"desc\":\"the host cannot read the domain's identity: libvirt went away\"},\"id\":1}");
    g_free(reply);
    g_free(record);
    /* Denied requests: an error, and hello no longer lists them; unknown ones stay CommandNotFound. */
    static const char *const deny[] = { "host-kv-set", "host-hello", NULL };
    g2h_host_set_denied(host, deny);
    const char *set = "{\"execute\":\"host-kv-set\",\"arguments\":{\"key\":\"a\",\"value\":\"b\"},\"id\":4}";
    g_assert_cmpint(g2h_host_handle(host, set, strlen(set), 4, &reply, &record), ==, G2H_HOST_REQUEST);
    g_assert_cmpstr(reply, ==, "{\"error\":{\"class\":\"GenericError\",\"desc\":\"denied by the host's policy\"},\"id\":4}");
    g_assert_cmpstr(g2h_host_last_name(host), ==, "host-kv-set");
    g_free(reply);
    g_free(record);
    g_autofree char *kv_path = g_build_filename(dir, "0000-uuid.kv", NULL);
    g_assert_false(g_file_test(kv_path, G_FILE_TEST_EXISTS));
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void test_identity_parse(void)
{
    g_autoptr(GError) err = NULL;
    guint ignored = 99;
    /* No prefix, whitespace between entries, unknown elements skipped. */
    g_autoptr(GPtrArray) plain = g2h_identity_parse("<identity>\n  <entry key=\"a\">1</entry>\n  <other/>\n</identity>", &ignored, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(plain->len, ==, 1);
    g_assert_cmpuint(ignored, ==, 0);
    /* Caps: 64 entries, keys of 256 bytes, values of 4096; entries without a key or holding elements. */
    GString *xml = g_string_new("<identity>");
    g_autofree char *long_key = g_strnfill(G2H_IDENTITY_MAX_KEY + 1, 'k');
    g_autofree char *long_value = g_strnfill(G2H_IDENTITY_MAX_VALUE + 1, 'v');
    g_autofree char *max_value = g_strnfill(G2H_IDENTITY_MAX_VALUE, 'v');
    g_string_append_printf(xml, "<entry key='%s'>x</entry><entry key='big'>%s</entry><entry>nokey</entry>"
                                "<entry key='nested'><b>x</b></entry><entry key='max'>%s</entry>", long_key, long_value, max_value);
    for (int i = 0; i < 70; i++)
        g_string_append_printf(xml, "<entry key='k%d'>%d</entry>", i, i);
    g_string_append(xml, "</identity>");
    g_autoptr(GPtrArray) capped = g2h_identity_parse(xml->str, &ignored, &err);
    g_string_free(xml, TRUE);
    g_assert_no_error(err);
    g_assert_cmpuint(capped->len, ==, G2H_IDENTITY_MAX_ENTRIES);
    g_assert_cmpuint(ignored, ==, 4 + 7);
    g_assert_cmpstr(((G2hKeyValue *)capped->pdata[0])->key, ==, "max");
    g_assert_cmpuint(strlen(((G2hKeyValue *)capped->pdata[0])->value), ==, G2H_IDENTITY_MAX_VALUE);
    g_assert_cmpstr(((G2hKeyValue *)capped->pdata[63])->key, ==, "k62");
    /* Not an <identity> element, or not XML: an error. */
    g_assert_null(g2h_identity_parse("<other/>", NULL, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_null(g2h_identity_parse("<identity><entry key='a'>", NULL, &err));
    g_assert_nonnull(err);
}

static void test_guest_names(void)
{
    g_autoptr(GError) err = NULL;
    g_assert_null(g2h_host_new("/tmp", "../x", &err));
    g_assert_cmpstr(err->message, ==, "invalid guest name '../x'");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/probe/g2h/schema-table", test_schema_table);
    g_test_add_func("/probe/g2h/guest-names", test_guest_names);
    g_test_add_func("/probe/g2h/identity-and-deny", test_identity_and_deny);
    g_test_add_func("/probe/g2h/identity-parse", test_identity_parse);
#define ADD(path, fn) g_test_add("/probe/g2h/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
    ADD("hello", test_hello);
    ADD("heartbeat-time-log", test_heartbeat_and_time);
    ADD("kv-round-trip-and-restart", test_kv);
    ADD("overflow-reported", test_overflow_reported);
    ADD("hostile-input", test_hostile);
    ADD("flood", test_flood);
    ADD("event-shapes", test_event_shapes);
    return g_test_run();
}

/* The guest-driven channel's policy (qga-compat/g2h/link.c) with a real agent behind it and the test as the host: resume time sync, output cap, line cap, queue overflow, address settling, heartbeats, host view, log forwarding; on a fake clock. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "core/agent.h"
#include "g2h/link.h"
#include "host/host.h"

static const char *const caps[] = { "RESUMED", NULL };

/* The link's clocks: time moves only when a test moves it. */
#define FAKE_WALL_START_NS (G_GINT64_CONSTANT(1700000000) * 1000000000) /* 2023-11-14 */
static gint64 fake_ms, fake_ns;

static int64_t fake_monotonic_ms(void)
{
    return fake_ms;
}
static int64_t fake_now_ns(void)
{
    return fake_ns;
}

static void advance_ms(gint64 ms)
{
    fake_ms += ms;
    fake_ns += ms * 1000000;
}

typedef struct Fixture {
    char *dir;
    char *record;           /* QGA_TEST_RECORD: the seam writes "set-time <ns>" here */
    QgaConfig cfg;
    QgaAgent *agent;
    QgaG2hLink *link;
} Fixture;

static void fixture_set_up(Fixture *f, gconstpointer data)
{
    const QgaG2hLinkConfig *lc = data;
    GError *err = NULL;
    f->dir = g_dir_make_tmp("qga-link-XXXXXX", &err);
    g_assert_no_error(err);
    f->record = g_build_filename(f->dir, "record", NULL);
    fake_ms = 5000;
    fake_ns = FAKE_WALL_START_NS;
    g_setenv("QGA_TEST_RECORD", f->record, TRUE);
    g_autofree char *sock = g_build_filename(f->dir, "sock", NULL);
    char *argv[] = { "qga-compat", "-m", "unix-listen", "-p", sock, "-t", f->dir, "--g2h=off", NULL };
    QgaConfigAction action;
    QgaError *qerr = NULL;
    g_assert_cmpint(qga_config_load(&f->cfg, qga_host_defaults(), 8, argv, stdout, &action, &qerr),
                    ==, 0);
    f->agent = qga_agent_new(&f->cfg, &qerr);
    g_assert_nonnull(f->agent);
    f->link = qga_g2h_link_new(f->agent, lc);
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
    qga_g2h_link_free(f->link);
    qga_agent_free(f->agent);
    qga_config_clear(&f->cfg);
    g_unlink(f->record);
    g_rmdir(f->dir);
    g_free(f->record);
    g_free(f->dir);
}

/* Takes every whole line the link has written, parsed. */
static GPtrArray *take_output(Fixture *f)
{
    GPtrArray *msgs = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
    QgaBuf *out = qga_g2h_link_output(f->link);
    char *nl;
    while (out->len && (nl = memchr(out->data, '\n', out->len))) {
        size_t len = (size_t)(nl - out->data);
        g_autoptr(JsonParser) p = json_parser_new();
        GError *err = NULL;
        json_parser_load_from_data(p, out->data, (gssize)len, &err);
        g_assert_no_error(err);
        g_ptr_array_add(msgs, json_object_ref(json_node_get_object(json_parser_get_root(p))));
        qga_buf_consume(out, len + 1);
    }
    return msgs;
}

static const char *name_of(JsonObject *msg)
{
    return json_object_has_member(msg, "event") ? json_object_get_string_member(msg, "event")
                                                : json_object_get_string_member(msg, "execute");
}

/* Connects, answers every request with {}, returns nothing left over. */
static void connect_and_settle(Fixture *f)
{
    qga_g2h_link_connected(f->link);
    g_autoptr(GPtrArray) msgs = take_output(f);
    g_assert_cmpuint(msgs->len, >=, 2);
    g_assert_cmpstr(name_of(msgs->pdata[0]), ==, "host-hello");
    for (guint i = 0; i < msgs->len; i++) {
        JsonObject *m = msgs->pdata[i];
        if (!json_object_has_member(m, "id"))
            continue;
        g_autofree char *reply = g_strdup_printf("{\"return\": {}, \"id\": %" G_GINT64_FORMAT "}\n",
                                                 json_object_get_int_member(m, "id"));
        g_assert_cmpint(qga_g2h_link_feed(f->link, reply, strlen(reply)), ==, 0);
    }
}

static char *read_record(Fixture *f)
{
    char *text = NULL;
    if (!g_file_get_contents(f->record, &text, NULL, NULL))
        return g_strdup("");
    return text;
}

#define FAKE_CLOCKS .monotonic_ms = fake_monotonic_ms, .now_ns = fake_now_ns
static const QgaG2hLinkConfig sync_config = {
    .os = "linux", .os_events = caps, .time_sync_on_resume = true, FAKE_CLOCKS
};
static const QgaG2hLinkConfig plain_config = { .os = "linux", .os_events = caps, FAKE_CLOCKS };
static const QgaG2hLinkConfig forward_config = { .os = "linux",
                                                 .os_events = caps,
                                                 .forward_log = true,
                                                 .forward_level = QGA_LOG_WARNING,
                                                 FAKE_CLOCKS };
static const QgaG2hLinkConfig heartbeat_config = {
    .os = "linux", .os_events = caps, .heartbeat_ms = 30000, FAKE_CLOCKS
};
static const char *const all_os_events[] = { "SUSPENDING", "RESUMED", "IP_ADDRESS_CHANGED", NULL };
static const QgaG2hLinkConfig everything_config = { .os = "linux",
                                                    .os_events = all_os_events,
                                                    .fs_free_threshold = 10,
                                                    .time_sync_on_resume = true,
                                                    .forward_log = true,
                                                    .forward_level = QGA_LOG_ERROR,
                                                    FAKE_CLOCKS };
static const QgaG2hLinkConfig small_queue_config = {
    .os = "linux", .os_events = caps, .queue_max = 3, FAKE_CLOCKS
};

/* host-hello's capabilities, space-separated. */
static char *hello_capabilities(Fixture *f)
{
    qga_g2h_link_connected(f->link);
    g_autoptr(GPtrArray) msgs = take_output(f);
    g_assert_cmpstr(name_of(msgs->pdata[0]), ==, "host-hello");
    JsonArray *list =
        json_object_get_array_member(json_object_get_object_member(msgs->pdata[0], "arguments"),
                                     "capabilities");
    GString *names = g_string_new(NULL);
    for (guint i = 0; i < json_array_get_length(list); i++)
        g_string_append_printf(names, "%s%s", i ? " " : "", json_array_get_string_element(list, i));
    return g_string_free(names, FALSE);
}

static void test_capabilities(Fixture *f, gconstpointer data)
{
    /* The schema's Linux messages in its order: the link's own, those whose setting is on, and
     * the OS events the glue reports (SUSPENDING is not one on Linux). */
    g_autofree char *announced = hello_capabilities(f);
    if (data == &plain_config)
        g_assert_cmpstr(announced, ==,
                        "host-hello host-kv-set host-kv-get host-kv-list host-get-identity "
                        "AGENT_STARTED AGENT_STOPPING HEARTBEAT EVENTS_DROPPED RESUMED");
    else
        g_assert_cmpstr(announced, ==,
                        "host-hello host-get-time host-kv-set host-kv-get host-kv-list host-log "
                        "host-get-identity AGENT_STARTED AGENT_STOPPING HEARTBEAT EVENTS_DROPPED "
                        "IP_ADDRESS_CHANGED RESUMED CLOCK_CORRECTED FILESYSTEM_SPACE");
}

static void test_resume_time_sync(Fixture *f, gconstpointer data)
{
    /* Resumed while the host is away: RESUMED queues, and the time is asked once it is back. */
    qga_g2h_link_suspending(f->link);
    qga_g2h_link_resumed(f->link);
    qga_g2h_link_connected(f->link);
    g_autoptr(GPtrArray) msgs = take_output(f);
    JsonObject *ask = NULL;
    g_autoptr(GString) names = g_string_new(NULL);
    for (guint i = 0; i < msgs->len; i++) {
        g_string_append_printf(names, "%s ", name_of(msgs->pdata[i]));
        if (!g_strcmp0(name_of(msgs->pdata[i]), "host-get-time"))
            ask = msgs->pdata[i];
    }
    g_assert_true(g_str_has_prefix(names->str, "host-hello AGENT_STARTED SUSPENDING RESUMED "));
    g_assert_nonnull(ask);
    /* Events are stamped with the link's wall clock. */
    JsonObject *stamp = json_object_get_object_member(msgs->pdata[1], "timestamp");
    g_assert_cmpint(json_object_get_int_member(stamp, "seconds"), ==,
                    FAKE_WALL_START_NS / 1000000000);
    g_assert_cmpint(json_object_get_int_member(stamp, "microseconds"), ==, 0);

    /* The host is 5 s ahead and answers 40 ms later: the clock is set (through the seam) to its
     * time plus half the round trip, and the correction reported. */
    gint64 host_ns = fake_ns + 5 * G_GINT64_CONSTANT(1000000000);
    advance_ms(40);
    g_autofree char *reply = g_strdup_printf("{\"return\": %" G_GINT64_FORMAT ", \"id\": %" G_GINT64_FORMAT "}\n",
                                             host_ns, json_object_get_int_member(ask, "id"));
    g_assert_cmpint(qga_g2h_link_feed(f->link, reply, strlen(reply)), ==, 0);
    g_autofree char *rec = read_record(f);
    gint64 set_ns = 0;
    g_assert_cmpint(sscanf(rec, "set-time %" G_GINT64_FORMAT, &set_ns), ==, 1);
    g_assert_cmpint(set_ns, ==, host_ns + 20 * 1000000);
    g_autoptr(GPtrArray) after = take_output(f);
    g_assert_cmpuint(after->len, ==, 1);
    g_assert_cmpstr(name_of(after->pdata[0]), ==, "CLOCK_CORRECTED");
    gint64 offset = json_object_get_int_member(json_object_get_object_member(after->pdata[0], "data"), "offset-ns");
    g_assert_cmpint(offset, ==, set_ns - fake_ns);

    /* An implausible answer (1970) leaves the clock alone. */
    g_unlink(f->record);
    qga_g2h_link_resumed(f->link);
    g_autoptr(GPtrArray) again = take_output(f);
    g_assert_cmpuint(again->len, ==, 2);
    g_autofree char *bad = g_strdup_printf("{\"return\": 1000, \"id\": %" G_GINT64_FORMAT "}\n",
                                           json_object_get_int_member(again->pdata[1], "id"));
    g_assert_cmpint(qga_g2h_link_feed(f->link, bad, strlen(bad)), ==, 0);
    g_autofree char *none = read_record(f);
    g_assert_cmpstr(none, ==, "");
}

static void test_no_sync_without_config(Fixture *f, gconstpointer data)
{
    connect_and_settle(f);
    qga_g2h_link_resumed(f->link);
    g_autoptr(GPtrArray) msgs = take_output(f);
    g_assert_cmpuint(msgs->len, ==, 1);
    g_assert_cmpstr(name_of(msgs->pdata[0]), ==, "RESUMED");
}

static void test_output_cap(Fixture *f, gconstpointer data)
{
    /* A host that never reads: the output stops growing near the cap; events queue (bounded,
     * oldest dropped) and come out, after EVENTS_DROPPED, once the glue drains. */
    connect_and_settle(f);
    g_autofree char *pad = g_strnfill(4000, 'p');
    for (int i = 0; i < 2000; i++) {
        QgaJson *ev = qga_json_object();
        qga_json_object_set_str(ev, "pad", pad);
        qga_g2h_link_event(f->link, "HEARTBEAT", ev);
    }
    QgaBuf *out = qga_g2h_link_output(f->link);
    g_assert_cmpuint(out->len, <, QGA_G2H_LINK_OUTPUT_MAX + 8192);
    g_autoptr(GPtrArray) first = take_output(f);   /* the glue drains everything */
    qga_g2h_link_run_timers(f->link, fake_ms);
    g_autoptr(GPtrArray) rest = take_output(f);
    g_assert_cmpuint(rest->len, ==, 1 + 64);   /* EVENTS_DROPPED + the default queue */
    g_assert_cmpstr(name_of(rest->pdata[0]), ==, "EVENTS_DROPPED");
    gint64 dropped = json_object_get_int_member(json_object_get_object_member(rest->pdata[0], "data"), "count");
    g_assert_cmpint(first->len + 64 + dropped, ==, 2000);
}

static void test_line_cap(Fixture *f, gconstpointer data)
{
    connect_and_settle(f);
    g_autofree char *junk = g_strnfill(QGA_G2H_LINK_MAX_LINE / 2, 'j');
    g_assert_cmpint(qga_g2h_link_feed(f->link, junk, strlen(junk)), ==, 0);
    g_assert_cmpint(qga_g2h_link_feed(f->link, junk, strlen(junk)), ==, 0);
    g_assert_cmpint(qga_g2h_link_feed(f->link, "jj", 2), ==, -1);
    /* Junk lines and unknown ids are logged and ignored, not fatal. */
    const char *bad = "nonsense\n{\"return\": 1, \"id\": 12345}\n\r\n\n";
    g_assert_cmpint(qga_g2h_link_feed(f->link, bad, strlen(bad)), ==, 0);
}

static void test_queue_overflow(Fixture *f, gconstpointer data)
{
    /* AGENT_STARTED + 4 events into a queue of 3: the two oldest go, the host is told. */
    for (int i = 0; i < 4; i++)
        qga_g2h_link_suspending(f->link);
    qga_g2h_link_stopping(f->link);   /* not connected: nothing to say, nothing queued */
    qga_g2h_link_connected(f->link);
    g_autoptr(GPtrArray) msgs = take_output(f);
    g_assert_cmpstr(name_of(msgs->pdata[0]), ==, "host-hello");
    g_assert_cmpstr(name_of(msgs->pdata[1]), ==, "EVENTS_DROPPED");
    g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(msgs->pdata[1], "data"), "count"), ==, 2);
    for (int i = 2; i < 5; i++)
        g_assert_cmpstr(name_of(msgs->pdata[i]), ==, "SUSPENDING");
    g_assert_cmpstr(name_of(msgs->pdata[5]), ==, "host-kv-set");
    /* Connected, a stop is announced. */
    qga_g2h_link_stopping(f->link);
    g_autoptr(GPtrArray) bye = take_output(f);
    g_assert_cmpstr(name_of(bye->pdata[bye->len - 1]), ==, "AGENT_STOPPING");
}

static void test_address_settling(Fixture *f, gconstpointer data)
{
    /* A change notification is only a hint: after settling, an unchanged list is not news. */
    connect_and_settle(f);
    g_assert_cmpint(qga_g2h_link_deadline_ms(f->link), ==, -1);
    qga_g2h_link_addresses_changed(f->link);
    advance_ms(300); /* another change restarts the wait */
    qga_g2h_link_addresses_changed(f->link);
    gint64 due = qga_g2h_link_deadline_ms(f->link);
    g_assert_cmpint(due, ==, fake_ms + QGA_G2H_ADDRESS_SETTLE_MS);
    qga_g2h_link_run_timers(f->link, due - 1);
    g_assert_cmpint(qga_g2h_link_deadline_ms(f->link), ==, due);
    qga_g2h_link_run_timers(f->link, due);
    g_assert_cmpint(qga_g2h_link_deadline_ms(f->link), ==, -1);
    g_autoptr(GPtrArray) msgs = take_output(f);
    g_assert_cmpuint(msgs->len, ==, 0);
}

static void test_heartbeat_timing(Fixture *f, gconstpointer data)
{
    /* No heartbeat while the host is away; connected, one every heartbeat_ms of the link's clock. */
    g_assert_cmpint(qga_g2h_link_deadline_ms(f->link), ==, -1);
    connect_and_settle(f);
    gint64 due = qga_g2h_link_deadline_ms(f->link);
    g_assert_cmpint(due, ==, fake_ms + 30000);
    advance_ms(29999);
    qga_g2h_link_run_timers(f->link, fake_ms);
    g_autoptr(GPtrArray) early = take_output(f);
    g_assert_cmpuint(early->len, ==, 0);
    advance_ms(1);
    qga_g2h_link_run_timers(f->link, fake_ms);
    g_autoptr(GPtrArray) beat = take_output(f);
    g_assert_cmpuint(beat->len, ==, 1);
    g_assert_cmpstr(name_of(beat->pdata[0]), ==, "HEARTBEAT");
    g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(beat->pdata[0],
                                                                             "data"),
                                               "sequence"),
                    ==, 1);
    /* A timer five periods late (a suspended guest) sends one heartbeat, not a burst. */
    advance_ms(5 * 30000);
    qga_g2h_link_run_timers(f->link, fake_ms);
    g_autoptr(GPtrArray) late = take_output(f);
    g_assert_cmpuint(late->len, ==, 1);
    g_assert_cmpint(qga_g2h_link_deadline_ms(f->link), ==, fake_ms + 30000);
    qga_g2h_link_disconnected(f->link);
    g_assert_cmpint(qga_g2h_link_deadline_ms(f->link), ==, -1);
}

/* Finds the one request called name in msgs. */
static JsonObject *find_request(GPtrArray *msgs, const char *name)
{
    JsonObject *found = NULL;
    for (guint i = 0; i < msgs->len; i++) {
        if (!g_strcmp0(name_of(msgs->pdata[i]), name)) {
            g_assert_null(found);
            found = msgs->pdata[i];
        }
    }
    g_assert_nonnull(found);
    return found;
}

static void reply(Fixture *f, JsonObject *req, const char *json)
{
    g_autofree char *line = g_strdup_printf("{\"return\": %s, \"id\": %" G_GINT64_FORMAT "}\n", json,
                                            json_object_get_int_member(req, "id"));
    g_assert_cmpint(qga_g2h_link_feed(f->link, line, strlen(line)), ==, 0);
}

static void test_mirror_host_view(Fixture *f, gconstpointer data)
{
    /* A host that answers identity and kv requests: its view lands in the state directory, one
     * host-kv-get at a time; a key the host no longer has is left out. */
    qga_g2h_link_connected(f->link);
    g_autoptr(GPtrArray) msgs = take_output(f);
    reply(f, find_request(msgs, "host-hello"),
          "{\"host\": \"t\", \"time\": 0, \"requests\": [\"host-get-identity\", \"host-kv-list\", \"host-kv-get\"]}");
    g_autoptr(GPtrArray) asks = take_output(f);
    g_assert_cmpuint(asks->len, ==, 2);
    reply(f, find_request(asks, "host-get-identity"),
          "{\"name\": \"web01\", \"uuid\": \"0f0e\", \"metadata\": [{\"key\": \"role\", \"value\": \"web\"}]}");
    g_autofree char *id_path = g_build_filename(f->dir, "g2h-identity.json", NULL);
    g_autofree char *identity = NULL;
    g_assert_true(g_file_get_contents(id_path, &identity, NULL, NULL));
    g_assert_cmpstr(identity, ==, "{\"name\": \"web01\", \"uuid\": \"0f0e\", \"metadata\": [{\"key\": \"role\", \"value\": \"web\"}]}\n");
    reply(f, find_request(asks, "host-kv-list"), "[\"color\", \"gone\"]");
    g_autoptr(GPtrArray) get1 = take_output(f);
    g_assert_cmpuint(get1->len, ==, 1);
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(get1->pdata[0], "arguments"), "key"),
                    ==, "color");
    reply(f, get1->pdata[0], "\"blue\"");
    g_autoptr(GPtrArray) get2 = take_output(f);
    g_assert_cmpuint(get2->len, ==, 1);
    g_autofree char *err = g_strdup_printf("{\"error\": {\"class\": \"GenericError\", \"desc\": \"no such key\"}, "
                                           "\"id\": %" G_GINT64_FORMAT "}\n",
                                           json_object_get_int_member(get2->pdata[0], "id"));
    g_assert_cmpint(qga_g2h_link_feed(f->link, err, strlen(err)), ==, 0);
    g_autofree char *kv_path = g_build_filename(f->dir, "g2h-kv.json", NULL);
    g_autofree char *kv = NULL;
    g_assert_true(g_file_get_contents(kv_path, &kv, NULL, NULL));
    g_assert_cmpstr(kv, ==, "{\"color\": \"blue\"}\n");
    g_unlink(id_path);
    g_unlink(kv_path);
}

static void test_no_mirror_while_frozen(Fixture *f, gconstpointer data)
{
    /* Frozen file systems block writers: the agent that must thaw them writes nothing. */
    f->agent->frozen = true;
    qga_g2h_link_connected(f->link);
    g_autoptr(GPtrArray) msgs = take_output(f);
    reply(f, find_request(msgs, "host-hello"), "{\"host\": \"t\", \"time\": 0, \"requests\": [\"host-get-identity\"]}");
    g_autoptr(GPtrArray) asks = take_output(f);
    reply(f, find_request(asks, "host-get-identity"), "{\"name\": \"web01\", \"metadata\": []}");
    g_autofree char *id_path = g_build_filename(f->dir, "g2h-identity.json", NULL);
    g_assert_false(g_file_test(id_path, G_FILE_TEST_EXISTS));
    f->agent->frozen = false;
}

static void test_no_mirror_unless_offered(Fixture *f, gconstpointer data)
{
    qga_g2h_link_connected(f->link);
    g_autoptr(GPtrArray) msgs = take_output(f);
    reply(f, find_request(msgs, "host-hello"), "{\"host\": \"t\", \"time\": 0, \"requests\": [\"host-kv-set\"]}");
    g_autoptr(GPtrArray) none = take_output(f);
    g_assert_cmpuint(none->len, ==, 0);
}

/* The host-log requests in msgs, as their message strings. */
static GPtrArray *host_logs(GPtrArray *msgs)
{
    GPtrArray *lines = g_ptr_array_new();
    for (guint i = 0; i < msgs->len; i++)
        if (!g_strcmp0(name_of(msgs->pdata[i]), "host-log"))
            g_ptr_array_add(lines, (gpointer)json_object_get_string_member(
                                       json_object_get_object_member(msgs->pdata[i], "arguments"), "message"));
    return lines;
}

static void test_forward_log(Fixture *f, gconstpointer data)
{
    connect_and_settle(f);
    /* Warnings and errors go to the host; information stays local. */
    qga_log_warning("disk %s is full", "C:");
    qga_log_info("nothing to see");
    qga_log_error("boom");
    g_autoptr(GPtrArray) msgs = take_output(f);
    g_autoptr(GPtrArray) lines = host_logs(msgs);
    g_assert_cmpuint(lines->len, ==, 2);
    g_assert_cmpstr(lines->pdata[0], ==, "warning: disk C: is full");
    g_assert_cmpstr(lines->pdata[1], ==, "error: boom");

    /* A burst: the bucket (10, two used above) lets 8 more through, the rest are counted... */
    for (int i = 0; i < 20; i++)
        qga_log_warning("burst %d", i);
    g_autoptr(GPtrArray) burst = take_output(f);
    g_autoptr(GPtrArray) burst_lines = host_logs(burst);
    g_assert_cmpuint(burst_lines->len, ==, QGA_G2H_LOG_BURST - 2);

    /* ...and while the host is away nothing is sent; the next line says how many were not. */
    qga_g2h_link_disconnected(f->link);
    qga_log_warning("while away");
    connect_and_settle(f);
    /* (the settle answered the pending requests) Still no token: the line stays local. */
    qga_log_error("too soon");
    g_autoptr(GPtrArray) soon = take_output(f);
    g_autoptr(GPtrArray) soon_lines = host_logs(soon);
    g_assert_cmpuint(soon_lines->len, ==, 0);
    /* One token comes back per 60 s / QGA_G2H_LOG_PER_MINUTE. */
    advance_ms(60000 / QGA_G2H_LOG_PER_MINUTE);
    qga_log_error("back");
    g_autoptr(GPtrArray) after = take_output(f);
    g_autoptr(GPtrArray) after_lines = host_logs(after);
    g_assert_cmpuint(after_lines->len, ==, 1);
    g_assert_cmpstr(after_lines->pdata[0], ==, "(14 lines not forwarded) error: back");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/g2h/link/capabilities/plain", Fixture, &plain_config, fixture_set_up,
               test_capabilities, fixture_tear_down);
    g_test_add("/g2h/link/capabilities/everything", Fixture, &everything_config, fixture_set_up,
               test_capabilities, fixture_tear_down);
    g_test_add("/g2h/link/resume-time-sync", Fixture, &sync_config, fixture_set_up, test_resume_time_sync,
               fixture_tear_down);
    g_test_add("/g2h/link/no-sync-without-config", Fixture, &plain_config, fixture_set_up,
               test_no_sync_without_config, fixture_tear_down);
    g_test_add("/g2h/link/output-cap", Fixture, &plain_config, fixture_set_up, test_output_cap, fixture_tear_down);
    g_test_add("/g2h/link/line-cap", Fixture, &plain_config, fixture_set_up, test_line_cap, fixture_tear_down);
    g_test_add("/g2h/link/queue-overflow", Fixture, &small_queue_config, fixture_set_up, test_queue_overflow,
               fixture_tear_down);
    g_test_add("/g2h/link/address-settling", Fixture, &plain_config, fixture_set_up, test_address_settling,
               fixture_tear_down);
    g_test_add("/g2h/link/heartbeat-timing", Fixture, &heartbeat_config, fixture_set_up,
               test_heartbeat_timing, fixture_tear_down);
    g_test_add("/g2h/link/mirror-host-view", Fixture, &plain_config, fixture_set_up, test_mirror_host_view,
               fixture_tear_down);
    g_test_add("/g2h/link/no-mirror-while-frozen", Fixture, &plain_config, fixture_set_up,
               test_no_mirror_while_frozen, fixture_tear_down);
    g_test_add("/g2h/link/no-mirror-unless-offered", Fixture, &plain_config, fixture_set_up,
               test_no_mirror_unless_offered, fixture_tear_down);
    g_test_add("/g2h/link/forward-log", Fixture, &forward_config, fixture_set_up, test_forward_log,
               fixture_tear_down);
    return g_test_run();
}

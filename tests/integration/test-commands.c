/* Every command the agent lists, checked against the schema; guest-set-time through the test seam. */
#include <locale.h>
#include <string.h>

#include "harness.h"
#include "schema-check.h"

/* Commands upstream's test tolerates an error from (hosts without the sysfs files). */
static const char *const may_fail_here[] = {
    "guest-get-memory-block-info", "guest-get-memory-blocks", NULL,
};

/*
 * Call every enabled command of guest-info that changes nothing and needs no
 * argument; each reply is checked against its declared return type by
 * qga_test_cmd (schema-check.c). Privileged commands are never called on the
 * real binary: a test never changes this machine.
 */
static void test_every_command_matches_schema(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(JsonObject) info = qga_test_cmd(c, "{\"execute\": \"guest-info\"}");
    JsonArray *cmds = json_object_get_array_member(json_node_get_object(qga_test_reply_return(info)),
                                                   "supported_commands");
    guint called = 0;

    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        const char *name = json_object_get_string_member(json_array_get_object_element(cmds, i), "name");
        QgaTestSchemaCommand sc;

        g_assert_true(qga_test_schema_command(name, &sc));
        if (sc.privileged || sc.has_required_args || !sc.success_response) {
            g_test_message("not called (privileged or needs arguments): %s", name);
            continue;
        }
        g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"%s\"}", name);
        if (json_object_has_member(r, "error") && g_strv_contains(may_fail_here, name)) {
            g_test_message("%s answered an error here (tolerated, as upstream does)", name);
            continue;
        }
        if (qga_test_wine_cannot(name, r))
            continue;
        qga_test_reply_return(r);
        called++;
    }
    /* The system family at least: ping, info, get-time, host name, timezone, osinfo. */
    g_assert_cmpuint(called, >=, 6);

    /* The commands with a required argument, called with one. */
    g_autoptr(JsonObject) s1 = qga_test_cmd(c, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": -5}}");
    g_assert_cmpint(json_node_get_int(qga_test_reply_return(s1)), ==, -5);
    g_autoptr(JsonObject) s2 = qga_test_cmd(c, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 9223372036854775807}}");
    g_assert_cmpint(json_node_get_int(qga_test_reply_return(s2)), ==, G_MAXINT64);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* The lines the test seam recorded so far (empty when nothing was recorded). */
static char **recorded_lines(const QgaTestAgent *agent)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(agent->record_path, &text, NULL, NULL)) {
        return g_new0(char *, 1);
    }
    g_strchomp(text);
    return *text ? g_strsplit(text, "\n", -1) : g_new0(char *, 1);
}

static QgaTestAgent *start_testseam(void)
{
    const char *seam = g_getenv("QGA_TESTSEAM");
    if (!seam) {
        return NULL;
    }
    QgaTestAgentOptions opts = { .binary = seam };
    return qga_test_agent_start(&opts);
}

static void test_set_time_recorded(void)
{
    QgaTestAgent *agent = start_testseam();
    if (!agent) {
        g_test_fail_printf("QGA_TESTSEAM is not set: the qga-compat-testseam binary is not built, "
                           "so guest-set-time is untested");
        return;
    }
    QgaTestClient *c = qga_test_connect(agent);
    const gint64 t = G_GINT64_CONSTANT(2000000000123456789);   /* 2033-05-18T03:33:20.123456789Z */

    g_autoptr(JsonObject) r1 = qga_test_cmdf(c, "{\"execute\": \"guest-set-time\", \"arguments\": {\"time\": %" G_GINT64_FORMAT "}}", t);
    qga_test_reply_return(r1);
    g_auto(GStrv) lines = recorded_lines(agent);
    g_assert_cmpuint(g_strv_length(lines), ==, 1);
    /* The seam's record format (qga-compat/meson.build): "set-time <ns>" or "sync-time". */
    g_autofree char *t_text = g_strdup_printf("set-time %" G_GINT64_FORMAT, t);
    g_assert_cmpstr(lines[0], ==, t_text);

    /* Recorded, not done: this machine's clock is untouched. */
    gint64 before = g_get_real_time() * 1000;
    g_autoptr(JsonObject) now = qga_test_cmd(c, "{\"execute\": \"guest-get-time\"}");
    gint64 agent_now = json_node_get_int(qga_test_reply_return(now));
    g_assert_cmpint(agent_now, >=, before - G_GINT64_CONSTANT(5000000000));
    g_assert_cmpint(agent_now, <, t - G_GINT64_CONSTANT(1000000000000000));

    /* Without a time: the clock is re-read from the hardware clock (one more recorded action). */
    g_autoptr(JsonObject) r2 = qga_test_cmd(c, "{\"execute\": \"guest-set-time\"}");
    qga_test_reply_return(r2);
    g_auto(GStrv) lines2 = recorded_lines(agent);
    g_assert_cmpuint(g_strv_length(lines2), ==, 2);
    g_assert_cmpstr(lines2[1], ==, "sync-time");

    /* The last instant qemu-ga accepts: 2069-12-31T23:59:59.999999999Z. */
    g_autoptr(JsonObject) r3 = qga_test_cmd(c, "{\"execute\": \"guest-set-time\", \"arguments\": {\"time\": 3155759999999999999}}");
    qga_test_reply_return(r3);

    /* Invalid times: qemu-ga's "Invalid time" error, and nothing recorded. */
    static const char *const invalid[] = { "-1", "3155760000000000000", "-9223372036854775808", "9223372036854775807" };
    for (size_t i = 0; i < G_N_ELEMENTS(invalid); i++) {
        g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-set-time\", \"arguments\": {\"time\": %s}}", invalid[i]);
        qga_test_assert_error_prefix(r, "GenericError", "Invalid time");
    }
    g_autoptr(JsonObject) r4 = qga_test_cmd(c, "{\"execute\": \"guest-set-time\", \"arguments\": {\"time\": \"now\"}}");
    qga_test_assert_error(r4, "GenericError", "Invalid parameter type for 'time', expected: integer");
    g_autoptr(JsonObject) r5 = qga_test_cmd(c, "{\"execute\": \"guest-set-time\", \"arguments\": {\"time\": 1.5e18}}");
    qga_test_assert_error(r5, "GenericError", "Invalid parameter type for 'time', expected: integer");
    g_auto(GStrv) lines3 = recorded_lines(agent);
    g_assert_cmpuint(g_strv_length(lines3), ==, 3);
    g_assert_cmpstr(lines3[2], ==, "set-time 3155759999999999999");

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* The real binary lists guest-set-time like qemu-ga does (the tests just never call it there). */
static void test_set_time_listed(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(JsonObject) info = qga_test_cmd(c, "{\"execute\": \"guest-info\"}");
    JsonArray *cmds = json_object_get_array_member(json_node_get_object(qga_test_reply_return(info)),
                                                   "supported_commands");
    bool found = false;

    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        JsonObject *e = json_array_get_object_element(cmds, i);
        if (g_str_equal(json_object_get_string_member(e, "name"), "guest-set-time")) {
            found = true;
            g_assert_true(json_object_get_boolean_member(e, "success-response"));
        }
    }
    g_assert_true(found);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/integration/commands/every-command-matches-schema", test_every_command_matches_schema);
    g_test_add_func("/integration/commands/set-time-listed", test_set_time_listed);
    g_test_add_func("/integration/commands/set-time-recorded", test_set_time_recorded);

    return g_test_run();
}

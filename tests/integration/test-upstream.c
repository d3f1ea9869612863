/* The rows of QEMU's tests/unit/test-qga.c that apply to the commands we implement, made exact. */
#include <locale.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "harness.h"
#include "schema-check.h"

/* A random id like upstream's g_test_rand_int(), echoed back as a plain integer. */
static guint32 random_id(void)
{
    return g_test_rand_int_range(1, G_MAXINT32);
}

static void test_sync_delimited(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    guint32 id = random_id();
    g_autofree char *req = g_strdup_printf(
        "{\"execute\": \"guest-sync-delimited\", \"arguments\": {\"id\": %u}}\n", id);

    /* Upstream's procedure: 0xFF first (flush the agent's parser), skip to 0xFF, then parse. */
    qga_test_send(c, "\xff", 1);
    qga_test_send_str(c, req);
    g_autoptr(GByteArray) before = qga_test_skip_to_ff(c, QGA_TEST_TIMEOUT_MS);

    /* What came before the sentinel: exactly qemu-ga's error for the stray 0xFF. */
    JsonObject *stray = qga_test_parse_reply((const char *)before->data, before->len - 1);
    g_assert_cmpint(before->data[before->len - 1], ==, '\n');
    qga_test_assert_error(stray, "GenericError", "JSON parse error, stray '\xef\xbf\xbd'");
    json_object_unref(stray);

    size_t len;
    g_autofree char *line = qga_test_read_line(c, QGA_TEST_TIMEOUT_MS, &len);
    g_assert_nonnull(line);
    g_autofree char *expected = g_strdup_printf("{\"return\": %u}", id);
    g_assert_cmpstr(line, ==, expected);
    qga_test_expect_silence(c, 100);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_sync(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    guint32 id = random_id();

    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": %u}}", id);
    g_assert_cmpint(json_node_get_int(qga_test_reply_return(r)), ==, id);
    /* Plain guest-sync: no 0xFF sentinel, nothing after the reply. */
    qga_test_expect_silence(c, 100);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_ping(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);

    qga_test_send_str(c, "{'execute': 'guest-ping'}\n");
    size_t len;
    g_autofree char *line = qga_test_read_line(c, QGA_TEST_TIMEOUT_MS, &len);
    /* Byte-exact: qemu-ga's separators and the empty object for "no return type". */
    g_assert_cmpstr(line, ==, "{\"return\": {}}");

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_info(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-info\"}");
    JsonObject *info = json_node_get_object(qga_test_reply_return(r));

    g_assert_cmpstr(json_object_get_string_member(info, "version"), ==, g_getenv("QGA_EXPECTED_VERSION"));

    /* supported_commands: exactly the schema's commands for the agent's platform, each once,
     * all enabled by default. */
    JsonArray *cmds = json_object_get_array_member(info, "supported_commands");
    g_autoptr(GPtrArray) declared = qga_test_schema_commands(qga_test_agent_is_posix() ? "posix" : "win32");
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    g_assert_cmpuint(json_array_get_length(cmds), ==, declared->len);
    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        JsonObject *e = json_array_get_object_element(cmds, i);
        const char *name = json_object_get_string_member(e, "name");
        QgaTestSchemaCommand sc;

        g_assert_cmpuint(json_object_get_size(e), ==, 3);
        g_assert_true(g_hash_table_add(seen, (gpointer)name));
        g_assert_true(qga_test_schema_command(name, &sc));
        g_assert_true(json_object_get_boolean_member(e, "enabled"));
        g_assert_cmpint(json_object_get_boolean_member(e, "success-response"), ==, sc.success_response);
    }
    for (guint i = 0; i < declared->len; i++) {
        g_assert_true(g_hash_table_contains(seen, declared->pdata[i]));
    }
    g_assert_true(g_hash_table_contains(seen, "guest-sync-delimited"));
    g_assert_true(g_hash_table_contains(seen, "guest-ping"));

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_id(void)
{
    /* The id is copied verbatim whatever its JSON type, on success and on every error. */
    static const struct {
        const char *request;
        const char *id_json;
        bool ok;
    } cases[] = {
        { "{\"execute\": \"guest-ping\", \"id\": 1}", "1", true },
        { "{\"id\": \"abc\", \"execute\": \"guest-ping\"}", "\"abc\"", true },
        { "{\"execute\": \"guest-ping\", \"id\": {\"a\": [1, 2.5, null, true]}}", "{\"a\":[1,2.5,null,true]}", true },
        { "{\"execute\": \"guest-ping\", \"id\": null}", "null", true },
        { "{\"execute\": \"guest-ping\", \"id\": -9223372036854775808}", "-9223372036854775808", true },
        { "{\"execute\": \"guest-nope\", \"id\": 7}", "7", false },
        { "{\"execute\": \"guest-ping\", \"arguments\": {\"x\": 1}, \"id\": [7]}", "[7]", false },
        { "{\"execute\": \"guest-ping\", \"bogus\": 1, \"id\": \"u\"}", "\"u\"", false },
    };
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(JsonObject) r = qga_test_cmd(c, cases[i].request);
        JsonNode *id = json_object_get_member(r, "id");
        g_assert_nonnull(id);
        g_autofree char *got = json_to_string(id, FALSE);
        g_assert_cmpstr(got, ==, cases[i].id_json);
        g_assert_cmpint(json_object_has_member(r, "return"), ==, cases[i].ok);
    }
    /* Input that never became a request object carries no id. */
    g_autoptr(JsonObject) r = qga_test_cmd(c, "[{\"execute\": \"guest-ping\", \"id\": 3}]");
    g_assert_false(json_object_has_member(r, "id"));
    qga_test_assert_error(r, "GenericError", "QMP input must be a JSON object");

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_invalid_oob(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);

    /* qga runs without out-of-band support, so exec-oob is just an unknown member. */
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"exec-oob\": \"guest-ping\"}");
    qga_test_assert_error(r, "GenericError", "QMP input member 'exec-oob' is unexpected");

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_invalid_cmd(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);

    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-invalid-cmd\"}");
    qga_test_assert_error(r, "CommandNotFound", "The command guest-invalid-cmd has not been found");

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_invalid_args(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);

    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-ping\", \"arguments\": {\"foo\": 42}}");
    qga_test_assert_error(r, "GenericError", "Parameter 'foo' is unexpected");

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* guest-info's enabled flag for one command. */
static bool info_enabled(QgaTestClient *c, const char *name)
{
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-info\"}");
    JsonArray *cmds = json_object_get_array_member(json_node_get_object(qga_test_reply_return(r)),
                                                   "supported_commands");
    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        JsonObject *e = json_array_get_object_element(cmds, i);
        if (g_str_equal(json_object_get_string_member(e, "name"), name)) {
            return json_object_get_boolean_member(e, "enabled");
        }
    }
    g_error("guest-info does not list %s", name);
}

static void test_blockedrpcs(void)
{
    QgaTestAgent *agent = qga_test_agent_start_args("-b", "guest-ping,guest-get-time", NULL);
    QgaTestClient *c = qga_test_connect(agent);

    g_autoptr(JsonObject) r1 = qga_test_cmd(c, "{\"execute\": \"guest-ping\"}");
    qga_test_assert_error(r1, "CommandNotFound", "Command guest-ping has been disabled: the command is not allowed");
    g_autoptr(JsonObject) r2 = qga_test_cmd(c, "{\"execute\": \"guest-get-time\"}");
    qga_test_assert_error(r2, "CommandNotFound",
                          "Command guest-get-time has been disabled: the command is not allowed");
    /* Something else still works (upstream uses guest-get-fsinfo, which we do not have yet). */
    g_autoptr(JsonObject) r3 = qga_test_cmd(c, "{\"execute\": \"guest-get-host-name\"}");
    qga_test_reply_return(r3);
    /* Disabled commands stay listed, with enabled false. */
    g_assert_false(info_enabled(c, "guest-ping"));
    g_assert_false(info_enabled(c, "guest-get-time"));
    g_assert_true(info_enabled(c, "guest-get-host-name"));

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_allowedrpcs(void)
{
    QgaTestAgent *agent = qga_test_agent_start_args("-a", "guest-ping,guest-get-time", NULL);
    QgaTestClient *c = qga_test_connect(agent);

    g_autoptr(JsonObject) r1 = qga_test_cmd(c, "{\"execute\": \"guest-ping\"}");
    qga_test_reply_return(r1);
    g_autoptr(JsonObject) r2 = qga_test_cmd(c, "{\"execute\": \"guest-get-time\"}");
    qga_test_reply_return(r2);
    g_autoptr(JsonObject) r3 = qga_test_cmd(c, "{\"execute\": \"guest-get-host-name\"}");
    qga_test_assert_error(r3, "CommandNotFound",
                          "Command guest-get-host-name has been disabled: the command is not allowed");
    g_autoptr(JsonObject) r4 = qga_test_cmd(c, "{\"execute\": \"guest-info\"}");
    qga_test_assert_error(r4, "CommandNotFound", "Command guest-info has been disabled: the command is not allowed");

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* Allow and block lists together: block wins, lists accumulate over repeated options. */
static void test_allow_and_block(void)
{
    QgaTestAgent *agent = qga_test_agent_start_args("-a", "guest-ping,guest-get-time", "-a", "guest-info",
                                                    "-b", "guest-get-time", "-b", "guest-no-such-cmd", NULL);
    QgaTestClient *c = qga_test_connect(agent);

    g_autoptr(JsonObject) r1 = qga_test_cmd(c, "{\"execute\": \"guest-ping\"}");
    qga_test_reply_return(r1);
    g_autoptr(JsonObject) r2 = qga_test_cmd(c, "{\"execute\": \"guest-get-time\"}");
    qga_test_assert_error(r2, "CommandNotFound",
                          "Command guest-get-time has been disabled: the command is not allowed");
    g_assert_true(info_enabled(c, "guest-info"));
    g_assert_false(info_enabled(c, "guest-get-osinfo"));

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* Upstream's tests/data/test-qga-config, with today's key name. */
static const char config_fixture[] =
    "[general]\n"
    "daemon=false\n"
    "method=virtio-serial\n"
    "path=/path/to/org.qemu.guest_agent.0\n"
    "pidfile=/var/foo/qemu-ga.pid\n"
    "statedir=/var/state\n"
    "verbose=true\n"
    "block-rpcs=guest-ping;guest-get-time\n";

static void test_config(void)
{
    g_autofree char *conf = qga_test_fixture_file("test-qga-config", config_fixture, -1);
    const char *argv[] = { g_getenv("QGA_AGENT"), "-D", NULL };
    g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "QGA_CONF", conf, TRUE);
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    if (!qga_test_agent_is_posix()) {
        g_test_skip("-D runs the Linux binary directly");
        return;
    }
    g_spawn_sync(NULL, (char **)argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(err, ==, "");
    g_assert_true(g_spawn_check_wait_status(status, NULL));

    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_key_file_load_from_data(kf, out, -1, G_KEY_FILE_NONE, &error);
    g_assert_no_error(error);
    g_autofree char *group = g_key_file_get_start_group(kf);
    g_assert_cmpstr(group, ==, "general");
    g_assert_false(g_key_file_get_boolean(kf, "general", "daemon", &error));
    g_assert_no_error(error);

    static const char *const strings[][2] = {
        { "method", "virtio-serial" },
        { "path", "/path/to/org.qemu.guest_agent.0" },
        { "pidfile", "/var/foo/qemu-ga.pid" },
        { "statedir", "/var/state" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(strings); i++) {
        g_autofree char *v = g_key_file_get_string(kf, "general", strings[i][0], &error);
        g_assert_no_error(error);
        g_assert_cmpstr(v, ==, strings[i][1]);
    }
    g_assert_true(g_key_file_get_boolean(kf, "general", "verbose", &error));
    g_assert_no_error(error);

    gsize n;
    g_auto(GStrv) blocked = g_key_file_get_string_list(kf, "general", "block-rpcs", &n, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(n, ==, 2);
    g_assert_true(g_strv_contains((const char *const *)blocked, "guest-ping"));
    g_assert_true(g_strv_contains((const char *const *)blocked, "guest-get-time"));
}

static void test_get_time(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);

    gint64 before = g_get_real_time() * 1000;
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-get-time\"}");
    gint64 after = g_get_real_time() * 1000;
    JsonNode *t = qga_test_reply_return(r);

    /* An exact integer in nanoseconds (never routed through a double), within this call's window. */
    g_assert_cmpint(json_node_get_value_type(t), ==, G_TYPE_INT64);
    g_assert_cmpint(json_node_get_int(t), >=, before - 1000000);
    g_assert_cmpint(json_node_get_int(t), <=, after + 1000000);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_get_host_name(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    char expected[256] = "";

    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-get-host-name\"}");
    JsonObject *v = json_node_get_object(qga_test_reply_return(r));
    g_assert_cmpint(gethostname(expected, sizeof(expected) - 1), ==, 0);
    g_assert_cmpstr(json_object_get_string_member(v, "host-name"), ==, expected);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* The zone as qemu-ga reports it: GLib's abbreviation and offset for "now" under the agent's TZ. */
static void check_timezone(const char *tz, const char *zone, gint64 offset)
{
    g_autofree char *env_tz = g_strdup_printf("TZ=%s", tz);
    const char *env[] = { env_tz, NULL };
    QgaTestAgentOptions opts = { .env = env };
    QgaTestAgent *agent = qga_test_agent_start(&opts);
    QgaTestClient *c = qga_test_connect(agent);

    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-get-timezone\"}");
    JsonObject *v = json_node_get_object(qga_test_reply_return(r));
    g_assert_cmpstr(json_object_get_string_member(v, "zone"), ==, zone);
    g_assert_cmpint(json_object_get_int_member(v, "offset"), ==, offset);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_get_timezone(void)
{
    if (!qga_test_agent_is_posix()) {
        /* A Windows agent reads the zone from the system, not TZ: upstream's check only. */
        QgaTestAgent *agent = qga_test_agent_start(NULL);
        QgaTestClient *c = qga_test_connect(agent);
        g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-get-timezone\"}");
        g_assert_true(json_object_has_member(json_node_get_object(qga_test_reply_return(r)), "offset"));
        qga_test_client_close(c);
        qga_test_agent_stop(agent);
        return;
    }
    /* POSIX TZ strings need no tzdata: exact answers on any machine. */
    check_timezone("UTC0", "UTC", 0);
    check_timezone("QGT-3", "QGT", 3 * 3600);
    check_timezone("QGW+5:30", "QGW", -(5 * 3600 + 30 * 60));
}

/* Upstream's tests/data/test-qga-os-release, shell quoting and all. */
static const char os_release_fixture[] =
    "ID=qemu-ga-test\n"
    "NAME=QEMU-GA\n"
    "PRETTY_NAME=\"QEMU Guest Agent test\"\n"
    "VERSION=\"Test 1\"\n"
    "VERSION_ID=1\n"
    "VARIANT=\"Unit test \\\"\\'\\$\\`\\\\ and \\\\\\\\ etc.\"\n"
    "VARIANT_ID=unit-test\n";

static void test_get_osinfo(void)
{
    if (!qga_test_agent_is_posix()) {
        g_test_skip("os-release fixtures are a POSIX agent feature");
        return;
    }
    g_autofree char *path = qga_test_fixture_file("test-qga-os-release", os_release_fixture, -1);
    g_autofree char *env_os = g_strdup_printf("QGA_OS_RELEASE=%s", path);
    const char *env[] = { env_os, NULL };
    QgaTestAgentOptions opts = { .env = env };
    QgaTestAgent *agent = qga_test_agent_start(&opts);
    QgaTestClient *c = qga_test_connect(agent);
    struct utsname uts;

    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-get-osinfo\"}");
    JsonObject *v = json_node_get_object(qga_test_reply_return(r));
    static const char *const expected[][2] = {
        { "id", "qemu-ga-test" },
        { "name", "QEMU-GA" },
        { "pretty-name", "QEMU Guest Agent test" },
        { "version", "Test 1" },
        { "version-id", "1" },
        { "variant", "Unit test \"'$`\\ and \\\\ etc." },
        { "variant-id", "unit-test" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
        g_assert_cmpstr(json_object_get_string_member_with_default(v, expected[i][0], NULL), ==, expected[i][1]);
    }
    /* The kernel fields come from uname(2), as in qemu-ga. */
    g_assert_cmpint(uname(&uts), ==, 0);
    g_assert_cmpstr(json_object_get_string_member(v, "kernel-release"), ==, uts.release);
    g_assert_cmpstr(json_object_get_string_member(v, "kernel-version"), ==, uts.version);
    g_assert_cmpstr(json_object_get_string_member(v, "machine"), ==, uts.machine);
    g_assert_cmpuint(json_object_get_size(v), ==, 10);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/integration/upstream/sync-delimited", test_sync_delimited);
    g_test_add_func("/integration/upstream/sync", test_sync);
    g_test_add_func("/integration/upstream/ping", test_ping);
    g_test_add_func("/integration/upstream/info", test_info);
    g_test_add_func("/integration/upstream/id", test_id);
    g_test_add_func("/integration/upstream/invalid-oob", test_invalid_oob);
    g_test_add_func("/integration/upstream/invalid-cmd", test_invalid_cmd);
    g_test_add_func("/integration/upstream/invalid-args", test_invalid_args);
    g_test_add_func("/integration/upstream/blockedrpcs", test_blockedrpcs);
    g_test_add_func("/integration/upstream/allowedrpcs", test_allowedrpcs);
    g_test_add_func("/integration/upstream/allow-and-block", test_allow_and_block);
    g_test_add_func("/integration/upstream/config", test_config);
    g_test_add_func("/integration/upstream/get-time", test_get_time);
    g_test_add_func("/integration/upstream/guest-get-host-name", test_get_host_name);
    g_test_add_func("/integration/upstream/guest-get-timezone", test_get_timezone);
    g_test_add_func("/integration/upstream/guest-get-osinfo", test_get_osinfo);

    return g_test_run();
}

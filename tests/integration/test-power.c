/* guest-shutdown, guest-suspend-* and guest-set-user-password through the test seam: argument rules, replies, recorded actions. */
#include <locale.h>
#include <string.h>

#include "harness.h"

/*
 * Every power action and password change goes to the qga-compat-testseam binary, whose
 * privileged primitives only append a line to $QGA_TEST_RECORD (tests/seams/record-actions.c
 * documents the lines and the QGA_TEST_* variables). The real binary is asked nothing here
 * but guest-info: a test never shuts down, suspends or re-keys this machine, and that holds
 * even if the agent's argument checks were broken.
 *
 * Under Wine ($QGA_AGENT_PLATFORM=win32) the same checks run against the Windows seam build;
 * where Windows legitimately differs (no guest-suspend-hybrid, crypted passwords refused,
 * qemu-ga's Windows refusal texts) the expectations follow the platform.
 */

static char **recorded_lines(const QgaTestAgent *agent)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(agent->record_path, &text, NULL, NULL)) {
        return g_new0(char *, 1);
    }
    /* The Windows seam writes its record in text mode: CRLF line ends. */
    g_strchomp(text);
    char **lines = *text ? g_strsplit(text, "\n", -1) : g_new0(char *, 1);
    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
    }
    return lines;
}

static void assert_recorded(const QgaTestAgent *agent, const char *const *expected)
{
    g_auto(GStrv) lines = recorded_lines(agent);
    guint n = g_strv_length((char **)expected);
    for (guint i = 0; i < n && lines[i]; i++) {
        g_assert_cmpstr(lines[i], ==, expected[i]);
    }
    g_assert_cmpuint(g_strv_length(lines), ==, n);
}

/* The seam agent with extra environment (NULL-terminated "NAME=VALUE"), or NULL without it. */
static QgaTestAgent *start_seam(const char *const *env)
{
    const char *seam = g_getenv("QGA_TESTSEAM");
    if (!seam) {
        g_test_fail_printf("QGA_TESTSEAM is not set: the qga-compat-testseam binary is not built");
        return NULL;
    }
    QgaTestAgentOptions opts = { .binary = seam, .env = env };
    return qga_test_agent_start(&opts);
}

/* Send a command that answers nothing on success; prove the silence and that the session goes on. */
static void send_no_reply(QgaTestClient *c, const char *request)
{
    qga_test_send_str(c, request);
    qga_test_send_str(c, "\n");
    qga_test_expect_silence(c, 300);
    g_autoptr(JsonObject) ping = qga_test_cmd(c, "{\"execute\": \"guest-ping\", \"id\": \"after\"}");
    qga_test_reply_return(ping);
    g_assert_cmpstr(json_object_get_string_member(ping, "id"), ==, "after");
}

/* ---- listing ---- */

static JsonObject *find_command(JsonArray *cmds, const char *name)
{
    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        JsonObject *e = json_array_get_object_element(cmds, i);
        if (g_str_equal(json_object_get_string_member(e, "name"), name)) {
            return e;
        }
    }
    return NULL;
}

static void test_listed(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(JsonObject) info = qga_test_cmd(c, "{\"execute\": \"guest-info\"}");
    JsonArray *cmds = json_object_get_array_member(json_node_get_object(qga_test_reply_return(info)),
                                                   "supported_commands");
    bool posix = qga_test_agent_is_posix();
    static const char *const no_reply[] = { "guest-shutdown", "guest-suspend-disk", "guest-suspend-ram" };
    static const char *const with_reply[] = { "guest-set-user-password", "guest-ssh-get-authorized-keys",
                                              "guest-ssh-add-authorized-keys", "guest-ssh-remove-authorized-keys",
                                              "guest-fstrim" };

    for (size_t i = 0; i < G_N_ELEMENTS(no_reply); i++) {
        JsonObject *e = find_command(cmds, no_reply[i]);
        g_assert_nonnull(e);
        g_assert_true(json_object_get_boolean_member(e, "enabled"));
        g_assert_false(json_object_get_boolean_member(e, "success-response"));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(with_reply); i++) {
        JsonObject *e = find_command(cmds, with_reply[i]);
        g_assert_nonnull(e);
        g_assert_true(json_object_get_boolean_member(e, "success-response"));
    }
    /* Hybrid sleep is Linux only; on Windows the command does not exist (qemu-ga >= 9.1). */
    JsonObject *hybrid = find_command(cmds, "guest-suspend-hybrid");
    if (posix) {
        g_assert_nonnull(hybrid);
        g_assert_false(json_object_get_boolean_member(hybrid, "success-response"));
    } else {
        g_assert_null(hybrid);
        g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-suspend-hybrid\"}");
        qga_test_assert_error(r, "CommandNotFound", "The command guest-suspend-hybrid has not been found");
    }
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* ---- guest-shutdown ---- */

static void test_shutdown_modes(void)
{
    QgaTestAgent *agent = start_seam(NULL);
    if (!agent) {
        return;
    }
    QgaTestClient *c = qga_test_connect(agent);

    /* No reply on success, whatever the id: libvirt waits for the SHUTDOWN event instead. */
    send_no_reply(c, "{\"execute\": \"guest-shutdown\", \"id\": 1}");
    send_no_reply(c, "{\"execute\": \"guest-shutdown\", \"arguments\": {\"mode\": \"powerdown\"}}");
    send_no_reply(c, "{\"execute\": \"guest-shutdown\", \"arguments\": {\"mode\": \"halt\"}}");
    send_no_reply(c, "{\"execute\": \"guest-shutdown\", \"arguments\": {\"mode\": \"reboot\"}}");
    static const char *const expected[] = { "shutdown powerdown", "shutdown powerdown", "shutdown halt",
                                            "shutdown reboot", NULL };
    assert_recorded(agent, expected);

    /* Bad modes: an error reply, with the request's id, and nothing done. */
    static const char *const bad[] = { "\"\"", "\"Powerdown\"", "\"poweroff\"", "\"reboot \"", "\"halt\\u0000\"" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-shutdown\", \"arguments\": {\"mode\": %s}, \"id\": 7}",
                                                bad[i]);
        qga_test_assert_error(r, "GenericError", "Parameter 'mode' expects 'halt', 'powerdown', or 'reboot'");
        g_assert_cmpint(json_object_get_int_member(r, "id"), ==, 7);
    }
    g_autoptr(JsonObject) t1 = qga_test_cmd(c, "{\"execute\": \"guest-shutdown\", \"arguments\": {\"mode\": 1}}");
    qga_test_assert_error(t1, "GenericError", "Invalid parameter type for 'mode', expected: string");
    g_autoptr(JsonObject) t2 = qga_test_cmd(c, "{\"execute\": \"guest-shutdown\", \"arguments\": {\"force\": true}}");
    qga_test_assert_error(t2, "GenericError", "Parameter 'force' is unexpected");
    assert_recorded(agent, expected);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_shutdown_failure_answers(void)
{
    static const char *const env[] = { "QGA_TEST_FAIL=shutdown,suspend", "QGA_TEST_POWER_CAPS=disk,ram,hybrid", NULL };
    QgaTestAgent *agent = start_seam(env);
    if (!agent) {
        return;
    }
    QgaTestClient *c = qga_test_connect(agent);
    /* A failed action is an error reply, never silence (libvirt would wait out its timeout). */
    g_autoptr(JsonObject) r1 = qga_test_cmd(c, "{\"execute\": \"guest-shutdown\", \"id\": \"s\"}");
    qga_test_assert_error(r1, "GenericError", "test seam: shutdown refused");
    g_assert_cmpstr(json_object_get_string_member(r1, "id"), ==, "s");
    g_autoptr(JsonObject) r2 = qga_test_cmd(c, "{\"execute\": \"guest-suspend-ram\"}");
    qga_test_assert_error(r2, "GenericError", "test seam: suspend refused");
    g_autoptr(JsonObject) r3 = qga_test_cmd(c, "{\"execute\": \"guest-suspend-disk\"}");
    qga_test_assert_error(r3, "GenericError", "test seam: suspend refused");
    static const char *const none[] = { NULL };
    assert_recorded(agent, none);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* ---- guest-suspend-* ---- */

static void test_suspend_unsupported(void)
{
    /* No QGA_TEST_POWER_CAPS: the seam's guest cannot sleep at all. */
    QgaTestAgent *agent = start_seam(NULL);
    if (!agent) {
        return;
    }
    QgaTestClient *c = qga_test_connect(agent);
    bool posix = qga_test_agent_is_posix();
    g_autoptr(JsonObject) r1 = qga_test_cmd(c, "{\"execute\": \"guest-suspend-disk\"}");
    g_autoptr(JsonObject) r2 = qga_test_cmd(c, "{\"execute\": \"guest-suspend-ram\"}");
    if (posix) {
        qga_test_assert_error(r1, "GenericError", "the requested suspend mode is not supported by the guest");
        qga_test_assert_error(r2, "GenericError", "the requested suspend mode is not supported by the guest");
        g_autoptr(JsonObject) r3 = qga_test_cmd(c, "{\"execute\": \"guest-suspend-hybrid\"}");
        qga_test_assert_error(r3, "GenericError", "the requested suspend mode is not supported by the guest");
    } else {
        /* qemu-ga for Windows' texts (GetPwrCapabilities without S4 / S3). */
        qga_test_assert_error(r1, "GenericError", "suspend-to-disk not supported by OS");
        qga_test_assert_error(r2, "GenericError", "suspend-to-ram not supported by OS");
    }
    g_autoptr(JsonObject) r4 = qga_test_cmd(c, "{\"execute\": \"guest-suspend-ram\", \"arguments\": {\"x\": 1}}");
    qga_test_assert_error(r4, "GenericError", "Parameter 'x' is unexpected");
    static const char *const none[] = { NULL };
    assert_recorded(agent, none);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_suspend_recorded(void)
{
    /* RAM only: disk (and hybrid) must still be refused, each mode checked on its own. */
    static const char *const env[] = { "QGA_TEST_POWER_CAPS=ram", NULL };
    QgaTestAgent *agent = start_seam(env);
    if (!agent) {
        return;
    }
    QgaTestClient *c = qga_test_connect(agent);
    send_no_reply(c, "{\"execute\": \"guest-suspend-ram\", \"id\": 3}");
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-suspend-disk\"}");
    qga_test_assert_error_prefix(r, "GenericError", qga_test_agent_is_posix() ? "the requested suspend mode"
                                                                              : "suspend-to-disk not supported");
    static const char *const expected[] = { "suspend ram", NULL };
    assert_recorded(agent, expected);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);

    static const char *const env_all[] = { "QGA_TEST_POWER_CAPS=disk,ram,hybrid", NULL };
    agent = start_seam(env_all);
    c = qga_test_connect(agent);
    send_no_reply(c, "{\"execute\": \"guest-suspend-disk\"}");
    send_no_reply(c, "{\"execute\": \"guest-suspend-ram\"}");
    if (qga_test_agent_is_posix()) {
        send_no_reply(c, "{\"execute\": \"guest-suspend-hybrid\"}");
        static const char *const all[] = { "suspend disk", "suspend ram", "suspend hybrid", NULL };
        assert_recorded(agent, all);
    } else {
        static const char *const all[] = { "suspend disk", "suspend ram", NULL };
        assert_recorded(agent, all);
    }
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* ---- guest-set-user-password ---- */

static void test_password_recorded(void)
{
    QgaTestAgent *agent = start_seam(NULL);
    if (!agent) {
        return;
    }
    QgaTestClient *c = qga_test_connect(agent);
    bool posix = qga_test_agent_is_posix();

    /* "s3cret pässword" (UTF-8): the decoded bytes reach the primitive unchanged. */
    g_autofree char *pw = g_base64_encode((const guchar *)"s3cret p\xc3\xa4ssword", 16);
    g_autoptr(JsonObject) r1 = qga_test_cmdf(c, "{\"execute\": \"guest-set-user-password\", \"arguments\": "
                                                "{\"username\": \"alice\", \"password\": \"%s\", \"crypted\": false}}", pw);
    g_assert_cmpint(json_object_get_size(json_node_get_object(qga_test_reply_return(r1))), ==, 0);

    /* A crypt(3) hash: chpasswd -e on Linux; refused first thing on Windows (qemu-ga). */
    g_autofree char *hash = g_base64_encode((const guchar *)"$6$salt$hash", 12);
    g_autoptr(JsonObject) r2 = qga_test_cmdf(c, "{\"execute\": \"guest-set-user-password\", \"arguments\": "
                                                "{\"username\": \"bob\", \"password\": \"%s\", \"crypted\": true}}", hash);
    g_autoptr(JsonObject) r3 = qga_test_cmd(c, "{\"execute\": \"guest-set-user-password\", \"arguments\": "
                                               "{\"username\": \"bob\", \"password\": \"!!\", \"crypted\": true}}");
    g_autofree char *line1 = g_strdup_printf("set-user-password alice 0 %s", pw);
    if (posix) {
        qga_test_reply_return(r2);
        qga_test_assert_error(r3, "GenericError", "Base64 data contains invalid characters");
        g_autofree char *line2 = g_strdup_printf("set-user-password bob 1 %s", hash);
        const char *const expected[] = { line1, line2, NULL };
        assert_recorded(agent, expected);
    } else {
        qga_test_assert_error(r2, "GenericError", "'crypted' must be off on this host");
        qga_test_assert_error(r3, "GenericError", "'crypted' must be off on this host");
        const char *const expected[] = { line1, NULL };
        assert_recorded(agent, expected);
    }
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_password_refused(void)
{
    QgaTestAgent *agent = start_seam(NULL);
    if (!agent) {
        return;
    }
    QgaTestClient *c = qga_test_connect(agent);
    bool posix = qga_test_agent_is_posix();

    g_autoptr(JsonObject) r1 = qga_test_cmd(c, "{\"execute\": \"guest-set-user-password\", \"arguments\": "
                                               "{\"username\": \"alice\", \"password\": \"a*b\", \"crypted\": false}}");
    qga_test_assert_error(r1, "GenericError", "Base64 data contains invalid characters");
    /* "ab\0cd": qemu-ga would silently set "ab"; refused here on every platform. */
    g_autoptr(JsonObject) r2 = qga_test_cmd(c, "{\"execute\": \"guest-set-user-password\", \"arguments\": "
                                               "{\"username\": \"alice\", \"password\": \"YWIAY2Q=\", \"crypted\": false}}");
    qga_test_assert_error(r2, "GenericError", "forbidden characters in raw password");
    /* "a\nb" and a name with ':' would break chpasswd's line format (qemu-ga's Linux checks). */
    g_autoptr(JsonObject) r3 = qga_test_cmd(c, "{\"execute\": \"guest-set-user-password\", \"arguments\": "
                                               "{\"username\": \"alice\", \"password\": \"YQpi\", \"crypted\": false}}");
    g_autoptr(JsonObject) r4 = qga_test_cmd(c, "{\"execute\": \"guest-set-user-password\", \"arguments\": "
                                               "{\"username\": \"root:x\", \"password\": \"YWI=\", \"crypted\": false}}");
    if (posix) {
        qga_test_assert_error(r3, "GenericError", "forbidden characters in raw password");
        qga_test_assert_error(r4, "GenericError", "forbidden characters in username");
    } else {
        /* Windows hands these to NetUserSetInfo, which judges them (the seam records them). */
        qga_test_reply_return(r3);
        qga_test_reply_return(r4);
    }
    g_autoptr(JsonObject) r5 = qga_test_cmd(c, "{\"execute\": \"guest-set-user-password\", \"arguments\": "
                                               "{\"username\": \"alice\", \"password\": \"YWI=\"}}");
    qga_test_assert_error(r5, "GenericError", "Parameter 'crypted' is missing");
    g_autoptr(JsonObject) r6 = qga_test_cmd(c, "{\"execute\": \"guest-set-user-password\", \"arguments\": "
                                               "{\"username\": \"alice\", \"password\": \"YWI=\", \"crypted\": \"no\"}}");
    qga_test_assert_error(r6, "GenericError", "Invalid parameter type for 'crypted', expected: boolean");
    g_auto(GStrv) lines = recorded_lines(agent);
    g_assert_cmpuint(g_strv_length(lines), ==, posix ? 0 : 2);
    qga_test_client_close(c);

    /* The primitive's failure is the reply. */
    qga_test_agent_stop(agent);
    static const char *const env[] = { "QGA_TEST_FAIL=set-user-password", NULL };
    agent = start_seam(env);
    c = qga_test_connect(agent);
    g_autoptr(JsonObject) r7 = qga_test_cmd(c, "{\"execute\": \"guest-set-user-password\", \"arguments\": "
                                               "{\"username\": \"alice\", \"password\": \"YWI=\", \"crypted\": false}}");
    qga_test_assert_error(r7, "GenericError", "test seam: set-user-password refused");
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/integration/power/listed", test_listed);
    g_test_add_func("/integration/power/shutdown-modes", test_shutdown_modes);
    g_test_add_func("/integration/power/failure-answers", test_shutdown_failure_answers);
    g_test_add_func("/integration/power/suspend-unsupported", test_suspend_unsupported);
    g_test_add_func("/integration/power/suspend-recorded", test_suspend_recorded);
    g_test_add_func("/integration/power/password-recorded", test_password_recorded);
    g_test_add_func("/integration/power/password-refused", test_password_refused);
    return g_test_run();
}

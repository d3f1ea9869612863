/* Unit tests of the POSIX system primitives and the system command handlers' reply shapes. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/json.h"
#include "host/host.h"
#include "qga-commands.h"
#include "os/system.h"

/* Run a handler that needs no agent state; return its result as JSON text. */
static char *call(QgaHandler handler, const char *args_json, QgaError **ret_err)
{
    QgaError *err = NULL;
    QgaJson *args = qga_json_parse(args_json, strlen(args_json), NULL, &err);
    g_assert_nonnull(args);
    QgaJson *result = NULL;
    int r = handler(NULL, args, &result, &err);
    qga_json_free(args);
    if (r < 0) {
        g_assert_nonnull(err);
        *ret_err = err;
        return NULL;
    }
    g_assert_null(err);
    char *text = result ? qga_json_to_string(result) : g_strdup("{}");
    qga_json_free(result);
    return text;
}

static JsonObject *parse_object(const char *text, JsonParser **ret_parser)
{
    JsonParser *p = json_parser_new();
    GError *err = NULL;
    json_parser_load_from_data(p, text, -1, &err);
    g_assert_no_error(err);
    JsonNode *root = json_parser_get_root(p);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
    *ret_parser = p;
    return json_node_get_object(root);
}

static void check_zone(const char *tz, const char *zone, gint64 offset)
{
    g_setenv("TZ", tz, TRUE);
    char *z = NULL;
    int64_t off = 12345;
    QgaError *err = NULL;
    g_assert_cmpint(qga_os_get_timezone(&z, &off, &err), ==, 0);
    g_assert_null(err);
    g_assert_cmpstr(z, ==, zone);
    g_assert_cmpint(off, ==, offset);
    g_free(z);
}

static void test_timezone(void)
{
    /* POSIX TZ strings without DST rules give fixed, machine-independent answers. */
    check_zone("UTC0", "UTC", 0);
    check_zone("EST5", "EST", -5 * 3600);
    check_zone("<+0530>-5:30", "+0530", 5 * 3600 + 30 * 60);
    check_zone("<-03>3", "-03", -3 * 3600);

    /* The handler's shape: {"zone": str, "offset": int}. */
    g_setenv("TZ", "JST-9", TRUE);
    QgaError *err = NULL;
    char *text = call(qga_cmd_guest_get_timezone, "{}", &err);
    g_assert_cmpstr(text, ==, "{\"zone\": \"JST\", \"offset\": 32400}");
    g_free(text);
    g_unsetenv("TZ");
}

static void test_host_name(void)
{
    char want[256] = { 0 };
    g_assert_cmpint(gethostname(want, sizeof(want) - 1), ==, 0);
    char *name = NULL;
    QgaError *err = NULL;
    g_assert_cmpint(qga_os_get_host_name(&name, &err), ==, 0);
    g_assert_cmpstr(name, ==, want);
    g_free(name);

    char *text = call(qga_cmd_guest_get_host_name, "{}", &err);
    JsonParser *p;
    JsonObject *o = parse_object(text, &p);
    g_assert_cmpuint(json_object_get_size(o), ==, 1);
    g_assert_cmpstr(json_object_get_string_member(o, "host-name"), ==, want);
    g_object_unref(p);
    g_free(text);
}

static void test_osinfo(void)
{
    char *dir = g_dir_make_tmp("test-posix-system-XXXXXX", NULL);
    char *path = g_build_filename(dir, "os-release", NULL);
    g_file_set_contents(path,
                        "ID=qemu-ga-test\nNAME=QEMU-GA\nPRETTY_NAME=\"QEMU Guest Agent test\"\n"
                        "VERSION=\"Test 1\"\nVERSION_ID=1\n"
                        "VARIANT=\"Unit test \\\"\\'\\$\\`\\\\ and \\\\\\\\ etc.\"\nVARIANT_ID=unit-test\n",
                        -1, NULL);
    g_setenv("QGA_OS_RELEASE", path, TRUE);

    struct utsname u;
    g_assert_cmpint(uname(&u), ==, 0);
    QgaError *err = NULL;
    char *text = call(qga_cmd_guest_get_osinfo, "{}", &err);
    JsonParser *p;
    JsonObject *o = parse_object(text, &p);
    g_assert_cmpuint(json_object_get_size(o), ==, 10);
    g_assert_cmpstr(json_object_get_string_member(o, "kernel-release"), ==, u.release);
    g_assert_cmpstr(json_object_get_string_member(o, "kernel-version"), ==, u.version);
    g_assert_cmpstr(json_object_get_string_member(o, "machine"), ==, u.machine);
    g_assert_cmpstr(json_object_get_string_member(o, "id"), ==, "qemu-ga-test");
    g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "QEMU-GA");
    g_assert_cmpstr(json_object_get_string_member(o, "pretty-name"), ==, "QEMU Guest Agent test");
    g_assert_cmpstr(json_object_get_string_member(o, "version"), ==, "Test 1");
    g_assert_cmpstr(json_object_get_string_member(o, "version-id"), ==, "1");
    g_assert_cmpstr(json_object_get_string_member(o, "variant"), ==, "Unit test \"'$`\\ and \\\\ etc.");
    g_assert_cmpstr(json_object_get_string_member(o, "variant-id"), ==, "unit-test");
    g_object_unref(p);
    g_free(text);

    /* Absent os-release fields are omitted, not null; invalid UTF-8 comes out as U+FFFD. */
    g_file_set_contents(path, "NAME=\"Caf\xe9\"\n", -1, NULL);
    text = call(qga_cmd_guest_get_osinfo, "{}", &err);
    o = parse_object(text, &p);
    g_assert_cmpuint(json_object_get_size(o), ==, 4);
    g_assert_false(json_object_has_member(o, "id"));
    g_assert_false(json_object_has_member(o, "variant"));
    g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "Caf\xef\xbf\xbd");
    g_object_unref(p);
    g_free(text);

    g_unsetenv("QGA_OS_RELEASE");
    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
}

static void test_get_time(void)
{
    gint64 before = g_get_real_time();
    QgaError *err = NULL;
    char *text = call(qga_cmd_guest_get_time, "{}", &err);
    gint64 after = g_get_real_time();
    /* Digits only: an exact integer, never a float. */
    for (const char *c = text; *c; c++)
        g_assert_true(g_ascii_isdigit(*c));
    gint64 ns = g_ascii_strtoll(text, NULL, 10);
    g_assert_cmpint(ns / 1000, >=, before);
    g_assert_cmpint(ns / 1000, <=, after);
    g_free(text);
}

static void test_set_time_validation(void)
{
    /* Only the refusals: a valid value would reach the real clock primitive, which this test
     * program does not link (see the seam build for the rest). */
    static const char *const bad[] = {
        "{\"time\": -1}",
        "{\"time\": 3155760000000000000}",
        "{\"time\": 9223372036854775807}",
        "{\"time\": -9223372036854775808}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        QgaError *err = NULL;
        char *text = call(qga_cmd_guest_set_time, bad[i], &err);
        g_assert_null(text);
        g_assert_nonnull(err);
        g_assert_cmpint(err->error_class, ==, QGA_ERROR_GENERIC);
        g_assert_true(g_str_has_prefix(err->desc, "Invalid time: "));
        qga_error_free(err);
    }
}

/* The clock primitives exist only in the executables; this test must never reach them. */
int qga_os_set_time(int64_t ns, QgaError **error)
{
    g_error("qga_os_set_time(%" G_GINT64_FORMAT ") reached from a unit test", (gint64)ns);
    return -1;
}

int qga_os_sync_time(QgaError **error)
{
    g_error("qga_os_sync_time reached from a unit test");
    return -1;
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/posix/timezone", test_timezone);
    g_test_add_func("/agent/posix/host-name", test_host_name);
    g_test_add_func("/agent/posix/osinfo", test_osinfo);
    g_test_add_func("/agent/posix/get-time", test_get_time);
    g_test_add_func("/agent/posix/set-time-validation", test_set_time_validation);
    return g_test_run();
}

/* guest-set-vcpus and guest-set-memory-blocks through the test-seam agent: validation, recorded sysfs writes, qemu-ga's result shapes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "schema-check.h"

/*
 * These commands change the machine, so they only ever run on qga-compat-testseam, whose
 * qga_os_sysfs_write appends "sysfs-write <path> <value>" to $QGA_TEST_RECORD instead of
 * writing (with $QGA_TEST_SYSFS_ERRNO it then fails with that errno). Everything before the
 * write is real: the agent reads this machine's /sys/devices/system/{cpu,memory} to decide,
 * and the expectations below are computed from the same files. After each test the files are
 * re-read to prove nothing changed.
 *
 * On Windows neither command exists (qemu-ga has none there either): under Wine the test
 * checks the CommandNotFound answers of the real binary instead.
 */

#define CPU_DIR "/sys/devices/system/cpu"
#define MEM_DIR "/sys/devices/system/memory"

static char *read_text(const char *path)
{
    char *text = NULL;
    return g_file_get_contents(path, &text, NULL, NULL) ? g_strstrip(text) : NULL;
}

static char **recorded(const QgaTestAgent *agent)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(agent->record_path, &text, NULL, NULL))
        return g_new0(char *, 1);
    g_strchomp(text);
    return *text ? g_strsplit(text, "\n", -1) : g_new0(char *, 1);
}

static QgaTestAgent *start_seam(const char *sysfs_errno)
{
    const char *seam = g_getenv("QGA_TESTSEAM");
    g_assert_nonnull(seam);
    g_autofree char *env_errno = sysfs_errno ? g_strdup_printf("QGA_TEST_SYSFS_ERRNO=%s", sysfs_errno) : NULL;
    const char *env[] = { env_errno, NULL };
    QgaTestAgentOptions opts = { .binary = seam, .env = env };
    return qga_test_agent_start(&opts);
}

/* The first CPU whose "online" control reads want ('1'/'0'), or whose control is absent (want 0). */
static gint64 find_cpu(char want)
{
    g_autoptr(GDir) dir = g_dir_open(CPU_DIR, 0, NULL);
    const char *name;
    gint64 best = -1;
    while (dir && (name = g_dir_read_name(dir))) {
        if (!g_str_has_prefix(name, "cpu") || !g_ascii_isdigit(name[3]))
            continue;
        g_autofree char *path = g_strdup_printf(CPU_DIR "/%s/online", name);
        g_autofree char *text = read_text(path);
        gint64 id = g_ascii_strtoll(name + 3, NULL, 10);
        if ((want ? text && text[0] == want : !text) && (best < 0 || id < best))
            best = id;
    }
    return best;
}

static void test_absent_on_windows(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(JsonObject) r1 = qga_test_cmd(c, "{\"execute\": \"guest-set-vcpus\", \"arguments\": "
                                               "{\"vcpus\": [{\"logical-id\": 0, \"online\": true}]}}");
    qga_test_assert_error(r1, "CommandNotFound", "The command guest-set-vcpus has not been found");
    g_autoptr(JsonObject) r2 = qga_test_cmd(c, "{\"execute\": \"guest-set-memory-blocks\", \"arguments\": "
                                               "{\"mem-blks\": [{\"phys-index\": 0, \"online\": true}]}}");
    qga_test_assert_error(r2, "CommandNotFound", "The command guest-set-memory-blocks has not been found");
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_set_vcpus_validation(void)
{
    QgaTestAgent *agent = start_seam(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    static const struct { const char *args, *desc; } bad[] = {
        { "{}", "Parameter 'vcpus' is missing" },
        { "{\"vcpus\": {}}", "Invalid parameter type for 'vcpus', expected: array" },
        { "{\"vcpus\": [{\"logical-id\": 1}]}", "Parameter 'vcpus[0].online' is missing" },
        { "{\"vcpus\": [{\"online\": true}]}", "Parameter 'vcpus[0].logical-id' is missing" },
        { "{\"vcpus\": [{\"logical-id\": \"1\", \"online\": true}]}",
          "Invalid parameter type for 'vcpus[0].logical-id', expected: integer" },
        { "{\"vcpus\": [{\"logical-id\": 1, \"online\": 1}]}",
          "Invalid parameter type for 'vcpus[0].online', expected: boolean" },
        { "{\"vcpus\": [{\"logical-id\": 1, \"online\": true, \"x\": 1}]}", "Parameter 'vcpus[0].x' is unexpected" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-set-vcpus\", \"arguments\": %s}", bad[i].args);
        qga_test_assert_error(r, "GenericError", bad[i].desc);
    }
    /* Nothing to do: 0 applied (qemu-ga). */
    g_autoptr(JsonObject) empty = qga_test_cmd(c, "{\"execute\": \"guest-set-vcpus\", \"arguments\": {\"vcpus\": []}}");
    g_assert_cmpint(json_node_get_int(qga_test_reply_return(empty)), ==, 0);
    /* No such CPU: the first entry fails, so the command does. */
    g_autoptr(JsonObject) missing = qga_test_cmd(c, "{\"execute\": \"guest-set-vcpus\", \"arguments\": "
                                                    "{\"vcpus\": [{\"logical-id\": 99999, \"online\": true}]}}");
    qga_test_assert_error(missing, "GenericError",
                          "Could not open '" CPU_DIR "/cpu99999/': No such file or directory");
    g_auto(GStrv) lines = recorded(agent);
    g_assert_cmpuint(g_strv_length(lines), ==, 0);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_set_vcpus_hotplug(void)
{
    gint64 cpu = find_cpu('1');
    if (cpu < 0) {
        g_test_skip("no online CPU with an \"online\" control on this machine");
        return;
    }
    g_autofree char *control = g_strdup_printf(CPU_DIR "/cpu%" G_GINT64_FORMAT "/online", cpu);
    QgaTestAgent *agent = start_seam(NULL);
    QgaTestClient *c = qga_test_connect(agent);

    /* Online and wanted online: nothing to write, still counted as applied. */
    g_autoptr(JsonObject) r1 = qga_test_cmdf(c, "{\"execute\": \"guest-set-vcpus\", \"arguments\": {\"vcpus\": "
                                                "[{\"logical-id\": %" G_GINT64_FORMAT ", \"online\": true, "
                                                "\"can-offline\": false}]}}", cpu);
    g_assert_cmpint(json_node_get_int(qga_test_reply_return(r1)), ==, 1);
    g_auto(GStrv) none = recorded(agent);
    g_assert_cmpuint(g_strv_length(none), ==, 0);

    /* Offline: exactly one write of "0" to its control, and 1 applied. */
    g_autoptr(JsonObject) r2 = qga_test_cmdf(c, "{\"execute\": \"guest-set-vcpus\", \"arguments\": {\"vcpus\": "
                                                "[{\"logical-id\": %" G_GINT64_FORMAT ", \"online\": false}]}}", cpu);
    g_assert_cmpint(json_node_get_int(qga_test_reply_return(r2)), ==, 1);
    g_auto(GStrv) lines = recorded(agent);
    g_assert_cmpuint(g_strv_length(lines), ==, 1);
    g_autofree char *want = g_strdup_printf("sysfs-write %s 0", control);
    g_assert_cmpstr(lines[0], ==, want);

    /* Recorded, not done. */
    g_autofree char *state = read_text(control);
    g_assert_cmpstr(state, ==, "1");

    /* A later entry that fails ends the run without an error: the count says how far it got. */
    gint64 fixed = find_cpu(0);
    if (fixed >= 0) {
        g_autoptr(JsonObject) r3 = qga_test_cmdf(c, "{\"execute\": \"guest-set-vcpus\", \"arguments\": {\"vcpus\": "
                                                    "[{\"logical-id\": %" G_GINT64_FORMAT ", \"online\": false}, "
                                                    "{\"logical-id\": %" G_GINT64_FORMAT ", \"online\": false}, "
                                                    "{\"logical-id\": %" G_GINT64_FORMAT ", \"online\": false}]}}",
                                                 cpu, fixed, cpu);
        g_assert_cmpint(json_node_get_int(qga_test_reply_return(r3)), ==, 1);
        g_auto(GStrv) lines3 = recorded(agent);
        g_assert_cmpuint(g_strv_length(lines3), ==, 2);
        g_assert_cmpstr(lines3[1], ==, want);
    }
    qga_test_client_close(c);
    qga_test_agent_stop(agent);

    /* The kernel refusing (EBUSY) on the first entry: qemu-ga's pwrite error. */
    agent = start_seam("16");
    c = qga_test_connect(agent);
    g_autoptr(JsonObject) r4 = qga_test_cmdf(c, "{\"execute\": \"guest-set-vcpus\", \"arguments\": {\"vcpus\": "
                                                "[{\"logical-id\": %" G_GINT64_FORMAT ", \"online\": false}]}}", cpu);
    g_autofree char *desc = g_strdup_printf("pwrite(\"%s\"): %s", control, g_strerror(EBUSY));
    qga_test_assert_error(r4, "GenericError", desc);
    g_auto(GStrv) lines4 = recorded(agent);
    g_assert_cmpuint(g_strv_length(lines4), ==, 1);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_set_vcpus_fixed_cpu(void)
{
    gint64 fixed = find_cpu(0);
    if (fixed < 0) {
        g_test_skip("every CPU of this machine has an \"online\" control");
        return;
    }
    QgaTestAgent *agent = start_seam(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(JsonObject) r1 = qga_test_cmdf(c, "{\"execute\": \"guest-set-vcpus\", \"arguments\": {\"vcpus\": "
                                                "[{\"logical-id\": %" G_GINT64_FORMAT ", \"online\": false}]}}", fixed);
    g_autofree char *desc = g_strdup_printf("logical processor #%" G_GINT64_FORMAT " can't be offlined", fixed);
    qga_test_assert_error(r1, "GenericError", desc);
    g_autoptr(JsonObject) r2 = qga_test_cmdf(c, "{\"execute\": \"guest-set-vcpus\", \"arguments\": {\"vcpus\": "
                                                "[{\"logical-id\": %" G_GINT64_FORMAT ", \"online\": true}]}}", fixed);
    g_assert_cmpint(json_node_get_int(qga_test_reply_return(r2)), ==, 1);
    g_auto(GStrv) lines = recorded(agent);
    g_assert_cmpuint(g_strv_length(lines), ==, 0);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* The lowest-numbered memory block whose state reads "online". */
static gint64 find_online_block(void)
{
    g_autoptr(GDir) dir = g_dir_open(MEM_DIR, 0, NULL);
    const char *name;
    gint64 best = -1;
    while (dir && (name = g_dir_read_name(dir))) {
        if (!g_str_has_prefix(name, "memory") || !g_ascii_isdigit(name[6]))
            continue;
        g_autofree char *path = g_strdup_printf(MEM_DIR "/%s/state", name);
        g_autofree char *state = read_text(path);
        gint64 index = g_ascii_strtoll(name + 6, NULL, 10);
        if (state && g_str_equal(state, "online") && (best < 0 || index < best))
            best = index;
    }
    return best;
}

static void check_response(JsonObject *o, gint64 index, const char *response, gint64 error_code)
{
    g_assert_cmpint(json_object_get_int_member(o, "phys-index"), ==, index);
    g_assert_cmpstr(json_object_get_string_member(o, "response"), ==, response);
    g_assert_cmpint(json_object_has_member(o, "error-code"), ==, error_code != 0);
    if (error_code)
        g_assert_cmpint(json_object_get_int_member(o, "error-code"), ==, error_code);
    g_assert_cmpuint(json_object_get_size(o), ==, error_code ? 3 : 2);
}

static void test_set_memory_blocks(void)
{
    QgaTestAgent *agent = start_seam(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    static const struct { const char *args, *desc; } bad[] = {
        { "{}", "Parameter 'mem-blks' is missing" },
        { "{\"mem-blks\": [{\"phys-index\": 1}]}", "Parameter 'mem-blks[0].online' is missing" },
        /* QEMU's uint64 visitor: QERR_INVALID_PARAMETER_VALUE, not the "expected: integer" of int64. */
        { "{\"mem-blks\": [{\"phys-index\": 1.5, \"online\": true}]}",
          "Parameter 'mem-blks[0].phys-index' expects uint64" },
        { "{\"mem-blks\": [{\"phys-index\": \"1\", \"online\": true}]}",
          "Parameter 'mem-blks[0].phys-index' expects uint64" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-set-memory-blocks\", \"arguments\": %s}",
                                                bad[i].args);
        qga_test_assert_error(r, "GenericError", bad[i].desc);
    }
    g_autoptr(JsonObject) empty = qga_test_cmd(c, "{\"execute\": \"guest-set-memory-blocks\", \"arguments\": "
                                                  "{\"mem-blks\": []}}");
    g_assert_cmpuint(json_array_get_length(json_node_get_array(qga_test_reply_return(empty))), ==, 0);

    gint64 block = find_online_block();
    if (!g_file_test(MEM_DIR, G_FILE_TEST_IS_DIR)) {
        /* No memory hotplug here: every entry is "operation-not-supported" (ENOENT). */
        g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-set-memory-blocks\", \"arguments\": "
                                                  "{\"mem-blks\": [{\"phys-index\": 0, \"online\": false}]}}");
        check_response(json_array_get_object_element(json_node_get_array(qga_test_reply_return(r)), 0), 0,
                       "operation-not-supported", ENOENT);
    } else if (block < 0) {
        g_test_skip("no online memory block on this machine");
    } else {
        /* Offline an online block (one write), ask for online (no write: the seam did not
         * really offline it), and a block that is not there. */
        g_autoptr(JsonObject) r = qga_test_cmdf(
            c, "{\"execute\": \"guest-set-memory-blocks\", \"arguments\": {\"mem-blks\": ["
               "{\"phys-index\": %" G_GINT64_FORMAT ", \"online\": false, \"can-offline\": false}, "
               "{\"phys-index\": %" G_GINT64_FORMAT ", \"online\": true}, "
               "{\"phys-index\": 999999999, \"online\": true}]}}", block, block);
        JsonArray *res = json_node_get_array(qga_test_reply_return(r));
        g_assert_cmpuint(json_array_get_length(res), ==, 3);
        check_response(json_array_get_object_element(res, 0), block, "success", 0);
        check_response(json_array_get_object_element(res, 1), block, "success", 0);
        check_response(json_array_get_object_element(res, 2), 999999999, "not-found", ENOENT);
        /* -1 is a uint64 the way QEMU's visitor reads it (wrapped) and is echoed so. json-glib
         * would wrap 2^64-1 back to -1, so this reply is compared as raw bytes. */
        qga_test_send_str(c, "{\"execute\": \"guest-set-memory-blocks\", \"arguments\": "
                             "{\"mem-blks\": [{\"phys-index\": -1, \"online\": false}]}}\n");
        size_t len = 0;
        g_autofree char *line = qga_test_read_line(c, QGA_TEST_TIMEOUT_MS, &len);
        g_assert_cmpstr(line, ==, "{\"return\": [{\"phys-index\": 18446744073709551615, "
                                  "\"response\": \"not-found\", \"error-code\": 2}]}");
        g_auto(GStrv) lines = recorded(agent);
        g_assert_cmpuint(g_strv_length(lines), ==, 1);
        g_autofree char *want = g_strdup_printf("sysfs-write " MEM_DIR "/memory%" G_GINT64_FORMAT "/state offline", block);
        g_assert_cmpstr(lines[0], ==, want);
        g_autofree char *state_path = g_strdup_printf(MEM_DIR "/memory%" G_GINT64_FORMAT "/state", block);
        g_autofree char *state = read_text(state_path);
        g_assert_cmpstr(state, ==, "online");
    }
    qga_test_client_close(c);
    qga_test_agent_stop(agent);

    if (block >= 0) {
        /* The kernel refusing: "operation-failed" with its errno, and the command still succeeds. */
        agent = start_seam("16");
        c = qga_test_connect(agent);
        g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-set-memory-blocks\", \"arguments\": "
                                                   "{\"mem-blks\": [{\"phys-index\": %" G_GINT64_FORMAT ", "
                                                   "\"online\": false}]}}", block);
        check_response(json_array_get_object_element(json_node_get_array(qga_test_reply_return(r)), 0), block,
                       "operation-failed", EBUSY);
        qga_test_client_close(c);
        qga_test_agent_stop(agent);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!qga_test_agent_is_posix()) {
        g_test_add_func("/qga/hotplug/seam/absent-on-windows", test_absent_on_windows);
        return g_test_run();
    }
    g_test_add_func("/qga/hotplug/seam/set-vcpus-validation", test_set_vcpus_validation);
    g_test_add_func("/qga/hotplug/seam/set-vcpus-hotplug", test_set_vcpus_hotplug);
    g_test_add_func("/qga/hotplug/seam/set-vcpus-fixed-cpu", test_set_vcpus_fixed_cpu);
    g_test_add_func("/qga/hotplug/seam/set-memory-blocks", test_set_memory_blocks);
    return g_test_run();
}

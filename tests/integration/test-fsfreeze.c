/* guest-fsfreeze-* and guest-fstrim through the test seam: the frozen state machine, its marker, the hook, restarts. */
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "harness.h"

/*
 * FIFREEZE/FITHAW/FITRIM are replaced by the test seam's recorder, and the mount table comes
 * from a fake mountinfo ($QGA_TEST_MOUNTINFO): the agent's own parsing, ordering, frozen mode,
 * marker file, hook and restart logic all run for real; only the ioctls are recorded
 * ("fsfreeze <dir>", "fsthaw <dir>", "fsthaw-noop <dir>", "fstrim <dir> <minimum|->").
 *
 * On Windows the freeze commands need VSS and do not exist yet: the Wine run checks that
 * they answer CommandNotFound and that guest-fstrim trims the fixed volumes Wine reports
 * (there the recorder stands in for defrag.exe /L, which Wine does not have).
 */

/* Mount ids, parents, device numbers as the kernel writes them: three local filesystems
 * (one mount point with a space, escaped), then what qemu-ga skips: tmpfs and overlay
 * (major 0), btrfs on a source that is no block device, a line with no separator. */
static const char MOUNTINFO[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "23 22 0:21 / /proc rw,nosuid - proc proc rw\n"
    "24 22 8:2 / /boot rw,relatime shared:2 - ext4 /dev/sda2 rw\n"
    "25 22 0:30 / /run rw - tmpfs tmpfs rw,size=100k\n"
    "26 22 253:0 / /srv/data\\040dir rw,relatime - xfs /dev/mapper/vg-data rw\n"
    "27 22 0:45 / /var/lib/docker rw - btrfs /dev/qga-test-missing rw\n"
    "28 22 0:46 / /overlay rw - overlay overlay rw\n"
    "29 22 8:3 / /broken rw no separator here\n";

static char **recorded_lines(const char *record_path)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(record_path, &text, NULL, NULL)) {
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

static void assert_lines(const char *record_path, const char *const *expected)
{
    g_auto(GStrv) lines = recorded_lines(record_path);
    g_autofree char *got = g_strjoinv(" | ", lines);
    g_autofree char *want = g_strjoinv(" | ", (char **)expected);
    g_assert_cmpstr(got, ==, want);
}

typedef struct Fixture {
    char *dir;          /* temporary: mountinfo, state dir, record, hook */
    char *statedir;
    char *record;
    char *marker;       /* statedir/qga.state.isfrozen */
    char *hook_log;
    QgaTestAgent *agent;
    QgaTestClient *c;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    f->dir = g_dir_make_tmp("qgafreeze.XXXXXX", &error);
    g_assert_no_error(error);
    f->statedir = g_build_filename(f->dir, "state", NULL);
    g_assert_cmpint(g_mkdir(f->statedir, 0700), ==, 0);
    f->record = g_build_filename(f->dir, "record", NULL);
    f->marker = g_build_filename(f->statedir, "qga.state.isfrozen", NULL);
    f->hook_log = g_build_filename(f->dir, "hook.log", NULL);
    g_autofree char *mi = g_build_filename(f->dir, "mountinfo", NULL);
    g_assert_true(g_file_set_contents(mi, MOUNTINFO, -1, NULL));
}

static void rm_rf(const char *path)
{
    const char *argv[] = { "rm", "-rf", path, NULL };
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* Start the seam agent on the fixture's state dir and record, with more options/environment. */
static void start(Fixture *f, const char *const *extra_args, const char *const *extra_env)
{
    const char *seam = g_getenv("QGA_TESTSEAM");
    g_assert_nonnull(seam);
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    g_ptr_array_add(args, (gpointer) "-t");
    g_ptr_array_add(args, f->statedir);
    for (const char *const *a = extra_args; a && *a; a++) {
        g_ptr_array_add(args, (gpointer)*a);
    }
    g_ptr_array_add(args, NULL);
    g_autofree char *e_record = g_strconcat("QGA_TEST_RECORD=", f->record, NULL);
    g_autofree char *mi = g_build_filename(f->dir, "mountinfo", NULL);
    g_autofree char *e_mi = g_strconcat("QGA_TEST_MOUNTINFO=", mi, NULL);
    g_autoptr(GPtrArray) env = g_ptr_array_new();
    g_ptr_array_add(env, e_record);
    g_ptr_array_add(env, e_mi);
    for (const char *const *e = extra_env; e && *e; e++) {
        g_ptr_array_add(env, (gpointer)*e);
    }
    g_ptr_array_add(env, NULL);
    QgaTestAgentOptions opts = { .binary = seam, .extra_args = (const char *const *)args->pdata,
                                 .env = (const char *const *)env->pdata };
    f->agent = qga_test_agent_start(&opts);
    f->c = qga_test_connect(f->agent);
}

static void stop(Fixture *f)
{
    qga_test_client_close(f->c);
    qga_test_agent_stop(f->agent);
    f->c = NULL;
    f->agent = NULL;
}

/* A crash while frozen: SIGKILL, reap, and drop the harness' bookkeeping without its checks. */
static void kill_agent(Fixture *f)
{
    qga_test_client_close(f->c);
    g_assert_cmpint(kill(f->agent->pid, SIGKILL), ==, 0);
    int status;
    g_assert_cmpint(waitpid(f->agent->pid, &status, 0), ==, f->agent->pid);
    g_spawn_close_pid(f->agent->pid);
    unlink(f->agent->sock_path);
    rm_rf(f->agent->dir);
    g_free(f->agent->dir);
    g_free(f->agent->sock_path);
    g_free(f->agent->record_path);
    g_free(f->agent);
    f->c = NULL;
    f->agent = NULL;
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    if (f->agent) {
        stop(f);
    }
    rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->statedir);
    g_free(f->record);
    g_free(f->marker);
    g_free(f->hook_log);
}

static gint64 int_return(JsonObject *reply)
{
    return json_node_get_int(qga_test_reply_return(reply));
}

static void assert_status(Fixture *f, const char *status)
{
    g_autoptr(JsonObject) r = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-status\"}");
    g_assert_cmpstr(json_node_get_string(qga_test_reply_return(r)), ==, status);
}

/* Skip on Windows: freeze needs VSS there (absent for now: see test_windows_absent). */
static bool posix_only(void)
{
    if (qga_test_agent_is_posix()) {
        return true;
    }
    g_test_skip("guest-fsfreeze-* are not provided on Windows yet (VSS)");
    return false;
}

static void test_freeze_thaw(Fixture *f, gconstpointer data)
{
    if (!posix_only()) {
        return;
    }
    start(f, NULL, NULL);
    assert_status(f, "thawed");
    g_assert_false(g_file_test(f->marker, G_FILE_TEST_EXISTS));

    /* The three local filesystems, in reverse mount order, the escaped space decoded. */
    g_autoptr(JsonObject) fr = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze\"}");
    g_assert_cmpint(int_return(fr), ==, 3);
    static const char *const frozen[] = { "fsfreeze /srv/data dir", "fsfreeze /boot", "fsfreeze /", NULL };
    assert_lines(f->record, frozen);
    assert_status(f, "frozen");
    g_assert_true(g_file_test(f->marker, G_FILE_TEST_EXISTS));

    /* Frozen mode: the six allowed commands answer, everything else is disabled (qemu-ga 9.1+ text). */
    g_autoptr(JsonObject) p = qga_test_cmd(f->c, "{\"execute\": \"guest-ping\"}");
    qga_test_reply_return(p);
    g_autoptr(JsonObject) s = qga_test_cmd(f->c, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 5}}");
    g_assert_cmpint(int_return(s), ==, 5);
    static const char *const blocked[] = { "guest-get-time", "guest-fsfreeze-freeze", "guest-fsfreeze-freeze-list",
                                           "guest-fstrim", "guest-shutdown", "guest-get-osinfo" };
    for (size_t i = 0; i < G_N_ELEMENTS(blocked); i++) {
        g_autoptr(JsonObject) r = qga_test_cmdf(f->c, "{\"execute\": \"%s\"}", blocked[i]);
        g_autofree char *desc = g_strdup_printf("Command %s has been disabled: the command is not allowed", blocked[i]);
        qga_test_assert_error(r, "CommandNotFound", desc);
    }
    g_autoptr(JsonObject) info = qga_test_cmd(f->c, "{\"execute\": \"guest-info\"}");
    JsonArray *cmds = json_object_get_array_member(json_node_get_object(qga_test_reply_return(info)),
                                                   "supported_commands");
    static const char *const allowed[] = { "guest-ping", "guest-info", "guest-sync", "guest-sync-delimited",
                                           "guest-fsfreeze-status", "guest-fsfreeze-thaw" };
    guint enabled = 0;
    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        JsonObject *e = json_array_get_object_element(cmds, i);
        bool is_allowed = g_strv_contains(allowed, json_object_get_string_member(e, "name"));
        g_assert_cmpint(json_object_get_boolean_member(e, "enabled"), ==, is_allowed);
        enabled += json_object_get_boolean_member(e, "enabled");
    }
    g_assert_cmpuint(enabled, ==, G_N_ELEMENTS(allowed));
    /* Nothing the commands above did reached the "disk" (no stray action recorded). */
    assert_lines(f->record, frozen);

    /* Thaw: forward order, the count of what was frozen, the marker gone, all commands back. */
    g_autoptr(JsonObject) th = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-thaw\"}");
    g_assert_cmpint(int_return(th), ==, 3);
    static const char *const thawed[] = { "fsfreeze /srv/data dir", "fsfreeze /boot", "fsfreeze /", "fsthaw /",
                                          "fsthaw /boot", "fsthaw /srv/data dir", NULL };
    assert_lines(f->record, thawed);
    assert_status(f, "thawed");
    g_assert_false(g_file_test(f->marker, G_FILE_TEST_EXISTS));
    g_autoptr(JsonObject) t = qga_test_cmd(f->c, "{\"execute\": \"guest-get-time\"}");
    qga_test_reply_return(t);

    /* A second thaw finds nothing frozen: 0, not an error. */
    g_autoptr(JsonObject) th2 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-thaw\"}");
    g_assert_cmpint(int_return(th2), ==, 0);
}

static void test_freeze_list(Fixture *f, gconstpointer data)
{
    if (!posix_only()) {
        return;
    }
    start(f, NULL, NULL);
    g_autoptr(JsonObject) r1 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze-list\", \"arguments\": "
                                                  "{\"mountpoints\": [\"/boot\", \"/run\", \"/not-mounted\"]}}");
    g_assert_cmpint(int_return(r1), ==, 1);
    assert_status(f, "frozen");
    g_autoptr(JsonObject) r2 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-thaw\"}");
    g_assert_cmpint(int_return(r2), ==, 1);

    /* Nothing to freeze (only unknown or skipped mount points, or an empty list): 0, and the
     * agent is not left in frozen mode. */
    g_autoptr(JsonObject) r3 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze-list\", \"arguments\": "
                                                  "{\"mountpoints\": [\"/run\", \"/proc\"]}}");
    g_assert_cmpint(int_return(r3), ==, 0);
    g_autoptr(JsonObject) r4 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze-list\", \"arguments\": {\"mountpoints\": []}}");
    g_assert_cmpint(int_return(r4), ==, 0);
    assert_status(f, "thawed");
    g_assert_false(g_file_test(f->marker, G_FILE_TEST_EXISTS));
    /* Without the argument, freeze-list is freeze. */
    g_autoptr(JsonObject) r5 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze-list\"}");
    g_assert_cmpint(int_return(r5), ==, 3);
    g_autoptr(JsonObject) r6 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-thaw\"}");
    g_assert_cmpint(int_return(r6), ==, 3);
    g_autoptr(JsonObject) r7 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze-list\", \"arguments\": {\"mountpoints\": [1]}}");
    qga_test_assert_error(r7, "GenericError", "Invalid parameter type for 'mountpoints[0]', expected: string");
}

static void test_freeze_errors(Fixture *f, gconstpointer data)
{
    if (!posix_only()) {
        return;
    }
    /* /boot fails after /srv/data dir froze: the error is the reply, everything is thawed again. */
    static const char *const env[] = { "QGA_TEST_FSFREEZE_FAIL=/boot", "QGA_TEST_FSFREEZE_UNSUPPORTED=/", NULL };
    start(f, NULL, env);
    g_autoptr(JsonObject) r1 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze\"}");
    qga_test_assert_error(r1, "GenericError", "failed to freeze /boot: Input/output error");
    static const char *const after_fail[] = { "fsfreeze /srv/data dir", "fsfreeze-failed /boot", "fsthaw-noop /",
                                              "fsthaw-noop /boot", "fsthaw /srv/data dir", NULL };
    assert_lines(f->record, after_fail);
    assert_status(f, "thawed");
    g_assert_false(g_file_test(f->marker, G_FILE_TEST_EXISTS));

    /* A filesystem that cannot freeze (EOPNOTSUPP) is skipped, not counted, not an error. */
    g_autoptr(JsonObject) r2 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze-list\", \"arguments\": "
                                                  "{\"mountpoints\": [\"/\", \"/srv/data dir\"]}}");
    g_assert_cmpint(int_return(r2), ==, 1);
    g_autoptr(JsonObject) r3 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-thaw\"}");
    g_assert_cmpint(int_return(r3), ==, 1);
}

static char *write_hook(Fixture *f, const char *body)
{
    g_autofree char *script = g_strdup_printf("#!/bin/sh\necho \"$1\" >> '%s'\n%s", f->hook_log, body);
    char *path = g_build_filename(f->dir, "fsfreeze-hook", NULL);
    g_assert_true(g_file_set_contents(path, script, -1, NULL));
    g_assert_cmpint(chmod(path, 0755), ==, 0);
    return path;
}

static void test_hook(Fixture *f, gconstpointer data)
{
    if (!posix_only()) {
        return;
    }
    g_autofree char *hook = write_hook(f, "exit 0\n");
    /* -F takes its argument glued on (qemu-ga's optional-argument rule). */
    g_autofree char *opt = g_strconcat("-F", hook, NULL);
    const char *const args[] = { opt, NULL };
    start(f, args, NULL);
    g_autoptr(JsonObject) r1 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze\"}");
    g_assert_cmpint(int_return(r1), ==, 3);
    g_autofree char *log1 = NULL;
    g_assert_true(g_file_get_contents(f->hook_log, &log1, NULL, NULL));
    g_assert_cmpstr(log1, ==, "freeze\n");
    g_autoptr(JsonObject) r2 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-thaw\"}");
    g_assert_cmpint(int_return(r2), ==, 3);
    g_autofree char *log2 = NULL;
    g_assert_true(g_file_get_contents(f->hook_log, &log2, NULL, NULL));
    g_assert_cmpstr(log2, ==, "freeze\nthaw\n");

    /* A freeze that finds nothing still gives the hook its "thaw" (qemu-ga leaves the
     * applications quiesced for good in that case). */
    g_autoptr(JsonObject) r3 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze-list\", \"arguments\": {\"mountpoints\": [\"/x\"]}}");
    g_assert_cmpint(int_return(r3), ==, 0);
    g_autofree char *log3 = NULL;
    g_assert_true(g_file_get_contents(f->hook_log, &log3, NULL, NULL));
    g_assert_cmpstr(log3, ==, "freeze\nthaw\nfreeze\nthaw\n");
    stop(f);

    /* A failing hook stops the freeze before anything is frozen; its output is the error. */
    g_free(write_hook(f, "echo 'database refused to quiesce' >&2\nexit 3\n"));
    unlink(f->record);
    start(f, args, NULL);
    g_autoptr(JsonObject) r4 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze\"}");
    qga_test_assert_error(r4, "GenericError", "child process has failed to execute fsfreeze hook: database refused to quiesce");
    static const char *const nothing[] = { NULL };
    assert_lines(f->record, nothing);
    assert_status(f, "thawed");
    g_assert_false(g_file_test(f->marker, G_FILE_TEST_EXISTS));
}

static void test_restart_while_frozen(Fixture *f, gconstpointer data)
{
    if (!posix_only()) {
        return;
    }
    g_autofree char *logfile = g_build_filename(f->dir, "agent.log", NULL);
    const char *const args[] = { "-v", "-l", logfile, NULL };
    start(f, args, NULL);
    g_autoptr(JsonObject) r1 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze\"}");
    g_assert_cmpint(int_return(r1), ==, 3);

    /* While frozen nothing is written to disk: the log stops after qemu-ga's last line. */
    g_autofree char *log1 = NULL;
    g_assert_true(g_file_get_contents(logfile, &log1, NULL, NULL));
    g_assert_true(g_str_has_suffix(log1, "disabling logging due to filesystem freeze\n"));
    for (int i = 0; i < 3; i++) {
        g_autoptr(JsonObject) p = qga_test_cmd(f->c, "{\"execute\": \"guest-ping\"}");
        qga_test_reply_return(p);
        g_autoptr(JsonObject) t = qga_test_cmd(f->c, "{\"execute\": \"guest-get-time\"}");
        qga_test_assert_error_prefix(t, "CommandNotFound", "Command guest-get-time has been disabled");
    }
    g_autofree char *log2 = NULL;
    g_assert_true(g_file_get_contents(logfile, &log2, NULL, NULL));
    g_assert_cmpstr(log2, ==, log1);

    /* The agent dies while frozen (a crash, an OOM kill): FIFREEZE outlives it. */
    kill_agent(f);
    g_assert_true(g_file_test(f->marker, G_FILE_TEST_EXISTS));

    /* The next agent starts frozen from the marker: status, filter and silence as before. */
    start(f, args, NULL);
    assert_status(f, "frozen");
    g_autoptr(JsonObject) t = qga_test_cmd(f->c, "{\"execute\": \"guest-get-time\"}");
    qga_test_assert_error(t, "CommandNotFound", "Command guest-get-time has been disabled: the command is not allowed");
    g_autofree char *log3 = NULL;
    g_assert_true(g_file_get_contents(logfile, &log3, NULL, NULL));
    g_assert_true(g_str_has_suffix(log3, "until guest-fsfreeze-thaw is issued.\n"));

    /* The host's thaw still works: the filesystems the first agent froze are thawed. */
    g_autoptr(JsonObject) r2 = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-thaw\"}");
    g_assert_cmpint(int_return(r2), ==, 3);
    assert_status(f, "thawed");
    g_assert_false(g_file_test(f->marker, G_FILE_TEST_EXISTS));
    g_autofree char *log4 = NULL;
    g_assert_true(g_file_get_contents(logfile, &log4, NULL, NULL));
    g_assert_nonnull(strstr(log4 + strlen(log3), "logging re-enabled due to filesystem unfreeze"));
    stop(f);

    /* A clean start afterwards is thawed. */
    start(f, NULL, NULL);
    assert_status(f, "thawed");
}

static void test_fstrim(Fixture *f, gconstpointer data)
{
    if (!qga_test_agent_is_posix()) {
        /* Windows: whatever fixed volumes Wine reports, each trimmed once, in reply order. */
        start(f, NULL, NULL);
        g_autoptr(JsonObject) r = qga_test_cmd(f->c, "{\"execute\": \"guest-fstrim\", \"arguments\": {\"minimum\": 0}}");
        JsonArray *paths = json_object_get_array_member(json_node_get_object(qga_test_reply_return(r)), "paths");
        g_auto(GStrv) lines = recorded_lines(f->record);
        g_assert_cmpuint(json_array_get_length(paths), ==, g_strv_length(lines));
        for (guint i = 0; i < json_array_get_length(paths); i++) {
            const char *p = json_object_get_string_member(json_array_get_object_element(paths, i), "path");
            g_autofree char *want = g_strdup_printf("fstrim %s 0", p);
            g_assert_cmpstr(lines[i], ==, want);
        }
        /* C:\ is a fixed volume on every Windows and in every Wine prefix. */
        bool has_c = false;
        for (guint i = 0; i < json_array_get_length(paths); i++) {
            has_c |= g_str_equal(json_object_get_string_member(json_array_get_object_element(paths, i), "path"), "C:\\");
        }
        g_assert_true(has_c);
        g_test_message("%u fixed volume(s) trimmed", json_array_get_length(paths));
        g_autoptr(JsonObject) fz = qga_test_cmd(f->c, "{\"execute\": \"guest-fsfreeze-freeze\"}");
        qga_test_assert_error(fz, "CommandNotFound", "The command guest-fsfreeze-freeze has not been found");
        return;
    }
    static const char *const env[] = { "QGA_TEST_FSTRIM_UNSUPPORTED=/boot", NULL };
    start(f, NULL, env);
    /* libvirt always sends minimum (0 by default); qemu-ga's reply lists the last mount first. */
    /* The raw line: member order and separators as qemu-ga writes them. */
    qga_test_send_str(f->c, "{\"execute\": \"guest-fstrim\", \"arguments\": {\"minimum\": 4096}}\n");
    size_t len = 0;
    g_autofree char *line = qga_test_read_line(f->c, QGA_TEST_TIMEOUT_MS, &len);
    g_assert_cmpstr(line, ==, "{\"return\": {\"paths\": [{\"path\": \"/srv/data dir\", \"trimmed\": 0, \"minimum\": 4096}, "
                              "{\"path\": \"/boot\", \"error\": \"trim not supported\"}, "
                              "{\"path\": \"/\", \"trimmed\": 0, \"minimum\": 4096}]}}");
    g_autoptr(JsonObject) r2 = qga_test_cmd(f->c, "{\"execute\": \"guest-fstrim\"}");
    qga_test_reply_return(r2);
    static const char *const expected[] = { "fstrim /srv/data dir 4096", "fstrim /boot 4096", "fstrim / 4096",
                                            "fstrim /srv/data dir -", "fstrim /boot -", "fstrim / -", NULL };
    assert_lines(f->record, expected);
    g_autoptr(JsonObject) r3 = qga_test_cmd(f->c, "{\"execute\": \"guest-fstrim\", \"arguments\": {\"minimum\": \"4k\"}}");
    qga_test_assert_error(r3, "GenericError", "Invalid parameter type for 'minimum', expected: integer");
}

/* The real binary: status is harmless to ask (and listed on Linux only). */
static void test_real_status(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-fsfreeze-status\"}");
    if (qga_test_agent_is_posix()) {
        g_assert_cmpstr(json_node_get_string(qga_test_reply_return(r)), ==, "thawed");
    } else {
        qga_test_assert_error(r, "CommandNotFound", "The command guest-fsfreeze-status has not been found");
    }
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);
    if (!g_getenv("QGA_TESTSEAM")) {
        g_printerr("QGA_TESTSEAM is not set: the qga-compat-testseam binary is not built\n");
        return 1;
    }
#define ADD(path, fn) g_test_add("/integration/fsfreeze/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("freeze-thaw", test_freeze_thaw);
    ADD("freeze-list", test_freeze_list);
    ADD("freeze-errors", test_freeze_errors);
    ADD("hook", test_hook);
    ADD("restart-while-frozen", test_restart_while_frozen);
    ADD("fstrim", test_fstrim);
    g_test_add_func("/integration/fsfreeze/real-status", test_real_status);
    return g_test_run();
}

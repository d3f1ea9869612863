/* The qga-probe program end to end against the fake agent: exit codes, output, report sections, exec, cp, help. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "fake-agent.h"

typedef struct Run {
    int status;
    char *out, *err;
} Run;

static void run_clear(Run *r)
{
    g_free(r->out);
    g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

/* Run qga-probe with the arguments (NULL-terminated), optional stdin text. */
static void run_probe(Run *r, const char *input, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GError) error = NULL;
    const char *probe = g_getenv("QGA_PROBE");
    va_list ap;
    const char *arg;

    g_assert_nonnull(probe);
    g_ptr_array_add(argv, (gpointer)probe);
    va_start(ap, input);
    while ((arg = va_arg(ap, const char *)))
        g_ptr_array_add(argv, (gpointer)arg);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    proc = g_subprocess_newv((const char *const *)argv->pdata,
                             G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                             (input ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0), &error);
    g_assert_no_error(error);
    g_assert_true(g_subprocess_communicate_utf8(proc, input, NULL, &r->out, &r->err, &error));
    g_assert_no_error(error);
    g_assert_true(g_subprocess_get_if_exited(proc));
    r->status = g_subprocess_get_exit_status(proc);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        g_error("expected to find\n  [%s]\nin\n  [%s]", needle, haystack);
}

static void test_help(void)
{
    static const char *const commands[] = { "call", "ping", "info", "report", "exec", "cp", "fleet", "watch" };

    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        g_auto(Run) r = { 0 };
        g_autofree char *usage = g_strdup_printf("qga-probe %s [OPTION", commands[i]);
        run_probe(&r, NULL, commands[i], "--help", NULL);
        g_assert_cmpint(r.status, ==, 0);
        assert_contains(r.out, usage);
        assert_contains(r.out, "--timeout=T");
        assert_contains(r.out, "Exit status: 0 ok");
    }
    {
        g_auto(Run) r = { 0 };
        run_probe(&r, NULL, "--help", NULL);
        g_assert_cmpint(r.status, ==, 0);
        assert_contains(r.out, "  report   one screen");
    }
    {
        g_auto(Run) r = { 0 };
        run_probe(&r, NULL, "frobnicate", NULL);
        g_assert_cmpint(r.status, ==, 2);
        g_assert_cmpstr(r.err, ==, "qga-probe: unknown command 'frobnicate' (see qga-probe --help)\n");
    }
    {
        g_auto(Run) r = { 0 };
        run_probe(&r, NULL, NULL);
        g_assert_cmpint(r.status, ==, 2);
    }
}

static void test_usage_errors(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_GOOD);
    const char *sock = fake_agent_socket(fa);
    struct { int status; const char *err; const char *argv[6]; } cases[] = {
        { 2, "qga-probe: say where the agent is: --domain NAME [--connect URI], --domain NAME --channel CHANNEL, or --socket PATH\n",
          { "ping", NULL } },
        { 2, "qga-probe: --socket cannot be combined with --domain or --channel\n", { "--socket", sock, "--domain", "x", "ping", NULL } },
        { 2, "qga-probe: call: ARGS-JSON must be a JSON object\n", { "--socket", sock, "call", "guest-ping", "[1]", NULL } },
        { 2, "qga-probe: --timeout wants seconds (1..31536000), block, default or nowait, not 'soon'\n",
          { "--socket", sock, "--timeout", "soon", "ping", NULL } },
        { 2, "qga-probe: ping: unexpected argument 'extra' (see ping --help)\n", { "--socket", sock, "ping", "extra", NULL } },
        { 2, "qga-probe: cp: give SRC and DST, exactly one of them guest:PATH\n", { "--socket", sock, "cp", "a", "b", NULL } },
        { 255, "qga-probe: exec: which program? (exec -- PROGRAM ARGS...)\n", { "--socket", sock, "exec", NULL } },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_auto(Run) r = { 0 };
        const char **a = cases[i].argv;
        run_probe(&r, NULL, a[0], a[1], a[2], a[3], a[4], a[5], NULL);
        g_assert_cmpstr(r.err, ==, cases[i].err);
        g_assert_cmpint(r.status, ==, cases[i].status);
    }
}

static void test_exit_codes(void)
{
    g_autoptr(FakeAgent) good = fake_agent_start(FAKE_GOOD);
    g_autoptr(FakeAgent) limited = fake_agent_start(FAKE_LIMITED);
    g_autoptr(FakeAgent) hang = fake_agent_start(FAKE_HANG);
    g_autoptr(FakeAgent) hostile = fake_agent_start(FAKE_HOSTILE);
    g_autoptr(FakeAgent) disconnect = fake_agent_start(FAKE_DISCONNECT);
    struct { int status; const char *sock; const char *cmd; const char *args; } cases[] = {
        { 0, fake_agent_socket(good), "guest-ping", NULL },
        { 8, fake_agent_socket(good), "guest-frobnicate", NULL },
        { 9, fake_agent_socket(limited), "guest-get-users", NULL },
        { 10, fake_agent_socket(good), "guest-exec", "{\"path\": \"/missing\"}" },
        { 7, fake_agent_socket(hang), "guest-ping", NULL },
        { 6, fake_agent_socket(disconnect), "guest-ping", NULL },
        { 11, fake_agent_socket(hostile), "guest-get-disks", NULL },
        { 3, "/nonexistent.sock", "guest-ping", NULL },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_auto(Run) r = { 0 };
        run_probe(&r, NULL, "--socket", cases[i].sock, "--timeout", "1", "call", cases[i].cmd, cases[i].args, NULL);
        if (r.status != cases[i].status)
            g_error("case %" G_GSIZE_FORMAT " (%s): exit %d, want %d; stderr: %s", i, cases[i].cmd, r.status,
                    cases[i].status, r.err);
    }
}

static void test_call_output(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_GOOD);
    g_auto(Run) r = { 0 }, j = { 0 }, e = { 0 }, s = { 0 };

    run_probe(&r, NULL, "--socket", fake_agent_socket(fa), "call", "guest-get-host-name", NULL);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_cmpstr(r.out, ==, "{\n  \"host-name\" : \"fakehost\"\n}\n");
    run_probe(&j, NULL, "--socket", fake_agent_socket(fa), "--json", "call", "guest-get-host-name", NULL);
    g_assert_cmpstr(j.out, ==, "{\"return\":{\"host-name\":\"fakehost\"}}\n");
    run_probe(&e, NULL, "--socket", fake_agent_socket(fa), "call", "--json", "guest-frobnicate", NULL);
    g_assert_cmpint(e.status, ==, 8);
    g_assert_cmpstr(e.out, ==, "{\"error\":{\"kind\":\"command-not-found\",\"exit-code\":8,\"message\":\"guest-frobnicate: "
                    "not supported by this agent (CommandNotFound: The command guest-frobnicate has not been found)\"}}\n");
    run_probe(&s, NULL, "--socket", fake_agent_socket(fa), "-t", "1", "call", "guest-shutdown", "{\"mode\": \"powerdown\"}", NULL);
    g_assert_cmpint(s.status, ==, 0);
    g_assert_cmpstr(s.out, ==, "sent; no reply (this command answers only when it fails)\n");
}

static void test_report_good(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_GOOD);
    g_auto(Run) r = { 0 };

    g_autofree char *agent_line = g_strdup_printf("Agent        version fake-1.0 (socket %s)\n",
                                                  fake_agent_socket(fa));

    run_probe(&r, NULL, "--socket", fake_agent_socket(fa), "report", NULL);
    g_assert_cmpint(r.status, ==, 0);
    assert_contains(r.out, agent_line);
    assert_contains(r.out, "\nOS           Fake OS 1.0; kernel 6.1.0-fake; x86_64\n");
    assert_contains(r.out, "\nHostname     fakehost\n");
    assert_contains(r.out, "\nTime         ");
    assert_contains(r.out, " against the host clock (+/- ");
    assert_contains(r.out, "\nTimezone     UTC+01:00 (CET)\n");
    assert_contains(r.out, "\nUsers        alice since 2023-11-14 22:13:20.500 UTC\n");
    assert_contains(r.out, "\nvCPUs        1 online of 2\n");
    assert_contains(r.out, "\nInterfaces   1 interfaces\n"
                           "             NAME  HARDWARE ADDRESS   ADDRESSES\n"
                           "             lo    00:00:00:00:00:00  127.0.0.1/8, ::1/128\n");
    assert_contains(r.out, "\nFilesystems  1 mounted\n"
                           "             MOUNTPOINT  TYPE  DEVICE     USED    TOTAL   USE%\n"
                           "             /           ext4  /dev/vda1  1.1 GB  4.3 GB  25%\n");
    assert_contains(r.out, "\nDisks        1 disks and partitions\n"
                           "             NAME      PARTITION  BUS     SERIAL  DEPENDS ON\n"
                           "             /dev/vda  no         virtio  SER1    -\n");
}

static void test_report_limited(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_LIMITED);
    g_auto(Run) r = { 0 };

    run_probe(&r, NULL, "--socket", fake_agent_socket(fa), "report", NULL);
    g_assert_cmpint(r.status, ==, 0);
    assert_contains(r.out, "\nHostname     fakehost\n");
    assert_contains(r.out, "\nTimezone     not supported by this agent (CommandNotFound)\n");
    assert_contains(r.out, "\nUsers        disabled in this agent (allow/block list or frozen filesystems)\n");
    assert_contains(r.out, "\nDisks        not supported by this agent (CommandNotFound)\n");
}

static void test_report_hostile(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_HOSTILE);
    g_auto(Run) r = { 0 };

    run_probe(&r, NULL, "--socket", fake_agent_socket(fa), "--timeout", "10", "report", NULL);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_null(strchr(r.out, '\x1b'));
    g_assert_null(strchr(r.out, '\x07'));
    assert_contains(r.out, "\nOS           \\x1b]0;pwned\\x07Evil OS\n");
    assert_contains(r.out, "\nHostname     invalid reply from the agent: member 'host-name' is not a string\n");
    assert_contains(r.out, "\nTime         invalid reply from the agent: guest-get-time did not return a non-negative integer\n");
    assert_contains(r.out, "\nTimezone     invalid reply from the agent: member 'offset' = 999999 is out of range\n");
    assert_contains(r.out, "\nUsers        invalid reply from the agent: reply nests deeper than 32 levels\n");
    assert_contains(r.out, "\nvCPUs        invalid reply from the agent: guest-get-vcpus return has more than 4096 entries\n");
    assert_contains(r.out, "\nInterfaces   invalid reply from the agent: ip-address-type is neither ipv4 nor ipv6\n");
    assert_contains(r.out, "\nFilesystems  invalid reply from the agent: member 'name' is longer than 4096 bytes\n");
    assert_contains(r.out, "\nDisks        invalid reply from the agent: no complete line in 10485760 bytes from the agent\n");
}

static void test_report_json(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_LIMITED);
    g_auto(Run) r = { 0 };
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    JsonObject *root, *s;

    run_probe(&r, NULL, "--socket", fake_agent_socket(fa), "--json", "report", NULL);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(json_parser_load_from_data(parser, r.out, -1, &error));
    root = json_node_get_object(json_parser_get_root(parser));
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(root, "agent"), "version"), ==, "fake-1.0");
    s = json_object_get_object_member(root, "hostname");
    g_assert_cmpstr(json_object_get_string_member(s, "status"), ==, "ok");
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(s, "data"), "host-name"), ==, "fakehost");
    s = json_object_get_object_member(root, "time");
    g_assert_true(json_object_has_member(s, "uncertainty-us"));
    g_assert_cmpint(ABS(json_object_get_int_member(s, "skew-us")), <, 1000000);
    s = json_object_get_object_member(root, "disks");
    g_assert_cmpstr(json_object_get_string_member(s, "status"), ==, "unsupported");
    g_assert_cmpstr(json_object_get_string_member(s, "reason"), ==, "not supported by this agent (CommandNotFound)");
    s = json_object_get_object_member(root, "users");
    g_assert_cmpstr(json_object_get_string_member(s, "status"), ==, "disabled");
}

static void test_exec(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_GOOD);
    g_auto(Run) r = { 0 }, sig = { 0 }, missing = { 0 }, j = { 0 };

    run_probe(&r, NULL, "--socket", fake_agent_socket(fa), "exec", "--", "/bin/prog", "3", NULL);
    g_assert_cmpint(r.status, ==, 3);
    g_assert_cmpstr(r.out, ==, "out\n");
    g_assert_cmpstr(r.err, ==, "err\n");
    run_probe(&sig, NULL, "--socket", fake_agent_socket(fa), "exec", "/bin/prog", "-9", NULL);
    g_assert_cmpint(sig.status, ==, 137);
    run_probe(&missing, NULL, "--socket", fake_agent_socket(fa), "exec", "--", "/missing", NULL);
    g_assert_cmpint(missing.status, ==, 255);
    assert_contains(missing.err, "guest-exec failed in the guest: GenericError");
    run_probe(&j, NULL, "--socket", fake_agent_socket(fa), "--json", "exec", "--", "/bin/prog", "0", NULL);
    g_assert_cmpint(j.status, ==, 0);
    g_assert_cmpstr(j.out, ==, "{\"pid\":4242,\"exitcode\":0,\"stdout\":\"out\\n\",\"stderr\":\"err\\n\","
                    "\"out-truncated\":false,\"err-truncated\":false}\n");
}

static void test_cp_roundtrip(void)
{
    g_autoptr(FakeAgent) fa = fake_agent_start(FAKE_GOOD);
    g_autofree char *dir = g_dir_make_tmp("qga-probe-cp-XXXXXX", NULL);
    g_autofree char *src = g_build_filename(dir, "src.bin", NULL);
    g_autofree char *back = g_build_filename(dir, "back.bin", NULL);
    g_autofree guint8 *data = g_malloc(5000);
    g_autofree char *content = NULL;
    g_autoptr(GBytes) pushed = NULL;
    g_auto(Run) push = { 0 }, pull = { 0 }, missing = { 0 };
    gsize len;

    for (int i = 0; i < 5000; i++)
        data[i] = (guint8)g_random_int();
    g_assert_true(g_file_set_contents(src, (const char *)data, 5000, NULL));
    /* chunks of 1500 against a fake that takes 1000 per write and gives 700 per read */
    run_probe(&push, NULL, "--socket", fake_agent_socket(fa), "cp", "--chunk-size", "1500", src, "guest:/tmp/f", NULL);
    g_assert_cmpint(push.status, ==, 0);
    assert_contains(push.out, ": 5000 bytes in ");
    pushed = fake_agent_file(fa, "/tmp/f");
    g_assert_nonnull(pushed);
    g_assert_cmpmem(g_bytes_get_data(pushed, NULL), g_bytes_get_size(pushed), data, 5000);
    run_probe(&pull, NULL, "--socket", fake_agent_socket(fa), "cp", "--chunk-size", "1500", "guest:/tmp/f", back, NULL);
    g_assert_cmpint(pull.status, ==, 0);
    g_assert_true(g_file_get_contents(back, &content, &len, NULL));
    g_assert_cmpmem(content, len, data, 5000);
    run_probe(&missing, NULL, "--socket", fake_agent_socket(fa), "cp", "guest:/nope", back, NULL);
    g_assert_cmpint(missing.status, ==, 10);
    g_remove(src);
    g_remove(back);
    g_rmdir(dir);
}

static void test_watch_fleet_need_libvirt(void)
{
    g_auto(Run) w = { 0 }, f = { 0 };

    run_probe(&w, NULL, "--socket", "/x", "watch", NULL);
    g_assert_cmpint(w.status, ==, 2);
    run_probe(&f, NULL, "--domain", "x", "fleet", NULL);
    g_assert_cmpint(f.status, ==, 2);
    g_assert_cmpstr(f.err, ==, "qga-probe: fleet covers every domain: no --domain, --socket or --channel\n");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/probe/cli/help", test_help);
    g_test_add_func("/probe/cli/usage-errors", test_usage_errors);
    g_test_add_func("/probe/cli/exit-codes", test_exit_codes);
    g_test_add_func("/probe/cli/call-output", test_call_output);
    g_test_add_func("/probe/cli/report-complete", test_report_good);
    g_test_add_func("/probe/cli/report-says-why", test_report_limited);
    g_test_add_func("/probe/cli/report-hostile-guest", test_report_hostile);
    g_test_add_func("/probe/cli/report-json", test_report_json);
    g_test_add_func("/probe/cli/exec", test_exec);
    g_test_add_func("/probe/cli/cp-roundtrip", test_cp_roundtrip);
    g_test_add_func("/probe/cli/watch-fleet-need-libvirt", test_watch_fleet_need_libvirt);
    return g_test_run();
}

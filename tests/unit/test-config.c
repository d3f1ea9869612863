/* Unit tests of the command line and config file parser (core/config.c) with fixed defaults. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/mem.h"

/* ---- fixed defaults, as an OS would pass them, with a default config path the test controls ---- */

static const char *const fake_methods[] = { "virtio-serial", "isa-serial", "unix-listen", NULL };
static const char *const fake_g2h_methods[] = { "virtio-serial", "unix-connect", NULL };
static char *fake_default_conf;

static const QgaConfigDefaults *fixed_defaults(void)
{
    static QgaConfigDefaults d;
    d = (QgaConfigDefaults){
        .method = "virtio-serial",
        .virtio_path = "/dev/virtio-ports/org.qemu.guest_agent.0",
        .isa_path = "/dev/ttyS0",
        .pidfile = "/var/run/qemu-ga.pid",
        .statedir = "/var/run",
        .config_path = fake_default_conf,
        .methods = fake_methods,
        .fsfreeze_hook = "/etc/qemu/fsfreeze-hook",
        .g2h_path = "/dev/virtio-ports/org.qgacompat.g2h.0",
        .g2h_methods = fake_g2h_methods,
    };
    return &d;
}

static char *tmpdir;

static char *write_conf(const char *name, const char *content)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    GError *err = NULL;
    g_file_set_contents(path, content, -1, &err);
    g_assert_no_error(err);
    return path;
}

typedef struct Result {
    QgaConfig cfg;
    QgaConfigAction action;
    int rc;
    char *out;
    QgaError *err;
} Result;

/* Run qga_config_load on a NULL-terminated argument list (argv[0] is added). */
static void load(Result *r, ...)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"qga-compat";
    va_list ap;
    va_start(ap, r);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL) {
        g_assert_cmpint(argc, <, 63);
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc] = NULL;

    memset(r, 0, sizeof(*r));
    r->action = (QgaConfigAction)-1;
    size_t size = 0;
    FILE *out = open_memstream(&r->out, &size);
    g_assert_nonnull(out);
    r->rc = qga_config_load(&r->cfg, fixed_defaults(), argc, argv, out, &r->action, &r->err);
    fclose(out);
}

static void result_clear(Result *r)
{
    qga_config_clear(&r->cfg);
    free(r->out);
    qga_error_free(r->err);
    memset(r, 0, sizeof(*r));
}

static void assert_ok(Result *r, QgaConfigAction action)
{
    if (r->err)
        g_test_message("unexpected error: %s", r->err->desc);
    g_assert_null(r->err);
    g_assert_cmpint(r->rc, ==, 0);
    g_assert_cmpint(r->action, ==, action);
}

static void assert_error(Result *r, const char *desc)
{
    g_assert_cmpint(r->rc, ==, -1);
    g_assert_nonnull(r->err);
    g_assert_cmpstr(r->err->desc, ==, desc);
    g_assert_cmpint(r->err->error_class, ==, QGA_ERROR_GENERIC);
}

static void assert_list(const QgaStrList *l, const char *const *expected)
{
    size_t n = g_strv_length((char **)expected);
    g_assert_cmpuint(l->n, ==, n);
    for (size_t i = 0; i < n; i++)
        g_assert_cmpstr(l->items[i], ==, expected[i]);
}

static void setup_env(void)
{
    g_unsetenv("QGA_CONF");
    g_free(fake_default_conf);
    fake_default_conf = g_build_filename(tmpdir, "no-such-default.conf", NULL);
}

/* ---- tests ---- */

static void test_defaults(void)
{
    setup_env();
    Result r;
    load(&r, NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.method, ==, "virtio-serial");
    g_assert_cmpstr(r.cfg.path, ==, "/dev/virtio-ports/org.qemu.guest_agent.0");
    g_assert_cmpstr(r.cfg.pidfile, ==, "/var/run/qemu-ga.pid");
    g_assert_cmpstr(r.cfg.statedir, ==, "/var/run");
    g_assert_null(r.cfg.logfile);
    g_assert_null(r.cfg.fsfreeze_hook);
    g_assert_null(r.cfg.config_path); /* the default file does not exist: fine */
    g_assert_false(r.cfg.daemon);
    g_assert_false(r.cfg.verbose);
    g_assert_false(r.cfg.retry_path);
    g_assert_cmpuint(r.cfg.block_rpcs.n, ==, 0);
    g_assert_cmpuint(r.cfg.allow_rpcs.n, ==, 0);
    g_assert_cmpstr(r.out, ==, "");
    result_clear(&r);

    load(&r, "-m", "isa-serial", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.path, ==, "/dev/ttyS0");
    result_clear(&r);
}

static void test_short_options(void)
{
    setup_env();
    Result r;
    load(&r, "-m", "unix-listen", "-p", "/tmp/s", "-l", "/tmp/log", "-f", "/tmp/pid", "-t", "/tmp/state", "-v",
         "-d", "-r", "-F/usr/hook", "-b", "guest-ping", "-a", "guest-info,guest-ping", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.method, ==, "unix-listen");
    g_assert_cmpstr(r.cfg.path, ==, "/tmp/s");
    g_assert_cmpstr(r.cfg.logfile, ==, "/tmp/log");
    g_assert_cmpstr(r.cfg.pidfile, ==, "/tmp/pid");
    g_assert_cmpstr(r.cfg.statedir, ==, "/tmp/state");
    g_assert_cmpstr(r.cfg.fsfreeze_hook, ==, "/usr/hook");
    g_assert_true(r.cfg.verbose);
    g_assert_true(r.cfg.daemon);
    g_assert_true(r.cfg.retry_path);
    assert_list(&r.cfg.block_rpcs, (const char *const[]){ "guest-ping", NULL });
    assert_list(&r.cfg.allow_rpcs, (const char *const[]){ "guest-info", "guest-ping", NULL });
    result_clear(&r);

    /* Glued values and clustered flags, as getopt allows. */
    load(&r, "-vdr", "-munix-listen", "-p/tmp/x", "-tstate", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_true(r.cfg.verbose && r.cfg.daemon && r.cfg.retry_path);
    g_assert_cmpstr(r.cfg.method, ==, "unix-listen");
    g_assert_cmpstr(r.cfg.path, ==, "/tmp/x");
    g_assert_cmpstr(r.cfg.statedir, ==, "state");
    result_clear(&r);

    /* A flag cluster ending in an option that takes the next word. */
    load(&r, "-vm", "unix-listen", "-p", "/s", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_true(r.cfg.verbose);
    g_assert_cmpstr(r.cfg.method, ==, "unix-listen");
    result_clear(&r);

    /* -F alone means the platform's default hook; a separate word is not its argument. */
    load(&r, "-F", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.fsfreeze_hook, ==, "/etc/qemu/fsfreeze-hook");
    result_clear(&r);

    /* getopt hands the next word to an option that needs one, even if it looks like an option. */
    load(&r, "-l", "-v", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.logfile, ==, "-v");
    g_assert_false(r.cfg.verbose);
    result_clear(&r);
}

static void test_long_options(void)
{
    setup_env();
    Result r;
    load(&r, "--method=unix-listen", "--path", "/tmp/s", "--logfile=/tmp/log", "--pidfile", "/tmp/pid",
         "--statedir=/tmp/state", "--verbose", "--daemonize", "--retry-path", "--fsfreeze-hook=/h",
         "--block-rpcs=a;b", "--allow-rpcs", "c", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.method, ==, "unix-listen");
    g_assert_cmpstr(r.cfg.path, ==, "/tmp/s");
    g_assert_cmpstr(r.cfg.logfile, ==, "/tmp/log");
    g_assert_cmpstr(r.cfg.pidfile, ==, "/tmp/pid");
    g_assert_cmpstr(r.cfg.statedir, ==, "/tmp/state");
    g_assert_cmpstr(r.cfg.fsfreeze_hook, ==, "/h");
    g_assert_true(r.cfg.verbose && r.cfg.daemon && r.cfg.retry_path);
    assert_list(&r.cfg.block_rpcs, (const char *const[]){ "a", "b", NULL });
    assert_list(&r.cfg.allow_rpcs, (const char *const[]){ "c", NULL });
    result_clear(&r);

    /* --fsfreeze-hook without '=' takes no value; unambiguous prefixes work as with getopt_long. */
    load(&r, "--fsfreeze-hook", "--verb", "--retry", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.fsfreeze_hook, ==, "/etc/qemu/fsfreeze-hook");
    g_assert_true(r.cfg.verbose && r.cfg.retry_path);
    result_clear(&r);

    /* "--" ends the options. */
    load(&r, "-v", "--", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    result_clear(&r);
}

static void test_option_errors(void)
{
    setup_env();
    static const struct {
        const char *args[4];
        const char *desc;
    } cases[] = {
        { { "-x" }, "unknown option '-x' (see --help)" },
        { { "-vx" }, "unknown option '-x' (see --help)" },
        { { "--frobnicate" }, "unknown option '--frobnicate' (see --help)" },
        { { "--frob=1" }, "unknown option '--frob' (see --help)" },
        { { "--" , "x" }, "unexpected argument 'x'" },
        { { "stray" }, "unexpected argument 'stray'" },
        { { "-" }, "unexpected argument '-'" },
        { { "-m" }, "option '-m' needs an argument" },
        { { "-v", "-p" }, "option '-p' needs an argument" },
        { { "--method" }, "option '--method' needs an argument" },
        { { "--help=yes" }, "option '--help' takes no argument" },
        { { "--p", "x" }, "option '--p' is ambiguous (see --help)" },
        { { "-m", "vsock-listen", "-p", "3:1234" }, "method 'vsock-listen' is not supported by qga-compat" },
        { { "-m", "tcp" }, "unknown method 'tcp' (supported: virtio-serial, isa-serial, unix-listen)" },
        { { "-m", "unix-listen" }, "method 'unix-listen' needs a path (-p)" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Result r;
        load(&r, cases[i].args[0], cases[i].args[1], cases[i].args[2], cases[i].args[3], NULL);
        assert_error(&r, cases[i].desc);
        g_assert_cmpstr(r.out, ==, "");
        result_clear(&r);
    }
}

static void test_help_version(void)
{
    setup_env();
    Result r;
    load(&r, "-V", NULL);
    assert_ok(&r, QGA_CONFIG_EXIT_OK);
    g_assert_cmpstr(r.out, ==, "qga-compat " QGA_TEST_VERSION " (QEMU Guest Agent protocol)\n");
    result_clear(&r);

    load(&r, "--help", NULL);
    assert_ok(&r, QGA_CONFIG_EXIT_OK);
    g_assert_true(g_str_has_prefix(r.out, "Usage: qga-compat [-m <method> -p <path>] [<options>]\n"));
    /* Every option, and this platform's defaults. */
    static const char *const needles[] = {
        "-c, --config", "-m, --method", "-p, --path", "-l, --logfile", "-f, --pidfile",
        "-F[PATH], --fsfreeze-hook[=PATH]", "-t, --statedir", "-v, --verbose", "-V, --version",
        "-d, --daemonize", "-s, --service", "-b, --block-rpcs", "-a, --allow-rpcs", "-D, --dump-conf",
        "-r, --retry-path", "-h, --help", "/dev/virtio-ports/org.qemu.guest_agent.0", "/dev/ttyS0",
        "/var/run/qemu-ga.pid", "(default: /var/run)", "/etc/qemu/fsfreeze-hook", "QGA_CONF",
        "virtio-serial, isa-serial, unix-listen",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(needles); i++) {
        if (!strstr(r.out, needles[i]))
            g_error("usage lacks '%s':\n%s", needles[i], r.out);
    }
    result_clear(&r);

    /* They act where they stand: an error before them wins, one after them is never seen. */
    load(&r, "-h", "-x", NULL);
    assert_ok(&r, QGA_CONFIG_EXIT_OK);
    result_clear(&r);
    load(&r, "-x", "-h", NULL);
    assert_error(&r, "unknown option '-x' (see --help)");
    result_clear(&r);

    /* And a broken config file does not stop them. */
    char *bad = write_conf("broken-for-help.conf", "garbage\n");
    load(&r, "-c", bad, "-V", NULL);
    assert_ok(&r, QGA_CONFIG_EXIT_OK);
    result_clear(&r);
    g_free(bad);
}

static void test_list_commands(void)
{
    setup_env();
    static const char *const forms[][2] = {
        { "-b", "help" }, { "-a", "help" }, { "-b", "?" }, { "--allow-rpcs=help", NULL }, { "--block-rpcs", "?" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        Result r;
        load(&r, forms[i][0], forms[i][1], NULL);
        assert_ok(&r, QGA_CONFIG_LIST_COMMANDS);
        g_assert_cmpstr(r.out, ==, "");
        result_clear(&r);
    }
}

static void test_service(void)
{
    setup_env();
    Result r;
    /* -s acts at once: options after it are not applied, defaults are not filled in. */
    load(&r, "-p", "COM2", "-s", "install", "-v", "-x", NULL);
    assert_ok(&r, QGA_CONFIG_SERVICE);
    g_assert_cmpstr(r.cfg.service_action, ==, "install");
    g_assert_cmpstr(r.cfg.path, ==, "COM2");
    g_assert_false(r.cfg.verbose);
    g_assert_null(r.cfg.method);
    g_assert_null(r.cfg.statedir);
    result_clear(&r);

    load(&r, "--service=uninstall", NULL);
    assert_ok(&r, QGA_CONFIG_SERVICE);
    g_assert_cmpstr(r.cfg.service_action, ==, "uninstall");
    result_clear(&r);
}

/* tests/data/test-qga-config of QEMU (with today's key name for the block list). */
static const char upstream_conf[] = "[general]\n"
                                    "daemon=false\n"
                                    "method=virtio-serial\n"
                                    "path=/path/to/org.qemu.guest_agent.0\n"
                                    "pidfile=/var/foo/qemu-ga.pid\n"
                                    "statedir=/var/state\n"
                                    "verbose=true\n"
                                    "block-rpcs=guest-ping;guest-get-time\n";

static const char upstream_dump[] = "[general]\n"
                                    "daemon=false\n"
                                    "method=virtio-serial\n"
                                    "path=/path/to/org.qemu.guest_agent.0\n"
                                    "pidfile=/var/foo/qemu-ga.pid\n"
                                    "statedir=/var/state\n"
                                    "verbose=true\n"
                                    "retry-path=false\n"
                                    "block-rpcs=guest-ping;guest-get-time\n"
                                    "allow-rpcs=\n";

static void test_upstream_fixture(void)
{
    setup_env();
    char *path = write_conf("test-qga-config", upstream_conf);
    g_setenv("QGA_CONF", path, TRUE);
    Result r;
    load(&r, "-D", NULL);
    assert_ok(&r, QGA_CONFIG_EXIT_OK);
    g_assert_cmpstr(r.out, ==, upstream_dump);
    g_assert_cmpstr(r.cfg.config_path, ==, path);

    /* What QEMU's /qga/config test checks, read back with GKeyFile. */
    GKeyFile *kf = g_key_file_new();
    GError *err = NULL;
    g_key_file_load_from_data(kf, r.out, -1, G_KEY_FILE_NONE, &err);
    g_assert_no_error(err);
    char *start = g_key_file_get_start_group(kf);
    g_assert_cmpstr(start, ==, "general");
    g_free(start);
    g_assert_false(g_key_file_get_boolean(kf, "general", "daemon", &err));
    g_assert_no_error(err);
    char *s = g_key_file_get_string(kf, "general", "method", &err);
    g_assert_cmpstr(s, ==, "virtio-serial");
    g_free(s);
    g_assert_true(g_key_file_get_boolean(kf, "general", "verbose", &err));
    gsize n = 0;
    char **strv = g_key_file_get_string_list(kf, "general", "block-rpcs", &n, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(n, ==, 2);
    g_assert_true(g_strv_contains((const char *const *)strv, "guest-ping"));
    g_assert_true(g_strv_contains((const char *const *)strv, "guest-get-time"));
    g_strfreev(strv);
    g_key_file_free(kf);
    result_clear(&r);

    /* The dump reads back to the same configuration. */
    char *again = write_conf("dumped.conf", upstream_dump);
    load(&r, "-c", again, "-D", NULL);
    assert_ok(&r, QGA_CONFIG_EXIT_OK);
    g_assert_cmpstr(r.out, ==, upstream_dump);
    result_clear(&r);
    g_free(again);
    g_free(path);
    g_unsetenv("QGA_CONF");
}

static void test_dump_everything(void)
{
    setup_env();
    Result r;
    load(&r, "-D", "-d", "-m", "unix-listen", "-p", " lead\\and\ttab", "-l", "/l", "-f", "/p", "-F/h", "-t", "/t",
         "-v", "-r", "-b", "a,b", "-a", "c;d", NULL);
    assert_ok(&r, QGA_CONFIG_EXIT_OK);
    g_assert_cmpstr(r.out, ==,
                    "[general]\n"
                    "daemon=true\n"
                    "method=unix-listen\n"
                    "path=\\slead\\\\and\\ttab\n"
                    "logfile=/l\n"
                    "pidfile=/p\n"
                    "fsfreeze-hook=/h\n"
                    "statedir=/t\n"
                    "verbose=true\n"
                    "retry-path=true\n"
                    "block-rpcs=a;b\n"
                    "allow-rpcs=c;d\n");
    /* GKeyFile agrees about the escapes. */
    GKeyFile *kf = g_key_file_new();
    GError *err = NULL;
    g_key_file_load_from_data(kf, r.out, -1, G_KEY_FILE_NONE, &err);
    g_assert_no_error(err);
    char *s = g_key_file_get_string(kf, "general", "path", &err);
    g_assert_cmpstr(s, ==, " lead\\and\ttab");
    g_free(s);
    g_key_file_free(kf);
    result_clear(&r);

    /* qga_config_dump directly: what -D prints. */
    QgaConfig cfg = { 0 };
    cfg.method = qga_strdup("virtio-serial");
    cfg.pidfile = qga_strdup("/p");
    cfg.statedir = qga_strdup("/s");
    char *text = qga_config_dump(&cfg);
    g_assert_cmpstr(text, ==,
                    "[general]\ndaemon=false\nmethod=virtio-serial\npidfile=/p\nstatedir=/s\n"
                    "verbose=false\nretry-path=false\nblock-rpcs=\nallow-rpcs=\n");
    free(text);
    qga_config_clear(&cfg);
    g_assert_null(cfg.method);
}

static void test_keyfile_syntax(void)
{
    setup_env();
    char *path = write_conf("syntax.conf",
                            "# a comment\r\n"
                            "; an INI-style comment\n"
                            "\n"
                            "[other]\n"
                            "method=isa-serial\n"
                            "  [general]  \n"
                            "  daemon = 1 \n"
                            "verbose=0\n"
                            "retry-path= true\n"
                            "method =unix-listen\r\n"
                            "path=\\s/with space\\\\x\n"
                            "logfile=/first\n"
                            "logfile=/second\n"
                            "unknown-key=whatever\n"
                            "path[de]=/localized\n"
                            "block-rpcs=a,,b;c;\n"
                            "allow-rpcs=\n"
                            "statedir=/state \n");
    Result r;
    load(&r, "-c", path, NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.config_path, ==, path);
    g_assert_true(r.cfg.daemon);
    g_assert_false(r.cfg.verbose);
    g_assert_true(r.cfg.retry_path);
    g_assert_cmpstr(r.cfg.method, ==, "unix-listen"); /* [other] is not [general] */
    g_assert_cmpstr(r.cfg.path, ==, " /with space\\x");
    g_assert_cmpstr(r.cfg.logfile, ==, "/second");    /* a repeated key replaces */
    g_assert_cmpstr(r.cfg.statedir, ==, "/state ");   /* GKeyFile keeps trailing blanks of strings */
    assert_list(&r.cfg.block_rpcs, (const char *const[]){ "a", "b", "c", NULL });
    g_assert_cmpuint(r.cfg.allow_rpcs.n, ==, 0);
    result_clear(&r);
    g_free(path);
}

static void test_precedence(void)
{
    setup_env();
    char *path = write_conf("prec.conf",
                            "[general]\nmethod=isa-serial\npath=/dev/ttyS1\nverbose=true\n"
                            "block-rpcs=guest-a,guest-b\nallow-rpcs=guest-x\nstatedir=/from-file\n");
    Result r;
    /* The command line wins per key; lists accumulate, file first. */
    load(&r, "-c", path, "-m", "unix-listen", "-p", "/sock", "-b", "guest-c", "-a", "guest-y", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.method, ==, "unix-listen");
    g_assert_cmpstr(r.cfg.path, ==, "/sock");
    g_assert_cmpstr(r.cfg.statedir, ==, "/from-file");
    g_assert_true(r.cfg.verbose);
    assert_list(&r.cfg.block_rpcs, (const char *const[]){ "guest-a", "guest-b", "guest-c", NULL });
    assert_list(&r.cfg.allow_rpcs, (const char *const[]){ "guest-x", "guest-y", NULL });
    result_clear(&r);

    /* The last -m wins; -c anywhere on the line is read before any option applies. */
    load(&r, "-m", "isa-serial", "-m", "virtio-serial", "-c", path, NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.method, ==, "virtio-serial");
    g_assert_cmpstr(r.cfg.path, ==, "/dev/ttyS1"); /* from the file: an explicit path is kept */
    result_clear(&r);
    g_free(path);
}

static void test_config_sources(void)
{
    setup_env();
    char *deflt = write_conf("default.conf", "[general]\nstatedir=/from-default\n");
    char *env = write_conf("env.conf", "[general]\nstatedir=/from-env\n");
    char *explicit = write_conf("explicit.conf", "[general]\nstatedir=/from-c\n");
    g_free(fake_default_conf);
    fake_default_conf = g_strdup(deflt);

    Result r;
    load(&r, NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.statedir, ==, "/from-default");
    g_assert_cmpstr(r.cfg.config_path, ==, deflt);
    result_clear(&r);

    g_setenv("QGA_CONF", env, TRUE);
    load(&r, NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.statedir, ==, "/from-env");
    result_clear(&r);

    /* -c beats QGA_CONF. */
    load(&r, "--config", explicit, NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.statedir, ==, "/from-c");
    g_assert_cmpstr(r.cfg.config_path, ==, explicit);
    result_clear(&r);

    /* A missing QGA_CONF file is as fine as a missing default one... */
    char *missing = g_build_filename(tmpdir, "missing.conf", NULL);
    g_setenv("QGA_CONF", missing, TRUE);
    load(&r, NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_null(r.cfg.config_path);
    g_assert_cmpstr(r.cfg.statedir, ==, "/var/run");
    result_clear(&r);
    g_unsetenv("QGA_CONF");

    /* ...but not a missing -c file. */
    load(&r, "-c", missing, NULL);
    char *desc = g_strdup_printf("can't read config file '%s': No such file or directory", missing);
    assert_error(&r, desc);
    g_free(desc);
    result_clear(&r);

    /* A directory is not a config file. */
    load(&r, "-c", tmpdir, NULL);
    desc = g_strdup_printf("can't read config file '%s': Is a directory", tmpdir);
    assert_error(&r, desc);
    g_free(desc);
    result_clear(&r);

    g_free(missing);
    g_free(deflt);
    g_free(env);
    g_free(explicit);
    setup_env();
}

static void test_file_errors(void)
{
    setup_env();
    static const struct {
        const char *content;
        const char *desc; /* after "config file '<path>': " */
    } cases[] = {
        { "[general]\nthis is not a pair\n", "line 2: not a group, key=value pair or comment" },
        { "[general]\n=value\n", "line 2: not a group, key=value pair or comment" },
        { "daemon=true\n[general]\n", "line 1: key outside of a [group]" },
        { "[general\nverbose=true\n", "line 1: invalid group header" },
        { "[]\n", "line 1: invalid group header" },
        { "[gen]eral]\n", "line 1: invalid group header" },
        { "[general]\n\nverbose=yes\n", "line 3: key 'verbose': 'yes' is not a boolean (true, false, 1 or 0)" },
        { "[general]\ndaemon=TRUE\n", "line 2: key 'daemon': 'TRUE' is not a boolean (true, false, 1 or 0)" },
        { "[general]\nretry-path=\n", "line 2: key 'retry-path': '' is not a boolean (true, false, 1 or 0)" },
        { "[general]\npath=a\\qb\n", "line 2: key 'path': invalid escape sequence '\\q'" },
        { "[general]\nlogfile=a\\\n", "line 2: key 'logfile': escape character at end of value" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *path = write_conf("bad.conf", cases[i].content);
        /* Broken files are fatal whether named by -c or by QGA_CONF. */
        for (int via_env = 0; via_env < 2; via_env++) {
            Result r;
            if (via_env) {
                g_setenv("QGA_CONF", path, TRUE);
                load(&r, NULL);
                g_unsetenv("QGA_CONF");
            } else {
                load(&r, "-c", path, NULL);
            }
            char *desc = g_strdup_printf("config file '%s': %s", path, cases[i].desc);
            assert_error(&r, desc);
            g_free(desc);
            result_clear(&r);
        }
        g_free(path);
    }
}

static void test_strlist(void)
{
    QgaStrList l = { 0 };
    qga_strlist_add_split(&l, "guest-ping");
    qga_strlist_add_split(&l, "");
    qga_strlist_add_split(&l, ",;");
    qga_strlist_add_split(&l, "a;b,c");
    qga_strlist_add_split(&l, ";d,");
    assert_list(&l, (const char *const[]){ "guest-ping", "a", "b", "c", "d", NULL });
    qga_strlist_clear(&l);
    g_assert_cmpuint(l.n, ==, 0);
    g_assert_null(l.items);
}

/* ---- the guest-driven channel's [g2h] group and --g2h* options ---- */

static void test_g2h_defaults(void)
{
    setup_env();
    Result r;
    load(&r, "-D", NULL);
    assert_ok(&r, QGA_CONFIG_EXIT_OK);
    /* All defaults: no [g2h] group, so -D stays what qemu-ga prints. */
    g_assert_null(strstr(r.out, "[g2h]"));
    result_clear(&r);
    load(&r, NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_false(r.cfg.g2h.disabled);
    g_assert_cmpstr(r.cfg.g2h.method, ==, "virtio-serial");
    g_assert_cmpstr(r.cfg.g2h.path, ==, "/dev/virtio-ports/org.qgacompat.g2h.0");
    g_assert_cmpint(r.cfg.g2h.heartbeat_s, ==, QGA_G2H_HEARTBEAT_DEFAULT_S);
    g_assert_cmpint(r.cfg.g2h.queue, ==, QGA_G2H_QUEUE_DEFAULT);
    g_assert_cmpint(r.cfg.g2h.fs_free_threshold, ==, 0);
    g_assert_false(r.cfg.g2h.time_sync_on_resume);
    g_assert_cmpstr(r.cfg.g2h.forward_log, ==, "error");
    result_clear(&r);
}

static void test_g2h_keyfile(void)
{
    setup_env();
    char *conf = write_conf("g2h.conf",
                            "[general]\nverbose=true\n"
                            "[g2h]\nmethod=unix-connect\npath=/run/g2h\\s.sock\nheartbeat=0\nqueue=7\n"
                            "fs-free-threshold=15\ntime-sync-on-resume=true\nforward-log=warning\n"
                            "[other]\nheartbeat=nonsense\n");
    Result r;
    load(&r, "-c", conf, "-D", NULL);
    assert_ok(&r, QGA_CONFIG_EXIT_OK);
    g_assert_nonnull(strstr(r.out, "\n\n[g2h]\nmethod=unix-connect\npath=/run/g2h .sock\nheartbeat=0\nqueue=7\n"
                                   "fs-free-threshold=15\ntime-sync-on-resume=true\nforward-log=warning\n"));
    /* The dump reads back to the same settings. */
    char *again = write_conf("g2h-again.conf", r.out);
    result_clear(&r);
    load(&r, "-c", again, NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_cmpstr(r.cfg.g2h.path, ==, "/run/g2h .sock");
    g_assert_cmpint(r.cfg.g2h.heartbeat_s, ==, 0);
    g_assert_cmpint(r.cfg.g2h.queue, ==, 7);
    g_assert_cmpint(r.cfg.g2h.fs_free_threshold, ==, 15);
    g_assert_true(r.cfg.g2h.time_sync_on_resume);
    g_assert_cmpstr(r.cfg.g2h.forward_log, ==, "warning");
    g_assert_true(r.cfg.verbose);
    result_clear(&r);
    g_free(again);
    g_free(conf);
}

static void test_g2h_options(void)
{
    setup_env();
    char *conf = write_conf("g2h-off.conf", "[g2h]\nenabled=false\nheartbeat=10\n");
    Result r;
    /* The command line wins over the file; --g2h=PATH turns a disabled channel back on. */
    load(&r, "-c", conf, "--g2h-method", "unix-connect", "--g2h=/tmp/x.sock", "--g2h-heartbeat=2", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_false(r.cfg.g2h.disabled);
    g_assert_cmpstr(r.cfg.g2h.method, ==, "unix-connect");
    g_assert_cmpstr(r.cfg.g2h.path, ==, "/tmp/x.sock");
    g_assert_cmpint(r.cfg.g2h.heartbeat_s, ==, 2);
    result_clear(&r);
    load(&r, "--g2h=off", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_true(r.cfg.g2h.disabled);
    result_clear(&r);
    load(&r, "-c", conf, NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    g_assert_true(r.cfg.g2h.disabled);
    g_assert_cmpint(r.cfg.g2h.heartbeat_s, ==, 10);
    result_clear(&r);
    /* Long-only: no short spelling reaches them. */
    load(&r, "-\x01", NULL);
    assert_error(&r, "unknown option '-\x01' (see --help)");
    result_clear(&r);
    g_free(conf);
}

static void test_g2h_errors(void)
{
    setup_env();
    static const struct {
        const char *conf;
        const char *desc;
    } cases[] = {
        { "[g2h]\nheartbeat=-1\n", "line 2: [g2h] key 'heartbeat': '-1' is not a number of seconds from 0 (none) to 86400" },
        { "[g2h]\nheartbeat=86401\n", "line 2: [g2h] key 'heartbeat': '86401' is not a number of seconds from 0 (none) to 86400" },
        { "[g2h]\nqueue=0\n", "line 2: [g2h] key 'queue': '0' is not a number of events from 1 to 4096" },
        { "[g2h]\nfs-free-threshold=100\n", "line 2: [g2h] key 'fs-free-threshold': '100' is not a percentage from 0 (off) to 99" },
        { "[g2h]\nenabled=yes\n", "line 2: [g2h] key 'enabled': 'yes' is not a boolean (true, false, 1 or 0)" },
        { "[g2h]\nheartbeet=5\n", "line 2: [g2h] key 'heartbeet': unknown key (enabled, method, path, heartbeat, queue, fs-free-threshold, time-sync-on-resume, forward-log)" },
        { "[g2h]\nforward-log=info\n", "line 2: [g2h] key 'forward-log': 'info' is not off, error or warning" },
        { "[g2h]\nmethod=vsock\n", "unknown g2h method 'vsock' (supported: virtio-serial, unix-connect)" },
        { "[g2h]\nmethod=unix-connect\n", "g2h method 'unix-connect' needs a path (--g2h=PATH or [g2h] path)" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *conf = write_conf("g2h-bad.conf", cases[i].conf);
        Result r;
        load(&r, "-c", conf, NULL);
        g_autofree char *want = strstr(cases[i].desc, "line ") == cases[i].desc
                                    ? g_strdup_printf("config file '%s': %s", conf, cases[i].desc)
                                    : g_strdup(cases[i].desc);
        assert_error(&r, want);
        result_clear(&r);
        g_free(conf);
    }
    Result r;
    load(&r, "-p", "/dev/virtio-ports/org.qgacompat.g2h.0", NULL);
    assert_error(&r, "the guest-driven channel's path '/dev/virtio-ports/org.qgacompat.g2h.0' is the QGA "
                     "channel's (-p); give it its own port or --g2h=off");
    result_clear(&r);
    load(&r, "-p", "/dev/virtio-ports/org.qgacompat.g2h.0", "--g2h=off", NULL);
    assert_ok(&r, QGA_CONFIG_RUN);
    result_clear(&r);
    load(&r, "--g2h-heartbeat=soon", NULL);
    assert_error(&r, "option '--g2h-heartbeat': 'soon' is not a number of seconds from 0 (none) to 86400");
    result_clear(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-config-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);

    g_test_add_func("/agent/config/defaults", test_defaults);
    g_test_add_func("/agent/config/short-options", test_short_options);
    g_test_add_func("/agent/config/long-options", test_long_options);
    g_test_add_func("/agent/config/option-errors", test_option_errors);
    g_test_add_func("/agent/config/help-version", test_help_version);
    g_test_add_func("/agent/config/list-commands", test_list_commands);
    g_test_add_func("/agent/config/service", test_service);
    g_test_add_func("/agent/config/upstream-fixture", test_upstream_fixture);
    g_test_add_func("/agent/config/dump-everything", test_dump_everything);
    g_test_add_func("/agent/config/keyfile-syntax", test_keyfile_syntax);
    g_test_add_func("/agent/config/precedence", test_precedence);
    g_test_add_func("/agent/config/sources", test_config_sources);
    g_test_add_func("/agent/config/file-errors", test_file_errors);
    g_test_add_func("/agent/config/strlist", test_strlist);
    g_test_add_func("/agent/config/g2h-defaults", test_g2h_defaults);
    g_test_add_func("/agent/config/g2h-keyfile", test_g2h_keyfile);
    g_test_add_func("/agent/config/g2h-options", test_g2h_options);
    g_test_add_func("/agent/config/g2h-errors", test_g2h_errors);
    int rc = g_test_run();

    /* Remove the scratch files. */
    GDir *dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        char *p = g_build_filename(tmpdir, name, NULL);
        g_unlink(p);
        g_free(p);
    }
    if (dir)
        g_dir_close(dir);
    g_rmdir(tmpdir);
    g_free(tmpdir);
    g_free(fake_default_conf);
    return rc;
}

/* Unit tests of the os-release parser (os/posix/os-release.c), including hostile files. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "os/posix/os-release.h"

static void parse(QgaOsInfo *info, const char *data, size_t len)
{
    memset(info, 0, sizeof(*info));
    qga_os_release_parse(data, len, info);
}

static void test_upstream_fixture(void)
{
    /* QEMU's tests/data/test-qga-os-release and what /qga/guest-get-osinfo expects from it. */
    static const char data[] = "ID=qemu-ga-test\n"
                               "NAME=QEMU-GA\n"
                               "PRETTY_NAME=\"QEMU Guest Agent test\"\n"
                               "VERSION=\"Test 1\"\n"
                               "VERSION_ID=1\n"
                               "VARIANT=\"Unit test \\\"\\'\\$\\`\\\\ and \\\\\\\\ etc.\"\n"
                               "VARIANT_ID=unit-test\n";
    QgaOsInfo info;
    parse(&info, data, strlen(data));
    g_assert_cmpstr(info.id, ==, "qemu-ga-test");
    g_assert_cmpstr(info.name, ==, "QEMU-GA");
    g_assert_cmpstr(info.pretty_name, ==, "QEMU Guest Agent test");
    g_assert_cmpstr(info.version, ==, "Test 1");
    g_assert_cmpstr(info.version_id, ==, "1");
    g_assert_cmpstr(info.variant, ==, "Unit test \"'$`\\ and \\\\ etc.");
    g_assert_cmpstr(info.variant_id, ==, "unit-test");
    g_assert_null(info.kernel_release);
    qga_osinfo_clear(&info);
}

static void test_unquote(void)
{
    static const struct {
        const char *raw;
        const char *want;
    } cases[] = {
        { "plain", "plain" },
        { "", "" },
        { "cut at space", "cut" },
        { "cut;here", "cut" },
        { "tab\there", "tab" },
        { "\"double quoted\"", "double quoted" },
        { "\"trailing\" junk", "trailing" },
        { "\"unterminated value", "unterminated value" },
        { "\"\"", "" },
        { "\"a\\\"b\"", "a\"b" },
        { "\"keep \\n and \\x\"", "keep \\n and \\x" },  /* only $ ` \" \\ ' are escapes */
        { "\"ends in backslash\\\"", "ends in backslash\"" },
        { "\"lone \\", "lone \\" },
        { "'single quoted'", "single quoted" },
        { "'no \\escapes'", "no \\escapes" },
        { "'unterminated", "unterminated" },
        { "unquoted\\\"", "unquoted\\\"" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *got = qga_os_release_unquote(cases[i].raw, strlen(cases[i].raw));
        if (strcmp(got, cases[i].want) != 0)
            g_error("unquote(%s) = [%s], want [%s]", cases[i].raw, got, cases[i].want);
        g_free(got);
    }
}

static void test_line_syntax(void)
{
    static const char data[] = "# comment NAME=nope\n"
                               "   \n"
                               "  ID = spaced\n"
                               "garbage line without equals\n"
                               "=no key\n"
                               "[section]\n"
                               "NAME=first\r\n"
                               "NAME=second\r\n"
                               "name=lowercase-ignored\n"
                               "PRETTY_NAME=\n"
                               "VERSION_ID=\"1.0\"\r\n"
                               "VARIANT_ID";   /* no newline, no '=' at the end */
    QgaOsInfo info;
    parse(&info, data, sizeof(data) - 1);
    g_assert_cmpstr(info.id, ==, "spaced");
    g_assert_cmpstr(info.name, ==, "second");
    g_assert_cmpstr(info.pretty_name, ==, ""); /* present but empty, as qemu-ga reports it */
    g_assert_cmpstr(info.version_id, ==, "1.0");
    g_assert_null(info.variant_id);
    g_assert_null(info.version);
    g_assert_null(info.variant);
    qga_osinfo_clear(&info);
}

static void test_hostile(void)
{
    QgaOsInfo info;

    /* Empty input and pure garbage. */
    parse(&info, "", 0);
    g_assert_null(info.id);
    qga_osinfo_clear(&info);
    static const char junk[] = "\xff\xfe\x00\x01===\n\n\n'\"\\";
    parse(&info, junk, sizeof(junk) - 1);
    g_assert_null(info.id);
    qga_osinfo_clear(&info);

    /* A NUL ends the line's text; the next line still counts. */
    static const char nul[] = "ID=abc\0def\nNAME=after\n";
    parse(&info, nul, sizeof(nul) - 1);
    g_assert_cmpstr(info.id, ==, "abc");
    g_assert_cmpstr(info.name, ==, "after");
    qga_osinfo_clear(&info);

    /* Bytes that are not UTF-8 are kept (the JSON writer replaces them), not fatal. */
    static const char latin1[] = "NAME=\"Caf\xe9 OS\"\nID=cafe\n";
    parse(&info, latin1, sizeof(latin1) - 1);
    g_assert_cmpstr(info.name, ==, "Caf\xe9 OS");
    g_assert_cmpstr(info.id, ==, "cafe");
    qga_osinfo_clear(&info);

    /* A huge line (1 MiB value) and a huge unquoted one. */
    GString *big = g_string_new("PRETTY_NAME=\"");
    for (int i = 0; i < (1 << 20); i++)
        g_string_append_c(big, 'x');
    g_string_append(big, "\"\nID=");
    for (int i = 0; i < (1 << 16); i++)
        g_string_append_c(big, 'y');
    g_string_append(big, " tail\nVERSION_ID=7\n");
    parse(&info, big->str, big->len);
    g_assert_cmpuint(strlen(info.pretty_name), ==, 1u << 20);
    g_assert_cmpuint(strlen(info.id), ==, 1u << 16);
    g_assert_cmpstr(info.version_id, ==, "7");
    qga_osinfo_clear(&info);
    g_string_free(big, TRUE);

    /* Thousands of repeats of a key: the last wins, nothing leaks (checked under ASan/valgrind). */
    GString *rep = g_string_new(NULL);
    for (int i = 0; i < 5000; i++)
        g_string_append_printf(rep, "ID=id%d\n", i);
    parse(&info, rep->str, rep->len);
    g_assert_cmpstr(info.id, ==, "id4999");
    qga_osinfo_clear(&info);
    g_string_free(rep, TRUE);

    /* Escapes at the very end of the buffer (no terminator after the backslash). */
    static const char tail[] = "VARIANT=\"abc\\";
    parse(&info, tail, sizeof(tail) - 1);
    g_assert_cmpstr(info.variant, ==, "abc\\");
    qga_osinfo_clear(&info);
}

static void test_replaces_existing(void)
{
    QgaOsInfo info = { 0 };
    info.id = g_strdup("old");
    info.kernel_release = g_strdup("6.1");
    qga_os_release_parse("ID=new\n", 7, &info);
    g_assert_cmpstr(info.id, ==, "new");
    g_assert_cmpstr(info.kernel_release, ==, "6.1");
    qga_osinfo_clear(&info);
    g_assert_null(info.kernel_release);
}

static void test_load_env(void)
{
    char *dir = g_dir_make_tmp("test-os-release-XXXXXX", NULL);
    char *path = g_build_filename(dir, "os-release", NULL);
    g_file_set_contents(path, "ID=from-env\nNAME='Env OS'\n", -1, NULL);

    g_setenv("QGA_OS_RELEASE", path, TRUE);
    QgaOsInfo info = { 0 };
    g_assert_true(qga_os_release_load(&info));
    g_assert_cmpstr(info.id, ==, "from-env");
    g_assert_cmpstr(info.name, ==, "Env OS");
    qga_osinfo_clear(&info);

    /* QGA_OS_RELEASE names the only file read: a missing one leaves the fields absent. */
    char *missing = g_build_filename(dir, "missing", NULL);
    g_setenv("QGA_OS_RELEASE", missing, TRUE);
    g_assert_false(qga_os_release_load(&info));
    g_assert_null(info.id);

    /* A file larger than any os-release is skipped, not half-read. */
    GString *big = g_string_new("ID=big\n");
    while (big->len <= QGA_OS_RELEASE_MAX)
        g_string_append(big, "# padding padding padding padding padding padding padding\n");
    g_file_set_contents(path, big->str, (gssize)big->len, NULL);
    g_setenv("QGA_OS_RELEASE", path, TRUE);
    g_assert_false(qga_os_release_load(&info));
    g_assert_null(info.id);
    g_string_free(big, TRUE);

    g_unsetenv("QGA_OS_RELEASE");
    g_unlink(path);
    g_rmdir(dir);
    g_free(missing);
    g_free(path);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/os-release/upstream-fixture", test_upstream_fixture);
    g_test_add_func("/agent/os-release/unquote", test_unquote);
    g_test_add_func("/agent/os-release/line-syntax", test_line_syntax);
    g_test_add_func("/agent/os-release/hostile", test_hostile);
    g_test_add_func("/agent/os-release/replaces-existing", test_replaces_existing);
    g_test_add_func("/agent/os-release/load-env", test_load_env);
    return g_test_run();
}

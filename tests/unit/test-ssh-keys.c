/* Unit tests of the authorized_keys editing shared by the guest-ssh-* commands (commands/ssh-keys.c). */
#include <glib.h>
#include <locale.h>
#include <string.h>

#include "core/json.h"
#include "commands/ssh-keys.h"

static QgaKeyLines parse(const char *text, size_t len)
{
    QgaKeyLines lines;
    qga_ssh_lines_parse(text, len, &lines);
    return lines;
}

static char *join(const QgaKeyLines *lines, size_t *ret_len)
{
    return qga_ssh_lines_join(lines, ret_len);
}

static char *keys_json(const QgaKeyLines *lines)
{
    QgaJson *keys = qga_ssh_lines_keys(lines);
    char *s = qga_json_to_string(keys);
    qga_json_free(keys);
    return s;
}

static void test_round_trip(void)
{
    /* Content survives parse + join byte for byte, except that the last line gets its '\n'. */
    static const char *const texts[][2] = {
        { "", "" },
        { "\n", "\n" },
        { "a", "a\n" },
        { "a\n", "a\n" },
        { "a\n\n", "a\n\n" },
        { "# c\n\nssh-rsa A\r\n  ssh-dss B  ", "# c\n\nssh-rsa A\r\n  ssh-dss B  \n" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
        QgaKeyLines lines = parse(texts[i][0], strlen(texts[i][0]));
        size_t len = 0;
        g_autofree char *out = join(&lines, &len);
        g_assert_cmpstr(out, ==, texts[i][1]);
        g_assert_cmpuint(len, ==, strlen(texts[i][1]));
        qga_ssh_lines_clear(&lines);
    }
    /* NUL bytes inside a line are kept (bytes in, bytes out). */
    static const char nul[] = "ssh-rsa A\0B\nx";
    QgaKeyLines lines = parse(nul, sizeof(nul) - 1);
    g_assert_cmpuint(lines.n, ==, 2);
    g_assert_cmpuint(lines.lines[0].len, ==, 11);
    size_t len = 0;
    g_autofree char *out = join(&lines, &len);
    g_assert_cmpuint(len, ==, sizeof(nul));
    g_assert_cmpint(memcmp(out, "ssh-rsa A\0B\nx\n", len), ==, 0);
    qga_ssh_lines_clear(&lines);
}

static void test_keys_listed(void)
{
    static const char text[] = "# comment\n\n   \n\tssh-rsa AAA one\t\r\n#ssh-rsa hidden\n  # indented comment\n"
                               "ssh-ed25519 BBB two\nbroken-\xff-utf8";
    QgaKeyLines lines = parse(text, strlen(text));
    g_autofree char *json = keys_json(&lines);
    /* Stripped at both ends, comments (also indented ones) and blank lines skipped, invalid
     * UTF-8 replaced by the writer, file order. */
    g_assert_cmpstr(json, ==, "[\"ssh-rsa AAA one\", \"ssh-ed25519 BBB two\", \"broken-\\uFFFD-utf8\"]");
    qga_ssh_lines_clear(&lines);
}

static void test_add_remove(void)
{
    static const char text[] = "k1\r\nk2\n# k3\nk1\n";
    QgaKeyLines lines = parse(text, strlen(text));
    qga_ssh_lines_add(&lines, "k1");          /* present (as a CRLF line): nothing added */
    qga_ssh_lines_add(&lines, "k3");          /* only a comment mentions it: added */
    qga_ssh_lines_add(&lines, "k3");          /* and only once */
    qga_ssh_lines_add(&lines, "k2\r");        /* a key with its own '\r' differs from line "k2" */
    size_t len = 0;
    g_autofree char *a = join(&lines, &len);
    g_assert_cmpstr(a, ==, "k1\r\nk2\n# k3\nk1\nk3\nk2\r\n");
    g_assert_cmpuint(qga_ssh_lines_remove(&lines, "k1"), ==, 2);
    g_assert_cmpuint(qga_ssh_lines_remove(&lines, "absent"), ==, 0);
    g_assert_cmpuint(qga_ssh_lines_remove(&lines, "# k3"), ==, 1);
    g_autofree char *b = join(&lines, &len);
    g_assert_cmpstr(b, ==, "k2\nk3\nk2\r\n");
    /* Many lines: growth past the first allocations, removal of all, growth again. */
    for (int i = 0; i < 1000; i++) {
        g_autofree char *k = g_strdup_printf("key%d", i % 500);
        qga_ssh_lines_add(&lines, k);
    }
    g_assert_cmpuint(lines.n, ==, 503);
    for (int i = 0; i < 500; i++) {
        g_autofree char *k = g_strdup_printf("key%d", i);
        g_assert_cmpuint(qga_ssh_lines_remove(&lines, k), ==, 1);
    }
    g_assert_cmpuint(lines.n, ==, 3);
    for (int i = 0; i < 40; i++) {
        g_autofree char *k = g_strdup_printf("again%d", i);
        qga_ssh_lines_add(&lines, k);
    }
    g_assert_cmpuint(lines.n, ==, 43);
    g_assert_cmpstr(lines.lines[42].text, ==, "again39");
    qga_ssh_lines_clear(&lines);
}

static void check_keys(const char *json, const char *expected_error)
{
    QgaError *err = NULL;
    QgaJson *keys = qga_json_parse(json, strlen(json), NULL, &err);
    g_assert_nonnull(keys);
    int rc = qga_ssh_check_keys(keys, &err);
    if (expected_error) {
        g_assert_cmpint(rc, ==, -1);
        g_assert_cmpstr(err->desc, ==, expected_error);
        qga_error_free(err);
    } else {
        g_assert_cmpint(rc, ==, 0);
        g_assert_null(err);
    }
    qga_json_free(keys);
}

static void test_check(void)
{
    /* qemu-ga's rule exactly: no leading '#', no '\n'; the first bad key is named. */
    check_keys("[]", NULL);
    check_keys("[\"ssh-rsa AAA\", \"\", \" #not-leading\", \"a\\rb\"]", NULL);
    check_keys("[\"ok\", \"#c\", \"x\\ny\"]", "invalid OpenSSH public key: '#c'");
    check_keys("[\"x\\ny\"]", "invalid OpenSSH public key: 'x\ny'");
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/ssh-keys/round-trip", test_round_trip);
    g_test_add_func("/agent/ssh-keys/keys-listed", test_keys_listed);
    g_test_add_func("/agent/ssh-keys/add-remove", test_add_remove);
    g_test_add_func("/agent/ssh-keys/check", test_check);
    return g_test_run();
}

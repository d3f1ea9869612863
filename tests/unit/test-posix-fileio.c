/* Unit tests of the whole-file reader (os/posix/fileio.c): caps, empty files, errors as negative errno. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "os/posix/fileio.h"

static char *tmpdir;

static char *put(const char *name, const char *data, gsize len)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
    return path;
}

static void test_read_whole(void)
{
    /* Bigger than one read (64 KiB), with a NUL inside: every byte comes back, NUL-terminated. */
    gsize size = (200u << 10) + 7;
    g_autofree char *data = g_malloc(size);
    for (gsize i = 0; i < size; i++)
        data[i] = (char)(i % 251);
    g_autofree char *path = put("big", data, size);
    char *text = NULL;
    size_t len = 0;
    g_assert_cmpint(qga_read_full_file(path, size, &text, &len), ==, 0);
    g_assert_cmpuint(len, ==, size);
    g_assert_cmpmem(text, len, data, size);
    g_assert_cmpint(text[len], ==, '\0');
    g_free(text);
}

static void test_cap(void)
{
    g_autofree char *path = put("capped", "0123456789", 10);
    char *text = NULL;
    size_t len = 0;
    /* Exactly max bytes is the whole file; one byte more is -EFBIG, with nothing handed out. */
    g_assert_cmpint(qga_read_full_file(path, 10, &text, &len), ==, 0);
    g_assert_cmpstr(text, ==, "0123456789");
    g_free(text);
    text = NULL;
    g_assert_cmpint(qga_read_full_file(path, 9, &text, &len), ==, -EFBIG);
    g_assert_null(text);
    g_assert_cmpint(qga_read_full_file(path, 0, &text, &len), ==, -EFBIG);
    g_assert_null(text);
}

static void test_empty_and_proc(void)
{
    /* An empty file is "" (never NULL); a /proc file (st_size 0) is read to its end. */
    g_autofree char *path = put("empty", "", 0);
    char *text = NULL;
    size_t len = 1;
    g_assert_cmpint(qga_read_full_file(path, 100, &text, &len), ==, 0);
    g_assert_cmpuint(len, ==, 0);
    g_assert_cmpstr(text, ==, "");
    g_free(text);
    g_assert_cmpint(qga_read_full_file("/proc/self/status", 1 << 20, &text, &len), ==, 0);
    g_assert_true(g_str_has_prefix(text, "Name:"));
    g_assert_cmpuint(strlen(text), ==, len);
    g_free(text);
}

static void test_errors(void)
{
    char *text = NULL;
    size_t len = 0;
    g_assert_cmpint(qga_read_full_file("/nonexistent/x", 10, &text, &len), ==, -ENOENT);
    g_assert_null(text);
    /* A directory opens, and its read fails: the read's error. */
    g_assert_cmpint(qga_read_full_file(tmpdir, 10, &text, &len), ==, -EISDIR);
    g_assert_null(text);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("qga-fileio.XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    g_test_add_func("/agent/posix/fileio/read-whole", test_read_whole);
    g_test_add_func("/agent/posix/fileio/cap", test_cap);
    g_test_add_func("/agent/posix/fileio/empty-and-proc", test_empty_and_proc);
    g_test_add_func("/agent/posix/fileio/errors", test_errors);
    int r = g_test_run();
    const char *names[] = { "big", "capped", "empty" };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *p = g_build_filename(tmpdir, names[i], NULL);
        g_unlink(p);
    }
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return r;
}

/* Unit tests of qga_spawn_run_input (os/posix/spawn.c): the stdin feed chpasswd gets its line from. */
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <string.h>

#include "os/posix/spawn.h"

static char *tmp_file(const char *name)
{
    static char *dir;
    if (!dir) {
        dir = g_dir_make_tmp("qgaspawn.XXXXXX", NULL);
        g_assert_nonnull(dir);
    }
    return g_build_filename(dir, name, NULL);
}

static void test_bytes_arrive(void)
{
    /* Every byte value, NUL included, reaches the child's stdin unchanged; stdin is then closed. */
    char input[512];
    for (int i = 0; i < 512; i++) {
        input[i] = (char)(i & 0xff);
    }
    g_autofree char *out = tmp_file("bytes");
    const char *const argv[] = { "/bin/sh", "-c", "cat > \"$0\"", out, NULL };
    QgaError *err = NULL;
    g_assert_cmpint(qga_spawn_run_input(argv, input, sizeof(input), "copy", &err), ==, 0);
    g_assert_null(err);
    g_autofree char *got = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(out, &got, &len, NULL));
    g_assert_cmpuint(len, ==, sizeof(input));
    g_assert_cmpint(memcmp(got, input, len), ==, 0);
}

static void test_no_deadlock(void)
{
    /* 8 MiB through a child that echoes as it reads: both pipes fill up unless fed and drained
     * together. The kept output is capped, the run succeeds. */
    size_t n = (size_t)8 << 20;
    char *input = g_malloc(n);
    memset(input, 'x', n);
    const char *const argv[] = { "/bin/cat", NULL };
    QgaError *err = NULL;
    g_assert_cmpint(qga_spawn_run_input(argv, input, n, "echo", &err), ==, 0);
    g_assert_null(err);
    g_free(input);
}

static void test_child_ignores_input(void)
{
    /* A child that exits without reading: the write ends with EPIPE, no hang, its status counts. */
    size_t n = (size_t)1 << 20;
    char *input = g_malloc0(n);
    const char *const argv[] = { "/bin/true", NULL };
    QgaError *err = NULL;
    g_assert_cmpint(qga_spawn_run_input(argv, input, n, "ignore", &err), ==, 0);
    g_assert_null(err);
    const char *const fail[] = { "/bin/sh", "-c", "echo 'chpasswd: user x does not exist' >&2; exit 1", NULL };
    g_assert_cmpint(qga_spawn_run_input(fail, input, n, "set user password", &err), ==, -1);
    g_assert_cmpstr(err->desc, ==, "child process has failed to set user password: chpasswd: user x does not exist");
    qga_error_free(err);
    g_free(input);
}

static void test_empty_and_missing(void)
{
    /* No input at all: the child sees an empty stdin, not /dev/null's endless nothing. */
    g_autofree char *out = tmp_file("empty");
    const char *const argv[] = { "/bin/sh", "-c", "wc -c > \"$0\"", out, NULL };
    QgaError *err = NULL;
    g_assert_cmpint(qga_spawn_run_input(argv, "", 0, "count", &err), ==, 0);
    g_autofree char *got = NULL;
    g_assert_true(g_file_get_contents(out, &got, NULL, NULL));
    g_assert_cmpint(atoi(got), ==, 0);
    const char *const missing[] = { "/nonexistent/chpasswd", NULL };
    g_assert_cmpint(qga_spawn_run_input(missing, "a:b\n", 4, "set user password", &err), ==, -1);
    g_assert_cmpstr(err->desc, ==, "child process has failed to set user password: failed to exec "
                                   "'/nonexistent/chpasswd': No such file or directory");
    qga_error_free(err);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* As in the agent: a child that stops reading must not kill the writer. */
    signal(SIGPIPE, SIG_IGN);
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/posix/spawn-input/bytes-arrive", test_bytes_arrive);
    g_test_add_func("/agent/posix/spawn-input/no-deadlock", test_no_deadlock);
    g_test_add_func("/agent/posix/spawn-input/child-ignores-input", test_child_ignores_input);
    g_test_add_func("/agent/posix/spawn-input/empty-and-missing", test_empty_and_missing);
    int rc = g_test_run();
    char *dir = tmp_file("");
    const char *rm[] = { "rm", "-rf", dir, NULL };
    g_spawn_sync(NULL, (char **)rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    g_free(dir);
    return rc;
}

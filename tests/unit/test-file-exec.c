/* Unit tests of the file and exec families' pure pieces: open modes, the state file, capture modes, POSIX reads. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "os/exec.h"
#include "os/file.h"

/* r w a create truncate, per accepted mode: the fopen() table. */
static void test_modes_accepted(void)
{
    static const struct {
        const char *mode;
        bool read, write, append, create, truncate;
    } cases[] = {
        { "r", 1, 0, 0, 0, 0 },   { "rb", 1, 0, 0, 0, 0 },  { "w", 0, 1, 0, 1, 1 },   { "wb", 0, 1, 0, 1, 1 },
        { "a", 0, 1, 1, 1, 0 },   { "ab", 0, 1, 1, 1, 0 },  { "r+", 1, 1, 0, 0, 0 },  { "rb+", 1, 1, 0, 0, 0 },
        { "r+b", 1, 1, 0, 0, 0 }, { "w+", 1, 1, 0, 1, 1 },  { "wb+", 1, 1, 0, 1, 1 }, { "w+b", 1, 1, 0, 1, 1 },
        { "a+", 1, 1, 1, 1, 0 },  { "ab+", 1, 1, 1, 1, 0 }, { "a+b", 1, 1, 1, 1, 0 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        QgaFileMode m;
        QgaError *err = NULL;
        g_assert_cmpint(qga_file_mode_parse(cases[i].mode, &m, &err), ==, 0);
        g_assert_null(err);
        g_assert_cmpint(m.read, ==, cases[i].read);
        g_assert_cmpint(m.write, ==, cases[i].write);
        g_assert_cmpint(m.append, ==, cases[i].append);
        g_assert_cmpint(m.create, ==, cases[i].create);
        g_assert_cmpint(m.truncate, ==, cases[i].truncate);
    }
}

static void test_modes_rejected(void)
{
    static const char *const bad[] = { "", "R", "x", "rw", "r++", "rb+b", "+r", "br", "bw+", "a b", " r", "r ",
                                       "wx", "re", "r+\n", "\xc3\xa9", "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        QgaFileMode m;
        QgaError *err = NULL;
        g_assert_cmpint(qga_file_mode_parse(bad[i], &m, &err), ==, -1);
        g_assert_nonnull(err);
        g_autofree char *expected = g_strdup_printf("invalid file open mode '%s'", bad[i]);
        g_assert_cmpstr(err->desc, ==, expected);
        qga_error_free(err);
    }
}

static void test_state_parse(void)
{
    static const struct {
        const char *text;
        int rc;
        gint64 counter;
    } cases[] = {
        { "[global]\nfd_counter=1000\n", 0, 1000 },
        { "[global]\nfd_counter=1005", 0, 1005 },                       /* no final newline */
        { "# kept by qemu-ga\n[global]\r\nfd_counter = 4242 \r\n", 0, 4242 },
        { "[other]\nfd_counter=7\n[global]\nfd_counter=77\n", 0, 77 },  /* only [global] counts */
        { "[global]\nfd_counter=9223372036854775806\n", 0, G_GINT64_CONSTANT(9223372036854775806) },
        { "[global]\nfd_counter=0\n", 0, 0 },
        { "", -1, 0 },
        { "[global]\n", -1, 0 },
        { "[other]\nfd_counter=5\n", -1, 0 },
        { "[global]\nfd_counter=\n", -1, 0 },
        { "[global]\nfd_counter=12ab\n", -1, 0 },
        { "[global]\nfd_counter=-5\n", -1, 0 },
        { "[global]\nfd_counter=9223372036854775807\n", -1, 0 },      /* no number left after it */
        { "[global]\nfd_counter=99999999999999999999\n", -1, 0 },
        { "fd_counter=1000\n", -1, 0 },                                 /* not a keyfile */
        { "[global\nfd_counter=1000\n", -1, 0 },
        { "\x01\x02\x03", -1, 0 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        gint64 counter = -1;
        int rc = qga_file_state_parse(cases[i].text, strlen(cases[i].text), (int64_t *)&counter);
        g_assert_cmpint(rc, ==, cases[i].rc);
        if (rc == 0)
            g_assert_cmpint(counter, ==, cases[i].counter);
    }
}

/* What we write is what qemu-ga's GKeyFile writes, and GLib reads it back. */
static void test_state_format(void)
{
    g_autofree char *text = qga_file_state_format(1234);
    g_assert_cmpstr(text, ==, "[global]\nfd_counter=1234\n");
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_assert_true(g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, NULL));
    g_assert_cmpint(g_key_file_get_int64(kf, "global", "fd_counter", NULL), ==, 1234);
    int64_t back = 0;
    g_assert_cmpint(qga_file_state_parse(text, strlen(text), &back), ==, 0);
    g_assert_cmpint(back, ==, 1234);
}

static void test_capture_modes(void)
{
    static const struct {
        const char *name;
        QgaExecCapture mode;
    } cases[] = {
        { "none", QGA_EXEC_CAPTURE_NONE },           { "stdout", QGA_EXEC_CAPTURE_STDOUT },
        { "stderr", QGA_EXEC_CAPTURE_STDERR },       { "separated", QGA_EXEC_CAPTURE_SEPARATED },
        { "merged", QGA_EXEC_CAPTURE_MERGED },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        QgaExecCapture m = (QgaExecCapture)-1;
        g_assert_cmpint(qga_exec_capture_parse(cases[i].name, &m), ==, 0);
        g_assert_cmpint(m, ==, cases[i].mode);
    }
    QgaExecCapture m;
    g_assert_cmpint(qga_exec_capture_parse("Merged", &m), ==, -1);
    g_assert_cmpint(qga_exec_capture_parse("", &m), ==, -1);
    g_assert_cmpint(qga_exec_capture_parse("interactive", &m), ==, -1);
}

/* ---- the POSIX primitives ---- */

static QgaOsFile *open_mode(const char *path, const char *mode_text)
{
    QgaFileMode mode;
    QgaOsFile *f = NULL;
    QgaError *err = NULL;
    g_assert_cmpint(qga_file_mode_parse(mode_text, &mode, &err), ==, 0);
    g_assert_cmpint(qga_os_file_open(path, &mode, mode_text, &f, &err), ==, 0);
    g_assert_null(err);
    return f;
}

static void read_expect(QgaOsFile *f, size_t want, size_t got, bool eof)
{
    char buf[64];
    size_t n = 99;
    bool e = !eof;
    QgaError *err = NULL;
    g_assert_cmpuint(want, <=, sizeof(buf));
    g_assert_cmpint(qga_os_file_read(f, buf, want, &n, &e, &err), ==, 0);
    g_assert_cmpuint(n, ==, got);
    g_assert_cmpint(e, ==, eof);
}

static void test_posix_read_eof(void)
{
    g_autofree char *dir = g_dir_make_tmp("qga-fileunit.XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "f", NULL);
    g_assert_true(g_file_set_contents(path, "0123456789", 10, NULL));
    QgaOsFile *f = open_mode(path, "r");
    read_expect(f, 4, 4, false);     /* a full read stops short of the end */
    read_expect(f, 6, 6, false);     /* exactly the rest: not known to be the end yet */
    read_expect(f, 6, 0, true);      /* nothing left */
    int64_t pos = -1;
    QgaError *err = NULL;
    g_assert_cmpint(qga_os_file_seek(f, -3, 2, &pos, &err), ==, 0);
    g_assert_cmpint(pos, ==, 7);
    read_expect(f, 10, 3, true);     /* short because of the end: data and eof together */
    g_assert_cmpint(qga_os_file_seek(f, -1, 0, &pos, &err), ==, -1);
    g_assert_cmpstr(err->desc, ==, "failed to seek file: Invalid argument");
    qga_error_free(err);
    err = NULL;
    g_assert_cmpint(qga_os_file_close(f, &err), ==, 0);

    /* A FIFO with a writer but no data: nothing, and not the end either (no hang: O_NONBLOCK). */
    g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    QgaOsFile *r = open_mode(fifo, "r");
    int w = open(fifo, O_WRONLY | O_NONBLOCK);
    g_assert_cmpint(w, >=, 0);
    read_expect(r, 8, 0, false);
    g_assert_cmpint(write(w, "abc", 3), ==, 3);
    read_expect(r, 8, 3, false);
    close(w);
    read_expect(r, 8, 0, true);      /* writer gone: end of file */
    g_assert_cmpint(qga_os_file_close(r, NULL), ==, 0);

    /* Created files get 0666 whatever the umask, as qemu-ga does. */
    mode_t old = umask(077);
    g_autofree char *created = g_build_filename(dir, "new", NULL);
    QgaOsFile *c = open_mode(created, "w");
    umask(old);
    struct stat st;
    g_assert_cmpint(stat(created, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0666);
    g_assert_cmpint(qga_os_file_close(c, NULL), ==, 0);

    /* A missing file, qemu-ga's wording. */
    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    QgaFileMode mode = { .read = true };
    QgaOsFile *none = NULL;
    err = NULL;
    g_assert_cmpint(qga_os_file_open(missing, &mode, "r", &none, &err), ==, -1);
    g_autofree char *expected = g_strdup_printf("failed to open file '%s' (mode: 'r'): No such file or directory", missing);
    g_assert_cmpstr(err->desc, ==, expected);
    qga_error_free(err);

    g_unlink(path);
    g_unlink(fifo);
    g_unlink(created);
    g_rmdir(dir);
}

static void test_posix_state_files(void)
{
    g_autofree char *dir = g_dir_make_tmp("qga-fileunit.XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "qga.state", NULL);
    char *data = (char *)"x";
    size_t len = 1;
    QgaError *err = NULL;
    g_assert_cmpint(qga_os_read_small_file(path, 4096, &data, &len, &err), ==, 0);
    g_assert_null(data);
    g_assert_cmpint(qga_os_replace_file(path, "[global]\nfd_counter=1001\n", 25, &err), ==, 0);
    g_assert_cmpint(qga_os_replace_file(path, "[global]\nfd_counter=1002\n", 25, &err), ==, 0);
    g_assert_cmpint(qga_os_read_small_file(path, 4096, &data, &len, &err), ==, 0);
    g_assert_cmpstr(data, ==, "[global]\nfd_counter=1002\n");
    g_free(data);
    /* Bounded: a huge state file is not read whole. */
    g_assert_cmpint(qga_os_read_small_file(path, 8, &data, &len, &err), ==, 0);
    g_assert_cmpuint(len, ==, 8);
    g_assert_cmpstr(data, ==, "[global]");
    g_free(data);
    g_autofree char *tmp = g_build_filename(dir, "qga.state.tmp", NULL);
    g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
    /* A state directory that is not there. */
    g_autofree char *bad = g_build_filename(dir, "nodir", "qga.state", NULL);
    g_assert_cmpint(qga_os_replace_file(bad, "x", 1, &err), ==, -1);
    g_assert_true(g_str_has_suffix(err->desc, ": No such file or directory"));
    qga_error_free(err);
    g_unlink(path);
    g_rmdir(dir);
}

/* Without the agent's loop there is nobody to gather the output: a clear error, no child. */
static void test_posix_exec_needs_loop(void)
{
    const char *argv[] = { "/bin/true", NULL };
    QgaExecSpec spec = { .path = "/bin/true", .argv = argv, .input = g_strdup("abc"), .input_len = 3 };
    QgaOsChild *c = NULL;
    int64_t pid = 0;
    QgaError *err = NULL;
    g_assert_cmpint(qga_os_exec_start(&spec, &c, &pid, &err), ==, -1);
    g_assert_null(spec.input);   /* taken over (and freed) even on failure */
    g_assert_cmpstr(err->desc, ==, "Failed to execute child process “/bin/true” (the agent's event loop is not running)");
    qga_error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/file/modes-accepted", test_modes_accepted);
    g_test_add_func("/agent/file/modes-rejected", test_modes_rejected);
    g_test_add_func("/agent/file/state-parse", test_state_parse);
    g_test_add_func("/agent/file/state-format", test_state_format);
    g_test_add_func("/agent/exec/capture-modes", test_capture_modes);
    g_test_add_func("/agent/file/posix-read-eof", test_posix_read_eof);
    g_test_add_func("/agent/file/posix-state-files", test_posix_state_files);
    g_test_add_func("/agent/exec/posix-needs-loop", test_posix_exec_needs_loop);
    return g_test_run();
}

/* Unit tests of guest-exec's Windows pieces (command line, environment block, spawn round trip), run under Wine. */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/win32/win32.h"
#include "core/buf.h"
#include "os/exec.h"
#include "core/mem.h"

#include "../wine/wintap.h"

typedef LPWSTR *(WINAPI *ToArgvFn)(LPCWSTR, int *);

/* Parse cmdline with the system's CommandLineToArgvW and compare with argv (argc entries). */
static void check_round_trip(const char *const *argv, int argc)
{
    char *cmdline = qga_win_exec_cmdline(argv);
    wchar_t *w = qga_win_utf8_to_utf16(cmdline, "cmdline", NULL);
    CHECK(w != NULL, "cmdline is not UTF-8: %s", cmdline);
    int n = 0;
    LPWSTR *parsed = w ? CommandLineToArgvW(w, &n) : NULL;
    CHECK(parsed != NULL && n == argc, "argc %d, expected %d, cmdline %s", n, argc, cmdline);
    for (int i = 0; parsed && i < n && i < argc; i++) {
        char *a = qga_win_utf16_to_utf8(parsed[i], -1);
        if (strcmp(a, argv[i]) != 0) {
            printf("# argument %d of %s\n", i, cmdline);
            CHECK_STR(a, argv[i]);
        }
        free(a);
    }
    LocalFree(parsed);
    free(w);
    free(cmdline);
}

static void test_cmdline_cases(void)
{
    static const char *const args[] = {
        "C:\\Program Files\\qga test\\child.exe", "plain", "", "two words", "tab\there", "q\"uote",
        "\"", "\\", "\\\\", "\\\"", "end\\", "sp ace\\", "sp ace\\\\", "a\\\\\\\"b", "\\\\server\\share\\",
        "\"\"", "new\nline", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac", "\xf0\x9f\x98\x80 emoji", "%PATH%", "^&|<>", NULL,
    };
    check_round_trip(args, (int)QGA_N_ELEMENTS(args) - 1);

    char *cmd = qga_win_exec_cmdline((const char *const[]){ "C:\\x y\\p.exe", "a b", "c", NULL });
    CHECK_STR(cmd, "\"C:\\x y\\p.exe\" \"a b\" c");
    free(cmd);
    cmd = qga_win_exec_cmdline((const char *const[]){ "p", NULL });
    CHECK_STR(cmd, "\"p\"");
    free(cmd);
}

/* Random arguments over the characters the quoting rules care about. */
static void test_cmdline_random(void)
{
    static const char *const pieces[] = { "a", " ", "\t", "\"", "\\", "\\\\", "\xc3\xa9", "\xf0\x9f\x98\x80", "x y" };
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char *argv[8] = { 0 };
        argv[0] = qga_strdup("C:\\Program Files\\p.exe");
        int argc = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 6;
        for (int i = 1; i < argc; i++) {
            QgaBuf b = QGA_BUF_INIT;
            qga_buf_append(&b, "", 0);
            int len = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 8;
            for (int k = 0; k < len; k++)
                qga_buf_append_str(&b, pieces[((seed = seed * 1103515245u + 12345u) >> 16) % QGA_N_ELEMENTS(pieces)]);
            argv[i] = qga_buf_steal(&b, NULL);
        }
        int failed_before = test_failed;
        check_round_trip((const char *const *)argv, argc);
        for (int i = 0; i < argc; i++)
            free(argv[i]);
        if (test_failed && !failed_before)
            break; /* one reported case is enough */
    }
}

static void test_envblock(void)
{
    QgaError *err = NULL;
    wchar_t *b = qga_win_exec_envblock((const char *const[]){ "A=1", "Path=C:\\x;C:\\y", "\xc3\x89=\xe2\x82\xac", NULL },
                                       &err);
    CHECK(b != NULL, "envblock failed");
    static const wchar_t expected[] = L"A=1\0Path=C:\\x;C:\\y\0\x00c9=\x20ac\0";
    CHECK(b && memcmp(b, expected, sizeof(expected)) == 0, "block differs");
    free(b);

    b = qga_win_exec_envblock((const char *const[]){ NULL }, &err);
    CHECK(b && b[0] == 0 && b[1] == 0, "empty block is not two NULs");
    free(b);

    /* \u0000 arrives from the JSON parser as C0 80, which is no UTF-8. */
    b = qga_win_exec_envblock((const char *const[]){ "A=\xc0\x80", NULL }, &err);
    CHECK(b == NULL && err != NULL, "C0 80 accepted");
    free(b);
    qga_error_free(err);

    CHECK_STR(qga_win_exec_env_path((const char *const[]){ "X=1", "pAtH=C:\\bin", NULL }), "C:\\bin");
    CHECK(qga_win_exec_env_path((const char *const[]){ "PATHX=1", NULL }) == NULL, "PATHX is PATH");
    CHECK(qga_win_exec_env_path(NULL) == NULL, "NULL envp");
}

/* ---- through CreateProcessW: the child's own (msvcrt) parser must agree ---- */

static void json_escape(QgaBuf *b, const char *s)
{
    qga_buf_append_byte(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            qga_buf_append_byte(b, '\\');
            qga_buf_append_byte(b, *p);
        } else if (*p < 0x20) {
            qga_buf_printf(b, "\\u%04x", *p);
        } else {
            qga_buf_append_byte(b, *p);
        }
    }
    qga_buf_append_byte(b, '"');
}

static bool wait_exited(QgaOsChild *c, QgaExecStatus *st)
{
    for (int i = 0; i < 1000; i++) {
        qga_os_exec_status(c, st);
        if (st->exited)
            return true;
        Sleep(10);
    }
    return false;
}

static void test_spawn_round_trip(void)
{
    const char *child = getenv("QGA_EXEC_CHILD");
    CHECK(child != NULL, "QGA_EXEC_CHILD is not set");
    if (!child)
        return;
    static const char *const extra[] = { "", "a b", "q\"uote", "end\\", "sp ace\\", "a\\\\\\\"b", "\\\\srv\\s\\",
                                         "\xc3\xa9t\xc3\xa9 \xe2\x82\xac", "\xf0\x9f\x98\x80", "%PATH%" };
    const char *argv[16] = { child, "argv" };
    QgaBuf expected = QGA_BUF_INIT;
    qga_buf_append_byte(&expected, '[');
    for (size_t i = 0; i < QGA_N_ELEMENTS(extra); i++) {
        argv[2 + i] = extra[i];
        if (i)
            qga_buf_append_byte(&expected, ',');
        json_escape(&expected, extra[i]);
    }
    qga_buf_append_byte(&expected, ']');

    QgaExecSpec spec = { .path = child, .argv = argv, .capture = QGA_EXEC_CAPTURE_SEPARATED };
    QgaOsChild *c = NULL;
    int64_t pid = 0;
    QgaError *err = NULL;
    CHECK(qga_os_exec_start(&spec, &c, &pid, &err) == 0, "start: %s", err ? err->desc : "");
    if (c) {
        QgaExecStatus st;
        CHECK(wait_exited(c, &st), "child did not exit");
        CHECK(pid > 0, "pid %lld", (long long)pid);
        CHECK(st.has_exitcode && st.exitcode == 0, "exit code %lld", (long long)st.exitcode);
        CHECK(st.out_len == expected.len && memcmp(st.out, expected.data, expected.len) == 0, "out: %.*s",
              (int)st.out_len, st.out ? st.out : "");
        CHECK(st.err_len == 0, "err: %zu bytes", st.err_len);
        qga_os_exec_free(c);
    }
    qga_error_free(err);
    qga_buf_free(&expected);
}

static void test_spawn_stdin_merged(void)
{
    const char *child = getenv("QGA_EXEC_CHILD");
    if (!child) {
        CHECK(false, "QGA_EXEC_CHILD is not set");
        return;
    }
    /* 1 MiB through stdin and back on stdout, fed and drained at the same time. */
    size_t len = (size_t)1 << 20;
    char *input = qga_malloc(len);
    for (size_t i = 0; i < len; i++)
        input[i] = (char)(i * 7 + 3);
    const char *argv[] = { child, "cat", NULL };
    QgaExecSpec spec = { .path = child, .argv = argv, .input = qga_malloc(len), .input_len = len,
                         .capture = QGA_EXEC_CAPTURE_MERGED };
    memcpy(spec.input, input, len);
    QgaOsChild *c = NULL;
    int64_t pid = 0;
    QgaError *err = NULL;
    CHECK(qga_os_exec_start(&spec, &c, &pid, &err) == 0, "start: %s", err ? err->desc : "");
    CHECK(spec.input == NULL, "input not taken over");
    if (c) {
        QgaExecStatus st;
        CHECK(wait_exited(c, &st), "child did not exit");
        CHECK(st.out_len == len && memcmp(st.out, input, len) == 0, "out %zu bytes", st.out_len);
        qga_os_exec_free(c);
    }
    qga_error_free(err);
    free(input);

    /* A missing program: GLib's wording with the system's text. */
    err = NULL;
    const char *argv2[] = { "no-such-program-qga", NULL };
    QgaExecSpec spec2 = { .path = "no-such-program-qga", .argv = argv2 };
    CHECK(qga_os_exec_start(&spec2, &c, &pid, &err) == -1, "missing program started");
    const char *prefix = "Failed to execute child process \xe2\x80\x9cno-such-program-qga\xe2\x80\x9d (";
    CHECK(err && strncmp(err->desc, prefix, strlen(prefix)) == 0, "%s", err ? err->desc : "(no error)");
    qga_error_free(err);
}

static const TestCase tests[] = {
    { "/win32/exec/cmdline-cases", test_cmdline_cases },
    { "/win32/exec/cmdline-random", test_cmdline_random },
    { "/win32/exec/envblock", test_envblock },
    { "/win32/exec/spawn-argv-round-trip", test_spawn_round_trip },
    { "/win32/exec/spawn-stdin-merged", test_spawn_stdin_merged },
};

int main(void)
{
    return wintap_run(tests, QGA_N_ELEMENTS(tests));
}

/* Child program for the guest-exec tests: echoes its argv as JSON, copies stdin, writes, exits, dies on request. */
/*
 * Built natively and by the Windows cross build (tests/exec/meson.build), so the same test runs
 * against both agents. Every write is unbuffered (write()/WriteFile), so the interleaving of
 * stdout and stderr on one pipe ("merged") is exactly the order of the calls.
 *
 *   argv ARG...          stdout: the ARGs as a JSON array of strings (UTF-8, only " \ and
 *                        control characters escaped)
 *   env NAME...          stdout: a JSON array, each NAME's value or null
 *   cat                  stdin to stdout until end of input
 *   write out|err N      N bytes 'a'..'z' repeating on stdout or stderr
 *   interleave N         "out I\n" on stdout then "err I\n" on stderr, for I in 0..N-1
 *   sleep MS             sleep, then exit 0
 *   exit CODE            exit with CODE
 *   die                  POSIX: killed by SIGTERM; Windows: ends with NTSTATUS 0xC0000005
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <signal.h>
#include <time.h>
#include <unistd.h>
#endif

static void put(int stream, const void *data, size_t len)
{
#ifdef _WIN32
    HANDLE h = GetStdHandle(stream == 1 ? STD_OUTPUT_HANDLE : STD_ERROR_HANDLE);
    const char *p = data;
    while (len > 0) {
        DWORD n = 0;
        if (!WriteFile(h, p, len > 65536 ? 65536 : (DWORD)len, &n, NULL) || n == 0)
            exit(90);
        p += n;
        len -= n;
    }
#else
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(stream, p, len);
        if (n <= 0)
            exit(90);
        p += n;
        len -= (size_t)n;
    }
#endif
}

static void put_str(int stream, const char *s)
{
    put(stream, s, strlen(s));
}

static void put_json_string(const char *s)
{
    put_str(1, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            put(1, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", *p);
            put_str(1, esc);
        } else {
            put(1, p, 1);
        }
    }
    put_str(1, "\"");
}

static long read_stdin(char *buf, size_t len)
{
#ifdef _WIN32
    DWORD n = 0;
    if (!ReadFile(GetStdHandle(STD_INPUT_HANDLE), buf, (DWORD)len, &n, NULL))
        return GetLastError() == ERROR_BROKEN_PIPE ? 0 : -1;
    return (long)n;
#else
    ssize_t n = read(0, buf, len);
    return (long)n;
#endif
}

static void sleep_ms(long ms)
{
#ifdef _WIN32
    Sleep((DWORD)ms);
#else
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0) {
    }
#endif
}

static int run(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *action = argv[1];
    if (strcmp(action, "argv") == 0) {
        put_str(1, "[");
        for (int i = 2; i < argc; i++) {
            if (i > 2)
                put_str(1, ",");
            put_json_string(argv[i]);
        }
        put_str(1, "]");
        return 0;
    }
    if (strcmp(action, "env") == 0) {
        put_str(1, "[");
        for (int i = 2; i < argc; i++) {
            if (i > 2)
                put_str(1, ",");
            const char *v = getenv(argv[i]);
            if (v)
                put_json_string(v);
            else
                put_str(1, "null");
        }
        put_str(1, "]");
        return 0;
    }
    if (strcmp(action, "cat") == 0) {
        static char buf[65536];
        long n;
        while ((n = read_stdin(buf, sizeof(buf))) > 0)
            put(1, buf, (size_t)n);
        return n < 0 ? 91 : 0;
    }
    if (strcmp(action, "write") == 0 && argc == 4) {
        int stream = strcmp(argv[2], "err") == 0 ? 2 : 1;
        size_t total = (size_t)strtoull(argv[3], NULL, 10);
        static char buf[65536];
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = (char)('a' + i % 26);
        /* 65536 % 26 != 0: restart the pattern per block so that byte i is always 'a' + i % 26. */
        size_t block = sizeof(buf) - sizeof(buf) % 26;
        while (total > 0) {
            size_t n = total < block ? total : block;
            put(stream, buf, n);
            total -= n;
        }
        return 0;
    }
    if (strcmp(action, "interleave") == 0 && argc == 3) {
        long n = strtol(argv[2], NULL, 10);
        for (long i = 0; i < n; i++) {
            char line[32];
            snprintf(line, sizeof(line), "out %ld\n", i);
            put_str(1, line);
            snprintf(line, sizeof(line), "err %ld\n", i);
            put_str(2, line);
        }
        return 0;
    }
    if (strcmp(action, "sleep") == 0 && argc == 3) {
        sleep_ms(strtol(argv[2], NULL, 10));
        return 0;
    }
    if (strcmp(action, "exit") == 0 && argc == 3)
        return (int)strtol(argv[2], NULL, 10);
    if (strcmp(action, "die") == 0) {
#ifdef _WIN32
        TerminateProcess(GetCurrentProcess(), 0xC0000005);
#else
        signal(SIGTERM, SIG_DFL);
        raise(SIGTERM);
#endif
        return 93;
    }
    return 2;
}

#ifdef _WIN32
/* The wide argv (what CreateProcessW's command line parses to), as UTF-8. */
int wmain(int argc, wchar_t **wargv)
{
    char **argv = calloc((size_t)argc + 1, sizeof(char *));
    for (int i = 0; i < argc; i++) {
        int n = WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
        argv[i] = malloc(n > 0 ? (size_t)n : 1);
        argv[i][0] = '\0';
        WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, argv[i], n, NULL, NULL);
    }
    return run(argc, argv);
}
#else
int main(int argc, char **argv)
{
    return run(argc, argv);
}
#endif

/* Unit tests of the Windows platform (quoting, version tables, UTF-16, errors, the port and the server), run under Wine. */
#include <windows.h>
#include <wtsapi32.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/win32/channel.h"
#include "host/win32/runtime.h"
#include "core/agent.h"
#include "core/config.h"
#include "core/dispatch.h"
#include "core/mem.h"
#include "host/host.h"
#include "core/session.h"

#include "wintap.h"
#include "os/os.h"

/* ---- command-line quoting and -s install ---- */

static void test_quote(void)
{
    static const char *const cases[][2] = {
        { "plain", "plain" },
        { "", "\"\"" },
        { "two words", "\"two words\"" },
        { "C:\\Program Files\\x", "\"C:\\Program Files\\x\"" },
        { "tail\\", "tail\\" },
        { "sp ace\\", "\"sp ace\\\\\"" },
        { "q\"uote", "\"q\\\"uote\"" },
        { "back\\\"q", "\"back\\\\\\\"q\"" },
        { "\\\\server\\share", "\\\\server\\share" },
        { "tab\there", "\"tab\there\"" },
    };
    for (size_t i = 0; i < QGA_N_ELEMENTS(cases); i++) {
        QgaBuf b = QGA_BUF_INIT;
        qga_win_cmdline_append_arg(&b, cases[i][0]);
        CHECK_STR(b.data, cases[i][1]);
        qga_buf_free(&b);
    }
    /* Round trip through the parser Windows itself uses for service command lines. */
    static const char *const args[] = { "a b", "c\\\"d", "e\\\\", "", "f\\ g\\", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac" };
    QgaBuf cmd = QGA_BUF_INIT;
    qga_buf_append_str(&cmd, "x.exe");
    for (size_t i = 0; i < QGA_N_ELEMENTS(args); i++)
        qga_win_cmdline_append_arg(&cmd, args[i]);
    wchar_t *w = qga_win_utf8_to_utf16(cmd.data, "cmd", NULL);
    int argc = 0;
    typedef LPWSTR *(WINAPI * ToArgvFn)(LPCWSTR, int *);
    HMODULE shell32 = LoadLibraryW(L"shell32.dll");
    ToArgvFn to_argv = shell32 ? (ToArgvFn)(void *)GetProcAddress(shell32, "CommandLineToArgvW") : NULL;
    CHECK(to_argv != NULL, "CommandLineToArgvW");
    if (to_argv) {
        LPWSTR *argv = to_argv(w, &argc);
        CHECK(argc == (int)QGA_N_ELEMENTS(args) + 1, "argc %d", argc);
        for (int i = 1; i < argc && i <= (int)QGA_N_ELEMENTS(args); i++) {
            char *a = qga_win_utf16_to_utf8(argv[i], -1);
            CHECK_STR(a, args[i - 1]);
            free(a);
        }
        LocalFree(argv);
    }
    free(w);
    qga_buf_free(&cmd);
}

static void test_service_cmdline(void)
{
    char *argv1[] = { "qga-compat.exe", "-m", "isa-serial", "-p", "COM5", "-l", "C:\\log dir\\a.log",
                      "-v", "-d", "-s", "install", "-t", "after", NULL };
    char *cmd = qga_win_service_cmdline("C:\\Program Files\\qga\\qga-compat.exe", 13, argv1);
    CHECK_STR(cmd, "\"C:\\Program Files\\qga\\qga-compat.exe\" -d -r -m isa-serial -p COM5 -l \"C:\\log dir\\a.log\" -v");
    free(cmd);

    /* -r given: not doubled; values that look like options are values; --service=install ends the list. */
    char *argv2[] = { "x", "--retry-path", "-b", "-s", "--path=\\\\.\\COM3", "--service=install", "-v", NULL };
    cmd = qga_win_service_cmdline("C:\\q\\x.exe", 7, argv2);
    CHECK_STR(cmd, "\"C:\\q\\x.exe\" -d --retry-path -b -s --path=\\\\.\\COM3");
    free(cmd);

    /* A relative config path is made absolute (the service runs in System32). */
    char *argv3[] = { "x", "-c", "rel.conf", "-s", "install", NULL };
    size_t n;
    bool has_retry;
    char **opts = qga_win_options_before_service(5, argv3, &n, &has_retry);
    CHECK(n == 2 && !has_retry, "n %zu", n);
    if (n == 2) {
        CHECK_STR(opts[0], "-c");
        CHECK(strlen(opts[1]) > 3 && opts[1][1] == ':' && strstr(opts[1], "\\rel.conf") != NULL, "%s", opts[1]);
    }
    for (size_t i = 0; i < n; i++)
        free(opts[i]);
    free(opts);
}

/* ---- osinfo tables ---- */

static void test_version_names(void)
{
    static const struct {
        QgaWinVersion v;
        const char *version, *id;
    } cases[] = {
        { { 6, 1, 7601, false }, "Microsoft Windows 7", "7" },
        { { 6, 1, 7601, true }, "Microsoft Windows Server 2008 R2", "2008r2" },
        { { 6, 3, 9600, false }, "Microsoft Windows 8.1", "8.1" },
        { { 5, 1, 2600, false }, "Microsoft Windows XP", "xp" },
        { { 10, 0, 19045, false }, "Microsoft Windows 10", "10" },
        { { 10, 0, 21999, false }, "Microsoft Windows 10", "10" },
        { { 10, 0, 22000, false }, "Microsoft Windows 11", "11" },
        { { 10, 0, 26100, false }, "Microsoft Windows 11", "11" },
        { { 10, 0, 14393, true }, "Microsoft Windows Server 2016", "2016" },
        { { 10, 0, 17763, true }, "Microsoft Windows Server 2019", "2019" },
        { { 10, 0, 20348, true }, "Microsoft Windows Server 2022", "2022" },
        { { 10, 0, 26100, true }, "Microsoft Windows Server 2025", "2025" },
        { { 10, 0, 10074, true }, "Microsoft Windows Server 2016", "2016" },
        { { 11, 0, 30000, false }, "N/A", "N/A" },
    };
    for (size_t i = 0; i < QGA_N_ELEMENTS(cases); i++) {
        const char *version, *id;
        qga_win_version_names(&cases[i].v, &version, &id);
        CHECK_STR(version, cases[i].version);
        CHECK_STR(id, cases[i].id);
    }
}

static void test_pretty_name(void)
{
    QgaWinVersion w11 = { 10, 0, 22631, false }, w10 = { 10, 0, 19045, false }, srv = { 10, 0, 26100, true };
    char *p = qga_win_pretty_name("Windows 10 Pro", &w11);
    CHECK_STR(p, "Windows 11 Pro");
    free(p);
    p = qga_win_pretty_name("Windows 10 Enterprise LTSC", &w10);
    CHECK_STR(p, "Windows 10 Enterprise LTSC");
    free(p);
    p = qga_win_pretty_name("Windows Server 2025 Datacenter", &srv);
    CHECK_STR(p, "Windows Server 2025 Datacenter");
    free(p);
    p = qga_win_pretty_name("Microsoft Windows 10 \xc3\x89" "dition", &w11);
    CHECK_STR(p, "Microsoft Windows 11 \xc3\x89" "dition");
    free(p);
}

/* ---- small pieces ---- */

static void test_utf(void)
{
    static const char *const samples[] = { "", "ascii", "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac 100", "\xf0\x9f\x98\x80 emoji" };
    for (size_t i = 0; i < QGA_N_ELEMENTS(samples); i++) {
        QgaError *err = NULL;
        wchar_t *w = qga_win_utf8_to_utf16(samples[i], "sample", &err);
        CHECK(w != NULL && err == NULL, "sample %zu", i);
        char *back = qga_win_utf16_to_utf8(w, -1);
        CHECK_STR(back, samples[i]);
        free(back);
        free(w);
    }
    wchar_t *w = qga_win_utf8_to_utf16("\xf0\x9f\x98\x80", "x", NULL);
    CHECK(w && w[0] == 0xD83D && w[1] == 0xDE00 && w[2] == 0, "surrogate pair");
    free(w);

    QgaError *err = NULL;
    CHECK(qga_win_utf8_to_utf16("bad \xff byte", "path", &err) == NULL, "invalid UTF-8 accepted");
    CHECK_PREFIX(err ? err->desc : NULL, "can't convert 'path' to UTF-16: ");
    qga_error_free(err);

    static const wchar_t lone[] = { L'a', 0xD800, L'b', 0 };
    char *s = qga_win_utf16_to_utf8(lone, -1);
    CHECK_STR(s, "a\xef\xbf\xbd" "b");
    free(s);
}

static void test_oserror(void)
{
    QgaError *err = NULL;
    qga_error_set_os(&err, ERROR_FILE_NOT_FOUND, "error opening path %s", "\\\\.\\COM9");
    CHECK(err && err->error_class == QGA_ERROR_GENERIC, "class");
    CHECK_PREFIX(err ? err->desc : NULL, "error opening path \\\\.\\COM9: ");
    CHECK(err && strlen(err->desc) > strlen("error opening path \\\\.\\COM9: "), "no OS text");
    CHECK(err && !strchr(err->desc, '\r') && !strchr(err->desc, '\n'), "line ends kept");
    qga_error_free(err);
    err = NULL;
    qga_error_set_os(&err, 0x2badc0de, "odd");
    CHECK_STR(err ? err->desc : NULL, "odd: error 0x2badc0de");
    qga_error_free(err);
    SetLastError(ERROR_ACCESS_DENIED);
    CHECK(qga_os_last_error() == ERROR_ACCESS_DENIED, "last error");
}

static void test_defaults(void)
{
    const QgaConfigDefaults *d = qga_host_defaults();
    CHECK_STR(d->method, "virtio-serial");
    CHECK_STR(d->virtio_path, "\\\\.\\Global\\org.qemu.guest_agent.0");
    CHECK_STR(d->isa_path, "COM1");
    CHECK(d->methods && d->methods[0] && d->methods[1] && !d->methods[2], "two methods");
    CHECK_STR(d->methods[0], "virtio-serial");
    CHECK_STR(d->methods[1], "isa-serial");
    CHECK(d->fsfreeze_hook == NULL, "no hook on Windows");
    size_t n = strlen(d->statedir);
    CHECK(n > 11 && strcmp(d->statedir + n - 11, "\\qga-compat") == 0, "%s", d->statedir);
    wchar_t pd[MAX_PATH];
    DWORD len = GetEnvironmentVariableW(L"ProgramData", pd, MAX_PATH);
    if (len > 0 && len < MAX_PATH) {
        char *p = qga_win_utf16_to_utf8(pd, -1);
        char *expected = qga_strdup_printf("%s\\qga-compat", p);
        CHECK_STR(d->statedir, expected);
        free(expected);
        free(p);
    }
    /* Config next to the exe. */
    wchar_t *exe = qga_win_module_path();
    char *exe8 = qga_win_utf16_to_utf8(exe, -1);
    char *slash = strrchr(exe8, '\\');
    if (slash)
        strcpy(slash + 1, "qga-compat.conf");
    CHECK_STR(d->config_path, exe8);
    free(exe8);
    free(exe);
}

static void test_mkdir_p(void)
{
    wchar_t tmp[MAX_PATH];
    GetTempPathW(MAX_PATH, tmp);
    char *t = qga_win_utf16_to_utf8(tmp, -1);
    char *root = qga_strdup_printf("%sqga-mkdir-%lu", t, (unsigned long)GetCurrentProcessId());
    char *deep = qga_strdup_printf("%s\\a\\\xc3\xa9\\c", root);
    QgaError *err = NULL;
    CHECK(qga_os_mkdir_p(deep, &err) == 0, "%s", err ? err->desc : "");
    CHECK(qga_os_mkdir_p(deep, NULL) == 0, "again");
    wchar_t *wdeep = qga_win_utf8_to_utf16(deep, "d", NULL);
    DWORD attrs = GetFileAttributesW(wdeep);
    CHECK(attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY), "created");
    /* A file in the way is an error naming the path. */
    char *file = qga_strdup_printf("%s\\file", root);
    wchar_t *wfile = qga_win_utf8_to_utf16(file, "f", NULL);
    HANDLE h = CreateFileW(wfile, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    CloseHandle(h);
    char *under = qga_strdup_printf("%s\\sub", file);
    qga_error_free(err);
    err = NULL;
    CHECK(qga_os_mkdir_p(under, &err) == -1, "file in the way");
    CHECK(err && strstr(err->desc, "failed to create directory") != NULL, "%s", err ? err->desc : "");
    qga_error_free(err);
    DeleteFileW(wfile);
    free(wfile);
    free(wdeep);
    free(under);
    free(file);
    free(deep);
    free(root);
    free(t);
}

/* ---- the server against a named pipe standing in for the port ---- */

static int test_handler_ping(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    *ret_result = NULL;
    return 0;
}

static const QgaCommandSpec test_commands[] = {
    { "guest-ping", NULL, 0, 0, test_handler_ping },
};
static const QgaCommandTable test_table = { test_commands, 1 };

typedef struct PipeHost {
    HANDLE pipe;
    OVERLAPPED ov;
    char buf[1 << 16];
    size_t len;
} PipeHost;

/* A message-mode named pipe \\.\pipe\qga-<tag>-<pid> playing the host (its name in name):
 * a zero-length write is a zero-byte read for the agent, virtio-serial's hang-up signal.
 * NULL (a failed check) when the pipe cannot be created. */
static PipeHost *pipe_host_new(const char *tag, char *name, size_t name_size)
{
    wchar_t wname[64];
    snprintf(name, name_size, "\\\\.\\pipe\\qga-%s-%lu", tag, (unsigned long)GetCurrentProcessId());
    if (!MultiByteToWideChar(CP_ACP, 0, name, -1, wname, 64))
        wname[0] = 0;
    PipeHost *host = qga_calloc(1, sizeof(*host));
    host->pipe = CreateNamedPipeW(wname, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED,
                                  PIPE_TYPE_MESSAGE | PIPE_READMODE_BYTE | PIPE_WAIT, 1, 65536, 65536, 0, NULL);
    CHECK(host->pipe != INVALID_HANDLE_VALUE, "CreateNamedPipeW %lu", (unsigned long)GetLastError());
    if (host->pipe == INVALID_HANDLE_VALUE) {
        free(host);
        return NULL;
    }
    return host;
}

static bool host_wait_connect(PipeHost *h, DWORD ms)
{
    memset(&h->ov, 0, sizeof(h->ov));
    h->ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    bool ok = false;
    if (ConnectNamedPipe(h->pipe, &h->ov) || GetLastError() == ERROR_PIPE_CONNECTED)
        ok = true;
    else if (GetLastError() == ERROR_IO_PENDING && WaitForSingleObject(h->ov.hEvent, ms) == WAIT_OBJECT_0)
        ok = true;
    if (!ok)
        CancelIoEx(h->pipe, &h->ov);
    CloseHandle(h->ov.hEvent);
    return ok;
}

static bool host_write(PipeHost *h, const void *data, DWORD len)
{
    OVERLAPPED ov = { 0 };
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    DWORD n = 0;
    bool ok = WriteFile(h->pipe, data, len, NULL, &ov) || GetLastError() == ERROR_IO_PENDING;
    ok = ok && WaitForSingleObject(ov.hEvent, 5000) == WAIT_OBJECT_0 && GetOverlappedResult(h->pipe, &ov, &n, FALSE) &&
         n == len;
    CloseHandle(ov.hEvent);
    return ok;
}

/* One reply line (without "\n"), waiting up to ms; NULL on timeout. */
static char *host_read_line(PipeHost *h, DWORD ms)
{
    ULONGLONG deadline = GetTickCount64() + ms;
    for (;;) {
        char *nl = memchr(h->buf, '\n', h->len);
        if (nl) {
            char *line = qga_strndup(h->buf, (size_t)(nl - h->buf));
            size_t used = (size_t)(nl - h->buf) + 1;
            memmove(h->buf, h->buf + used, h->len - used);
            h->len -= used;
            return line;
        }
        ULONGLONG now = GetTickCount64();
        if (now >= deadline || h->len == sizeof(h->buf))
            return NULL;
        OVERLAPPED ov = { 0 };
        ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
        DWORD n = 0;
        bool ok = ReadFile(h->pipe, h->buf + h->len, (DWORD)(sizeof(h->buf) - h->len), NULL, &ov) ||
                  GetLastError() == ERROR_IO_PENDING || GetLastError() == ERROR_MORE_DATA;
        if (ok && WaitForSingleObject(ov.hEvent, (DWORD)(deadline - now)) != WAIT_OBJECT_0) {
            CancelIoEx(h->pipe, &ov);
            GetOverlappedResult(h->pipe, &ov, &n, TRUE);
            h->len += n;
            CloseHandle(ov.hEvent);
            continue;
        }
        if (ok && (GetOverlappedResult(h->pipe, &ov, &n, FALSE) || GetLastError() == ERROR_MORE_DATA))
            h->len += n;
        CloseHandle(ov.hEvent);
        if (!ok)
            return NULL;
    }
}

typedef struct ServerRun {
    QgaWinServer *server;
    int rc;
} ServerRun;

static DWORD WINAPI server_thread(LPVOID p)
{
    ServerRun *run = p;
    run->rc = qga_win_server_run(run->server);
    return 0;
}

/* A minimal agent (the test's one-command table) with the server running in a thread. */
typedef struct ServerAgent {
    QgaAgent agent;
    ServerRun run;
    HANDLE thread;
} ServerAgent;

static void server_agent_start(ServerAgent *la, const QgaConfig *cfg)
{
    la->agent = (QgaAgent){ .config = cfg, .version = "test" };
    la->agent.dispatcher = qga_dispatcher_new(&test_table, &la->agent);
    la->agent.session = qga_session_new(la->agent.dispatcher, NULL);
    la->run = (ServerRun){ qga_win_server_new(&la->agent, NULL), -1 };
    la->thread = CreateThread(NULL, 0, server_thread, &la->run, 0, NULL);
}

/* After the server stopped. */
static void server_agent_free(ServerAgent *la)
{
    CloseHandle(la->thread);
    qga_win_server_free(la->run.server);
    qga_session_free(la->agent.session);
    qga_dispatcher_free(la->agent.dispatcher);
}

static void test_server(void)
{
    char name[64];
    PipeHost *host = pipe_host_new("test", name, sizeof(name));
    if (!host)
        return;

    QgaConfig cfg = { 0 };
    cfg.method = qga_strdup("virtio-serial");
    cfg.path = qga_strdup(name);
    cfg.retry_path = true;
    cfg.g2h.disabled = true;   /* the QGA port alone (the g2h settings are not filled in here) */
    ServerAgent la;
    server_agent_start(&la, &cfg);

    CHECK(host_wait_connect(host, 5000), "the agent did not open the port");
    static const char ping1[] = "{\"execute\": \"guest-ping\", \"id\": 1}\n";
    CHECK(host_write(host, ping1, sizeof(ping1) - 1), "write");
    char *line = host_read_line(host, 5000);
    CHECK_STR(line, "{\"return\": {}, \"id\": 1}");
    free(line);

    /* Split across writes and pipelined: replies in order. */
    static const char split1[] = "{\"execute\": \"guest-pi", split2[] = "ng\", \"id\": 2}{\"execute\": \"guest-ping\", \"id\": 3}";
    CHECK(host_write(host, split1, sizeof(split1) - 1) && host_write(host, split2, sizeof(split2) - 1), "write");
    line = host_read_line(host, 5000);
    CHECK_STR(line, "{\"return\": {}, \"id\": 2}");
    free(line);
    line = host_read_line(host, 5000);
    CHECK_STR(line, "{\"return\": {}, \"id\": 3}");
    free(line);

    /* Hang-up (a zero-byte read) drops the partial message: the next request parses clean. */
    static const char partial[] = "{\"execute\": \"guest-pi";
    static const char ping4[] = "{\"execute\": \"guest-ping\", \"id\": 4}";
    CHECK(host_write(host, partial, sizeof(partial) - 1), "write");
    Sleep(100);
    CHECK(host_write(host, "", 0), "zero-length write");
    Sleep(50);
    CHECK(host_write(host, ping4, sizeof(ping4) - 1), "write");
    line = host_read_line(host, 5000);
    CHECK_STR(line, "{\"return\": {}, \"id\": 4}");
    free(line);

    /* The host goes away (a broken port): the agent reopens at once after a port that served. */
    DisconnectNamedPipe(host->pipe);
    host->len = 0;
    CHECK(host_wait_connect(host, 5000), "the agent did not reopen the port");
    static const char ping5[] = "{\"execute\": \"guest-ping\", \"id\": 5}";
    CHECK(host_write(host, ping5, sizeof(ping5) - 1), "write");
    line = host_read_line(host, 5000);
    CHECK_STR(line, "{\"return\": {}, \"id\": 5}");
    free(line);

    /* A host that writes but never reads: replies back up, the server still answers a stop. */
    QgaBuf flood = QGA_BUF_INIT;
    for (int i = 0; i < 4000; i++)
        qga_buf_printf(&flood, "{\"execute\": \"guest-ping\", \"id\": \"%0200d\"}", i);
    OVERLAPPED ov = { 0 };
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    WriteFile(host->pipe, flood.data, (DWORD)flood.len, NULL, &ov); /* stays pending: nobody reads replies */
    Sleep(500);
    ULONGLONG t0 = GetTickCount64();
    qga_win_server_stop(la.run.server);
    DWORD w = WaitForSingleObject(la.thread, 5000);
    CHECK(w == WAIT_OBJECT_0, "the server did not stop while its writes were blocked");
    CHECK(la.run.rc == 0, "exit code %d", la.run.rc);
    CHECK(GetTickCount64() - t0 < 2000, "stop took %llu ms", (unsigned long long)(GetTickCount64() - t0));
    CancelIoEx(host->pipe, &ov);
    DWORD n;
    GetOverlappedResult(host->pipe, &ov, &n, TRUE);
    CloseHandle(ov.hEvent);
    qga_buf_free(&flood);

    server_agent_free(&la);
    free(cfg.method);
    free(cfg.path);
    CloseHandle(host->pipe);
    free(host);
}

/* ---- the guest-driven channel against a named pipe: vioser's host-not-connected reads ---- */

/* The "id" of a request line, 0 if none. */
static unsigned long line_id(const char *line)
{
    const char *p = line ? strstr(line, "\"id\":") : NULL;
    if (!p)
        return 0;
    p += 5;
    while (*p == ' ')
        p++;
    return strtoul(p, NULL, 10);
}

/* Lines until one contains want (NULL if none within ms); the others are dropped. */
static char *host_read_until(PipeHost *h, const char *want, DWORD ms)
{
    ULONGLONG deadline = GetTickCount64() + ms;
    for (;;) {
        ULONGLONG now = GetTickCount64();
        if (now >= deadline)
            return NULL;
        char *line = host_read_line(h, (DWORD)(deadline - now));
        if (!line || strstr(line, want))
            return line;
        free(line);
    }
}

static void host_answer_hello(PipeHost *h, const char *hello)
{
    char reply[128];
    snprintf(reply, sizeof(reply), "{\"return\": {\"host\": \"pipe\"}, \"id\": %lu}\n", line_id(hello));
    CHECK(host_write(h, reply, (DWORD)strlen(reply)), "write hello reply");
}

/*
 * vioser tells the guest that no host has the socket open by completing every read at once; a
 * zero-length pipe message is such a read. The agent must say nothing until a read stays pending
 * (a host), queue events while reads end that way, and deliver them when the host is back.
 */
static void test_g2h_hangup(void)
{
    char name[64], main_name[64];
    snprintf(main_name, sizeof(main_name), "\\\\.\\pipe\\qga-no-main-%lu", (unsigned long)GetCurrentProcessId());
    PipeHost *host = pipe_host_new("g2h-test", name, sizeof(name));
    if (!host)
        return;

    QgaConfig cfg = { 0 };
    cfg.method = qga_strdup("virtio-serial");
    cfg.path = qga_strdup(main_name);   /* no main port: the g2h channel does not need one */
    cfg.retry_path = true;
    cfg.g2h.method = qga_strdup("virtio-serial");
    cfg.g2h.path = qga_strdup(name);
    cfg.g2h.heartbeat_set = true;       /* heartbeat 0: only the events below */
    cfg.g2h.queue = 4;
    ServerAgent la;
    server_agent_start(&la, &cfg);

    CHECK(host_wait_connect(host, 5000), "the agent did not open the g2h port");
    ULONGLONG t_open = GetTickCount64();
    /* No host yet: three reads end at once (paced 100, 200 ms apart), the fourth stays pending. */
    for (int i = 0; i < 3; i++)
        CHECK(host_write(host, "", 0), "zero-length write");
    char *hello = host_read_line(host, 5000);
    ULONGLONG waited = GetTickCount64() - t_open;
    CHECK(hello && strstr(hello, "\"execute\": \"host-hello\"") && strstr(hello, "\"os\": \"windows\""),
          "first line: %s", hello ? hello : "(none)");
    CHECK(waited >= 500, "hello after %llu ms: sent before a read stayed pending", (unsigned long long)waited);
    host_answer_hello(host, hello);
    free(hello);
    char *line = host_read_until(host, "AGENT_STARTED", 5000);
    CHECK(line != NULL, "no AGENT_STARTED");
    free(line);
    while ((line = host_read_line(host, 500)))   /* the intrinsic keys' requests */
        free(line);

    /* The host leaves (one read ends at once), and stays away for five more reads (3.1 s). */
    for (int i = 0; i < 6; i++)
        CHECK(host_write(host, "", 0), "zero-length write");
    Sleep(300);
    qga_win_server_notify(la.run.server, QGA_WIN_NOTIFY_SESSION_CHANGE, WTS_SESSION_LOGON, 7);
    qga_win_server_notify(la.run.server, QGA_WIN_NOTIFY_POWER_EVENT, PBT_APMSUSPEND, 0);
    line = host_read_line(host, 1500);
    CHECK(line == NULL, "sent while the host was away: %s", line);
    free(line);

    /* Back: hello again, then what was queued, in order. */
    hello = host_read_line(host, 10000);
    CHECK(hello && strstr(hello, "host-hello"), "after the host came back: %s", hello ? hello : "(none)");
    if (hello)
        host_answer_hello(host, hello);
    free(hello);
    line = host_read_line(host, 5000);
    CHECK(line && strstr(line, "\"USER_SESSION\"") && strstr(line, "\"logon\"") && strstr(line, "\"session-id\": 7"),
          "queued session event: %s", line ? line : "(none)");
    free(line);
    line = host_read_line(host, 5000);
    CHECK(line && strstr(line, "\"SUSPENDING\""), "queued power event: %s", line ? line : "(none)");
    free(line);

    /* A stop says AGENT_STOPPING before the server ends. */
    qga_win_server_stop(la.run.server);
    CHECK(WaitForSingleObject(la.thread, 5000) == WAIT_OBJECT_0, "the server did not stop");
    line = host_read_until(host, "AGENT_STOPPING", 2000);
    CHECK(line != NULL, "no AGENT_STOPPING");
    free(line);
    CHECK(la.run.rc == 0, "exit code %d", la.run.rc);

    server_agent_free(&la);
    qga_config_g2h_clear(&cfg.g2h);
    free(cfg.method);
    free(cfg.path);
    CloseHandle(host->pipe);
    free(host);
}

static void test_channel_missing(void)
{
    QgaError *err = NULL;
    QgaWinChannel *ch = qga_win_channel_new("isa-serial", "COM249", NULL, &err);
    CHECK(ch != NULL, "new");
    CHECK_STR(qga_win_channel_path(ch), "\\\\.\\COM249");
    DWORD code = 0;
    CHECK(qga_win_channel_open(ch, &code, &err) == -1, "COM249 opened?");
    CHECK(code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND, "code %lu", (unsigned long)code);
    CHECK_PREFIX(err ? err->desc : NULL, "error opening path \\\\.\\COM249: ");
    qga_error_free(err);
    qga_win_channel_free(ch);
    err = NULL;
    CHECK(qga_win_channel_new("unix-listen", "x", NULL, &err) == NULL, "unix-listen accepted");
    CHECK_PREFIX(err ? err->desc : NULL, "unsupported channel method/type: unix-listen");
    qga_error_free(err);
}

static const TestCase tests[] = {
    { "/win32/cmdline/quote", test_quote },
    { "/win32/cmdline/service-cmdline", test_service_cmdline },
    { "/win32/osinfo/version-names", test_version_names },
    { "/win32/osinfo/pretty-name", test_pretty_name },
    { "/win32/utf/round-trip", test_utf },
    { "/win32/oserror/format", test_oserror },
    { "/win32/defaults/paths", test_defaults },
    { "/win32/defaults/mkdir-p", test_mkdir_p },
    { "/win32/channel/missing-port", test_channel_missing },
    { "/win32/server/named-pipe-port", test_server },
    { "/win32/g2h/host-hangup-queue", test_g2h_hangup },
};

int main(void)
{
    return wintap_run(tests, QGA_N_ELEMENTS(tests));
}

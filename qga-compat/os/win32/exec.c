/* guest-exec on Windows: CreateProcessW with an MSVC-quoted command line, one thread per pipe. */
#include "win32.h"

#include <string.h>

#include "os/exec.h"
#include "core/mem.h"

/*
 * Why threads: anonymous pipes have no overlapped I/O, and the loop (loop.c) waits on the
 * channel's events only. A thread per captured stream blocks in ReadFile and appends to its
 * own buffer; another feeds stdin and closes it. The loop thread looks at a buffer only after
 * its thread has ended (the end of a thread orders its writes before the wait that sees it),
 * so nothing needs a lock. qemu-ga gets the same from GLib's GIOChannel threads, plus a
 * gspawn-win64-helper.exe beside the agent; here CreateProcessW is called directly.
 *
 * Output is passed on as the child wrote it: console programs write in the OEM or ANSI code
 * page, not UTF-8, and qemu-ga does not convert either. base64 carries the raw bytes; the host
 * knows (or asks, chcp) which code page the guest uses.
 */

#define EXEC_READ_CHUNK ((size_t)64 << 10)
#define EXEC_WRITE_CHUNK ((DWORD)1 << 20)

typedef struct Capture {
    QgaOsChild *child;
    HANDLE pipe;                 /* our read end; the thread closes it */
    HANDLE thread;
    QgaBuf data;
    bool truncated;
} Capture;

struct QgaOsChild {
    volatile LONG refs;          /* the table's reference plus one per running thread */
    HANDLE process;
    Capture out, err;
    HANDLE in_pipe;              /* our write end; the feeding thread closes it */
    HANDLE in_thread;
    char *in_data;
    size_t in_len;
};

static void child_unref(QgaOsChild *c)
{
    if (InterlockedDecrement(&c->refs) != 0)
        return;
    qga_buf_free(&c->out.data);
    qga_buf_free(&c->err.data);
    free(c->in_data);
    free(c);
}

static DWORD WINAPI capture_thread(LPVOID arg)
{
    Capture *cap = arg;
    char discard[4096];
    for (;;) {
        size_t room = QGA_EXEC_OUTPUT_MAX - cap->data.len;
        char *dst = discard;
        DWORD want = sizeof(discard);
        if (room > 0) {
            want = (DWORD)(room < EXEC_READ_CHUNK ? room : EXEC_READ_CHUNK);
            qga_exec_output_reserve(&cap->data, want);
            dst = cap->data.data + cap->data.len;
        }
        DWORD n = 0;
        if (!ReadFile(cap->pipe, dst, want, &n, NULL))
            break; /* ERROR_BROKEN_PIPE: every writer closed its end */
        if (room > 0) {
            cap->data.len += n;
            cap->data.data[cap->data.len] = '\0';
        } else if (n > 0) {
            /* Over the cap: keep draining so the child never blocks on a full pipe. */
            cap->truncated = true;
        }
    }
    CloseHandle(cap->pipe);
    cap->pipe = NULL;
    child_unref(cap->child);
    return 0;
}

static DWORD WINAPI feed_thread(LPVOID arg)
{
    QgaOsChild *c = arg;
    size_t off = 0;
    while (off < c->in_len) {
        DWORD want = c->in_len - off > EXEC_WRITE_CHUNK ? EXEC_WRITE_CHUNK : (DWORD)(c->in_len - off);
        DWORD n = 0;
        /* ERROR_NO_DATA / ERROR_BROKEN_PIPE: the child closed stdin early, which is its business. */
        if (!WriteFile(c->in_pipe, c->in_data + off, want, &n, NULL) || n == 0)
            break;
        off += n;
    }
    CloseHandle(c->in_pipe);
    c->in_pipe = NULL;
    child_unref(c);
    return 0;
}

/* ---- command line, environment, program ---- */

char *qga_win_exec_cmdline(const char *const *argv)
{
    QgaBuf cmd = QGA_BUF_INIT;
    /* argv[0] follows other rules (quotes delimit, backslashes are literal) and a path cannot
     * hold '"': quoting it whole is always right, and keeps "C:\Program Files\x.exe" one word. */
    qga_buf_printf(&cmd, "\"%s\"", argv[0]);
    for (const char *const *a = argv + 1; *a; a++)
        qga_win_cmdline_append_arg(&cmd, *a);
    return qga_buf_steal(&cmd, NULL);
}

wchar_t *qga_win_exec_envblock(const char *const *envp, QgaError **error)
{
    size_t total = 1, n = 0;
    for (const char *const *e = envp; *e; e++)
        n++;
    wchar_t **w = qga_calloc(n ? n : 1, sizeof(*w));
    for (size_t i = 0; i < n; i++) {
        w[i] = qga_win_utf8_to_utf16(envp[i], envp[i], error);
        if (!w[i]) {
            for (size_t j = 0; j < i; j++)
                free(w[j]);
            free(w);
            return NULL;
        }
        total += wcslen(w[i]) + 1;
    }
    /* "A=1\0B=2\0\0"; an empty environment is two NULs (one alone ends the block too early). */
    wchar_t *block = qga_calloc(total + 1, sizeof(wchar_t));
    wchar_t *p = block;
    for (size_t i = 0; i < n; i++) {
        size_t len = wcslen(w[i]);
        memcpy(p, w[i], len * sizeof(wchar_t));
        p += len + 1;
        free(w[i]);
    }
    free(w);
    return block;
}

const char *qga_win_exec_env_path(const char *const *envp)
{
    /* Environment names are case-insensitive on Windows: "Path" is what the system sets. */
    for (const char *const *e = envp; e && *e; e++)
        if (_strnicmp(*e, "PATH=", 5) == 0)
            return *e + 5;
    return NULL;
}

static void exec_error(QgaError **error, const char *path, DWORD code)
{
    _qga_cleanup_free_ char *text = qga_win_error_text(code);
    qga_error_generic(error, "Failed to execute child process “%s” (%s)", path, text ? text : "unknown error");
}

/* The program, found like GLib's G_SPAWN_SEARCH_PATH_FROM_ENVP: in the PATH the host gave, else
 * by the system's order (the agent's directory, System32, Windows, the agent's PATH). */
static wchar_t *find_program(const char *path, const char *const *envp, QgaError **error)
{
    _qga_cleanup_free_ wchar_t *wpath = qga_win_utf8_to_utf16(path, path, error);
    if (!wpath)
        return NULL;
    const char *env_path = qga_win_exec_env_path(envp);
    _qga_cleanup_free_ wchar_t *wsearch = env_path ? qga_win_utf8_to_utf16(env_path, "PATH", error) : NULL;
    if (env_path && !wsearch)
        return NULL;
    DWORD size = 1024;
    for (int attempt = 0; attempt < 2; attempt++) {
        wchar_t *full = qga_malloc(size * sizeof(wchar_t));
        DWORD n = SearchPathW(wsearch, wpath, L".exe", size, full, NULL);
        if (n == 0) {
            DWORD code = GetLastError();
            free(full);
            exec_error(error, path, code);
            return NULL;
        }
        if (n < size) {
            if (GetFileAttributesW(full) & FILE_ATTRIBUTE_DIRECTORY) {
                free(full);
                exec_error(error, path, ERROR_ACCESS_DENIED);
                return NULL;
            }
            return full;
        }
        free(full);
        size = n + 1;
    }
    exec_error(error, path, ERROR_FILENAME_EXCED_RANGE);
    return NULL;
}

/* ---- starting ---- */

static void close_handle(HANDLE *h)
{
    if (*h && *h != INVALID_HANDLE_VALUE)
        CloseHandle(*h);
    *h = NULL;
}

/* A pipe whose child end is inheritable and ours is not. */
static bool make_pipe(HANDLE *ret_read, HANDLE *ret_write, bool child_reads)
{
    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    if (!CreatePipe(ret_read, ret_write, &sa, 0))
        return false;
    return SetHandleInformation(child_reads ? *ret_write : *ret_read, HANDLE_FLAG_INHERIT, 0) != 0;
}

/* Start thread fn on arg holding one more reference of c. */
static HANDLE start_thread(QgaOsChild *c, LPTHREAD_START_ROUTINE fn, void *arg)
{
    InterlockedIncrement(&c->refs);
    HANDLE t = CreateThread(NULL, 256 * 1024, fn, arg, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (!t)
        InterlockedDecrement(&c->refs);
    return t;
}

/* Only the three standard handles go to the child (PROC_THREAD_ATTRIBUTE_HANDLE_LIST), so a pipe
 * of another guest-exec child never leaks into this one and holds its output open. */
static LPPROC_THREAD_ATTRIBUTE_LIST handle_list(HANDLE *handles, size_t n)
{
    SIZE_T size = 0;
    InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    if (size == 0)
        return NULL;
    LPPROC_THREAD_ATTRIBUTE_LIST list = qga_malloc(size);
    if (!InitializeProcThreadAttributeList(list, 1, 0, &size)) {
        free(list);
        return NULL;
    }
    if (!UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles, n * sizeof(HANDLE), NULL,
                                   NULL)) {
        DeleteProcThreadAttributeList(list);
        free(list);
        return NULL;
    }
    return list;
}

int qga_os_exec_start(QgaExecSpec *spec, QgaOsChild **ret_child, int64_t *ret_pid, QgaError **error)
{
    _qga_cleanup_free_ char *input = spec->input;
    spec->input = NULL;
    _qga_cleanup_free_ wchar_t *program = find_program(spec->path, spec->envp, error);
    if (!program)
        return -1;
    _qga_cleanup_free_ char *cmdline = qga_win_exec_cmdline(spec->argv);
    _qga_cleanup_free_ wchar_t *wcmdline = qga_win_utf8_to_utf16(cmdline, "command line", error);
    if (!wcmdline)
        return -1;
    _qga_cleanup_free_ wchar_t *envblock = NULL;
    if (spec->envp && !(envblock = qga_win_exec_envblock(spec->envp, error)))
        return -1;

    bool want_out = spec->capture != QGA_EXEC_CAPTURE_NONE && spec->capture != QGA_EXEC_CAPTURE_STDERR;
    bool want_err = spec->capture == QGA_EXEC_CAPTURE_STDERR || spec->capture == QGA_EXEC_CAPTURE_SEPARATED;
    HANDLE nul = NULL, in_rd = NULL, in_wr = NULL, out_rd = NULL, out_wr = NULL, err_rd = NULL, err_wr = NULL;
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
    PROCESS_INFORMATION pi = { 0 };
    QgaOsChild *c = NULL;
    int rc = -1;

    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    nul = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING,
                      0, NULL);
    if (nul == INVALID_HANDLE_VALUE || (input && !make_pipe(&in_rd, &in_wr, true)) ||
        (want_out && !make_pipe(&out_rd, &out_wr, false)) || (want_err && !make_pipe(&err_rd, &err_wr, false))) {
        qga_error_set_os(error, (int)GetLastError(), "Failed to create pipe for communicating with child process");
        goto out;
    }

    STARTUPINFOEXW si;
    memset(&si, 0, sizeof(si));
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = input ? in_rd : nul;
    si.StartupInfo.hStdOutput = want_out ? out_wr : nul;
    si.StartupInfo.hStdError = spec->capture == QGA_EXEC_CAPTURE_MERGED ? out_wr : want_err ? err_wr : nul;
    HANDLE inherit[3];
    size_t n_inherit = 0;
    HANDLE std[3] = { si.StartupInfo.hStdInput, si.StartupInfo.hStdOutput, si.StartupInfo.hStdError };
    for (size_t i = 0; i < 3; i++) {
        bool seen = false;
        for (size_t j = 0; j < n_inherit; j++)
            seen |= inherit[j] == std[i];
        if (!seen)
            inherit[n_inherit++] = std[i];
    }
    attrs = handle_list(inherit, n_inherit);
    si.StartupInfo.cb = attrs ? sizeof(si) : sizeof(si.StartupInfo);
    si.lpAttributeList = attrs;

    /* CREATE_NO_WINDOW: a console program gets its console without a window (the service has no
     * desktop to show one on) and is not hit by the Ctrl-C that stops a console-run agent.
     * Suspended until its pipes have their threads, so that a failure there can still undo it. */
    DWORD flags = CREATE_UNICODE_ENVIRONMENT | CREATE_NO_WINDOW | CREATE_SUSPENDED |
                  (attrs ? EXTENDED_STARTUPINFO_PRESENT : 0);
    if (!CreateProcessW(program, wcmdline, NULL, NULL, TRUE, flags, envblock, NULL, &si.StartupInfo, &pi)) {
        exec_error(error, spec->path, GetLastError());
        goto out;
    }
    /* The child's ends are the child's now: its exit must be the pipes' end. */
    close_handle(&in_rd);
    close_handle(&out_wr);
    close_handle(&err_wr);

    c = qga_calloc(1, sizeof(*c));
    c->refs = 1;
    c->process = pi.hProcess;
    c->out.child = c;
    c->err.child = c;
    bool started = true;
    if (want_out) {
        c->out.pipe = out_rd;
        out_rd = NULL;
        started &= (c->out.thread = start_thread(c, capture_thread, &c->out)) != NULL;
    }
    if (want_err && started) {
        c->err.pipe = err_rd;
        err_rd = NULL;
        started &= (c->err.thread = start_thread(c, capture_thread, &c->err)) != NULL;
    }
    if (input && started) {
        c->in_pipe = in_wr;
        in_wr = NULL;
        c->in_data = qga_steal_pointer(&input);
        c->in_len = spec->input_len;
        started &= (c->in_thread = start_thread(c, feed_thread, c)) != NULL;
    }
    if (!started) {
        DWORD code = GetLastError();
        /* Threads already running end once the killed child's pipes break; they hold their own
         * references. A pipe that got no thread is still ours. */
        TerminateProcess(pi.hProcess, 1);
        if (c->out.pipe && !c->out.thread)
            close_handle(&c->out.pipe);
        if (c->err.pipe && !c->err.thread)
            close_handle(&c->err.pipe);
        if (c->in_pipe && !c->in_thread)
            close_handle(&c->in_pipe);
        qga_error_set_os(error, (int)code, "Failed to start a thread for the child's pipes");
        qga_os_exec_free(c);
        c = NULL;
        close_handle(&pi.hThread);
        goto out;
    }
    ResumeThread(pi.hThread);
    close_handle(&pi.hThread);
    *ret_child = c;
    *ret_pid = (int64_t)pi.dwProcessId;
    rc = 0;

out:
    if (attrs) {
        DeleteProcThreadAttributeList(attrs);
        free(attrs);
    }
    close_handle(&nul);
    close_handle(&in_rd);
    close_handle(&in_wr);
    close_handle(&out_rd);
    close_handle(&out_wr);
    close_handle(&err_rd);
    close_handle(&err_wr);
    return rc;
}

static bool thread_done(HANDLE t)
{
    return !t || WaitForSingleObject(t, 0) == WAIT_OBJECT_0;
}

void qga_os_exec_status(QgaOsChild *c, QgaExecStatus *ret)
{
    memset(ret, 0, sizeof(*ret));
    /* Ended, and both readers saw their pipe's end: only then is the output complete. */
    ret->exited = WaitForSingleObject(c->process, 0) == WAIT_OBJECT_0 && thread_done(c->out.thread) &&
                  thread_done(c->err.thread);
    if (!ret->exited)
        return;
    DWORD code = 0;
    GetExitCodeProcess(c->process, &code);
    /* Windows does not say whether a process exited or was ended by an exception; qemu-ga's rule:
     * NTSTATUS error codes (0xC0000000 and up, e.g. 0xC0000005 access violation) are "signal",
     * the rest "exitcode", both as the signed 32-bit value qemu-ga reports. */
    if (code < 0xC0000000u) {
        ret->has_exitcode = true;
        ret->exitcode = (int32_t)code;
    } else {
        ret->has_signal = true;
        ret->signal = (int32_t)code;
    }
    ret->out = c->out.data.data;
    ret->out_len = c->out.data.len;
    ret->out_truncated = c->out.truncated;
    ret->err = c->err.data.data;
    ret->err_len = c->err.data.len;
    ret->err_truncated = c->err.truncated;
}

void qga_os_exec_free(QgaOsChild *c)
{
    if (!c)
        return;
    /* The threads keep their own references: one blocked on a child that still runs finishes
     * when the child ends, and the last reference frees the buffers. */
    close_handle(&c->process);
    close_handle(&c->out.thread);
    close_handle(&c->err.thread);
    close_handle(&c->in_thread);
    child_unref(c);
}

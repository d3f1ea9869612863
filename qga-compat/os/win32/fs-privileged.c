/* The privileged filesystem primitive on Windows: retrim one volume with defrag.exe /L (replaced by tests/seams/record-actions.c in tests). */
#include "win32.h"

#include <string.h>

#include "core/buf.h"
#include "os/fstrim.h"
#include "core/mem.h"

/* Enough of defrag's report to find its error line. */
#define DEFRAG_OUTPUT_MAX ((size_t)64 << 10)

/* defrag writes its report in the console (OEM) code page when its output is a pipe. */
static char *oem_to_utf8(const char *s, size_t len)
{
    if (len == 0)
        return qga_strdup("");
    int n = MultiByteToWideChar(CP_OEMCP, 0, s, (int)len, NULL, 0);
    if (n <= 0)
        return qga_strndup(s, len);
    _qga_cleanup_free_ wchar_t *w = qga_malloc(((size_t)n + 1) * sizeof(wchar_t));
    MultiByteToWideChar(CP_OEMCP, 0, s, (int)len, w, n);
    return qga_win_utf16_to_utf8(w, n);
}

/* qemu-ga's reading of defrag's report: a line carrying "(0x" (an HRESULT) is the error. */
static char *error_line(const char *text)
{
    const char *hit = strstr(text, "(0x");
    if (!hit)
        return NULL;
    const char *start = hit, *end = hit;
    while (start > text && start[-1] != '\n')
        start--;
    while (*end && *end != '\r' && *end != '\n')
        end++;
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    return qga_strndup(start, (size_t)(end - start));
}

void qga_os_fstrim_one(const char *path, bool has_minimum, int64_t minimum, QgaTrimResult *result)
{
    /* "minimum" has no equivalent in the storage optimizer; qemu-ga ignores it too. */
    wchar_t sysdir[MAX_PATH];
    UINT sl = GetSystemDirectoryW(sysdir, MAX_PATH);
    if (sl == 0 || sl >= MAX_PATH - 16) {
        result->error = qga_strdup("failed to find defrag.exe");
        return;
    }
    wchar_t app[MAX_PATH + 16];
    _snwprintf(app, QGA_N_ELEMENTS(app), L"%ls\\defrag.exe", sysdir);
    app[QGA_N_ELEMENTS(app) - 1] = L'\0';
    _qga_cleanup_free_ char *app8 = qga_win_utf16_to_utf8(app, -1);

    /* Started directly, no cmd.exe: "defrag.exe" /L "<path>" quoted by the MSVC rules. */
    QgaBuf cmd = QGA_BUF_INIT;
    qga_win_cmdline_append_arg(&cmd, app8);
    qga_buf_append_str(&cmd, " /L ");
    qga_win_cmdline_append_arg(&cmd, path);
    QgaError *err = NULL;
    _qga_cleanup_free_ wchar_t *wcmd = qga_win_utf8_to_utf16(cmd.data, "command line", &err);
    qga_buf_free(&cmd);
    if (!wcmd) {
        result->error = qga_strdup(err->desc);
        qga_error_free(err);
        return;
    }

    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    HANDLE rd = NULL, wr = NULL;
    if (!CreatePipe(&rd, &wr, &sa, 0)) {
        _qga_cleanup_free_ char *text = qga_win_error_text(GetLastError());
        result->error = qga_strdup_printf("failed to run defrag.exe: %s", text ? text : "CreatePipe failed");
        return;
    }
    SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
    STARTUPINFOW si = { 0 };
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdOutput = wr;
    si.hStdError = wr;
    PROCESS_INFORMATION pi;
    BOOL started = CreateProcessW(app, wcmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi);
    DWORD start_err = GetLastError();
    CloseHandle(wr);
    if (!started) {
        CloseHandle(rd);
        _qga_cleanup_free_ char *text = qga_win_error_text(start_err);
        result->error = qga_strdup_printf("failed to run defrag.exe: %s", text ? text : "CreateProcess failed");
        return;
    }
    CloseHandle(pi.hThread);

    /* Read until defrag closes its end (it has finished); like qemu-ga, the retrim is waited
     * for, however long the volume takes. */
    QgaBuf out = QGA_BUF_INIT;
    char chunk[4096];
    DWORD n;
    while (ReadFile(rd, chunk, sizeof(chunk), &n, NULL) && n > 0)
        if (out.len < DEFRAG_OUTPUT_MAX)
            qga_buf_append(&out, chunk, n);
    CloseHandle(rd);
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 0;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);

    _qga_cleanup_free_ char *text = oem_to_utf8(out.data ? out.data : "", out.len);
    qga_buf_free(&out);
    result->error = error_line(text);
    if (!result->error && code != 0)
        result->error = qga_strdup_printf("defrag.exe failed with exit code %lu", (unsigned long)code);
}

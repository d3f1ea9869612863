/* Changing the guest clock (guest-set-time): kept alone so a test build can swap it for a recorder. */
#include "win32.h"

#include "core/mem.h"
#include "privilege.h"
#include "os/system.h"

#define QGA_WIN_EPOCH_DIFF 116444736000000000LL

int qga_os_set_time(int64_t ns, QgaError **error)
{
    /* The caller checked the range (years 1970..2069); a negative value would wrap here. */
    if (ns < 0) {
        qga_error_generic(error, "Time %lld is invalid", (long long)ns);
        return -1;
    }
    uint64_t t = (uint64_t)(ns / 100) + (uint64_t)QGA_WIN_EPOCH_DIFF;
    FILETIME ft = { (DWORD)t, (DWORD)(t >> 32) };
    SYSTEMTIME st;
    if (!FileTimeToSystemTime(&ft, &st)) {
        qga_error_set_os(error, (int)GetLastError(), "Failed to convert system time");
        return -1;
    }
    if (qga_win_acquire_privilege(L"SeSystemtimePrivilege", error) < 0)
        return -1;
    if (!SetSystemTime(&st)) {
        qga_error_set_os(error, (int)GetLastError(), "Failed to set time to guest");
        return -1;
    }
    return 0;
}

int qga_os_sync_time(QgaError **error)
{
    /*
     * Windows offers no call that loads the clock from the RTC; like qemu-ga we ask the Windows
     * Time service to resync. qemu-ga goes through system(), i.e. cmd.exe and PATH; we start
     * System32\w32tm.exe directly with no shell and no window.
     */
    wchar_t sysdir[MAX_PATH];
    UINT n = GetSystemDirectoryW(sysdir, MAX_PATH);
    if (n == 0 || n >= MAX_PATH - 16) {
        qga_error_set_os(error, (int)GetLastError(), "failed to find w32tm");
        return -1;
    }
    wchar_t app[MAX_PATH + 16];
    wchar_t cmdline[MAX_PATH + 64];
    _snwprintf(app, QGA_N_ELEMENTS(app), L"%ls\\w32tm.exe", sysdir);
    app[QGA_N_ELEMENTS(app) - 1] = L'\0';
    _snwprintf(cmdline, QGA_N_ELEMENTS(cmdline), L"\"%ls\" /resync /nowait", app);
    cmdline[QGA_N_ELEMENTS(cmdline) - 1] = L'\0';

    STARTUPINFOW si = { 0 };
    si.cb = sizeof(si);
    PROCESS_INFORMATION pi;
    if (!CreateProcessW(app, cmdline, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
        qga_error_set_os(error, (int)GetLastError(), "failed to run w32tm");
        return -1;
    }
    CloseHandle(pi.hThread);
    /* /nowait returns once the request is queued; 10 s covers a slow start of the service. */
    DWORD w = WaitForSingleObject(pi.hProcess, 10000);
    DWORD code = 0;
    int rc = 0;
    if (w != WAIT_OBJECT_0) {
        TerminateProcess(pi.hProcess, 1);
        qga_error_generic(error, "w32tm did not finish within 10 seconds");
        rc = -1;
    } else if (!GetExitCodeProcess(pi.hProcess, &code)) {
        qga_error_set_os(error, (int)GetLastError(), "failed to get the exit code of w32tm");
        rc = -1;
    } else if (code != 0) {
        /* w32tm exits with an HRESULT. */
        if (code == (DWORD)HRESULT_FROM_WIN32(ERROR_SERVICE_NOT_ACTIVE)) {
            qga_error_generic(error, "Windows Time service not running on the guest");
        } else {
            _qga_cleanup_free_ char *text = qga_win_error_text(code);
            if (text && *text)
                qga_error_generic(error, "w32tm failed with error (0x%lx): %s", (unsigned long)code, text);
            else
                qga_error_generic(error, "w32tm failed with error (0x%lx), couldn't retrieve error message",
                                  (unsigned long)code);
        }
        rc = -1;
    }
    CloseHandle(pi.hProcess);
    return rc;
}

/* Clocks, the thread id and directory creation on Windows. */
#include "win32.h"

#include "core/mem.h"
#include "os/os.h"

/* 100 ns intervals from 1601-01-01 (FILETIME's epoch) to 1970-01-01. */
#define QGA_WIN_EPOCH_DIFF 116444736000000000LL

typedef VOID(WINAPI *GetTimeFn)(LPFILETIME);

int64_t qga_os_now_ns(void)
{
    /* GetSystemTimePreciseAsFileTime exists from Windows 8 on; importing it directly would keep
     * the exe from loading on Windows 7 (qemu-ga's Windows 7 trouble), so look it up once. */
    static GetTimeFn get_time;
    if (!get_time) {
        HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
        GetTimeFn fn =
            k32 ? (GetTimeFn)(void *)GetProcAddress(k32, "GetSystemTimePreciseAsFileTime") : NULL;
        get_time = fn ? fn : GetSystemTimeAsFileTime;
    }
    FILETIME ft;
    get_time(&ft);
    int64_t t = (int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
    return (t - QGA_WIN_EPOCH_DIFF) * 100;
}

int64_t qga_os_monotonic_ms(void)
{
    return (int64_t)GetTickCount64();
}

uint64_t qga_os_thread_id(void)
{
    return GetCurrentThreadId();
}

int qga_os_mkdir_p(const char *path, QgaError **error)
{
    _qga_cleanup_free_ wchar_t *w = qga_win_utf8_to_utf16(path, path, error);
    if (!w)
        return -1;
    size_t len = wcslen(w);
    /* Walk the components left to right; skip the drive ("C:\") or UNC/device prefix ("\\server\share\"). */
    size_t start = 0;
    if (len >= 2 && w[1] == L':')
        start = 2;
    else if (len >= 2 && w[0] == L'\\' && w[1] == L'\\') {
        int seps = 0;
        for (start = 2; start < len && seps < 2; start++)
            if (w[start] == L'\\')
                seps++;
    }
    for (size_t i = start; i <= len; i++) {
        if (i != len && w[i] != L'\\' && w[i] != L'/')
            continue;
        if (i == start || (i > 0 && (w[i - 1] == L'\\' || w[i - 1] == L'/')))
            continue;
        wchar_t saved = w[i];
        w[i] = L'\0';
        if (!CreateDirectoryW(w, NULL)) {
            DWORD err = GetLastError();
            DWORD attrs = GetFileAttributesW(w);
            if (err != ERROR_ALREADY_EXISTS || attrs == INVALID_FILE_ATTRIBUTES ||
                !(attrs & FILE_ATTRIBUTE_DIRECTORY)) {
                if (err == ERROR_ALREADY_EXISTS)
                    err = ERROR_DIRECTORY;
                qga_error_set_os(error, (int)err, "failed to create directory '%s'", path);
                return -1;
            }
        }
        w[i] = saved;
    }
    return 0;
}

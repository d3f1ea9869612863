/* Enabling a privilege of the agent's own token (SeSystemtimePrivilege, SeShutdownPrivilege, ...). */
#include "win32.h"

#include "privilege.h"

int qga_win_acquire_privilege(const wchar_t *name, QgaError **error)
{
    HANDLE token;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token)) {
        qga_error_set_os(error, (int)GetLastError(), "failed to open privilege token");
        return -1;
    }
    TOKEN_PRIVILEGES priv = { 0 };
    priv.PrivilegeCount = 1;
    priv.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    int rc = 0;
    if (!LookupPrivilegeValueW(NULL, name, &priv.Privileges[0].Luid)) {
        qga_error_set_os(error, (int)GetLastError(), "no luid for requested privilege");
        rc = -1;
    } else if (!AdjustTokenPrivileges(token, FALSE, &priv, 0, NULL, NULL) ||
               GetLastError() == ERROR_NOT_ALL_ASSIGNED) {
        /* AdjustTokenPrivileges "succeeds" without the privilege when the account lacks it:
         * only ERROR_NOT_ALL_ASSIGNED tells (qemu-ga misses this and fails later instead). */
        qga_error_set_os(error, (int)GetLastError(), "unable to acquire requested privilege");
        rc = -1;
    }
    CloseHandle(token);
    return rc;
}

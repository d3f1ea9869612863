/* Windows login sessions for guest-get-users: WTSEnumerateSessionsW + WTSQuerySessionInformationW (wide, so names survive). */
#include "sysinfo-win32.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/mem.h"

/* 100 ns ticks between 1601-01-01 (FILETIME) and 1970-01-01. */
#define QGA_WIN_EPOCH_TICKS 116444736000000000LL

double qga_win_filetime_seconds(int64_t ticks)
{
    /* Whole seconds and the fraction apart: today's tick counts are past 2^53, where a
     * double would already round them. */
    int64_t t = ticks - QGA_WIN_EPOCH_TICKS;
    return (double)(t / 10000000) + (double)(t % 10000000) / 10000000.0;
}

void qga_win_add_session(QgaUserSessionList *list, const WTSINFOW *info)
{
    /* Sessions without a user (services session 0, the listener, an idle console). */
    if (!info->UserName[0])
        return;
    /* LogonTime is 0 for a session that never logged on through winlogon (some RDP
     * reconnects): its connect time then; with neither, no login time can be told, and a
     * made-up one (qemu-ga sends 1601 as a negative epoch) would mislead: skipped. */
    int64_t ticks = info->LogonTime.QuadPart ? info->LogonTime.QuadPart : info->ConnectTime.QuadPart;
    if (ticks <= 0)
        return;
    /* The fixed-size arrays need not be terminated: copy them bounded. */
    wchar_t user[USERNAME_LENGTH + 2], domain[DOMAIN_LENGTH + 1];
    wcsncpy(user, info->UserName, USERNAME_LENGTH + 1);
    user[USERNAME_LENGTH + 1] = 0;
    wcsncpy(domain, info->Domain, DOMAIN_LENGTH);
    domain[DOMAIN_LENGTH] = 0;
    _qga_cleanup_free_ char *u = qga_win_utf16_to_utf8(user, -1);
    _qga_cleanup_free_ char *d = domain[0] ? qga_win_utf16_to_utf8(domain, -1) : NULL;
    qga_user_session_add(list, u, strlen(u), d, qga_win_filetime_seconds(ticks));
}

int qga_os_get_user_sessions(QgaUserSessionList *ret, QgaError **error)
{
    QgaUserSessionList list = { 0 };
    WTS_SESSION_INFOW *sessions = NULL;
    DWORD count = 0;
    /* Like qemu-ga, a session list that cannot be had (Remote Desktop Services stopped) is
     * "nobody logged in" rather than an error: guestinfo would otherwise fail as a whole. */
    if (WTSEnumerateSessionsW(WTS_CURRENT_SERVER_HANDLE, 0, 1, &sessions, &count)) {
        for (DWORD i = 0; i < count; i++) {
            WTSINFOW *info = NULL;
            DWORD bytes = 0;
            if (!WTSQuerySessionInformationW(WTS_CURRENT_SERVER_HANDLE, sessions[i].SessionId, WTSSessionInfo,
                                             (LPWSTR *)&info, &bytes))
                continue;
            if (info && bytes >= sizeof(WTSINFOW))
                qga_win_add_session(&list, info);
            WTSFreeMemory(info);
        }
        WTSFreeMemory(sessions);
    }
    *ret = list;
    return 0;
}

/* The privileged account primitives on Windows: the local account database and NetUserSetInfo (replaced by tests/seams/record-actions.c in tests). */
#include "win32.h"

#include <lm.h>
#include <sddl.h>
#include <userenv.h>

#include "os/accounts.h"
#include "core/mem.h"

/* NERR_* codes live in netmsg.dll, not in the system message table (qemu-ga does the same). */
static char *net_error_text(DWORD code)
{
    if (code >= NERR_BASE && code <= MAX_NERR) {
        HMODULE mod = LoadLibraryExW(L"netmsg.dll", NULL, LOAD_LIBRARY_AS_DATAFILE);
        if (mod) {
            wchar_t *msg = NULL;
            DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_HMODULE |
                                         FORMAT_MESSAGE_IGNORE_INSERTS,
                                     mod, code, 0, (LPWSTR)&msg, 0, NULL);
            char *text = NULL;
            if (n > 0 && msg) {
                while (n > 0 && (msg[n - 1] == L'\r' || msg[n - 1] == L'\n' || msg[n - 1] == L' '))
                    n--;
                text = qga_win_utf16_to_utf8(msg, (int)n);
            }
            LocalFree(msg);
            FreeLibrary(mod);
            if (text)
                return text;
        }
    }
    char *text = qga_win_error_text(code);
    return text ? text : qga_strdup_printf("error %lu", (unsigned long)code);
}

/* ProfileList\<SID>\ProfileImagePath: where Windows (and OpenSSH) put the user's profile. qemu-ga
 * guesses <profiles dir>\<name>, which is wrong for renamed accounts, domain users and
 * "name.MACHINE" profiles. NULL when the account has no profile yet (never logged on). */
static char *profile_dir(const wchar_t *sid)
{
    wchar_t key[256];
    _snwprintf(key, QGA_N_ELEMENTS(key), L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\%ls", sid);
    key[QGA_N_ELEMENTS(key) - 1] = L'\0';
    wchar_t raw[MAX_PATH];
    DWORD size = sizeof(raw);
    /* RRF_RT_REG_EXPAND_SZ without RRF_NOEXPAND: %SystemDrive% comes back expanded. */
    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, L"ProfileImagePath", RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ, NULL, raw,
                     &size) != ERROR_SUCCESS)
        return NULL;
    return qga_win_utf16_to_utf8(raw, -1);
}

/* %ProgramData%\ssh: OpenSSH for Windows' machine-wide directory. */
static char *machine_ssh_dir(void)
{
    wchar_t dir[MAX_PATH];
    DWORD n = QGA_N_ELEMENTS(dir);
    if (!GetAllUsersProfileDirectoryW(dir, &n))
        return NULL;
    _qga_cleanup_free_ char *base = qga_win_utf16_to_utf8(dir, -1);
    return qga_strdup_printf("%s\\ssh", base);
}

int qga_os_user_lookup(const char *name, QgaUserAccount *ret, QgaError **error)
{
    _qga_cleanup_free_ wchar_t *wname = qga_win_utf8_to_utf16(name, "username", error);
    if (!wname)
        return -1;
    USER_INFO_4 *info = NULL;
    NET_API_STATUS st = NetUserGetInfo(NULL, wname, 4, (LPBYTE *)&info);
    if (st == NERR_UserNotFound) {
        qga_error_generic(error, "User %s was not found", name);
        return -1;
    }
    if (st != NERR_Success) {
        _qga_cleanup_free_ char *text = net_error_text(st);
        qga_error_generic(error, "failed to look up user %s: %s", name, text);
        return -1;
    }
    wchar_t *wsid = NULL;
    if (!ConvertSidToStringSidW(info->usri4_user_sid, &wsid)) {
        qga_error_set_os(error, (int)GetLastError(), "failed to get SID string for user %s", name);
        NetApiBufferFree(info);
        return -1;
    }
    *ret = (QgaUserAccount){
        .name = qga_strdup(name),
        .home = profile_dir(wsid),
        .is_admin = info->usri4_priv == USER_PRIV_ADMIN,
        .sid = qga_win_utf16_to_utf8(wsid, -1),
        .machine_ssh_dir = machine_ssh_dir(),
    };
    LocalFree(wsid);
    NetApiBufferFree(info);
    return 0;
}

int qga_os_set_user_password(const char *username, const char *password, size_t len, bool crypted,
                             QgaError **error)
{
    _qga_cleanup_free_ wchar_t *wuser = qga_win_utf8_to_utf16(username, "username", error);
    if (!wuser)
        return -1;
    /* password is NUL-terminated after len bytes (base64 decoder) and holds no NUL. */
    wchar_t *wpass = qga_win_utf8_to_utf16(password, "password", error);
    if (!wpass)
        return -1;
    USER_INFO_1003 info = { .usri1003_password = wpass };
    NET_API_STATUS st = NetUserSetInfo(NULL, wuser, 1003, (LPBYTE)&info, NULL);
    SecureZeroMemory(wpass, wcslen(wpass) * sizeof(wchar_t));
    free(wpass);
    if (st != NERR_Success) {
        _qga_cleanup_free_ char *text = net_error_text(st);
        qga_error_generic(error, "failed to set password: %s", text);
        return -1;
    }
    return 0;
}

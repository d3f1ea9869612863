/* Windows authorized_keys with OpenSSH for Windows' rules: administrators_authorized_keys for admins, protected ACLs. */
#include "win32.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/mem.h"
#include "ssh-win32.h"

#define KEYS_FILE_MAX ((size_t)16 << 20)

int qga_os_ssh_target(const char *username, QgaSshTarget *ret, QgaError **error)
{
    QgaSshTarget t = { 0 };
    if (qga_os_user_lookup(username, &t.account, error) < 0)
        return -1;
    if (t.account.is_admin) {
        /* sshd_config's default "Match Group administrators" reads only this file for them. */
        if (!t.account.machine_ssh_dir) {
            qga_error_generic(error, "Failed to retrieve ProgramData folder");
            qga_ssh_target_clear(&t);
            return -1;
        }
        t.dir = qga_strdup(t.account.machine_ssh_dir);
        t.path = qga_strdup_printf("%s\\administrators_authorized_keys", t.dir);
        t.admin_file = true;
    } else {
        if (!t.account.home) {
            qga_error_generic(error, "the profile directory of user %s is not known (the user has never logged on)",
                              username);
            qga_ssh_target_clear(&t);
            return -1;
        }
        t.dir = qga_strdup_printf("%s\\.ssh", t.account.home);
        t.path = qga_strdup_printf("%s\\authorized_keys", t.dir);
    }
    *ret = t;
    return 0;
}

int qga_os_ssh_read(const QgaSshTarget *target, char **ret_data, size_t *ret_len, bool *ret_missing,
                    QgaError **error)
{
    _qga_cleanup_free_ wchar_t *wpath = qga_win_utf8_to_utf16(target->path, "path", error);
    if (!wpath)
        return -1;
    HANDLE h = CreateFileW(wpath, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD err = GetLastError();
        if (ret_missing && (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)) {
            *ret_missing = true;
            *ret_data = qga_strdup("");
            *ret_len = 0;
            return 0;
        }
        qga_error_set_os(error, (int)err, "failed to read '%s'", target->path);
        return -1;
    }
    QgaBuf buf = QGA_BUF_INIT;
    char chunk[8192];
    int rc = 0;
    for (;;) {
        DWORD n = 0;
        if (!ReadFile(h, chunk, sizeof(chunk), &n, NULL)) {
            qga_error_set_os(error, (int)GetLastError(), "failed to read '%s'", target->path);
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        if (buf.len + n > KEYS_FILE_MAX) {
            qga_error_generic(error, "failed to read '%s': larger than %zu bytes", target->path, KEYS_FILE_MAX);
            rc = -1;
            break;
        }
        qga_buf_append(&buf, chunk, n);
    }
    CloseHandle(h);
    if (rc < 0) {
        qga_buf_free(&buf);
        return -1;
    }
    if (ret_missing)
        *ret_missing = false;
    *ret_data = qga_buf_steal(&buf, ret_len);
    return 0;
}

/*
 * The security descriptor OpenSSH for Windows accepts: a protected DACL (nothing inherited)
 * granting full control to SYSTEM and Administrators only, plus the user for a user's own
 * file. Directories pass the same entries on to what is created in them.
 */
char *qga_win_ssh_sddl(const QgaSshTarget *t, bool directory, QgaError **error)
{
    const char *inherit = directory ? "OICI" : "";
    if (!t->admin_file && !t->account.sid) {
        qga_error_generic(error, "failed to retrieve user %s SID", t->account.name);
        return NULL;
    }
    QgaBuf sddl = QGA_BUF_INIT;
    qga_buf_printf(&sddl, "D:P(A;%s;FA;;;SY)(A;%s;FA;;;BA)", inherit, inherit);
    if (!t->admin_file)
        qga_buf_printf(&sddl, "(A;%s;FA;;;%s)", inherit, t->account.sid);
    return qga_buf_steal(&sddl, NULL);
}

static PSECURITY_DESCRIPTOR make_sd(const QgaSshTarget *t, bool directory, QgaError **error)
{
    _qga_cleanup_free_ char *sddl = qga_win_ssh_sddl(t, directory, error);
    if (!sddl)
        return NULL;
    _qga_cleanup_free_ wchar_t *wsddl = qga_win_utf8_to_utf16(sddl, "security descriptor", error);
    if (!wsddl)
        return NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(wsddl, SDDL_REVISION_1, &sd, NULL)) {
        qga_error_set_os(error, (int)GetLastError(), "failed to build the ACL for '%s'", t->path);
        return NULL;
    }
    return sd;
}

/* The DACL of sd, protected from inheritance, on an open handle (WRITE_DAC access). */
static int apply_dacl(HANDLE h, PSECURITY_DESCRIPTOR sd, const char *what, QgaError **error)
{
    BOOL present = FALSE, defaulted = FALSE;
    PACL dacl = NULL;
    if (!GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) || !present) {
        qga_error_set_os(error, (int)GetLastError(), "failed to set file security for file %s", what);
        return -1;
    }
    DWORD rc = SetSecurityInfo(h, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                               NULL, NULL, dacl, NULL);
    if (rc != ERROR_SUCCESS) {
        qga_error_set_os(error, (int)rc, "failed to set file security for file %s", what);
        return -1;
    }
    return 0;
}

static int ensure_dir(const QgaSshTarget *t, QgaError **error)
{
    _qga_cleanup_free_ wchar_t *wdir = qga_win_utf8_to_utf16(t->dir, "path", error);
    if (!wdir)
        return -1;
    DWORD attrs = GetFileAttributesW(wdir);
    if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY))
        return 0;
    PSECURITY_DESCRIPTOR sd = make_sd(t, true, error);
    if (!sd)
        return -1;
    SECURITY_ATTRIBUTES sa = { sizeof(sa), sd, FALSE };
    int rc = 0;
    if (!CreateDirectoryW(wdir, &sa) && GetLastError() != ERROR_ALREADY_EXISTS) {
        qga_error_set_os(error, (int)GetLastError(), "failed to create directory %s", t->dir);
        rc = -1;
    } else {
        HANDLE h = CreateFileW(wdir, READ_CONTROL | WRITE_DAC, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                               NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
        if (h == INVALID_HANDLE_VALUE) {
            qga_error_set_os(error, (int)GetLastError(), "failed to create directory %s", t->dir);
            rc = -1;
        } else {
            rc = apply_dacl(h, sd, t->dir, error);
            CloseHandle(h);
        }
    }
    LocalFree(sd);
    return rc;
}

int qga_os_ssh_write(const QgaSshTarget *target, const char *data, size_t len, QgaError **error)
{
    if (ensure_dir(target, error) < 0)
        return -1;
    /* Written under a temporary name with its final ACL from the start, then moved over the old
     * file (qemu-ga writes first and fixes the ACL afterwards, leaving a window with the
     * inherited one, and a half-written file on failure). */
    static unsigned counter;
    _qga_cleanup_free_ char *tmp = qga_strdup_printf("%s\\.authorized_keys.qga-%lu-%u", target->dir,
                                                     (unsigned long)GetCurrentProcessId(), counter++);
    _qga_cleanup_free_ wchar_t *wtmp = qga_win_utf8_to_utf16(tmp, "path", error);
    _qga_cleanup_free_ wchar_t *wpath = wtmp ? qga_win_utf8_to_utf16(target->path, "path", error) : NULL;
    if (!wpath)
        return -1;
    PSECURITY_DESCRIPTOR sd = make_sd(target, false, error);
    if (!sd)
        return -1;
    SECURITY_ATTRIBUTES sa = { sizeof(sa), sd, FALSE };
    HANDLE h = CreateFileW(wtmp, GENERIC_WRITE | WRITE_DAC, 0, &sa, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        qga_error_set_os(error, (int)GetLastError(), "failed to write to '%s'", target->path);
        LocalFree(sd);
        return -1;
    }
    /* Set once more on the open file: creation already applied it on Windows, Wine ignores a
     * creation-time descriptor; either way the file is right before it gets its name. */
    int rc = apply_dacl(h, sd, target->path, error);
    LocalFree(sd);
    size_t off = 0;
    while (rc == 0 && off < len) {
        DWORD chunk = len - off > 0x40000000 ? 0x40000000 : (DWORD)(len - off), n = 0;
        if (!WriteFile(h, data + off, chunk, &n, NULL)) {
            qga_error_set_os(error, (int)GetLastError(), "failed to write to '%s'", target->path);
            rc = -1;
        }
        off += n;
    }
    if (rc == 0 && !FlushFileBuffers(h)) {
        qga_error_set_os(error, (int)GetLastError(), "failed to write to '%s'", target->path);
        rc = -1;
    }
    CloseHandle(h);
    if (rc == 0 && !MoveFileExW(wtmp, wpath, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        qga_error_set_os(error, (int)GetLastError(), "failed to write to '%s'", target->path);
        rc = -1;
    }
    if (rc < 0)
        DeleteFileW(wtmp);
    return rc;
}

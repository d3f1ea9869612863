/* Unit tests of the Windows authorized_keys writer (os/win32/ssh.c) under Wine: places, contents and the ACLs OpenSSH requires. */
#include "os/win32/win32.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "os/win32/ssh-win32.h"

/*
 * The agent's account lookup is a privileged primitive (NetUserGetInfo + the profile list);
 * this program supplies its own, pointing at a temporary directory, so that only the writer
 * runs for real: places, contents, atomic replacement.
 *
 * What Wine cannot show: the ACL on disk. Debian's Wine 8 accepts the security descriptor
 * (CreateFileW, SetSecurityInfo succeed) but does not keep it: GetNamedSecurityInfoW answers
 * one made up from the Unix mode (SYSTEM, the Wine user, Everyone read). So the policy is
 * checked where it is decided, the SDDL the agent builds (OpenSSH for Windows' documented
 * requirement: SYSTEM and Administrators full control, protected from inheritance, plus the
 * user on the user's own file), and that Windows' own parser accepts it; what Wine reads back
 * is printed for the record. The ACL on a real disk: the Windows end-to-end tier.
 */

#include "wintap.h"

#define USER_SID "S-1-5-21-1000-2000-3000-1001"

static char base_dir[MAX_PATH];

int qga_os_user_lookup(const char *name, QgaUserAccount *ret, QgaError **error)
{
    bool admin = strcmp(name, "admin") == 0;
    *ret = (QgaUserAccount){
        .name = qga_strdup(name),
        .home = qga_strdup_printf("%s\\home-%s", base_dir, name),
        .is_admin = admin,
        .sid = qga_strdup(USER_SID),
        .machine_ssh_dir = qga_strdup_printf("%s\\programdata-ssh", base_dir),
    };
    return 0;
}

static char *read_file(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = qga_malloc(65536);
    *ret_len = fread(buf, 1, 65535, f);
    buf[*ret_len] = '\0';
    fclose(f);
    return buf;
}

/* The DACL of path as SDDL ("D:P(A;;FA;;;SY)..."), NULL when it cannot be read. */
static char *dacl_sddl(const char *path)
{
    wchar_t *wpath = qga_win_utf8_to_utf16(path, "path", NULL);
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL;
    DWORD rc = GetNamedSecurityInfoW(wpath, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL, &sd);
    free(wpath);
    if (rc != ERROR_SUCCESS)
        return NULL;
    wchar_t *text = NULL;
    char *out = NULL;
    if (ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, NULL)) {
        out = qga_win_utf16_to_utf8(text, -1);
        LocalFree(text);
    }
    LocalFree(sd);
    return out;
}

/* Windows' SDDL parser takes it, and writes the same text back (nothing dropped or reordered). */
static void check_parses(const char *sddl)
{
    if (!sddl)
        return;
    wchar_t *w = qga_win_utf8_to_utf16(sddl, "sddl", NULL);
    PSECURITY_DESCRIPTOR sd = NULL;
    CHECK(ConvertStringSecurityDescriptorToSecurityDescriptorW(w, SDDL_REVISION_1, &sd, NULL), "%s does not parse", sddl);
    wchar_t *back = NULL;
    if (sd && ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &back,
                                                                   NULL)) {
        char *b = qga_win_utf16_to_utf8(back, -1);
        CHECK(strcmp(b, sddl) == 0, "round trip %s, expected %s", b, sddl);
        free(b);
        LocalFree(back);
    }
    LocalFree(sd);
    free(w);
}

static void write_and_check(const char *user, const char *expected_path, const char *expected_dacl)
{
    QgaSshTarget t = { 0 };
    QgaError *err = NULL;
    CHECK(qga_os_ssh_target(user, &t, &err) == 0, "target: %s", err ? err->desc : "");
    CHECK(t.path && strcmp(t.path, expected_path) == 0, "path %s, expected %s", t.path ? t.path : "(null)",
          expected_path);
    static const char content[] = "ssh-ed25519 AAAAkey one\nssh-rsa AAAAkey two\n";
    CHECK(qga_os_ssh_write(&t, content, strlen(content), &err) == 0, "write: %s", err ? err->desc : "");
    size_t len = 0;
    char *got = read_file(expected_path, &len);
    CHECK(got && len == strlen(content) && memcmp(got, content, len) == 0, "content differs");
    free(got);
    char *built = qga_win_ssh_sddl(&t, false, &err);
    CHECK(built && strcmp(built, expected_dacl) == 0, "SDDL %s, expected %s", built ? built : "(null)", expected_dacl);
    check_parses(built);
    free(built);
    char *dacl = dacl_sddl(expected_path);
    printf("# %s: Wine reads back %s\n", expected_path, dacl ? dacl : "(no DACL)");
    free(dacl);

    /* Replaced, not appended; read back through the agent's reader; no temporary file left. */
    CHECK(qga_os_ssh_write(&t, "x\n", 2, &err) == 0, "rewrite: %s", err ? err->desc : "");
    char *data = NULL;
    bool missing = true;
    CHECK(qga_os_ssh_read(&t, &data, &len, &missing, &err) == 0 && !missing && len == 2 && memcmp(data, "x\n", 2) == 0,
          "read back");
    free(data);
    char pattern[MAX_PATH + 4];
    snprintf(pattern, sizeof(pattern), "%s\\*", t.dir);
    WIN32_FIND_DATAA fd;
    HANDLE h = FindFirstFileA(pattern, &fd);
    int files = 0;
    if (h != INVALID_HANDLE_VALUE) {
        do
            files += !(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY);
        while (FindNextFileA(h, &fd));
        FindClose(h);
    }
    CHECK(files == 1, "%d files in %s", files, t.dir);
    qga_ssh_target_clear(&t);
}

static void test_user_file(void)
{
    char path[MAX_PATH + 64];
    snprintf(path, sizeof(path), "%s\\home-alice\\.ssh\\authorized_keys", base_dir);
    char home[MAX_PATH + 16];
    snprintf(home, sizeof(home), "%s\\home-alice", base_dir);
    CreateDirectoryA(home, NULL);
    write_and_check("alice", path, "D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;" USER_SID ")");
    /* The .ssh directory the writer creates gets the same entries, inherited by its files. */
    QgaSshTarget t = { 0 };
    QgaError *err = NULL;
    qga_os_ssh_target("alice", &t, &err);
    char *dir_sddl = qga_win_ssh_sddl(&t, true, &err);
    CHECK(dir_sddl && strcmp(dir_sddl, "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" USER_SID ")") == 0,
          "dir SDDL %s", dir_sddl ? dir_sddl : "(null)");
    check_parses(dir_sddl);
    free(dir_sddl);
    /* A user file without a SID cannot be protected for its user: refused, not written open. */
    free(t.account.sid);
    t.account.sid = NULL;
    CHECK(qga_win_ssh_sddl(&t, false, &err) == NULL && err && strcmp(err->desc, "failed to retrieve user alice SID") == 0,
          "no SID: %s", err ? err->desc : "(no error)");
    qga_error_free(err);
    qga_ssh_target_clear(&t);
}

static void test_admin_file(void)
{
    char path[MAX_PATH + 64];
    snprintf(path, sizeof(path), "%s\\programdata-ssh\\administrators_authorized_keys", base_dir);
    write_and_check("admin", path, "D:P(A;;FA;;;SY)(A;;FA;;;BA)");
}

static void test_missing(void)
{
    QgaSshTarget t = { 0 };
    QgaError *err = NULL;
    qga_os_ssh_target("bob", &t, &err);
    char *data = NULL;
    size_t len = 0;
    bool missing = false;
    CHECK(qga_os_ssh_read(&t, &data, &len, &missing, &err) == 0 && missing && len == 0, "missing file");
    free(data);
    CHECK(qga_os_ssh_read(&t, &data, &len, NULL, &err) == -1 && err && strncmp(err->desc, "failed to read '", 16) == 0,
          "missing file is an error for get: %s", err ? err->desc : "(none)");
    qga_error_free(err);
    qga_ssh_target_clear(&t);
}

/* Delete a directory tree (best effort: the temporary tree of this run). */
static void remove_tree(const char *dir)
{
    char pattern[MAX_PATH + 4];
    snprintf(pattern, sizeof(pattern), "%s\\*", dir);
    WIN32_FIND_DATAA fd;
    HANDLE h = FindFirstFileA(pattern, &fd);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0)
                continue;
            char path[MAX_PATH * 2];
            snprintf(path, sizeof(path), "%s\\%s", dir, fd.cFileName);
            if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                remove_tree(path);
            else
                DeleteFileA(path);
        } while (FindNextFileA(h, &fd));
        FindClose(h);
    }
    RemoveDirectoryA(dir);
}

int main(void)
{
    static const TestCase tests[] = {
        { "/win32/ssh/user-file", test_user_file },
        { "/win32/ssh/admin-file", test_admin_file },
        { "/win32/ssh/missing", test_missing },
    };
    char tmp[MAX_PATH];
    GetTempPathA(MAX_PATH, tmp);
    snprintf(base_dir, sizeof(base_dir), "%sqga-ssh-%lu", tmp, (unsigned long)GetCurrentProcessId());
    CreateDirectoryA(base_dir, NULL);
    char sshd[MAX_PATH + 32];
    snprintf(sshd, sizeof(sshd), "%s\\programdata-ssh", base_dir);
    CreateDirectoryA(sshd, NULL);

    int status = wintap_run(tests, sizeof(tests) / sizeof(tests[0]));
    remove_tree(base_dir);
    return status;
}

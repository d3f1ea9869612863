/* The privileged account primitives on POSIX: the user database and chpasswd (replaced by tests/seams/record-actions.c in tests). */
#include "os/accounts.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "spawn.h"

int qga_os_user_lookup(const char *name, QgaUserAccount *ret, QgaError **error)
{
    /* getpwnam_r goes through NSS: LDAP or SSSD users resolve as sshd would resolve them. */
    long max = sysconf(_SC_GETPW_R_SIZE_MAX);
    size_t size = max > 0 ? (size_t)max : 16384;
    for (;;) {
        _qga_cleanup_free_ char *buf = qga_malloc(size);
        struct passwd pw, *found = NULL;
        int rc = getpwnam_r(name, &pw, buf, size, &found);
        if (rc == ERANGE && size < (1u << 20)) {
            size *= 2;
            continue;
        }
        if (!found) {
            /* Not found is rc 0 with no entry (or ENOENT/ESRCH from some NSS modules). */
            qga_error_set_os(error, rc ? rc : ENOENT, "failed to lookup user '%s'", name);
            return -1;
        }
        *ret = (QgaUserAccount){
            .name = qga_strdup(pw.pw_name),
            .home = pw.pw_dir && *pw.pw_dir ? qga_strdup(pw.pw_dir) : NULL,
            .uid = pw.pw_uid,
            .gid = pw.pw_gid,
        };
        return 0;
    }
}

/* chpasswd where distributions and busybox put it; qemu-ga searches PATH for it. */
static const char *find_chpasswd(void)
{
    static const char *const paths[] = { "/usr/sbin/chpasswd", "/sbin/chpasswd", "/usr/bin/chpasswd",
                                         "/bin/chpasswd" };
    for (size_t i = 0; i < QGA_N_ELEMENTS(paths); i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

int qga_os_set_user_password(const char *username, const char *password, size_t len, bool crypted,
                             QgaError **error)
{
    const char *chpasswd = find_chpasswd();
    if (!chpasswd) {
        qga_error_generic(error, "child process has failed to set user password: chpasswd was not found");
        return -1;
    }
    /* One "user:password\n" line on stdin, as qemu-ga feeds it; -e when it is a hash. */
    QgaBuf line = QGA_BUF_INIT;
    qga_buf_append_str(&line, username);
    qga_buf_append_byte(&line, ':');
    qga_buf_append(&line, password, len);
    qga_buf_append_byte(&line, '\n');
    const char *const argv_plain[] = { chpasswd, NULL };
    const char *const argv_crypted[] = { chpasswd, "-e", NULL };
    int rc = qga_spawn_run_input(crypted ? argv_crypted : argv_plain, line.data, line.len, "set user password",
                                 error);
    volatile char *v = line.data;
    for (size_t i = 0; i < line.len; i++)
        v[i] = 0;
    qga_buf_free(&line);
    return rc;
}

/* POSIX authorized_keys: ~/.ssh/authorized_keys read and replaced the way sshd's StrictModes wants it. */
#define _GNU_SOURCE /* O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW on older libcs */
#include "os/ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "fileio.h"

#define KEYS_FILE "authorized_keys"
/* Far beyond any real key file; keeps a hostile or runaway file from filling the agent. */
#define KEYS_FILE_MAX ((size_t)16 << 20)

int qga_os_ssh_target(const char *username, QgaSshTarget *ret, QgaError **error)
{
    QgaSshTarget t = { 0 };
    if (qga_os_user_lookup(username, &t.account, error) < 0)
        return -1;
    if (!t.account.home) {
        qga_error_generic(error, "user '%s' has no home directory", username);
        qga_ssh_target_clear(&t);
        return -1;
    }
    t.dir = qga_strdup_printf("%s/.ssh", t.account.home);
    t.path = qga_strdup_printf("%s/" KEYS_FILE, t.dir);
    *ret = t;
    return 0;
}

int qga_os_ssh_read(const QgaSshTarget *target, char **ret_data, size_t *ret_len, bool *ret_missing,
                    QgaError **error)
{
    /* A symlinked authorized_keys is followed, as sshd follows it. */
    char *data = NULL;
    size_t len = 0;
    int rc = qga_read_full_file(target->path, KEYS_FILE_MAX, &data, &len);
    if (rc == -EFBIG) {
        qga_error_generic(error, "failed to read '%s': larger than %zu bytes", target->path,
                          KEYS_FILE_MAX);
        return -1;
    }
    if (rc < 0 && ret_missing && (rc == -ENOENT || rc == -ENOTDIR)) {
        *ret_missing = true;
        *ret_data = qga_strdup("");
        *ret_len = 0;
        return 0;
    }
    if (rc < 0) {
        qga_error_set_os(error, -rc, "failed to read '%s'", target->path);
        return -1;
    }
    if (ret_missing)
        *ret_missing = false;
    *ret_data = data;
    *ret_len = len;
    return 0;
}

static void closep(int *fd)
{
    if (*fd >= 0)
        close(*fd);
}
#define _cleanup_fd_ _qga_cleanup_(closep)

/*
 * The ~/.ssh directory as an fd, created 0700 and owned by the user when missing. It is
 * opened without following a symlink and must belong to the user or root: the agent runs as
 * root in a directory the user controls, and qemu-ga's path-based writes could be pointed
 * at another account's files by a ~/.ssh symlink.
 */
static int open_ssh_dir(const QgaSshTarget *t, QgaError **error)
{
    _cleanup_fd_ int home = open(t->account.home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (home < 0) {
        qga_error_set_os(error, errno, "failed to open directory '%s'", t->account.home);
        return -1;
    }
    int dir = openat(home, ".ssh", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0 && errno == ENOENT) {
        if (mkdirat(home, ".ssh", 0700) < 0 && errno != EEXIST) {
            qga_error_set_os(error, errno, "failed to create directory '%s'", t->dir);
            return -1;
        }
        dir = openat(home, ".ssh", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir >= 0 && fchown(dir, t->account.uid, t->account.gid) < 0) {
            qga_error_set_os(error, errno, "failed to set ownership of directory '%s'", t->dir);
            close(dir);
            return -1;
        }
        if (dir >= 0 && fchmod(dir, 0700) < 0) {
            qga_error_set_os(error, errno, "failed to set permissions of directory '%s'", t->dir);
            close(dir);
            return -1;
        }
    }
    if (dir < 0) {
        qga_error_set_os(error, errno, "failed to open directory '%s'", t->dir);
        return -1;
    }
    struct stat st;
    if (fstat(dir, &st) < 0) {
        qga_error_set_os(error, errno, "failed to open directory '%s'", t->dir);
        close(dir);
        return -1;
    }
    if (st.st_uid != t->account.uid && st.st_uid != 0) {
        qga_error_generic(error, "refusing to write to '%s': owned by uid %u, not by the user",
                          t->dir, (unsigned)st.st_uid);
        close(dir);
        return -1;
    }
    return dir;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int qga_os_ssh_write(const QgaSshTarget *target, const char *data, size_t len, QgaError **error)
{
    _cleanup_fd_ int dir = open_ssh_dir(target, error);
    if (dir < 0)
        return -1;
    /* A fresh 0600 file owned by the user, renamed over the old one: sshd never sees a partial
     * file, nor one briefly owned by root with the umask's permissions. */
    static unsigned counter;
    char tmp[64];
    snprintf(tmp, sizeof(tmp), ".%s.qga-%ld-%u", KEYS_FILE, (long)getpid(), counter++);
    int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        qga_error_set_os(error, errno, "failed to write to '%s'", target->path);
        return -1;
    }
    int rc = -1;
    if (fchown(fd, target->account.uid, target->account.gid) < 0)
        qga_error_set_os(error, errno, "failed to set ownership of '%s'", target->path);
    else if (fchmod(fd, 0600) < 0)
        qga_error_set_os(error, errno, "failed to set permissions of '%s'", target->path);
    else if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
        qga_error_set_os(error, errno, "failed to write to '%s'", target->path);
    else
        rc = 0;
    if (close(fd) < 0 && rc == 0) {
        qga_error_set_os(error, errno, "failed to write to '%s'", target->path);
        rc = -1;
    }
    if (rc == 0 && renameat(dir, tmp, dir, KEYS_FILE) < 0) {
        qga_error_set_os(error, errno, "failed to write to '%s'", target->path);
        rc = -1;
    }
    if (rc < 0)
        unlinkat(dir, tmp, 0);
    return rc;
}

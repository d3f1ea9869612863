/* guest-file-* on POSIX: plain descriptors (no stdio buffer to flush between reads and writes). */
#define _GNU_SOURCE
#include "os/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

/*
 * qemu-ga gives a file it creates mode 0666 whatever the agent's umask (the daemon's umask is
 * 077 since CVE-2013-2007, which must not apply to files the host asked for); the host sets
 * stricter permissions itself when it wants them. Same here, for compatibility.
 */
#define NEW_FILE_MODE 0666

struct QgaOsFile {
    int fd;
};

int qga_os_file_open(const char *path, const QgaFileMode *mode, const char *mode_text, QgaOsFile **ret,
                     QgaError **error)
{
    int flags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    if (mode->read && mode->write)
        flags |= O_RDWR;
    else if (mode->write)
        flags |= O_WRONLY;
    else
        flags |= O_RDONLY;
    if (mode->append)
        flags |= O_APPEND;
    if (mode->truncate)
        flags |= O_TRUNC;

    /* Create exclusively first, so that only a file we made gets its mode changed; an existing
     * one is then opened as it is. (qemu-ga's two-step open.) */
    bool created = false;
    int fd = -1;
    if (mode->create) {
        fd = open(path, flags | O_CREAT | O_EXCL, 0);
        if (fd >= 0)
            created = true;
        else if (errno != EEXIST)
            goto fail;
    }
    if (fd < 0)
        fd = open(path, flags);
    if (fd < 0)
        goto fail;
    if (created && fchmod(fd, NEW_FILE_MODE) < 0) {
        int e = errno;
        close(fd);
        unlink(path);
        qga_error_set_os(error, e, "failed to set permission 0%03o on new file '%s' (mode: '%s')",
                         NEW_FILE_MODE, path, mode_text);
        return -1;
    }
    QgaOsFile *f = qga_malloc(sizeof(*f));
    f->fd = fd;
    *ret = f;
    return 0;

fail:
    qga_error_set_os(error, errno, "failed to open file '%s' (mode: '%s')", path, mode_text);
    return -1;
}

int qga_os_file_close(QgaOsFile *file, QgaError **error)
{
    if (!file)
        return 0;
    /* No retry on EINTR: on Linux the descriptor is released even then. */
    int r = close(file->fd);
    int e = errno;
    free(file);
    if (r < 0 && e != EINTR) {
        qga_error_set_os(error, e, "failed to close handle");
        return -1;
    }
    return 0;
}

int qga_os_file_read(QgaOsFile *file, void *buf, size_t len, size_t *ret_n, bool *ret_eof, QgaError **error)
{
    size_t done = 0;
    bool eof = false;
    while (done < len) {
        ssize_t n = read(file->fd, (char *)buf + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n == 0) {
            eof = true;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            break; /* a FIFO with nothing more for now: what we have, not at end */
        qga_error_set_os(error, errno, "failed to read file");
        return -1;
    }
    *ret_n = done;
    *ret_eof = eof;
    return 0;
}

int qga_os_file_write(QgaOsFile *file, const void *buf, size_t len, size_t *ret_n, QgaError **error)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(file->fd, (const char *)buf + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && done > 0)
            break; /* a full FIFO: report the part that went in */
        qga_error_set_os(error, n < 0 ? errno : EIO, "failed to write to file");
        return -1;
    }
    *ret_n = done;
    return 0;
}

int qga_os_file_seek(QgaOsFile *file, int64_t offset, int whence, int64_t *ret_pos, QgaError **error)
{
    static const int os_whence[] = { SEEK_SET, SEEK_CUR, SEEK_END };
    off_t pos = lseek(file->fd, (off_t)offset, os_whence[whence]);
    if (pos < 0) {
        qga_error_set_os(error, errno, "failed to seek file");
        return -1;
    }
    *ret_pos = (int64_t)pos;
    return 0;
}

int qga_os_file_flush(QgaOsFile *file, QgaError **error)
{
    /* qemu-ga's fflush() moves its stdio buffer into the kernel; writes here go straight to the
     * kernel, so there is nothing left to push (and no fsync: qemu-ga does none either). */
    return 0;
}

int qga_os_read_small_file(const char *path, size_t max, char **ret_data, size_t *ret_len, QgaError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT) {
            *ret_data = NULL;
            *ret_len = 0;
            return 0;
        }
        qga_error_set_os(error, errno, "can't open '%s'", path);
        return -1;
    }
    char *data = qga_malloc(max + 1);
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, data + len, max - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            free(data);
            qga_error_set_os(error, e, "can't read '%s'", path);
            return -1;
        }
        if (n == 0 || (len += (size_t)n) == max)
            break;
    }
    close(fd);
    data[len] = '\0';
    *ret_data = data;
    *ret_len = len;
    return 0;
}

int qga_os_replace_file(const char *path, const void *data, size_t len, QgaError **error)
{
    _qga_cleanup_free_ char *tmp = qga_strdup_printf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        qga_error_set_os(error, errno, "can't create '%s'", tmp);
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, (const char *)data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            close(fd);
            unlink(tmp);
            qga_error_set_os(error, e, "can't write '%s'", tmp);
            return -1;
        }
        done += (size_t)n;
    }
    /* g_file_set_contents' order: data on disk before the rename makes it the file. */
    int r = fsync(fd);
    int e = errno;
    if (close(fd) < 0 && r == 0) {
        r = -1;
        e = errno;
    }
    if (r < 0) {
        unlink(tmp);
        qga_error_set_os(error, e, "can't write '%s'", tmp);
        return -1;
    }
    if (rename(tmp, path) < 0) {
        e = errno;
        unlink(tmp);
        qga_error_set_os(error, e, "can't rename '%s' to '%s'", tmp, path);
        return -1;
    }
    return 0;
}

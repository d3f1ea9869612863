/* The POSIX channel methods: virtio-serial, isa-serial (raw tty) and unix-listen (one client at a time). */
#define _GNU_SOURCE /* accept4, F_SETOWN */
#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "core/mem.h"

int qga_channel_kind_from_method(const char *method, QgaChannelKind *ret, QgaError **error)
{
    if (strcmp(method, "virtio-serial") == 0)
        *ret = QGA_CHANNEL_VIRTIO_SERIAL;
    else if (strcmp(method, "isa-serial") == 0)
        *ret = QGA_CHANNEL_ISA_SERIAL;
    else if (strcmp(method, "unix-listen") == 0)
        *ret = QGA_CHANNEL_UNIX_LISTEN;
    else {
        qga_error_generic(error, "unsupported channel method '%s'", method);
        return -1;
    }
    return 0;
}

/* qemu-ga's serial set-up: non-canonical "dumb byte streaming" at 38400 baud. */
static int make_tty_raw(int fd, const char *path, QgaError **error)
{
    struct termios tio;
    if (tcgetattr(fd, &tio) < 0) {
        qga_error_set_os(error, errno, "'%s' is not a usable serial port", path);
        return -1;
    }
    tio.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | IGNPAR | PARMRK | INPCK | ISTRIP | INLCR | IGNCR | ICRNL |
                               IXON | IXOFF | IXANY | IMAXBEL);
    tio.c_oflag = 0;
    tio.c_lflag = 0;
    /* qemu-ga ORs B38400 into c_cflag; setting the speed is what that means. */
    cfsetispeed(&tio, B38400);
    cfsetospeed(&tio, B38400);
    /* A read returns as soon as one byte is there (the fd is non-blocking anyway). */
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    /* Whatever sat in the input queue before we opened the port is garbage now. */
    tcflush(fd, TCIFLUSH);
    if (tcsetattr(fd, TCSANOW, &tio) < 0) {
        qga_error_set_os(error, errno, "failed to configure serial port '%s'", path);
        return -1;
    }
    return 0;
}

int qga_channel_open_device(QgaChannelKind kind, const char *path, int *ret_fd, QgaError **error)
{
    int flags = O_RDWR | O_NONBLOCK | O_CLOEXEC;
    if (kind == QGA_CHANNEL_ISA_SERIAL)
        flags |= O_NOCTTY; /* never become the agent's controlling terminal */
    int fd = open(path, flags);
    if (fd < 0) {
        qga_error_set_os(error, errno, "failed to open channel '%s'", path);
        return -1;
    }
    if (kind == QGA_CHANNEL_ISA_SERIAL && make_tty_raw(fd, path, error) < 0) {
        close(fd);
        return -1;
    }
    *ret_fd = fd;
    return 0;
}

int qga_channel_set_async(int fd, bool on, QgaError **error)
{
    /* F_SETOWN each time: after daemonizing, the owner must be the child, not the parent. */
    if (on && fcntl(fd, F_SETOWN, getpid()) < 0) {
        qga_error_set_os(error, errno, "F_SETOWN failed");
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, on ? (fl | O_ASYNC) : (fl & ~O_ASYNC)) < 0) {
        qga_error_set_os(error, errno, "failed to %s O_ASYNC", on ? "set" : "clear");
        return -1;
    }
    return 0;
}

static char *absolute_path(const char *path)
{
    if (path[0] == '/')
        return qga_strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd)))
        return qga_strdup(path);
    return qga_strdup_printf("%s/%s", cwd, path);
}

static int fill_addr(const char *path, struct sockaddr_un *addr, QgaError **error)
{
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr->sun_path)) {
        qga_error_generic(error, "socket path '%s' is too long (at most %zu bytes)", path,
                          sizeof(addr->sun_path) - 1);
        return -1;
    }
    memcpy(addr->sun_path, path, strlen(path));
    return 0;
}

/* 0: the file at path may be removed (a dead socket); -1: leave it alone (error set). */
static int check_stale_socket(const char *path, const struct sockaddr_un *addr, QgaError **error)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        qga_error_set_os(error, errno, "can't inspect '%s'", path);
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        qga_error_generic(error, "'%s' exists and is not a socket", path);
        return -1;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) {
        qga_error_set_os(error, errno, "failed to create a socket");
        return -1;
    }
    int r = connect(probe, (const struct sockaddr *)addr, sizeof(*addr));
    int err = errno;
    close(probe);
    if (r == 0) {
        qga_error_generic(error, "'%s' is in use: another process is listening on it", path);
        return -1;
    }
    if (err == ECONNREFUSED || err == ENOENT)
        return 0;
    qga_error_set_os(error, err, "can't tell whether '%s' is in use", path);
    return -1;
}

int qga_channel_listen_unix(const char *path, QgaListenSocket *ret, QgaError **error)
{
    struct sockaddr_un addr;
    if (fill_addr(path, &addr, error) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        qga_error_set_os(error, errno, "failed to create a socket");
        return -1;
    }
    int r = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
    if (r < 0 && errno == EADDRINUSE) {
        /* Usually the file of an agent that was killed; qemu's unix_listen removes any file
         * there unconditionally, which can steal a live agent's socket. */
        if (check_stale_socket(path, &addr, error) < 0) {
            close(fd);
            return -1;
        }
        if (unlink(path) < 0 && errno != ENOENT) {
            qga_error_set_os(error, errno, "failed to remove stale socket '%s'", path);
            close(fd);
            return -1;
        }
        r = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
    }
    if (r < 0) {
        qga_error_set_os(error, errno, "failed to bind socket '%s'", path);
        close(fd);
        return -1;
    }
    struct stat st;
    if (listen(fd, 8) < 0 || stat(path, &st) < 0) {
        qga_error_set_os(error, errno, "failed to listen on '%s'", path);
        close(fd);
        unlink(path);
        return -1;
    }
    ret->fd = fd;
    ret->path = absolute_path(path);
    ret->dev = st.st_dev;
    ret->ino = st.st_ino;
    return 0;
}

void qga_channel_listen_close(QgaListenSocket *ls)
{
    if (ls->fd >= 0)
        close(ls->fd);
    ls->fd = -1;
    if (ls->path) {
        struct stat st;
        if (lstat(ls->path, &st) == 0 && st.st_dev == ls->dev && st.st_ino == ls->ino)
            unlink(ls->path);
    }
    ls->path = qga_free_null(ls->path);
}

int qga_channel_accept(int listen_fd, int *ret_fd, QgaError **error)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) {
            *ret_fd = -1;
            return 0;
        }
        qga_error_set_os(error, errno, "failed to accept a connection");
        return -1;
    }
    *ret_fd = fd;
    return 0;
}

QgaIoStatus qga_channel_read(int fd, void *buf, size_t len, size_t *ret_n, int *ret_errno)
{
    ssize_t n = read(fd, buf, len);
    *ret_n = 0;
    *ret_errno = 0;
    if (n > 0) {
        *ret_n = (size_t)n;
        return QGA_IO_OK;
    }
    if (n == 0)
        return QGA_IO_EOF;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return QGA_IO_AGAIN;
    *ret_errno = errno;
    return QGA_IO_ERROR;
}

QgaIoStatus qga_channel_write(int fd, bool is_socket, const void *buf, size_t len, size_t *ret_n,
                              int *ret_errno)
{
    ssize_t n = is_socket ? send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) : write(fd, buf, len);
    *ret_n = 0;
    *ret_errno = 0;
    if (n >= 0) {
        *ret_n = (size_t)n;
        return QGA_IO_OK;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return QGA_IO_AGAIN;
    *ret_errno = errno;
    return QGA_IO_ERROR;
}

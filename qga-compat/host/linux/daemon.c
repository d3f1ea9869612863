/* Daemonizing with a readiness pipe, and a pid file held by an fcntl lock. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/mem.h"

static char *absolute_path(const char *path)
{
    if (path[0] == '/')
        return qga_strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd)))
        return qga_strdup(path);
    return qga_strdup_printf("%s/%s", cwd, path);
}

static long read_holder_pid(int fd)
{
    char buf[32] = { 0 };
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return 0;
    return strtol(buf, NULL, 10);
}

int qga_pidfile_acquire(const char *path, QgaPidfile *ret, QgaError **error)
{
    _qga_cleanup_free_ char *abs = absolute_path(path);
    /* The holder may unlink the file between our open and our lock: retry until the file we
     * locked is the one at the path. */
    for (int attempt = 0; attempt < 16; attempt++) {
        int fd = open(abs, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            qga_error_set_os(error, errno, "cannot open pid file '%s'", abs);
            return -1;
        }
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        if (fcntl(fd, F_SETLK, &fl) < 0) {
            int err = errno;
            long holder = read_holder_pid(fd);
            close(fd);
            if (err == EAGAIN || err == EACCES) {
                qga_error_generic(error, "pid file '%s' is locked: another instance is running (pid %ld)",
                                  abs, holder);
                return -1;
            }
            qga_error_set_os(error, err, "cannot lock pid file '%s'", abs);
            return -1;
        }
        struct stat a, b;
        if (fstat(fd, &a) < 0 || stat(abs, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
            close(fd);
            continue;
        }
        char line[32];
        int len = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)len, 0) != len) {
            qga_error_set_os(error, errno, "cannot write pid file '%s'", abs);
            unlink(abs);
            close(fd);
            return -1;
        }
        ret->fd = fd;
        ret->path = qga_steal_pointer(&abs);
        return 0;
    }
    qga_error_generic(error, "pid file '%s' keeps being replaced", abs);
    return -1;
}

void qga_pidfile_release(QgaPidfile *pidfile)
{
    if (pidfile->fd >= 0) {
        /* Unlink while still holding the lock, so a starting instance never sees our file. */
        if (pidfile->path)
            unlink(pidfile->path);
        close(pidfile->fd);
    }
    pidfile->fd = -1;
    pidfile->path = qga_free_null(pidfile->path);
}

static void reopen_null(int fd)
{
    int null = open("/dev/null", O_RDWR);
    if (null < 0)
        return;
    if (null != fd) {
        dup2(null, fd);
        close(null);
    }
}

/* The child's report to the waiting parent: "" = ready, otherwise the error text. */
static void report_to_parent(int fd, const char *msg)
{
    size_t len = strlen(msg);
    while (len > 0) {
        ssize_t n = write(fd, msg, len);
        if (n <= 0)
            break;
        msg += n;
        len -= (size_t)n;
    }
    close(fd);
}

int qga_daemonize(const char *pidfile, QgaPidfile *ret_pidfile, QgaError **error)
{
    int pipefd[2];
    if (pipe(pipefd) < 0) {
        qga_error_set_os(error, errno, "failed to daemonize");
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        qga_error_set_os(error, errno, "failed to daemonize");
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid > 0) {
        /* The parent: wait for the child's verdict. On success leave at once, without any
         * clean-up of ours (the socket and the channel now belong to the child); on failure
         * return the child's reason so the caller cleans up and exits 1. */
        close(pipefd[1]);
        char buf[1024];
        size_t len = 0;
        ssize_t n;
        while (len < sizeof(buf) - 1 && (n = read(pipefd[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                break;
            }
            len += (size_t)n;
        }
        buf[len] = '\0';
        close(pipefd[0]);
        int status;
        if (len == 0)
            _exit(EXIT_SUCCESS);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        qga_error_generic(error, "%s", buf);
        return -1;
    }

    close(pipefd[0]);
    QgaError *err = NULL;
    if (setsid() < 0) {
        qga_error_set_os(&err, errno, "setsid failed");
    } else if (qga_pidfile_acquire(pidfile, ret_pidfile, &err) == 0) {
        /* qemu-ga's daemon umask; files it creates for the host set their own modes. */
        umask(S_IRWXG | S_IRWXO);
        if (chdir("/") < 0)
            qga_error_set_os(&err, errno, "chdir / failed");
    }
    if (err) {
        qga_pidfile_release(ret_pidfile);
        report_to_parent(pipefd[1], err->desc);
        qga_error_free(err);
        _exit(EXIT_FAILURE);
    }
    reopen_null(STDIN_FILENO);
    reopen_null(STDOUT_FILENO);
    reopen_null(STDERR_FILENO);
    report_to_parent(pipefd[1], "");
    return 0;
}

/* fork/exec of a helper with captured output; the exec error comes back through a CLOEXEC pipe. */
#define _GNU_SOURCE /* pipe2 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"

/* Keep enough of a failing helper's chatter to explain it in one error line. */
#define SPAWN_OUTPUT_MAX 4096

/* In the child: only async-signal-safe calls until exec. */
static void child_exec(const char *const argv[], int out_fd, int err_pipe)
{
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0 && null != STDIN_FILENO) {
        dup2(null, STDIN_FILENO);
        close(null);
    }
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
    if (out_fd > STDERR_FILENO)
        close(out_fd);
    /* The agent ignores SIGPIPE; an ignored disposition survives exec, the helper must not
     * inherit it. Also leave the agent's own fds (channel, log, pid file) behind. */
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = STDERR_FILENO + 1; fd < max; fd++)
        if (fd != err_pipe)
            close(fd);
    execv(argv[0], (char *const *)argv);
    int e = errno;
    if (write(err_pipe, &e, sizeof(e)) < 0) {
        /* the parent then sees a plain exit status */
    }
    _exit(127);
}

static void chomp(QgaBuf *b)
{
    while (b->len > 0 && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == '\r' ||
                          b->data[b->len - 1] == ' '))
        b->data[--b->len] = '\0';
}

int qga_spawn_run(const char *const argv[], const char *action, QgaError **error)
{
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC) < 0) {
        qga_error_set_os(error, errno, "cannot create pipe FDs");
        return -1;
    }
    if (pipe2(errp, O_CLOEXEC) < 0) {
        qga_error_set_os(error, errno, "cannot create pipe FDs");
        close(out[0]);
        close(out[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        qga_error_set_os(error, errno, "failed to create child process");
        close(out[0]);
        close(out[1]);
        close(errp[0]);
        close(errp[1]);
        return -1;
    }
    if (pid == 0)
        child_exec(argv, out[1], errp[1]);

    close(out[1]);
    close(errp[1]);
    QgaBuf output = QGA_BUF_INIT;
    char chunk[1024];
    for (;;) {
        ssize_t n = read(out[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (output.len < SPAWN_OUTPUT_MAX)
            qga_buf_append(&output, chunk, (size_t)n);
    }
    close(out[0]);
    int exec_errno = 0;
    ssize_t en;
    do
        en = read(errp[0], &exec_errno, sizeof(exec_errno));
    while (en < 0 && errno == EINTR);
    close(errp[0]);

    int status;
    pid_t r;
    do
        r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);

    int ret = -1;
    chomp(&output);
    if (r < 0)
        qga_error_set_os(error, errno, "failed to wait for child (pid: %d)", (int)pid);
    else if (en == (ssize_t)sizeof(exec_errno))
        qga_error_set_os(error, exec_errno, "child process has failed to %s: failed to exec '%s'", action,
                         argv[0]);
    else if (!WIFEXITED(status))
        qga_error_generic(error, "child process has terminated abnormally%s%s", output.len ? ": " : "",
                          output.len ? output.data : "");
    else if (WEXITSTATUS(status) != 0) {
        if (output.len)
            qga_error_generic(error, "child process has failed to %s: %s", action, output.data);
        else
            qga_error_generic(error, "child process has failed to %s: exit status %d", action,
                              WEXITSTATUS(status));
    } else
        ret = 0;
    qga_buf_free(&output);
    return ret;
}

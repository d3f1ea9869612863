/* fork/exec of a helper with captured output (and optional stdin input); the exec error comes back through a CLOEXEC pipe. */
#define _GNU_SOURCE /* pipe2 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"

/* Keep enough of a failing helper's chatter to explain it in one error line. */
#define SPAWN_OUTPUT_MAX 4096

/* In the child: only async-signal-safe calls until exec. */
static void child_exec(const char *const argv[], int in_fd, int out_fd, int err_pipe)
{
    int in = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
    if (in >= 0 && in != STDIN_FILENO) {
        dup2(in, STDIN_FILENO);
        close(in);
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

static void close_pipe(int p[2])
{
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
    p[0] = p[1] = -1;
}

/* Feed the input while collecting the output: a child that talks before it has read all its
 * input must not deadlock against us. The output is kept up to SPAWN_OUTPUT_MAX. */
static void pump(int in_fd, const char *input, size_t input_len, int out_fd, QgaBuf *output)
{
    size_t written = 0;
    if (in_fd >= 0 && input_len == 0) {
        close(in_fd);
        in_fd = -1;
    }
    for (;;) {
        struct pollfd fds[2] = { { out_fd, POLLIN, 0 }, { in_fd, POLLOUT, 0 } };
        if (poll(fds, in_fd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (in_fd >= 0 && fds[1].revents) {
            ssize_t w = write(in_fd, input + written, input_len - written);
            if (w > 0)
                written += (size_t)w;
            /* EPIPE (the child quit reading; SIGPIPE is ignored by the agent) ends the input. */
            if ((w < 0 && errno != EINTR && errno != EAGAIN) || written == input_len) {
                close(in_fd);
                in_fd = -1;
            }
        }
        if (fds[0].revents) {
            char chunk[1024];
            ssize_t n = read(out_fd, chunk, sizeof(chunk));
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0)
                break;
            if (output->len < SPAWN_OUTPUT_MAX)
                qga_buf_append(output, chunk, (size_t)n);
        }
    }
    if (in_fd >= 0)
        close(in_fd);
}

int qga_spawn_run(const char *const argv[], const char *action, QgaError **error)
{
    return qga_spawn_run_input(argv, NULL, 0, action, error);
}

int qga_spawn_run_input(const char *const argv[], const void *input, size_t input_len, const char *action,
                        QgaError **error)
{
    int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, in[2] = { -1, -1 };
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || (input && pipe2(in, O_CLOEXEC) < 0)) {
        qga_error_set_os(error, errno, "cannot create pipe FDs");
        close_pipe(out);
        close_pipe(errp);
        close_pipe(in);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        qga_error_set_os(error, errno, "failed to create child process");
        close_pipe(out);
        close_pipe(errp);
        close_pipe(in);
        return -1;
    }
    if (pid == 0)
        child_exec(argv, in[0], out[1], errp[1]);

    close(out[1]);
    close(errp[1]);
    if (in[0] >= 0)
        close(in[0]);
    if (in[1] >= 0)
        fcntl(in[1], F_SETFL, O_NONBLOCK);
    QgaBuf output = QGA_BUF_INIT;
    pump(in[1], input, input_len, out[0], &output);
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

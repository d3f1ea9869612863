/* guest-exec on POSIX: fork/execve with a PATH search, pipes and the child watched from the agent's poll loop. */
#define _GNU_SOURCE /* pipe2, F_DUPFD_CLOEXEC */
#include "os/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "loop.h"
#include "core/mem.h"

extern char **environ;

/* One read per wake-up takes at most this much; a chatty child cannot starve the channel. */
#define EXEC_READ_CHUNK ((size_t)64 << 10)
/* glib's fallback when neither the child's nor the agent's environment has a PATH. */
#define EXEC_DEFAULT_PATH "/bin:/usr/bin"

typedef struct ExecStream {
    int fd;                      /* our end, non-blocking; -1 once closed or never opened */
    QgaLoopWatch *watch;
    QgaBuf data;
    bool truncated;
} ExecStream;

struct QgaOsChild {
    pid_t pid;
    bool reaped;
    bool detached;               /* forgotten by the agent while still running: reap, then free */
    int status;                  /* wait status once reaped */
    QgaLoop *loop;               /* the loop the watches live on */
    ExecStream out, err;
    int in_fd;
    QgaLoopWatch *in_watch;
    char *in_data;
    size_t in_len, in_off;
    QgaOsChild *next;            /* every child not yet reaped or still referenced */
};

static QgaOsChild *children;
static bool sigchld_installed;

/* ---- the child list and reaping ---- */

static void unlink_child(QgaOsChild *c)
{
    for (QgaOsChild **p = &children; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            return;
        }
    }
}

/* waitpid for this pid only: qga_spawn_run (hwclock, shutdown) waits for its own children. */
static void try_reap(QgaOsChild *c)
{
    if (c->reaped)
        return;
    int status;
    pid_t r;
    do
        r = waitpid(c->pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == c->pid) {
        c->reaped = true;
        c->status = status;
    } else if (r < 0 && errno == ECHILD) {
        /* Someone else reaped it (cannot happen through the agent's code); report it as gone. */
        c->reaped = true;
        c->status = 0;
    }
}

static void on_sigchld(QgaLoop *loop, int signo, void *opaque)
{
    QgaOsChild *c = children;
    while (c) {
        QgaOsChild *next = c->next;
        try_reap(c);
        if (c->reaped && c->detached) {
            unlink_child(c);
            free(c);
        }
        c = next;
    }
}

/* ---- pipes ---- */

static void stream_close(QgaOsChild *c, ExecStream *s)
{
    if (s->watch && c->loop == qga_loop_default())
        qga_loop_remove_fd(c->loop, s->watch);
    s->watch = NULL;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static void stream_read(ExecStream *s, QgaOsChild *c)
{
    static char discard[EXEC_READ_CHUNK];
    size_t room = QGA_EXEC_OUTPUT_MAX - s->data.len;
    if (room > EXEC_READ_CHUNK)
        room = EXEC_READ_CHUNK;
    char *dst = discard;
    size_t want = EXEC_READ_CHUNK;
    if (room > 0) {
        qga_exec_output_reserve(&s->data, room);
        dst = s->data.data + s->data.len;
        want = room;
    }
    ssize_t n = read(s->fd, dst, want);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        /* End of the stream (or an error, which ends it just as well). */
        stream_close(c, s);
        return;
    }
    if (room > 0) {
        s->data.len += (size_t)n;
        s->data.data[s->data.len] = '\0';
    } else {
        /* Over the cap: read on so the child is never blocked on a full pipe, and keep nothing. */
        s->truncated = true;
    }
}

static void on_out(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque)
{
    QgaOsChild *c = opaque;
    stream_read(&c->out, c);
}

static void on_err(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque)
{
    QgaOsChild *c = opaque;
    stream_read(&c->err, c);
}

static void input_close(QgaOsChild *c)
{
    if (c->in_watch && c->loop == qga_loop_default())
        qga_loop_remove_fd(c->loop, c->in_watch);
    c->in_watch = NULL;
    if (c->in_fd >= 0)
        close(c->in_fd);
    c->in_fd = -1;
    c->in_data = qga_free_null(c->in_data);
}

static void on_in(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque)
{
    QgaOsChild *c = opaque;
    while (c->in_off < c->in_len) {
        ssize_t n = write(c->in_fd, c->in_data + c->in_off, c->in_len - c->in_off);
        if (n > 0) {
            c->in_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        /* EPIPE: the child closed its stdin without reading it all. Not an error of the exec. */
        break;
    }
    /* All written (or refused): closing is the child's end of input. */
    input_close(c);
}

/* ---- starting ---- */

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* PATH for the search: the child's own when the host gave an environment (glib's
 * G_SPAWN_SEARCH_PATH_FROM_ENVP), else the agent's, else glib's default. */
static const char *search_path(const char *const *envp)
{
    if (envp) {
        for (const char *const *e = envp; *e; e++)
            if (strncmp(*e, "PATH=", 5) == 0)
                return *e + 5;
    }
    const char *p = getenv("PATH");
    return p ? p : EXEC_DEFAULT_PATH;
}

/* execvp's candidates, computed before fork (the child may only make async-signal-safe calls). */
static char **exec_candidates(const char *path, const char *const *envp)
{
    if (strchr(path, '/')) {
        char **v = qga_calloc(2, sizeof(char *));
        v[0] = qga_strdup(path);
        return v;
    }
    const char *dirs = search_path(envp);
    size_t n = 1;
    for (const char *p = dirs; *p; p++)
        n += *p == ':';
    char **v = qga_calloc(n + 1, sizeof(char *));
    size_t i = 0;
    const char *start = dirs;
    for (;;) {
        const char *end = strchr(start, ':');
        size_t len = end ? (size_t)(end - start) : strlen(start);
        /* An empty element is the current directory, as for execvp. */
        v[i++] = len ? qga_strdup_printf("%.*s/%s", (int)len, start, path) : qga_strdup(path);
        if (!end)
            break;
        start = end + 1;
    }
    return v;
}

static void free_vector(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

/* Move fd above the standard descriptors so that the dup2 onto 0, 1, 2 cannot clobber it. */
static int lift(int fd)
{
    return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

static void close_from(int first, int keep)
{
#ifdef SYS_close_range
    if (keep >= first) {
        if ((keep == first || syscall(SYS_close_range, first, keep - 1, 0) == 0) &&
            syscall(SYS_close_range, keep + 1, ~0U, 0) == 0)
            return;
    } else if (syscall(SYS_close_range, first, ~0U, 0) == 0) {
        return;
    }
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = first; fd < max; fd++)
        if (fd != keep)
            close(fd);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void child_exec(char **candidates, char *const argv[], char **sh_argv, char *const envp[], int in, int out,
                       int err, int report)
{
    in = lift(in);
    out = lift(out);
    err = lift(err);
    report = lift(report);
    if (in < 0 || out < 0 || err < 0 || report < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
        dup2(err, STDERR_FILENO) < 0) {
        int e = errno;
        if (report >= 0 && write(report, &e, sizeof(e)) < 0) {
            /* nothing more to do */
        }
        _exit(127);
    }
    close_from(STDERR_FILENO + 1, report);
    /* The agent ignores SIGPIPE, and an ignored disposition survives exec (qemu-ga resets it
     * too); blocked signals would survive as well. */
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int e = ENOENT;
    bool eacces = false;
    for (char **c = candidates; *c; c++) {
        execve(*c, argv, envp);
        e = errno;
        if (e == ENOEXEC) {
            /* An executable without "#!": a shell script to execvp and to glib, so to qemu-ga. */
            sh_argv[1] = *c;
            execve("/bin/sh", sh_argv, envp);
            e = ENOEXEC;
            break;
        }
        /* execvp's rule: keep looking after these; remember a permission problem for the end. */
        if (e == EACCES) {
            eacces = true;
            continue;
        }
        if (e == ENOENT || e == ENOTDIR || e == ELOOP || e == ENAMETOOLONG || e == ENODEV || e == ETIMEDOUT ||
            e == ESTALE)
            continue;
        break;
    }
    if (eacces && (e == ENOENT || e == ENOTDIR))
        e = EACCES;
    if (write(report, &e, sizeof(e)) < 0) {
        /* the parent then sees the exit status */
    }
    _exit(127);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

int qga_os_exec_start(QgaExecSpec *spec, QgaOsChild **ret_child, int64_t *ret_pid, QgaError **error)
{
    _qga_cleanup_free_ char *input = spec->input;
    spec->input = NULL;
    QgaLoop *loop = qga_loop_default();
    if (!loop) {
        qga_error_generic(error, "Failed to execute child process “%s” (the agent's event loop is not running)",
                          spec->path);
        return -1;
    }
    if (!sigchld_installed) {
        /* Before the first fork, so that no end is missed. */
        QgaError *err = NULL;
        if (qga_loop_add_signal(loop, SIGCHLD, on_sigchld, NULL, &err) < 0) {
            /* Still usable: guest-exec-status reaps on demand. */
            qga_log_warning("guest-exec: %s; children are reaped only when their status is read", err->desc);
            qga_error_free(err);
        } else {
            sigchld_installed = true;
        }
    }

    bool want_out = spec->capture != QGA_EXEC_CAPTURE_NONE && spec->capture != QGA_EXEC_CAPTURE_STDERR;
    bool want_err = spec->capture == QGA_EXEC_CAPTURE_STDERR || spec->capture == QGA_EXEC_CAPTURE_SEPARATED;
    int devnull = -1, report[2] = { -1, -1 }, in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    char **candidates = NULL;
    _qga_cleanup_free_ char **sh_argv = NULL;
    int rc = -1;

    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0 || pipe2(report, O_CLOEXEC) < 0 || (input && pipe2(in, O_CLOEXEC) < 0) ||
        (want_out && pipe2(out, O_CLOEXEC) < 0) || (want_err && pipe2(err, O_CLOEXEC) < 0) ||
        (input && set_nonblocking(in[1]) < 0) || (want_out && set_nonblocking(out[0]) < 0) ||
        (want_err && set_nonblocking(err[0]) < 0)) {
        qga_error_generic(error, "Failed to create pipe for communicating with child process (%s)", strerror(errno));
        goto out;
    }
    candidates = exec_candidates(spec->path, spec->envp);
    /* "/bin/sh" <program> argv[1...]; slot 1 is filled in the child. */
    size_t argc = 0;
    while (spec->argv[argc])
        argc++;
    sh_argv = qga_calloc(argc + 2, sizeof(char *));
    sh_argv[0] = (char *)"/bin/sh";
    for (size_t i = 1; i < argc; i++)
        sh_argv[i + 1] = (char *)spec->argv[i];
    char *const *envp = spec->envp ? (char *const *)spec->envp : environ;

    pid_t pid = fork();
    if (pid < 0) {
        qga_error_generic(error, "Failed to fork (%s)", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        int child_in = input ? in[0] : devnull;
        int child_out = want_out ? out[1] : devnull;
        int child_err = spec->capture == QGA_EXEC_CAPTURE_MERGED ? out[1] : want_err ? err[1] : devnull;
        child_exec(candidates, (char *const *)spec->argv, sh_argv, envp, child_in, child_out, child_err, report[1]);
    }

    /* Our copies of the child's ends go, so that its exit is the pipes' end. */
    close_fd(&report[1]);
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&err[1]);
    int exec_errno = 0;
    ssize_t n;
    do
        n = read(report[0], &exec_errno, sizeof(exec_errno));
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof(exec_errno)) {
        /* It never became the program: collect it now, it is already on its way out. */
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        /* glib's wording, which qemu-ga passes on: "... “x” (No such file or directory)". */
        qga_error_generic(error, "Failed to execute child process “%s” (%s)", spec->path, strerror(exec_errno));
        goto out;
    }

    QgaOsChild *c = qga_calloc(1, sizeof(*c));
    c->pid = pid;
    c->loop = loop;
    c->out.fd = -1;
    c->err.fd = -1;
    c->in_fd = -1;
    if (want_out) {
        c->out.fd = out[0];
        out[0] = -1;
        c->out.watch = qga_loop_add_fd(loop, c->out.fd, POLLIN, on_out, c);
    }
    if (want_err) {
        c->err.fd = err[0];
        err[0] = -1;
        c->err.watch = qga_loop_add_fd(loop, c->err.fd, POLLIN, on_err, c);
    }
    if (input) {
        c->in_fd = in[1];
        in[1] = -1;
        c->in_data = qga_steal_pointer(&input);
        c->in_len = spec->input_len;
        if (c->in_len == 0)
            input_close(c);
        else
            c->in_watch = qga_loop_add_fd(loop, c->in_fd, POLLOUT, on_in, c);
    }
    c->next = children;
    children = c;
    try_reap(c);
    *ret_child = c;
    *ret_pid = pid;
    rc = 0;

out:
    free_vector(candidates);
    close_fd(&devnull);
    close_fd(&report[0]);
    close_fd(&report[1]);
    close_fd(&in[0]);
    close_fd(&in[1]);
    close_fd(&out[0]);
    close_fd(&out[1]);
    close_fd(&err[0]);
    close_fd(&err[1]);
    return rc;
}

void qga_os_exec_status(QgaOsChild *c, QgaExecStatus *ret)
{
    memset(ret, 0, sizeof(*ret));
    try_reap(c);
    /* Like qemu-ga: ended, and every captured pipe drained to its end, so nothing is missing. */
    ret->exited = c->reaped && c->out.fd < 0 && c->err.fd < 0;
    if (!ret->exited)
        return;
    if (WIFEXITED(c->status)) {
        ret->has_exitcode = true;
        ret->exitcode = WEXITSTATUS(c->status);
    } else if (WIFSIGNALED(c->status)) {
        ret->has_signal = true;
        ret->signal = WTERMSIG(c->status);
    }
    ret->out = c->out.data.data;
    ret->out_len = c->out.data.len;
    ret->out_truncated = c->out.truncated;
    ret->err = c->err.data.data;
    ret->err_len = c->err.data.len;
    ret->err_truncated = c->err.truncated;
}

void qga_os_exec_free(QgaOsChild *c)
{
    if (!c)
        return;
    stream_close(c, &c->out);
    stream_close(c, &c->err);
    input_close(c);
    qga_buf_free(&c->out.data);
    qga_buf_free(&c->err.data);
    try_reap(c);
    if (c->reaped) {
        unlink_child(c);
        free(c);
        return;
    }
    /* Still running: SIGCHLD reaps it later, so it never lingers as a zombie. */
    c->detached = true;
}

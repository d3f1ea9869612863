/* The poll(2) loop behind the POSIX agent: no timer armed means poll(-1), i.e. no idle wake-ups. */
#define _GNU_SOURCE /* pipe2 */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "os/os.h"

struct QgaLoopWatch {
    int fd;
    short events;
    QgaLoopFdFunc func;
    void *opaque;
    bool dead;
};

struct QgaLoopTimer {
    QgaLoopTimerFunc func;
    void *opaque;
    bool armed;
    bool dead;
    int64_t deadline_ms;
    int64_t period_ms;
};

typedef struct LoopSignal {
    int signo;
    QgaLoopSignalFunc func;
    void *opaque;
    struct sigaction old_action;
} LoopSignal;

struct QgaLoop {
    QgaLoopWatch **watches;
    size_t n_watches;
    QgaLoopTimer **timers;
    size_t n_timers;
    LoopSignal *signals;
    size_t n_signals;
    int pipe_rd;
    int pipe_wr;
    bool quit;
    bool has_dead;
    uint64_t iterations;
    /* Scratch arrays for poll(), grown as needed. */
    struct pollfd *pfds;
    QgaLoopWatch **pwatches;
    size_t pcap;
};

/* The write end of the self-pipe, for the signal handler (one loop per process). */
static volatile int signal_pipe_wr = -1;
/* What qga_loop_default() answers. */
static QgaLoop *default_loop;

static void on_signal(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;
    int fd = signal_pipe_wr;
    /* A full pipe already holds a wake-up: dropping this byte loses nothing that matters,
     * since handlers act on "the signal arrived", not on how often. */
    if (fd >= 0 && write(fd, &b, 1) < 0) {
        /* nothing else is async-signal-safe to do here */
    }
    errno = saved;
}

int64_t qga_loop_now_ms(void)
{
    return qga_os_monotonic_ms();
}

QgaLoop *qga_loop_new(QgaError **error)
{
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
        qga_error_set_os(error, errno, "failed to create the signal pipe");
        return NULL;
    }
    QgaLoop *loop = qga_calloc(1, sizeof(*loop));
    loop->pipe_rd = fds[0];
    loop->pipe_wr = fds[1];
    signal_pipe_wr = fds[1];
    if (!default_loop)
        default_loop = loop;
    return loop;
}

QgaLoop *qga_loop_default(void)
{
    return default_loop;
}

void qga_loop_free(QgaLoop *loop)
{
    if (!loop)
        return;
    if (default_loop == loop)
        default_loop = NULL;
    for (size_t i = 0; i < loop->n_signals; i++)
        sigaction(loop->signals[i].signo, &loop->signals[i].old_action, NULL);
    signal_pipe_wr = -1;
    close(loop->pipe_rd);
    close(loop->pipe_wr);
    for (size_t i = 0; i < loop->n_watches; i++)
        free(loop->watches[i]);
    for (size_t i = 0; i < loop->n_timers; i++)
        free(loop->timers[i]);
    free(loop->watches);
    free(loop->timers);
    free(loop->signals);
    free(loop->pfds);
    free(loop->pwatches);
    free(loop);
}

QgaLoopWatch *qga_loop_add_fd(QgaLoop *loop, int fd, short events, QgaLoopFdFunc func, void *opaque)
{
    QgaLoopWatch *w = qga_calloc(1, sizeof(*w));
    w->fd = fd;
    w->events = events;
    w->func = func;
    w->opaque = opaque;
    loop->watches = qga_realloc(loop->watches, (loop->n_watches + 1) * sizeof(*loop->watches));
    loop->watches[loop->n_watches++] = w;
    return w;
}

void qga_loop_watch_set_events(QgaLoopWatch *watch, short events)
{
    watch->events = events;
}

short qga_loop_watch_events(const QgaLoopWatch *watch)
{
    return watch->events;
}

void qga_loop_remove_fd(QgaLoop *loop, QgaLoopWatch *watch)
{
    /* Freed after the current dispatch round: a callback may still hold the pointer. */
    if (!watch)
        return;
    watch->dead = true;
    watch->events = 0;
    loop->has_dead = true;
}

QgaLoopTimer *qga_loop_add_timer(QgaLoop *loop, QgaLoopTimerFunc func, void *opaque)
{
    QgaLoopTimer *t = qga_calloc(1, sizeof(*t));
    t->func = func;
    t->opaque = opaque;
    loop->timers = qga_realloc(loop->timers, (loop->n_timers + 1) * sizeof(*loop->timers));
    loop->timers[loop->n_timers++] = t;
    return t;
}

void qga_loop_timer_arm(QgaLoopTimer *timer, int64_t delay_ms, int64_t period_ms)
{
    timer->armed = true;
    timer->deadline_ms = qga_loop_now_ms() + (delay_ms > 0 ? delay_ms : 0);
    timer->period_ms = period_ms > 0 ? period_ms : 0;
}

void qga_loop_timer_disarm(QgaLoopTimer *timer)
{
    timer->armed = false;
}

bool qga_loop_timer_is_armed(const QgaLoopTimer *timer)
{
    return timer->armed;
}

void qga_loop_remove_timer(QgaLoop *loop, QgaLoopTimer *timer)
{
    if (!timer)
        return;
    timer->dead = true;
    timer->armed = false;
    loop->has_dead = true;
}

int qga_loop_add_signal(QgaLoop *loop, int signo, QgaLoopSignalFunc func, void *opaque, QgaError **error)
{
    for (size_t i = 0; i < loop->n_signals; i++) {
        if (loop->signals[i].signo == signo) {
            loop->signals[i].func = func;
            loop->signals[i].opaque = opaque;
            return 0;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    /* SA_RESTART: a signal must not turn a blocking write or waitpid elsewhere into EINTR. */
    sa.sa_flags = SA_RESTART;
    struct sigaction old;
    if (sigaction(signo, &sa, &old) < 0) {
        qga_error_set_os(error, errno, "failed to install the handler for signal %d", signo);
        return -1;
    }
    loop->signals = qga_realloc(loop->signals, (loop->n_signals + 1) * sizeof(*loop->signals));
    loop->signals[loop->n_signals++] = (LoopSignal){ signo, func, opaque, old };
    return 0;
}

uint64_t qga_loop_iterations(const QgaLoop *loop)
{
    return loop->iterations;
}

void qga_loop_quit(QgaLoop *loop)
{
    loop->quit = true;
}

static void purge_dead(QgaLoop *loop)
{
    size_t j = 0;
    for (size_t i = 0; i < loop->n_watches; i++) {
        if (loop->watches[i]->dead)
            free(loop->watches[i]);
        else
            loop->watches[j++] = loop->watches[i];
    }
    loop->n_watches = j;
    j = 0;
    for (size_t i = 0; i < loop->n_timers; i++) {
        if (loop->timers[i]->dead)
            free(loop->timers[i]);
        else
            loop->timers[j++] = loop->timers[i];
    }
    loop->n_timers = j;
    loop->has_dead = false;
}

static int next_timeout_ms(QgaLoop *loop)
{
    int64_t now = qga_loop_now_ms();
    int64_t best = -1;
    for (size_t i = 0; i < loop->n_timers; i++) {
        const QgaLoopTimer *t = loop->timers[i];
        if (!t->armed)
            continue;
        int64_t left = t->deadline_ms > now ? t->deadline_ms - now : 0;
        if (best < 0 || left < best)
            best = left;
    }
    if (best > INT32_MAX)
        best = INT32_MAX;
    return (int)best;
}

static void dispatch_signals(QgaLoop *loop)
{
    unsigned char buf[64];
    ssize_t n;
    while ((n = read(loop->pipe_rd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n && !loop->quit; i++) {
            for (size_t s = 0; s < loop->n_signals; s++)
                if (loop->signals[s].signo == buf[i] && loop->signals[s].func)
                    loop->signals[s].func(loop, buf[i], loop->signals[s].opaque);
        }
    }
}

static void dispatch_timers(QgaLoop *loop)
{
    int64_t now = qga_loop_now_ms();
    size_t n = loop->n_timers; /* timers added by a callback wait for the next round */
    for (size_t i = 0; i < n && !loop->quit; i++) {
        QgaLoopTimer *t = loop->timers[i];
        if (!t->armed || t->dead || t->deadline_ms > now)
            continue;
        if (t->period_ms) {
            t->deadline_ms += t->period_ms;
            if (t->deadline_ms <= now) /* we were late: no burst of catch-up calls */
                t->deadline_ms = now + t->period_ms;
        } else {
            t->armed = false;
        }
        t->func(loop, t, t->opaque);
    }
}

int qga_loop_run(QgaLoop *loop, QgaError **error)
{
    loop->quit = false;
    while (!loop->quit) {
        if (loop->has_dead)
            purge_dead(loop);
        if (loop->pcap < loop->n_watches + 1) {
            loop->pcap = loop->n_watches + 1;
            loop->pfds = qga_realloc(loop->pfds, loop->pcap * sizeof(*loop->pfds));
            loop->pwatches = qga_realloc(loop->pwatches, loop->pcap * sizeof(*loop->pwatches));
        }
        size_t n = 0;
        loop->pfds[n] = (struct pollfd){ .fd = loop->pipe_rd, .events = POLLIN };
        loop->pwatches[n++] = NULL;
        for (size_t i = 0; i < loop->n_watches; i++) {
            QgaLoopWatch *w = loop->watches[i];
            if (w->dead || w->events == 0)
                continue;
            loop->pfds[n] = (struct pollfd){ .fd = w->fd, .events = w->events };
            loop->pwatches[n++] = w;
        }

        int r = poll(loop->pfds, (nfds_t)n, next_timeout_ms(loop));
        loop->iterations++;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            qga_error_set_os(error, errno, "poll failed");
            return -1;
        }

        if (loop->pfds[0].revents)
            dispatch_signals(loop);
        for (size_t i = 1; i < n && !loop->quit; i++) {
            QgaLoopWatch *w = loop->pwatches[i];
            /* A callback earlier in this round may have removed or paused this watch. */
            if (w->dead || w->events == 0)
                continue;
            short rev = loop->pfds[i].revents & (w->events | POLLERR | POLLHUP | POLLNVAL);
            if (rev)
                w->func(loop, w, w->fd, rev, w->opaque);
        }
        if (!loop->quit)
            dispatch_timers(loop);
    }
    if (loop->has_dead)
        purge_dead(loop);
    return 0;
}

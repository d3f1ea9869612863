/* Unit tests of the POSIX poll loop: fd watches, timers, signals, and no wake-ups while idle. */
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include "os/posix/loop.h"

typedef struct Counts {
    int fd_calls;
    short last_revents;
    int timer_calls;
    int signal_calls;
    int quit_after_timer_calls;
    QgaLoopWatch *remove_me;
} Counts;

static void on_fd(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque)
{
    Counts *c = opaque;
    c->fd_calls++;
    c->last_revents = revents;
    char buf[16];
    g_assert_cmpint(read(fd, buf, sizeof(buf)), >, 0);
    qga_loop_quit(loop);
}

static void on_timer(QgaLoop *loop, QgaLoopTimer *timer, void *opaque)
{
    Counts *c = opaque;
    c->timer_calls++;
    if (c->quit_after_timer_calls && c->timer_calls >= c->quit_after_timer_calls)
        qga_loop_quit(loop);
}

static void on_signal(QgaLoop *loop, int signo, void *opaque)
{
    Counts *c = opaque;
    g_assert_cmpint(signo, ==, SIGUSR1);
    c->signal_calls++;
    qga_loop_quit(loop);
}

static void test_fd_watch(void)
{
    QgaLoop *loop = qga_loop_new(NULL);
    int p[2];
    g_assert_cmpint(pipe(p), ==, 0);
    Counts c = { 0 };
    QgaLoopWatch *w = qga_loop_add_fd(loop, p[0], POLLIN, on_fd, &c);
    g_assert_cmpint(qga_loop_watch_events(w), ==, POLLIN);
    g_assert_cmpint(write(p[1], "x", 1), ==, 1);
    g_assert_cmpint(qga_loop_run(loop, NULL), ==, 0);
    g_assert_cmpint(c.fd_calls, ==, 1);
    g_assert_cmpint(c.last_revents, ==, POLLIN);

    /* events 0: the fd is not polled at all, even with data (or a hang-up) pending. */
    qga_loop_watch_set_events(w, 0);
    g_assert_cmpint(write(p[1], "y", 1), ==, 1);
    close(p[1]);
    QgaLoopTimer *t = qga_loop_add_timer(loop, on_timer, &c);
    c.quit_after_timer_calls = 1;
    qga_loop_timer_arm(t, 30, 0);
    g_assert_cmpint(qga_loop_run(loop, NULL), ==, 0);
    g_assert_cmpint(c.fd_calls, ==, 1);
    g_assert_cmpint(c.timer_calls, ==, 1);

    qga_loop_remove_fd(loop, w);
    qga_loop_remove_timer(loop, t);
    close(p[0]);
    qga_loop_free(loop);
}

static void test_timers(void)
{
    QgaLoop *loop = qga_loop_new(NULL);
    Counts c = { .quit_after_timer_calls = 3 };
    QgaLoopTimer *t = qga_loop_add_timer(loop, on_timer, &c);
    g_assert_false(qga_loop_timer_is_armed(t));
    int64_t start = qga_loop_now_ms();
    qga_loop_timer_arm(t, 20, 20);
    g_assert_true(qga_loop_timer_is_armed(t));
    g_assert_cmpint(qga_loop_run(loop, NULL), ==, 0);
    int64_t elapsed = qga_loop_now_ms() - start;
    g_assert_cmpint(c.timer_calls, ==, 3);
    g_assert_cmpint(elapsed, >=, 60);
    g_assert_true(qga_loop_timer_is_armed(t)); /* periodic: still armed */

    /* One-shot: disarmed after firing; a disarmed timer never fires. */
    Counts d = { .quit_after_timer_calls = 1 };
    QgaLoopTimer *once = qga_loop_add_timer(loop, on_timer, &d);
    QgaLoopTimer *never = qga_loop_add_timer(loop, on_timer, &c);
    qga_loop_timer_disarm(t);
    qga_loop_timer_arm(never, 10, 0);
    qga_loop_timer_disarm(never);
    qga_loop_timer_arm(once, 10, 0);
    g_assert_cmpint(qga_loop_run(loop, NULL), ==, 0);
    g_assert_cmpint(d.timer_calls, ==, 1);
    g_assert_cmpint(c.timer_calls, ==, 3);
    g_assert_false(qga_loop_timer_is_armed(once));
    qga_loop_free(loop);
}

static void test_signal(void)
{
    QgaLoop *loop = qga_loop_new(NULL);
    Counts c = { 0 };
    g_assert_cmpint(qga_loop_add_signal(loop, SIGUSR1, on_signal, &c, NULL), ==, 0);
    /* Raised before the loop runs: the self-pipe keeps it until then. */
    raise(SIGUSR1);
    g_assert_cmpint(c.signal_calls, ==, 0);
    g_assert_cmpint(qga_loop_run(loop, NULL), ==, 0);
    g_assert_cmpint(c.signal_calls, ==, 1);
    qga_loop_free(loop);
    /* The old disposition is back. */
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    g_assert_true(sa.sa_handler == SIG_DFL);
}

static void on_alarm(QgaLoop *loop, int signo, void *opaque)
{
    qga_loop_quit(loop);
}

static void test_idle_no_wakeups(void)
{
    /* A watch on a quiet fd and no armed timer: poll() must sleep until the signal (400 ms
     * later). The signal itself ends that sleep twice at most (EINTR, then the self-pipe
     * byte); a 100 ms polling loop would count 4 or more. */
    QgaLoop *loop = qga_loop_new(NULL);
    int p[2];
    g_assert_cmpint(pipe(p), ==, 0);
    Counts c = { 0 };
    qga_loop_add_fd(loop, p[0], POLLIN, on_fd, &c);
    QgaLoopTimer *t = qga_loop_add_timer(loop, on_timer, &c); /* present but disarmed */
    (void)t;
    g_assert_cmpint(qga_loop_add_signal(loop, SIGALRM, on_alarm, NULL, NULL), ==, 0);
    struct itimerval it = { .it_value = { .tv_usec = 400000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    int64_t start = qga_loop_now_ms();
    g_assert_cmpint(qga_loop_run(loop, NULL), ==, 0);
    g_assert_cmpint(qga_loop_now_ms() - start, >=, 350);
    g_assert_cmpuint(qga_loop_iterations(loop), >=, 1);
    g_assert_cmpuint(qga_loop_iterations(loop), <=, 2);
    g_assert_cmpint(c.fd_calls, ==, 0);
    close(p[0]);
    close(p[1]);
    qga_loop_free(loop);
}

static void on_fd_remove_other(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque)
{
    Counts *c = opaque;
    c->fd_calls++;
    /* Removing another watch that also has an event this round: it must not be called. */
    qga_loop_remove_fd(loop, c->remove_me);
    qga_loop_remove_fd(loop, watch);
}

static void on_quit_timer(QgaLoop *loop, QgaLoopTimer *timer, void *opaque)
{
    qga_loop_quit(loop);
}

static void test_remove_in_callback(void)
{
    QgaLoop *loop = qga_loop_new(NULL);
    int a[2], b[2];
    g_assert_cmpint(pipe(a), ==, 0);
    g_assert_cmpint(pipe(b), ==, 0);
    Counts c = { 0 };
    qga_loop_add_fd(loop, a[0], POLLIN, on_fd_remove_other, &c);
    c.remove_me = qga_loop_add_fd(loop, b[0], POLLIN, on_fd_remove_other, &c);
    g_assert_cmpint(write(a[1], "x", 1), ==, 1);
    g_assert_cmpint(write(b[1], "x", 1), ==, 1);
    qga_loop_timer_arm(qga_loop_add_timer(loop, on_quit_timer, NULL), 50, 0);
    g_assert_cmpint(qga_loop_run(loop, NULL), ==, 0);
    g_assert_cmpint(c.fd_calls, ==, 1);
    for (int i = 0; i < 2; i++) {
        close(a[i]);
        close(b[i]);
    }
    qga_loop_free(loop);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/posix/loop/fd-watch", test_fd_watch);
    g_test_add_func("/agent/posix/loop/timers", test_timers);
    g_test_add_func("/agent/posix/loop/signal", test_signal);
    g_test_add_func("/agent/posix/loop/idle-no-wakeups", test_idle_no_wakeups);
    g_test_add_func("/agent/posix/loop/remove-in-callback", test_remove_in_callback);
    return g_test_run();
}

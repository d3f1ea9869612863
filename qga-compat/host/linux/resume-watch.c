/* Resume detection: a cancel-on-set timerfd wakes us on clock changes and resumes; BOOTTIME - MONOTONIC tells which. */
#include "resume-watch.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

#define SLEEP_NOISE_MS 1000    /* the two clocks' readings are not taken at the same instant */

struct QgaResumeWatch {
    QgaLoop *loop;
    int fd;
    QgaLoopWatch *watch;
    int64_t suspended_ms;      /* BOOTTIME - MONOTONIC at the last look */
    QgaResumeWatchFunc func;
    void *opaque;
};

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Time spent suspended since boot: BOOTTIME counts it, MONOTONIC does not. */
static int64_t suspended_total_ms(void)
{
    return clock_ms(CLOCK_BOOTTIME) - clock_ms(CLOCK_MONOTONIC);
}

/* How long the system slept between two readings of BOOTTIME - MONOTONIC, or 0 within noise. */
static int64_t slept_ms(int64_t suspended_before_ms, int64_t suspended_now_ms)
{
    int64_t slept = suspended_now_ms - suspended_before_ms;
    return slept >= SLEEP_NOISE_MS ? slept : 0;
}

/* An expiry far in the future: the timer exists only to be cancelled. */
static int arm(int fd)
{
    struct itimerspec its = { .it_value = { .tv_sec = INT32_MAX } };
    return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL);
}

static void on_timerfd(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque)
{
    QgaResumeWatch *w = opaque;
    uint64_t expirations;
    if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != ECANCELED && errno != EAGAIN)
        return;
    arm(fd);   /* a cancelled timer stays cancelled (and readable) until set again */
    int64_t now = suspended_total_ms();
    int64_t slept = slept_ms(w->suspended_ms, now);
    w->suspended_ms = now;
    if (slept > 0)
        w->func(w->opaque, slept);
}

QgaResumeWatch *qga_resume_watch_new(QgaLoop *loop, QgaResumeWatchFunc func, void *opaque, QgaError **error)
{
    int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0 || arm(fd) < 0) {
        qga_error_set_os(error, errno, "cannot watch for resumes (timerfd)");
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    QgaResumeWatch *w = qga_calloc(1, sizeof(*w));
    *w = (QgaResumeWatch){ .loop = loop, .fd = fd, .suspended_ms = suspended_total_ms(), .func = func,
                           .opaque = opaque };
    w->watch = qga_loop_add_fd(loop, fd, POLLIN, on_timerfd, w);
    return w;
}

void qga_resume_watch_free(QgaResumeWatch *w)
{
    if (!w)
        return;
    qga_loop_remove_fd(w->loop, w->watch);
    close(w->fd);
    free(w);
}

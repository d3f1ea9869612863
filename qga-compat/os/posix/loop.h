/* A small poll(2) event loop: fd watches, one-shot/periodic timers, signals via a self-pipe. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

typedef struct QgaLoop QgaLoop;
typedef struct QgaLoopWatch QgaLoopWatch;
typedef struct QgaLoopTimer QgaLoopTimer;

/* revents as poll(2) reported them (POLLHUP/POLLERR/POLLNVAL arrive even when not asked for). */
typedef void (*QgaLoopFdFunc)(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque);
typedef void (*QgaLoopTimerFunc)(QgaLoop *loop, QgaLoopTimer *timer, void *opaque);
/* Runs on the loop, never in signal context. */
typedef void (*QgaLoopSignalFunc)(QgaLoop *loop, int signo, void *opaque);

QgaLoop *qga_loop_new(QgaError **error);
/* Frees every watch and timer still registered and restores the signal dispositions. */
void qga_loop_free(QgaLoop *loop);
/*
 * The process's loop (the first one created and not yet freed; one loop per process, as the
 * signal pipe already assumes), or NULL. Command families that keep work going after their
 * handler returned (guest-exec's pipes and children) register their watches on it; a family
 * holding watches must check this before removing them: qga_loop_free has freed them all.
 */
QgaLoop *qga_loop_default(void);

/*
 * Watch fd for events (POLLIN, POLLOUT). events 0 takes the fd out of poll()
 * altogether: a virtio-serial port without a host, or a hung-up tty, reports
 * POLLHUP whether asked or not, and the only way not to spin is not to poll it.
 */
QgaLoopWatch *qga_loop_add_fd(QgaLoop *loop, int fd, short events, QgaLoopFdFunc func, void *opaque);
void qga_loop_watch_set_events(QgaLoopWatch *watch, short events);
short qga_loop_watch_events(const QgaLoopWatch *watch);
/* Safe from inside any callback, including the watch's own. Does not close the fd. */
void qga_loop_remove_fd(QgaLoop *loop, QgaLoopWatch *watch);

QgaLoopTimer *qga_loop_add_timer(QgaLoop *loop, QgaLoopTimerFunc func, void *opaque);
/* Fire after delay_ms, then every period_ms (0 = once). Re-arming replaces the old schedule. */
void qga_loop_timer_arm(QgaLoopTimer *timer, int64_t delay_ms, int64_t period_ms);
void qga_loop_timer_disarm(QgaLoopTimer *timer);
bool qga_loop_timer_is_armed(const QgaLoopTimer *timer);
/* Safe from inside any callback. */
void qga_loop_remove_timer(QgaLoop *loop, QgaLoopTimer *timer);

/*
 * Deliver signo to func on the loop. The handler only writes the signal number
 * to a non-blocking pipe (async-signal-safe); one loop per process.
 */
int qga_loop_add_signal(QgaLoop *loop, int signo, QgaLoopSignalFunc func, void *opaque, QgaError **error);

/*
 * Run until qga_loop_quit. With no timer armed, poll() sleeps with timeout -1:
 * an idle agent costs no wake-ups. Returns -1 only if poll() itself fails.
 */
int qga_loop_run(QgaLoop *loop, QgaError **error);
void qga_loop_quit(QgaLoop *loop);

/* How many times poll() has returned so far (tests check an idle loop does not wake up). */
uint64_t qga_loop_iterations(const QgaLoop *loop);

/* Monotonic milliseconds (the timers' clock). */
int64_t qga_loop_now_ms(void);

/* Noticing that the guest resumed from a suspend, without polling (for the guest-driven channel's RESUMED). */
#pragma once

#include <stdint.h>

#include "core/error.h"
#include "os/posix/loop.h"

typedef struct QgaResumeWatch QgaResumeWatch;
/* slept_ms: how long the system was suspended. */
typedef void (*QgaResumeWatchFunc)(void *opaque, int64_t slept_ms);

/*
 * A CLOCK_REALTIME timerfd with TFD_TIMER_CANCEL_ON_SET: the kernel cancels it whenever the wall
 * clock is set, and on every resume from suspend (timerfd_resume). A resume is told from a
 * mere clock change by CLOCK_BOOTTIME having run ahead of CLOCK_MONOTONIC (which stops while
 * suspended).
 */
QgaResumeWatch *qga_resume_watch_new(QgaLoop *loop, QgaResumeWatchFunc func, void *opaque, QgaError **error);
void qga_resume_watch_free(QgaResumeWatch *watch);

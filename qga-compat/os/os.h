/* The OS services every layer above may use: clocks, the thread id, directory creation. */
#pragma once

#include <stdint.h>

#include "core/error.h"

/* Create a directory and its missing parents (existing ones are fine): the state dir at start-up. */
int qga_os_mkdir_p(const char *path, QgaError **error);

/* Wall clock in nanoseconds since the Unix epoch (UTC). */
int64_t qga_os_now_ns(void);
/* Milliseconds of a monotonic clock (timers and deadlines; not the wall clock). */
int64_t qga_os_monotonic_ms(void);
/* The calling thread's id (state owned by the main loop's thread checks it). */
uint64_t qga_os_thread_id(void);

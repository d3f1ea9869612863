/* OS primitives behind guest-exec and guest-exec-status: start a child, capture its output, report its end. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "model/exec.h"

/*
 * Start the child without a shell. No handle or descriptor of the agent leaks into it. Output is
 * gathered while the agent keeps serving (POSIX: watches on the agent's poll loop; Windows:
 * one thread per pipe). Failure to start reads like qemu-ga's GLib text:
 * "Failed to execute child process “<path>” (<OS text>)".
 */
int qga_os_exec_start(QgaExecSpec *spec, QgaOsChild **ret_child, int64_t *ret_pid,
                      QgaError **error);

void qga_os_exec_status(QgaOsChild *child, QgaExecStatus *ret);
/* Forget the child: stop capturing, free what was captured. One still running keeps running
 * (qemu-ga never kills them either) and is reaped when it ends. NULL is fine. */
void qga_os_exec_free(QgaOsChild *child);

/* Running a helper program (hwclock, later shutdown) without a shell, its output captured for errors. */
#pragma once

#include <stddef.h>

#include "core/error.h"

/*
 * Run argv[0] (an absolute path; no shell, no PATH search) with argv, stdin on
 * /dev/null, stdout and stderr captured, and wait for it. Success is exit status 0.
 * Errors read like qemu-ga's ga_run_command: "child process has failed to
 * <action>: <output>" (or ": exit status N" when it printed nothing).
 */
int qga_spawn_run(const char *const argv[], const char *action, QgaError **error);
/* Same, with input (input_len bytes) fed to the child's stdin, then closed (chpasswd reads
 * "user:password" lines there: a password never appears on a command line). */
int qga_spawn_run_input(const char *const argv[], const void *input, size_t input_len, const char *action,
                        QgaError **error);

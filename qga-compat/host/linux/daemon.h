/* -d: detaching into the background and the locked pid file. */
#pragma once

#include "core/error.h"

typedef struct QgaPidfile {
    int fd;        /* kept open: the lock lives as long as the process */
    char *path;    /* absolute (the daemon runs in /) */
} QgaPidfile;

#define QGA_PIDFILE_INIT { -1, NULL }

/*
 * fork + setsid + chdir("/") + umask 077 + stdio on /dev/null, as qemu-ga does,
 * with the pid file written and locked by the child. Unlike qemu-ga, the parent
 * waits until the child is set up and exits 1 (with the child's reason on
 * stderr) if it failed, so an init script sees a failed start. Returns 0 in
 * the child. Returns -1 (error set) when forking failed, or in the parent when
 * the child could not set up (the caller then cleans up and exits 1); the
 * parent of a successful child exits 0 inside this call, without clean-up.
 */
int qga_daemonize(const char *pidfile, QgaPidfile *ret_pidfile, QgaError **error);

/* Lock and write the pid file; refuses when another live process holds the lock. */
int qga_pidfile_acquire(const char *path, QgaPidfile *ret, QgaError **error);
/* Remove and unlock (at exit). */
void qga_pidfile_release(QgaPidfile *pidfile);

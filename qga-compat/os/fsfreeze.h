/* OS primitives behind guest-fsfreeze-* (Linux: FIFREEZE/FITHAW per mounted filesystem, the hook script). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "model/fsfreeze.h"

/* The local filesystems in mount order (Linux: /proc/self/mountinfo); free with qga_mount_list_clear. */
int qga_os_mount_list(QgaMountList *ret, QgaError **error);

/* Run the fsfreeze hook (-F) with "freeze" or "thaw": no shell, output kept for the error. */
int qga_os_run_fsfreeze_hook(const char *hook, const char *arg, QgaError **error);

/*
 * Privileged primitives (os/linux/fs-privileged.c; the recorder in the test-seam build,
 * where the mount table can also come from $QGA_TEST_MOUNTINFO).
 */

/* The mount table read by qga_os_mount_list: /proc/self/mountinfo. */
const char *qga_os_mountinfo_path(void);
/* FIFREEZE one mount point. *ret_frozen is false when the filesystem cannot be frozen
 * (EOPNOTSUPP) or already is (EBUSY: a second mount of it), which qemu-ga does not count. */
int qga_os_fsfreeze_one(const char *dir, bool *ret_frozen, QgaError **error);
/* FITHAW one mount point until it answers an error; true when at least one call thawed it. */
bool qga_os_fsthaw_one(const char *dir);

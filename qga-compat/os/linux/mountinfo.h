/* The mount table as qemu-ga reads it: the one list behind guest-get-fsinfo, guest-fsfreeze-* and guest-fstrim. */
#pragma once

#include <stddef.h>

#include "core/error.h"
#include "model/fsfreeze.h"

/*
 * Parse /proc/self/mountinfo text into the local filesystems qemu-ga works on (its
 * build_fs_mount_list), in table order: every well-formed line whose device number has a
 * non-zero major, plus btrfs (major 0) when its source is a block device (its numbers are then
 * taken from that device). Mount points and types have the kernel's octal escapes decoded
 * (\040 for a space, \134 for '\'; \000 stays as written). Malformed lines are skipped, never
 * fatal.
 */
void qga_linux_mountinfo_parse(const char *text, size_t len, QgaMountList *ret);

/*
 * Read the mountinfo file at path and parse it. -1 with qemu-ga's error, "failed to open mtab
 * file: '<path>'" and the OS reason (a table over 64 MiB is "File too large").
 */
int qga_linux_mount_list(const char *path, QgaMountList *ret, QgaError **error);

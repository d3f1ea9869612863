/* The mount table as qemu-ga reads it (POSIX platform files and their unit test only). */
#pragma once

#include <stddef.h>

#include "os/fsfreeze.h"

/*
 * Parse /proc/self/mountinfo text into the local filesystems qemu-ga freezes and trims, in
 * table order: every well-formed line whose device number has a non-zero major, plus btrfs
 * (major 0) when its source is a block device (its numbers are then taken from that device).
 * Mount points and sources have the kernel's octal escapes (\040 for a space, \134 for '\')
 * decoded. Malformed lines are skipped, never fatal.
 */
void qga_posix_mountinfo_parse(const char *text, size_t len, QgaMountList *ret);

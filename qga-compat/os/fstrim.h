/* OS primitives behind guest-fstrim: which filesystems to trim, and trimming one. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "model/fstrim.h"

/* The paths to trim, in the order qemu-ga reports them (heap array of heap strings). */
int qga_os_fstrim_paths(char ***ret_paths, size_t *ret_n, QgaError **error);

/*
 * Privileged primitive (os/<os>/fs-privileged.c; the recorder in the test-seam build).
 * Trim one path; never fails as a whole: a failure goes into result->error, as in qemu-ga.
 * result->path is set by the caller.
 */
void qga_os_fstrim_one(const char *path, bool has_minimum, int64_t minimum, QgaTrimResult *result);

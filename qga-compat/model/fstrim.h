/* guest-fstrim's per-path result. Shared by commands/ and os/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* One entry of GuestFilesystemTrimResponse.paths. */
typedef struct QgaTrimResult {
    char *path;
    bool has_trimmed;
    uint64_t trimmed;
    bool has_minimum;
    uint64_t minimum;
    char *error; /* NULL on success */
} QgaTrimResult;

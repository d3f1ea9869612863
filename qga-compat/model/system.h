/* OS information as guest-get-osinfo reports it. Shared by commands/ and os/. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

/* guest-get-osinfo fields; any may be NULL (then omitted from the reply). Heap strings. */
typedef struct QgaOsInfo {
    char *kernel_release;
    char *kernel_version;
    char *machine;
    char *id;
    char *name;
    char *pretty_name;
    char *version;
    char *version_id;
    char *variant;
    char *variant_id;
} QgaOsInfo;

void qga_osinfo_clear(QgaOsInfo *info);

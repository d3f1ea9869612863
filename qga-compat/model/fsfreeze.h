/* The mount list fsfreeze and fstrim walk. Shared by commands/ and os/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* The local filesystems qemu-ga considers, in mount order (Linux: /proc/self/mountinfo). */
typedef struct QgaMount {
    char *dir;
    char *type;
    unsigned major, minor;
} QgaMount;

typedef struct QgaMountList {
    QgaMount *items;
    size_t n;
} QgaMountList;

void qga_mount_list_clear(QgaMountList *list);

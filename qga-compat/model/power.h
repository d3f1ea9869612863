/* power: the shutdown and suspend modes and the capabilities the OS reports (commands/ and os/). */
#pragma once

#include <stdbool.h>

#include "core/error.h"

typedef enum QgaShutdownMode {
    QGA_SHUTDOWN_POWERDOWN,
    QGA_SHUTDOWN_HALT,
    QGA_SHUTDOWN_REBOOT,
} QgaShutdownMode;

typedef enum QgaSuspendMode {
    QGA_SUSPEND_DISK,   /* hibernate (S4) */
    QGA_SUSPEND_RAM,    /* sleep (S3) */
    QGA_SUSPEND_HYBRID, /* image written to disk, then S3 (Linux only) */
} QgaSuspendMode;

/* The sleep states this guest can enter, as its OS reports them. */
typedef struct QgaPowerCaps {
    bool disk;
    bool ram;
    bool hybrid;
} QgaPowerCaps;

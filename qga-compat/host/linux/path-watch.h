/* Waiting, without waking up, for a path that does not exist yet (a hot-plugged virtio-serial port). */
#pragma once

#include "core/error.h"
#include "os/posix/loop.h"

typedef struct QgaPathWatch QgaPathWatch;
typedef void (*QgaPathWatchFunc)(void *opaque);

/*
 * inotify on the deepest existing directory above path (for /dev/virtio-ports/NAME that is
 * /dev/virtio-ports, or /dev before the first port exists): func runs when an entry is created,
 * moved in or changes there — the caller then tries its open again, and calls
 * qga_path_watch_rearm if the path is still missing (the watched directory may have changed).
 * NULL with *error when inotify is unavailable (the caller falls back to retrying on a timer).
 */
QgaPathWatch *qga_path_watch_new(QgaLoop *loop, const char *path, QgaPathWatchFunc func, void *opaque,
                                 QgaError **error);
int qga_path_watch_rearm(QgaPathWatch *watch, QgaError **error);
void qga_path_watch_free(QgaPathWatch *watch);

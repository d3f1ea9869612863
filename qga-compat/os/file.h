/* OS primitives behind the guest-file-* commands: open/read/write/seek on a host-named file, the state file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "model/file.h"

/*
 * Open path (UTF-8). Errors read like qemu-ga's: "failed to open file '<path>' (mode: '<m>'): <OS text>".
 * Files are opened non-blocking where the OS allows (a FIFO or pipe must not hang the agent)
 * and are never inherited by guest-exec children.
 */
int qga_os_file_open(const char *path, const QgaFileMode *mode, const char *mode_text, QgaOsFile **ret,
                     QgaError **error);
/* Close and free, whatever happens; -1 when the OS reported an error on close. */
int qga_os_file_close(QgaOsFile *file, QgaError **error);
/*
 * Read up to len bytes, repeating short reads until len bytes arrived or the end of the file
 * was reached (then *ret_eof is true) or, on a non-blocking pipe, nothing more is available
 * now (*ret_eof false). A zero-byte read at the end of the file sets *ret_eof too.
 */
int qga_os_file_read(QgaOsFile *file, void *buf, size_t len, size_t *ret_n, bool *ret_eof, QgaError **error);
/* Write up to len bytes (all of them, unless a non-blocking pipe is full). */
int qga_os_file_write(QgaOsFile *file, const void *buf, size_t len, size_t *ret_n, QgaError **error);
/* whence: 0 start, 1 current, 2 end (qemu-ga's codes). The new position in *ret_pos. */
int qga_os_file_seek(QgaOsFile *file, int64_t offset, int whence, int64_t *ret_pos, QgaError **error);
/* Push what the OS buffers for this file towards the disk (Windows: FlushFileBuffers). */
int qga_os_file_flush(QgaOsFile *file, QgaError **error);

/* Read a small whole file: 0 with *ret_data NULL when it does not exist. */
int qga_os_read_small_file(const char *path, size_t max, char **ret_data, size_t *ret_len, QgaError **error);
/* Replace path's content atomically (write a temporary beside it, then rename over it). */
int qga_os_replace_file(const char *path, const void *data, size_t len, QgaError **error);

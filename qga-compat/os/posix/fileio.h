/* Files on POSIX: reading one whole. */
#pragma once

#include <stddef.h>

/*
 * Read path whole into a fresh NUL-terminated buffer (*ret_data, *ret_len), for any file whose
 * size is unknown in advance (/proc and /sys report st_size 0). Returns 0, or a negative errno:
 * the open or read error, or -EFBIG when the file holds more than max bytes (half a file is
 * never handed out as the whole of it).
 */
int qga_read_full_file(const char *path, size_t max, char **ret_data, size_t *ret_len);

/* guest-file-*'s open modes and the handle counter's state file. Shared by commands/ and os/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * An fopen()-style mode, decoded (commands/file.c). qemu-ga takes r, rb, w, wb, a, ab, r+, rb+,
 * r+b, w+, wb+, w+b, a+, ab+, a+b on POSIX and the same minus "ab" on Windows; both platforms
 * here take all fifteen. 'b' changes nothing: the agent never translates line ends.
 */
typedef struct QgaFileMode {
    bool read;     /* r, r+, w+, a+ */
    bool write;    /* w, a, r+, w+, a+ */
    bool append;   /* a, a+: every write goes to the end of the file */
    bool create;   /* w, a (and their + forms): a missing file is created */
    bool truncate; /* w, w+ */
} QgaFileMode;

/* Decode mode; -1 with qemu-ga's "invalid file open mode '<mode>'" for anything else. */
int qga_file_mode_parse(const char *mode, QgaFileMode *ret, QgaError **error);

/* Parse the state file (a keyfile, "[global]" "fd_counter=N" as qemu-ga writes it). Returns 0 and
 * the counter, or -1 when the text holds no usable counter (the caller starts over at 1000). */
int qga_file_state_parse(const char *data, size_t len, int64_t *ret_counter);
/* The state file's text for a counter (what qemu-ga's GKeyFile writes). Heap string. */
char *qga_file_state_format(int64_t counter);

/* An open guest file (fd / HANDLE). */
typedef struct QgaOsFile QgaOsFile;

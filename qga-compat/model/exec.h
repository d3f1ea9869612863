/* guest-exec's spec, capture modes, status and output growth: shared by commands/ and os/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/mem.h"

/* qemu-ga's cap per captured stream; output beyond it is read and dropped (*-truncated). */
#define QGA_EXEC_OUTPUT_MAX ((size_t)16 << 20)

/* Room for want more captured bytes (len + want <= QGA_EXEC_OUTPUT_MAX): QgaBuf's doubling, except
 * that the last step stops at the cap (plus QgaBuf's NUL) instead of doubling to 32 MiB. */
static inline void qga_exec_output_reserve(QgaBuf *b, size_t want)
{
    size_t need = b->len + want + 1;
    if (need <= b->cap)
        return;
    if (b->cap > QGA_EXEC_OUTPUT_MAX / 2) {
        b->data = qga_realloc(b->data, QGA_EXEC_OUTPUT_MAX + 1);
        b->cap = QGA_EXEC_OUTPUT_MAX + 1;
        return;
    }
    qga_buf_reserve(b, want);
}

typedef enum QgaExecCapture {
    QGA_EXEC_CAPTURE_NONE,       /* stdout and stderr go to the null device */
    QGA_EXEC_CAPTURE_STDOUT,     /* stderr to the null device */
    QGA_EXEC_CAPTURE_STDERR,     /* stdout to the null device */
    QGA_EXEC_CAPTURE_SEPARATED,
    QGA_EXEC_CAPTURE_MERGED,     /* stderr is the same pipe as stdout: one interleaved stream (out) */
} QgaExecCapture;

/* Parse guest-exec's capture-output (commands/exec.c): true/false or a mode name. */
int qga_exec_capture_parse(const char *mode, QgaExecCapture *ret);
/* The wire name of a capture mode ("merged", ...). */
const char *qga_exec_capture_name(QgaExecCapture capture);

typedef struct QgaExecSpec {
    const char *path;            /* a path, or a program name searched in PATH (see below) */
    const char *const *argv;     /* argv[0] is path; NULL-terminated */
    const char *const *envp;     /* NULL: the agent's environment; else NAME=value entries replacing it
                                    (NULL-terminated), and PATH for the search comes from them */
    char *input;                 /* stdin data (heap; always taken over by qga_os_exec_start), fed
                                    without blocking the agent and then closed; NULL: the null device */
    size_t input_len;
    QgaExecCapture capture;
} QgaExecSpec;

/* A started child and whatever of it is being captured. */
typedef struct QgaOsChild QgaOsChild;

typedef struct QgaExecStatus {
    bool exited;                 /* the process ended and every captured stream reached its end */
    bool has_exitcode;
    int64_t exitcode;
    bool has_signal;
    int64_t signal;              /* POSIX: the terminating signal; Windows: an NTSTATUS exit code */
    const char *out;             /* captured bytes, valid until qga_os_exec_free; only once exited */
    size_t out_len;
    bool out_truncated;
    const char *err;
    size_t err_len;
    bool err_truncated;
} QgaExecStatus;

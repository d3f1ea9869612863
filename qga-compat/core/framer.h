/* Turns the channel's byte stream into whole JSON texts, exactly as qemu-ga's lexer+streamer do. */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct QgaFramerLimits {
    size_t max_message_bytes;   /* bytes of one message; qemu-ga: 64 MiB ("JSON token size limit exceeded") */
    size_t max_tokens;          /* tokens of one message; qemu-ga: 2 Mi ("JSON token count limit exceeded") */
    size_t max_depth;           /* open { and [; qemu-ga: 1024 ("JSON nesting depth limit exceeded") */
} QgaFramerLimits;

#define QGA_FRAMER_MAX_MESSAGE_DEFAULT ((size_t)64 << 20)
#define QGA_FRAMER_MAX_TOKENS_DEFAULT ((size_t)2 << 20)
#define QGA_FRAMER_MAX_DEPTH_DEFAULT 1024

typedef enum QgaFrameKind {
    QGA_FRAME_MESSAGE,   /* text/len: one complete JSON text (object, array or top-level scalar) */
    QGA_FRAME_ERROR,     /* error_desc: qemu-ga's text, e.g. "JSON parse error, stray '\xff'" */
} QgaFrameKind;

typedef struct QgaFrame {
    QgaFrameKind kind;
    const char *text;        /* MESSAGE: valid only during the sink call */
    size_t len;
    const char *error_desc;  /* ERROR: valid only during the sink call (raw bytes; the writer makes them ASCII) */
} QgaFrame;

typedef void (*QgaFrameSink)(void *opaque, const QgaFrame *frame);

typedef struct QgaFramer QgaFramer;

/* limits NULL = qemu-ga's defaults. */
QgaFramer *qga_framer_new(const QgaFramerLimits *limits);
void qga_framer_free(QgaFramer *framer);

/*
 * Feed bytes as they arrive. For each complete message or error, sink is called
 * in stream order. A lexical error (0xFF among them) discards the partial
 * message, reports one ERROR and enters QEMU's recovery state (skip until a
 * control char, 0xFE/0xFF or a structural char). Memory held never exceeds
 * max_message_bytes plus a constant: an oversized message is dropped as it
 * streams in and reported once.
 */
void qga_framer_feed(QgaFramer *framer, const void *data, size_t len, QgaFrameSink sink, void *opaque);

/* Forget any partial message and recovery state: a new client starts clean. */
void qga_framer_reset(QgaFramer *framer);

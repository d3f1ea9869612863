/* One host connection: framer in, dispatcher in between, reply bytes out, strictly in order. */
#include "session.h"

#include "buf.h"
#include "mem.h"

/* An output buffer grown beyond this (a big guest-file-read reply) is released once drained. */
#define KEEP_OUTPUT_MAX ((size_t)256 << 10)

struct QgaSession {
    QgaDispatcher *dispatcher;
    QgaFramer *framer;
    QgaBuf out;
    size_t out_start;   /* bytes of out already written: consumed lazily, no memmove per write */
};

QgaSession *qga_session_new(QgaDispatcher *dispatcher, const QgaFramerLimits *limits)
{
    QgaSession *s = qga_calloc(1, sizeof(*s));
    s->dispatcher = dispatcher;
    s->framer = qga_framer_new(limits);
    return s;
}

void qga_session_free(QgaSession *s)
{
    if (!s)
        return;
    qga_framer_free(s->framer);
    qga_buf_free(&s->out);
    free(s);
}

/*
 * Requests are handled synchronously as the framer completes them, so the
 * replies land in the output in request order: libvirt and Proxmox match
 * a reply to a request by position, never by id (docs/PROTOCOL.md, "Reply order").
 */
static void on_frame(void *opaque, const QgaFrame *frame)
{
    QgaSession *s = opaque;
    if (frame->kind == QGA_FRAME_MESSAGE)
        qga_dispatch_message(s->dispatcher, frame->text, frame->len, &s->out);
    else
        qga_dispatch_frame_error(s->dispatcher, frame->error_desc, &s->out);
}

void qga_session_feed(QgaSession *s, const void *data, size_t len)
{
    qga_framer_feed(s->framer, data, len, on_frame, s);
}

size_t qga_session_pending(const QgaSession *s, const void **ret_data)
{
    if (ret_data)
        *ret_data = s->out.data ? s->out.data + s->out_start : NULL;
    return s->out.len - s->out_start;
}

static void output_drop(QgaSession *s)
{
    s->out_start = 0;
    if (s->out.cap > KEEP_OUTPUT_MAX)
        qga_buf_free(&s->out);
    else
        qga_buf_clear(&s->out);
}

void qga_session_consume(QgaSession *s, size_t n)
{
    size_t pending = s->out.len - s->out_start;
    if (n >= pending) {
        output_drop(s);
        return;
    }
    s->out_start += n;
    /* Compact once the written part dominates, so a slow reader cannot make the buffer grow forever. */
    if (s->out_start >= 4096 && s->out_start >= pending - n) {
        qga_buf_consume(&s->out, s->out_start);
        s->out_start = 0;
    }
}

void qga_session_reset(QgaSession *s)
{
    qga_framer_reset(s->framer);
    output_drop(s);
}

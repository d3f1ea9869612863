/* Byte stream to whole JSON texts: qemu-ga's json-streamer rules on top of the shared lexer. */
#include "framer.h"

#include <stdbool.h>
#include <string.h>

#include "buf.h"
#include "json-lexer.h"
#include "mem.h"

/*
 * What qemu-ga does (qobject/json-streamer.c, QEMU up to 11.0; see
 * docs/PROTOCOL.md, "Framing" and "Resynchronisation"), token by token:
 *
 *  - { and [ open, } and ] close; the message is complete as soon as both
 *    counts are back to zero, or either went negative (a stray closer is a
 *    message of its own, which then fails to parse). A top-level scalar is
 *    therefore complete by itself.
 *  - A lexical error token (0xFF among them) drops the partial message and
 *    answers "JSON parse error, stray '<token>'"; the lexer then skips to a
 *    resynchronisation byte.
 *  - Before a token joins the message it is checked against the limits, in
 *    this order: total token bytes ("+ 1", as QEMU counts), token count,
 *    nesting depth. Going over drops the partial message and answers the
 *    limit's error; the counts restart at zero and the rest of the bytes are
 *    lexed as if new (QEMU 11.1's push parser instead swallows the rest of
 *    the message; every deployed qemu-ga behaves as here).
 *  - A single token longer than the limit is cut by the lexer and reported
 *    as the size error; lexing restarts in the start state.
 *
 * The message handed on is the raw text from its first token through its
 * last, whitespace inside kept, so the dispatcher parses exactly what the
 * host wrote. QEMU does not count whitespace towards the limit (it keeps
 * only tokens); to keep memory bounded all the same, whitespace beyond a
 * budget is collapsed to one space per gap, which means nothing to JSON.
 */

#define WS_BUDGET_MAX ((size_t)64 << 10)
/* A message buffer grown beyond this is released after use instead of kept. */
#define KEEP_BUFFER_MAX ((size_t)64 << 10)

struct QgaFramer {
    QgaJsonLexer lexer;
    QgaFramerLimits limits;
    size_t ws_budget;

    /* The message being collected. */
    QgaBuf msg;
    bool in_msg;
    long brace, bracket;        /* signed: a stray closer drives one negative */
    size_t token_bytes;         /* QEMU's token_size: token bytes only */
    size_t n_tokens;
    size_t ws_kept;
    bool gap_collapsed;         /* the current gap already got its one space */

    /* The feed in progress (valid during qga_framer_feed only). */
    const unsigned char *chunk;
    size_t chunk_len;
    size_t gap;                 /* first byte of the chunk not yet accounted for */
    size_t saved;               /* bytes of an unfinished token fed before this chunk */
    QgaFrameSink sink;
    void *opaque;

    QgaBuf desc;                /* error text under construction */
};

static void message_reset(QgaFramer *f)
{
    f->in_msg = false;
    f->brace = f->bracket = 0;
    f->token_bytes = f->n_tokens = 0;
    f->ws_kept = 0;
    f->gap_collapsed = false;
    if (f->msg.cap > KEEP_BUFFER_MAX)
        qga_buf_free(&f->msg);
    else
        qga_buf_clear(&f->msg);
}

static void emit_error(QgaFramer *f, const char *desc)
{
    QgaFrame frame = { .kind = QGA_FRAME_ERROR, .error_desc = desc };
    f->sink(f->opaque, &frame);
}

/* Whitespace between two tokens of the message, kept verbatim within the budget. */
static void append_gap(QgaFramer *f, const unsigned char *p, size_t n)
{
    if (n == 0)
        return;
    if (f->ws_kept + n <= f->ws_budget) {
        qga_buf_append(&f->msg, p, n);
        f->ws_kept += n;
    } else if (!f->gap_collapsed) {
        qga_buf_append_byte(&f->msg, ' ');
        f->gap_collapsed = true;
    }
}

/*
 * Where the token ends in the current chunk (exclusive). The lexer hands a
 * token that lies wholly in this feed as a pointer into it; one that began
 * in an earlier feed comes from the lexer's own buffer, and then its tail in
 * this chunk is what exceeds the bytes saved before the feed.
 */
static size_t token_end(const QgaFramer *f, const QgaToken *t, bool *ret_in_chunk)
{
    uintptr_t p = (uintptr_t)t->text, c = (uintptr_t)f->chunk;
    if (f->chunk && p >= c && p - c <= f->chunk_len && t->len <= f->chunk_len - (p - c)) {
        *ret_in_chunk = true;
        return (size_t)(p - c) + t->len;
    }
    *ret_in_chunk = false;
    return t->len > f->saved ? t->len - f->saved : 0;
}

static void on_token(void *opaque, const QgaToken *t)
{
    QgaFramer *f = opaque;
    bool in_chunk;
    size_t end = token_end(f, t, &in_chunk);
    size_t start = in_chunk ? end - t->len : 0;
    size_t gap = f->gap;
    f->gap = end;

    switch (t->type) {
    case QGA_TOKEN_LCURLY: f->brace++; break;
    case QGA_TOKEN_RCURLY: f->brace--; break;
    case QGA_TOKEN_LSQUARE: f->bracket++; break;
    case QGA_TOKEN_RSQUARE: f->bracket--; break;
    default: break;
    }

    if (t->type == QGA_TOKEN_ERROR) {
        message_reset(f);
        if (f->lexer.too_long) {
            /* QEMU's lexer hands on an over-long token as is; the streamer's size check rejects it. */
            emit_error(f, "JSON token size limit exceeded");
            return;
        }
        /* QEMU formats the token as a C string: an embedded NUL ends it. */
        const char *nul = memchr(t->text, '\0', t->len);
        size_t shown = nul ? (size_t)(nul - t->text) : t->len;
        qga_buf_clear(&f->desc);
        qga_buf_append_str(&f->desc, "JSON parse error, stray '");
        qga_buf_append(&f->desc, t->text, shown);
        qga_buf_append_byte(&f->desc, '\'');
        emit_error(f, f->desc.data);
        if (f->desc.cap > KEEP_BUFFER_MAX)
            qga_buf_free(&f->desc);
        return;
    }

    const char *limit = NULL;
    if (f->token_bytes + t->len + 1 > f->limits.max_message_bytes)
        limit = "JSON token size limit exceeded";
    else if (f->n_tokens + 1 > f->limits.max_tokens)
        limit = "JSON token count limit exceeded";
    else if (f->brace + f->bracket > (long)f->limits.max_depth)
        limit = "JSON nesting depth limit exceeded";
    if (limit) {
        message_reset(f);
        emit_error(f, limit);
        return;
    }

    if (!f->in_msg) {
        f->in_msg = true;
    } else if (in_chunk) {
        append_gap(f, f->chunk + gap, start - gap);
    }
    /* (A token begun in an earlier feed had its leading gap accounted for at that feed's end.) */
    qga_buf_append(&f->msg, t->text, t->len);
    f->gap_collapsed = false;
    f->token_bytes += t->len;
    f->n_tokens++;

    if ((f->brace > 0 || f->bracket > 0) && f->brace >= 0 && f->bracket >= 0)
        return;

    QgaFrame frame = { .kind = QGA_FRAME_MESSAGE, .text = f->msg.data, .len = f->msg.len };
    f->sink(f->opaque, &frame);
    message_reset(f);
}

QgaFramer *qga_framer_new(const QgaFramerLimits *limits)
{
    QgaFramer *f = qga_calloc(1, sizeof(*f));
    f->limits = (QgaFramerLimits){
        .max_message_bytes = QGA_FRAMER_MAX_MESSAGE_DEFAULT,
        .max_tokens = QGA_FRAMER_MAX_TOKENS_DEFAULT,
        .max_depth = QGA_FRAMER_MAX_DEPTH_DEFAULT,
    };
    if (limits && limits->max_message_bytes)
        f->limits.max_message_bytes = limits->max_message_bytes;
    if (limits && limits->max_tokens)
        f->limits.max_tokens = limits->max_tokens;
    if (limits && limits->max_depth)
        f->limits.max_depth = limits->max_depth;
    f->ws_budget = f->limits.max_message_bytes < WS_BUDGET_MAX ? f->limits.max_message_bytes : WS_BUDGET_MAX;
    /* One token can never be longer than a message: the lexer cuts it there, as QEMU's does at 64 MiB. */
    qga_json_lexer_init(&f->lexer, f->limits.max_message_bytes, on_token, f);
    return f;
}

void qga_framer_free(QgaFramer *f)
{
    if (!f)
        return;
    qga_json_lexer_destroy(&f->lexer);
    qga_buf_free(&f->msg);
    qga_buf_free(&f->desc);
    free(f);
}

void qga_framer_feed(QgaFramer *f, const void *data, size_t len, QgaFrameSink sink, void *opaque)
{
    if (len == 0)
        return;
    f->chunk = data;
    f->chunk_len = len;
    f->gap = 0;
    /* The lexer's token buffer holds exactly the unfinished token's bytes between feeds (json-lexer.h). */
    f->saved = f->lexer.token.len;
    f->sink = sink;
    f->opaque = opaque;

    qga_json_lexer_feed(&f->lexer, data, len);

    if (f->in_msg) {
        /* Keep the whitespace after the last token; the unfinished token's bytes wait in the lexer. */
        size_t rest = len - f->gap;
        size_t pending = f->lexer.token.len;
        append_gap(f, f->chunk + f->gap, rest - (pending < rest ? pending : rest));
    }
    f->chunk = NULL;
    f->chunk_len = 0;
    f->sink = NULL;
    f->opaque = NULL;
}

void qga_framer_reset(QgaFramer *f)
{
    qga_json_lexer_reset(&f->lexer);
    message_reset(f);
}

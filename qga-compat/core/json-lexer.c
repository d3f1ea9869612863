/* Incremental JSON lexer with QEMU's token rules (qobject/json-lexer.c), shared by framer and parser. */
#include "json-lexer.h"

#include <stdbool.h>

/*
 * States. Like QEMU's table-driven lexer, every byte either continues the
 * token, completes it, ends it by lookahead (numbers and keywords end at the
 * first byte that cannot continue them, which is then lexed afresh), or is an
 * error. An error token carries the bytes of the partial token including the
 * offending byte; then the lexer skips input (RECOVERY) until a byte that is a
 * promising restart point.
 */
enum {
    ST_START = 0,
    ST_RECOVERY,
    ST_DQ, ST_DQ_ESC,        /* "..." */
    ST_SQ, ST_SQ_ESC,        /* '...' (QEMU extension) */
    ST_SIGN,                 /* - */
    ST_ZERO,                 /* -?0 */
    ST_DIGITS,               /* -?[1-9][0-9]* */
    ST_MANT,                 /* after '.' */
    ST_MANT_DIGITS,
    ST_EXP_E,                /* after e/E */
    ST_EXP_SIGN,
    ST_EXP_DIGITS,
    ST_KEYWORD,              /* [a-z]+ */
};

#define DEFAULT_MAX_TOKEN ((size_t)64 << 20)   /* QEMU's MAX_TOKEN_SIZE */
#define KEEP_TOKEN_MAX ((size_t)64 << 10)      /* a token buffer larger than this is released */

void qga_json_lexer_init(QgaJsonLexer *lexer, size_t max_token_bytes, QgaTokenSink sink, void *opaque)
{
    lexer->state = ST_START;
    lexer->token = (QgaBuf)QGA_BUF_INIT;
    lexer->max_token_bytes = max_token_bytes ? max_token_bytes : DEFAULT_MAX_TOKEN;
    lexer->too_long = 0;
    lexer->sink = sink;
    lexer->opaque = opaque;
}

void qga_json_lexer_reset(QgaJsonLexer *lexer)
{
    lexer->state = ST_START;
    lexer->too_long = 0;
    qga_buf_clear(&lexer->token);
    /* Don't keep a 64 MiB buffer around after one huge token. */
    if (lexer->token.cap > KEEP_TOKEN_MAX)
        qga_buf_free(&lexer->token);
}

void qga_json_lexer_destroy(QgaJsonLexer *lexer) { qga_buf_free(&lexer->token); }

/* The structural characters: single-byte tokens, and restart points after an error. */
static int structural_type(unsigned char c)
{
    switch (c) {
    case '{': return QGA_TOKEN_LCURLY;
    case '}': return QGA_TOKEN_RCURLY;
    case '[': return QGA_TOKEN_LSQUARE;
    case ']': return QGA_TOKEN_RSQUARE;
    case ':': return QGA_TOKEN_COLON;
    case ',': return QGA_TOKEN_COMMA;
    default: return -1;
    }
}

/*
 * A token under construction is the bytes already saved in lexer->token (from
 * earlier feeds) plus the run data[run_start..i) of the current feed. Bytes
 * are copied only when a feed ends mid-token, never one at a time.
 */
typedef struct Cursor {
    QgaJsonLexer *lx;
    const unsigned char *data;
    size_t run_start;
} Cursor;

static size_t token_len(const Cursor *c, size_t i) { return c->lx->token.len + (i - c->run_start); }

/* Emit the token made of the saved bytes plus data[run_start..end). */
static void emit(Cursor *c, QgaTokenType type, size_t end)
{
    QgaJsonLexer *lx = c->lx;
    QgaToken t = { .type = type };
    if (lx->token.len == 0) {
        t.text = (const char *)c->data + c->run_start;
        t.len = end - c->run_start;
    } else {
        qga_buf_append(&lx->token, c->data + c->run_start, end - c->run_start);
        t.text = lx->token.data;
        t.len = lx->token.len;
    }
    lx->sink(lx->opaque, &t);
    /* The framer's lexer lives as long as the agent: don't keep a multi-megabyte buffer (a
     * guest-file-write payload) around after its token is done. */
    if (lx->token.cap > KEEP_TOKEN_MAX)
        qga_buf_free(&lx->token);
    else
        qga_buf_clear(&lx->token);
    c->run_start = end;
}

/* Byte classes for the hot loops. */
static bool is_digit(unsigned char ch) { return ch >= '0' && ch <= '9'; }
static bool is_lower(unsigned char ch) { return ch >= 'a' && ch <= 'z'; }
/* Inside a string: anything from 0x20 to 0xFD; control chars and 0xFE/0xFF are errors. */
static bool string_byte_ok(unsigned char ch) { return ch >= 0x20 && ch <= 0xFD; }
/* Recovery ends at a control char other than tab, at 0xFE/0xFF, or at a structural char. */
static bool recovery_stop(unsigned char ch)
{
    return (ch < 0x20 && ch != '\t') || ch >= 0xFE || structural_type(ch) >= 0;
}

/* The token type a number/keyword state ends as when lookahead terminates it; -1 when it cannot end. */
static int terminal_type(int state)
{
    switch (state) {
    case ST_ZERO:
    case ST_DIGITS: return QGA_TOKEN_INTEGER;
    case ST_MANT_DIGITS:
    case ST_EXP_DIGITS: return QGA_TOKEN_FLOAT;
    case ST_KEYWORD: return QGA_TOKEN_KEYWORD;
    default: return -1;
    }
}

/* Next state for byte ch in a number state; -1 = the number ends before ch; -2 = error. */
static int number_next(int state, unsigned char ch)
{
    switch (state) {
    case ST_SIGN:
        return ch == '0' ? ST_ZERO : is_digit(ch) ? ST_DIGITS : -2;
    case ST_ZERO:
        /* QEMU: a digit after a leading zero is an error; 'e' is not taken, so "0e1" lexes as 0, e, 1. */
        return is_digit(ch) ? -2 : ch == '.' ? ST_MANT : -1;
    case ST_DIGITS:
        return is_digit(ch) ? ST_DIGITS : ch == '.' ? ST_MANT : (ch == 'e' || ch == 'E') ? ST_EXP_E : -1;
    case ST_MANT:
        return is_digit(ch) ? ST_MANT_DIGITS : -2;
    case ST_MANT_DIGITS:
        return is_digit(ch) ? ST_MANT_DIGITS : (ch == 'e' || ch == 'E') ? ST_EXP_E : -1;
    case ST_EXP_E:
        return (ch == '+' || ch == '-') ? ST_EXP_SIGN : is_digit(ch) ? ST_EXP_DIGITS : -2;
    case ST_EXP_SIGN:
        return is_digit(ch) ? ST_EXP_DIGITS : -2;
    case ST_EXP_DIGITS:
        return is_digit(ch) ? ST_EXP_DIGITS : -1;
    default:
        return -2;
    }
}

/* Report the token under construction including the byte at i as an error, then recover. */
static void error_at(Cursor *c, size_t i)
{
    emit(c, QGA_TOKEN_ERROR, i + 1);
    c->lx->state = ST_RECOVERY;
}

void qga_json_lexer_feed(QgaJsonLexer *lexer, const void *buf, size_t len)
{
    Cursor c = { .lx = lexer, .data = buf, .run_start = 0 };
    const unsigned char *d = c.data;
    const size_t max = lexer->max_token_bytes;
    size_t i = 0;

    while (i < len) {
        int st = lexer->state;
        unsigned char ch = d[i];

        switch (st) {
        case ST_START:
            c.run_start = i;
            if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
                i++;
                continue;
            }
            if (structural_type(ch) >= 0) {
                emit(&c, (QgaTokenType)structural_type(ch), i + 1);
                i++;
                continue;
            }
            if (ch == '"')
                lexer->state = ST_DQ;
            else if (ch == '\'')
                lexer->state = ST_SQ;
            else if (ch == '0')
                lexer->state = ST_ZERO;
            else if (is_digit(ch))
                lexer->state = ST_DIGITS;
            else if (ch == '-')
                lexer->state = ST_SIGN;
            else if (is_lower(ch))
                lexer->state = ST_KEYWORD;
            else {
                /* 0xFF, 0xFE, control chars, anything no token starts with. */
                error_at(&c, i);
                i++;
                continue;
            }
            i++;
            break;

        case ST_RECOVERY:
            while (i < len && !recovery_stop(d[i]))
                i++;
            if (i < len)
                lexer->state = ST_START;   /* the stop byte is lexed afresh */
            c.run_start = i;
            continue;

        case ST_DQ:
        case ST_SQ: {
            /* Hot loop: consume plain string bytes, but never let the token exceed the limit. */
            unsigned char quote = st == ST_DQ ? '"' : '\'';
            size_t room = max + 1 - token_len(&c, i);   /* >= 1: the limit is checked after every byte */
            size_t stop = len - i < room ? len : i + room;
            while (i < stop && string_byte_ok(d[i]) && d[i] != quote && d[i] != '\\')
                i++;
            if (i == stop)
                break;   /* end of input or at the size limit: handled below */
            ch = d[i];
            if (ch == quote) {
                emit(&c, QGA_TOKEN_STRING, i + 1);
                lexer->state = ST_START;
                i++;
                continue;
            }
            if (ch == '\\') {
                lexer->state = st == ST_DQ ? ST_DQ_ESC : ST_SQ_ESC;
                i++;
                break;
            }
            error_at(&c, i);
            i++;
            continue;
        }

        case ST_DQ_ESC:
        case ST_SQ_ESC:
            /* Any non-control byte may follow a backslash; the parser judges the escape. */
            if (!string_byte_ok(ch)) {
                error_at(&c, i);
                i++;
                continue;
            }
            lexer->state = st == ST_DQ_ESC ? ST_DQ : ST_SQ;
            i++;
            break;

        case ST_KEYWORD:
            if (is_lower(ch)) {
                i++;
                break;
            }
            emit(&c, QGA_TOKEN_KEYWORD, i);
            lexer->state = ST_START;
            continue;   /* ch is lexed afresh */

        default: {
            int next = number_next(st, ch);
            if (next == -1) {
                emit(&c, (QgaTokenType)terminal_type(st), i);
                lexer->state = ST_START;
                continue;
            }
            if (next == -2) {
                error_at(&c, i);
                i++;
                continue;
            }
            lexer->state = next;
            i++;
            break;
        }
        }

        /*
         * Still inside a token. QEMU bounds a single token: once it is longer
         * than the limit it is handed on as it is (the streamer then reports
         * "JSON token size limit exceeded") and lexing restarts in the start
         * state, not in recovery. We report it as an ERROR token of
         * max_token_bytes + 1 bytes, so memory stays bounded.
         */
        if (token_len(&c, i) > max) {
            lexer->too_long = 1;
            emit(&c, QGA_TOKEN_ERROR, i);
            lexer->too_long = 0;
            lexer->state = ST_START;
        }
    }

    /* Save the unfinished token's bytes of this feed for the next one. */
    if (lexer->state != ST_START && lexer->state != ST_RECOVERY && c.run_start < len)
        qga_buf_append(&lexer->token, d + c.run_start, len - c.run_start);
}

/*
 * End of input, as QEMU's json_lexer_flush: a number or keyword ends here;
 * an unfinished string, a lone '-' or an incomplete fraction/exponent is an
 * error token of the bytes so far. Recovery state is left.
 */
void qga_json_lexer_flush(QgaJsonLexer *lexer)
{
    int st = lexer->state;
    Cursor c = { .lx = lexer, .data = (const unsigned char *)"", .run_start = 0 };
    if (st != ST_START && st != ST_RECOVERY) {
        int type = terminal_type(st);
        emit(&c, type >= 0 ? (QgaTokenType)type : QGA_TOKEN_ERROR, 0);
    }
    lexer->state = ST_START;
}

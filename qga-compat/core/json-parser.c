/* JSON parser for QEMU's dialect with qemu-ga's exact error texts (qobject/json-parser.c + json-streamer.c). */
#include "json.h"
#include "json-internal.h"
#include "json-lexer.h"
#include "mem.h"

#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * qga_json_parse mirrors what qemu-ga does with one message: QEMU's streamer
 * (json-streamer.c) first watches every token — a lexical error is reported
 * as "stray '<text>'" and a nesting depth beyond the limit as "JSON nesting
 * depth limit exceeded", both before any grammar error of the same message,
 * because QEMU parses only once the message is complete. Then QEMU's
 * recursive-descent parser (json-parser.c) runs; its first error wins. We do
 * both in one pass with an explicit stack (no recursion, so no depth can
 * overflow the C stack): grammar errors are recorded and the token scan goes
 * on to the message end, where a streamer error would still take precedence.
 */

typedef enum Expect {
    EXPECT_TOP,     /* the top-level value */
    EXPECT_DONE,    /* top-level value complete */
    A_FIRST,        /* after '[': ']' or a value */
    A_VALUE,        /* after ',': a value */
    A_SEP,          /* after a value: ',' or ']' */
    O_FIRST,        /* after '{': '}' or a key */
    O_KEY,          /* after ',': a key */
    O_COLON,
    O_VALUE,
    O_SEP,          /* after a value: ',' or '}' */
} Expect;

/* Member indices of one object by key hash: duplicate checks stay O(1) for huge objects. */
typedef struct KeySet {
    uint64_t *slots;   /* hash << 32 | (member index + 1); 0 = empty */
    size_t mask;
} KeySet;

typedef struct Frame {
    QgaJson *v;
    Expect expect;
    char *key;         /* O_COLON/O_VALUE: the member's key */
    KeySet keys;
} Frame;

typedef struct Parser {
    Frame *frames;
    size_t depth, cap;
    Expect top;
    QgaJson *result;
    char *error;       /* full desc of the first error */
    bool parse_failed; /* grammar error recorded: keep scanning for streamer errors only */
    bool stopped;      /* the outcome is decided: ignore further tokens */
    bool ended;        /* the streamer considers the message complete */
    long braces, brackets;
    long max_depth;
    uint64_t seed;
    QgaJsonLexer *lexer;
} Parser;

#define SMALL_OBJECT 8   /* up to this many members a linear scan is cheaper than hashing */

static uint32_t key_hash(const Parser *p, const char *key)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ p->seed;
    for (const unsigned char *k = (const unsigned char *)key; *k; k++)
        h = (h ^ *k) * 0x100000001b3ULL;
    return (uint32_t)(h ^ (h >> 32));
}

static void keyset_insert(KeySet *ks, uint32_t hash, uint32_t index)
{
    size_t i = hash & ks->mask;
    while (ks->slots[i])
        i = (i + 1) & ks->mask;
    ks->slots[i] = (uint64_t)hash << 32 | (index + 1);
}

static void keyset_rebuild(const Parser *p, KeySet *ks, const QgaJson *obj, size_t cap)
{
    free(ks->slots);
    ks->slots = qga_calloc(cap, sizeof(uint64_t));
    ks->mask = cap - 1;
    for (size_t i = 0; i < obj->u.obj.len; i++)
        keyset_insert(ks, key_hash(p, obj->u.obj.members[i].key), (uint32_t)i);
}

/* Whether key is already a member; for big objects also computes its hash (*ret_hash) for the insert. */
static bool object_has_key(const Parser *p, Frame *f, const char *key, uint32_t *ret_hash)
{
    const QgaJson *obj = f->v;
    size_t n = obj->u.obj.len;
    if (n < SMALL_OBJECT)
        return qga_json_object_find(obj, key) != QGA_JSON_NOT_FOUND;
    if (!f->keys.slots || (n + 1) * 2 > f->keys.mask + 1) {
        size_t cap = 64;
        while (cap < (n + 1) * 4)
            cap *= 2;
        keyset_rebuild(p, &f->keys, obj, cap);
    }
    uint32_t h = key_hash(p, key);
    *ret_hash = h;
    for (size_t i = h & f->keys.mask; f->keys.slots[i]; i = (i + 1) & f->keys.mask) {
        uint64_t slot = f->keys.slots[i];
        if ((uint32_t)(slot >> 32) == h
            && strcmp(obj->u.obj.members[(uint32_t)slot - 1].key, key) == 0)
            return true;
    }
    return false;
}

/* QEMU formats the detail into a 1024-byte buffer (json-parser.c parse_error): longer ones are cut. */
static void parse_fail(Parser *p, const char *fmt, ...) QGA_PRINTF(2, 3);
static void parse_fail(Parser *p, const char *fmt, ...)
{
    if (p->parse_failed)
        return;
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    p->parse_failed = true;
    p->error = qga_strdup_printf("JSON parse error, %s", detail);
}

/* A streamer-level error: replaces any grammar error and ends the scan. */
static void stream_fail(Parser *p, char *desc)
{
    free(p->error);
    p->error = desc;
    p->parse_failed = true;
    p->stopped = true;
}

static int hex4(const char *s, size_t avail)
{
    int cp = 0;
    for (size_t i = 0; i < 4; i++) {
        char c = i < avail ? s[i] : '\0';
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        cp = (cp << 4) | d;
    }
    return cp;
}

/*
 * Decode a string token (quotes included) as QEMU's parse_string: escapes
 * \" \' \\ \/ \b \f \n \r \t \uXXXX (a high surrogate pairs with a following
 * \u low surrogate), the result in modified UTF-8 (\u0000 becomes C0 80, so
 * strings never hold a NUL byte), invalid code points and invalid UTF-8
 * rejected.
 */
static char *decode_string(Parser *p, const char *tok, size_t n, size_t *ret_len)
{
    const char *end = tok + n;            /* one past the closing quote */
    const char *s = tok + 1, *body_end = end - 1;
    char *out = qga_malloc(n);
    size_t o = 0;
    while (s < body_end) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80 && c != '\\') {
            const char *run = s;
            while (s < body_end && (unsigned char)*s < 0x80 && *s != '\\')
                s++;
            memcpy(out + o, run, (size_t)(s - run));
            o += (size_t)(s - run);
            continue;
        }
        if (c >= 0x80) {
            size_t used;
            if (qga_mutf8_decode((const unsigned char *)s, (size_t)(body_end - s), &used) < 0) {
                parse_fail(p, "invalid UTF-8 sequence in string");
                goto fail;
            }
            memcpy(out + o, s, used);   /* valid input re-encodes to the same bytes */
            o += used;
            s += used;
            continue;
        }
        const char *beg = s;
        s += 2;
        switch (beg[1]) {
        case '"': out[o++] = '"'; break;
        case '\'': out[o++] = '\''; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            int cp = hex4(s, (size_t)(end - s));
            s += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && s + 1 < end && s[0] == '\\' && s[1] == 'u') {
                int low = hex4(s + 2, (size_t)(end - s - 2));
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    cp = 0x10000 + ((cp & 0x3FF) << 10) + (low & 0x3FF);
                    s += 6;
                } else {
                    cp = -1;
                }
            }
            if (cp < 0 || !qga_codepoint_valid((uint32_t)cp)) {
                /* QEMU quotes the escape as far as it read it, within the token. */
                size_t shown = (size_t)((s < end ? s : end) - beg);
                parse_fail(p, "%.*s is not a valid Unicode character", (int)shown, beg);
                goto fail;
            }
            o += qga_mutf8_encode(out + o, (uint32_t)cp);
            break;
        }
        default:
            parse_fail(p, "invalid escape sequence in string");
            goto fail;
        }
    }
    out[o] = '\0';
    *ret_len = o;
    return out;
fail:
    free(out);
    return NULL;
}

/* QEMU: an integer is int64 when it fits, else uint64 when it fits, else a double. */
static QgaJson *decode_number(const char *tok, size_t n, bool is_int)
{
    if (is_int) {
        bool neg = tok[0] == '-';
        uint64_t mag = 0;
        bool overflow = false;
        for (size_t i = neg; i < n && !overflow; i++) {
            unsigned d = (unsigned)(tok[i] - '0');
            if (mag > (UINT64_MAX - d) / 10)
                overflow = true;
            else
                mag = mag * 10 + d;
        }
        if (!overflow && !neg)
            return qga_json_uint(mag);
        if (!overflow && mag <= (uint64_t)INT64_MAX + 1)
            return qga_json_int(mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag);
    }
    char small[64];
    char *buf = n < sizeof(small) ? small : qga_malloc(n + 1);
    memcpy(buf, tok, n);
    buf[n] = '\0';
    /* Like QEMU: strtod, out-of-range exponents give inf or 0 without an error. */
    double d = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    return qga_json_number(d);
}

static void value_complete(Parser *p, QgaJson *v);

static void frame_push(Parser *p, QgaJson *v, Expect expect)
{
    if (p->depth == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->frames = qga_realloc(p->frames, p->cap * sizeof(Frame));
    }
    p->frames[p->depth++] = (Frame){ .v = v, .expect = expect };
}

static void frame_pop_complete(Parser *p)
{
    Frame *f = &p->frames[--p->depth];
    QgaJson *v = f->v;
    free(f->keys.slots);
    free(f->key);
    value_complete(p, v);
}

static Expect *expect_slot(Parser *p) { return p->depth ? &p->frames[p->depth - 1].expect : &p->top; }

static void value_complete(Parser *p, QgaJson *v)
{
    if (!p->depth) {
        p->result = v;
        p->top = EXPECT_DONE;
        return;
    }
    Frame *f = &p->frames[p->depth - 1];
    switch (f->expect) {
    case A_FIRST:
    case A_VALUE:
        qga_json_array_append(f->v, v);
        f->expect = A_SEP;
        return;
    case O_FIRST:
    case O_KEY:
        /* string keys are taken in parse_value_token: anything else is an error */
        qga_json_free(v);
        parse_fail(p, "key is not a string in object");
        return;
    case O_VALUE: {
        /* QEMU checks for a duplicate after parsing the value, so errors inside it come first. */
        uint32_t hash = 0;
        if (object_has_key(p, f, f->key, &hash)) {
            qga_json_free(v);
            parse_fail(p, "duplicate key");
            return;
        }
        qga_json_object_append_owned(f->v, f->key, v);
        f->key = NULL;
        if (f->keys.slots)   /* object_has_key sized the set for this member */
            keyset_insert(&f->keys, hash, (uint32_t)(f->v->u.obj.len - 1));
        f->expect = O_SEP;
        return;
    }
    default:
        assert(!"value in a position that takes none");
    }
}

static void parse_value_token(Parser *p, const QgaToken *t)
{
    QgaJson *v = NULL;
    switch (t->type) {
    case QGA_TOKEN_LCURLY:
        frame_push(p, qga_json_object(), O_FIRST);
        return;
    case QGA_TOKEN_LSQUARE:
        frame_push(p, qga_json_array(), A_FIRST);
        return;
    case QGA_TOKEN_INTEGER:
    case QGA_TOKEN_FLOAT:
        v = decode_number(t->text, t->len, t->type == QGA_TOKEN_INTEGER);
        break;
    case QGA_TOKEN_STRING: {
        size_t len;
        char *str = decode_string(p, t->text, t->len, &len);
        if (!str)
            return;
        Frame *f = p->depth ? &p->frames[p->depth - 1] : NULL;
        if (f && (f->expect == O_FIRST || f->expect == O_KEY)) {
            f->key = str;   /* a key needs no value wrapper; modified UTF-8 has no NUL: a C string */
            f->expect = O_COLON;
            return;
        }
        v = qga_json_string_take(str, len);
        break;
    }
    case QGA_TOKEN_KEYWORD:
        if (t->len == 4 && memcmp(t->text, "true", 4) == 0)
            v = qga_json_bool(true);
        else if (t->len == 5 && memcmp(t->text, "false", 5) == 0)
            v = qga_json_bool(false);
        else if (t->len == 4 && memcmp(t->text, "null", 4) == 0)
            v = qga_json_null();
        else
            parse_fail(p, "invalid keyword '%.*s'", (int)(t->len > 2048 ? 2048 : t->len), t->text);
        break;
    default:
        parse_fail(p, "expecting value");
        break;
    }
    if (v)
        value_complete(p, v);
}

static void parse_token(Parser *p, const QgaToken *t)
{
    Expect *e = expect_slot(p);
    switch (*e) {
    case A_FIRST:
        if (t->type == QGA_TOKEN_RSQUARE) {
            frame_pop_complete(p);
            return;
        }
        break;
    case O_FIRST:
        if (t->type == QGA_TOKEN_RCURLY) {
            frame_pop_complete(p);
            return;
        }
        break;
    case A_SEP:
        if (t->type == QGA_TOKEN_COMMA)
            *e = A_VALUE;
        else if (t->type == QGA_TOKEN_RSQUARE)
            frame_pop_complete(p);
        else
            parse_fail(p, "expected separator in list");
        return;
    case O_SEP:
        if (t->type == QGA_TOKEN_COMMA)
            *e = O_KEY;
        else if (t->type == QGA_TOKEN_RCURLY)
            frame_pop_complete(p);
        else
            parse_fail(p, "expected separator in dict");
        return;
    case O_COLON:
        if (t->type == QGA_TOKEN_COLON)
            *e = O_VALUE;
        else
            parse_fail(p, "missing : in object pair");
        return;
    case EXPECT_DONE:
        assert(!"token after a complete message");
        return;
    default:
        break;
    }
    parse_value_token(p, t);
}

static void on_token(void *opaque, const QgaToken *t)
{
    Parser *p = opaque;
    if (p->stopped)
        return;
    if (p->ended) {
        /* A second JSON text: qemu-ga would treat it as the next message. */
        if (!p->parse_failed)
            stream_fail(p, qga_strdup("JSON parse error, unexpected data after the JSON value"));
        p->stopped = true;
        return;
    }
    switch (t->type) {
    case QGA_TOKEN_ERROR:
        if (p->lexer->too_long)
            stream_fail(p, qga_strdup("JSON token size limit exceeded"));
        else   /* QEMU prints the token with %s: it ends at a NUL byte */
            stream_fail(p, qga_strdup_printf("JSON parse error, stray '%.*s'", (int)strnlen(t->text, t->len), t->text));
        return;
    case QGA_TOKEN_LCURLY: p->braces++; break;
    case QGA_TOKEN_RCURLY: p->braces--; break;
    case QGA_TOKEN_LSQUARE: p->brackets++; break;
    case QGA_TOKEN_RSQUARE: p->brackets--; break;
    default: break;
    }
    if (p->braces + p->brackets > p->max_depth) {
        stream_fail(p, qga_strdup("JSON nesting depth limit exceeded"));
        return;
    }
    if (!p->parse_failed)
        parse_token(p, t);
    /* json-streamer.c: the message ends when nothing is open or a count went negative. */
    if (!((p->braces > 0 || p->brackets > 0) && p->braces >= 0 && p->brackets >= 0))
        p->ended = true;
}

QgaJson *qga_json_parse(const char *text, size_t len, const QgaJsonLimits *limits, QgaError **error)
{
    QgaJsonLexer lexer;
    Parser p = {
        .top = EXPECT_TOP,
        .max_depth = QGA_JSON_MAX_DEPTH_DEFAULT,
        .lexer = &lexer,
    };
    /* Vary the hash per call so colliding key sets cannot be prepared in advance. */
    p.seed = (uint64_t)(uintptr_t)&lexer * 0x9E3779B97F4A7C15ULL ^ (uint64_t)len;

    if (limits && limits->max_depth)
        p.max_depth = limits->max_depth > (size_t)LONG_MAX ? LONG_MAX : (long)limits->max_depth;

    qga_json_lexer_init(&lexer, 0, on_token, &p);
    qga_json_lexer_feed(&lexer, text, len);
    qga_json_lexer_flush(&lexer);
    qga_json_lexer_destroy(&lexer);

    if (!p.error && !p.ended)
        p.error = qga_strdup("JSON parse error, premature EOI");
    while (p.depth) {
        Frame *f = &p.frames[--p.depth];
        free(f->keys.slots);
        free(f->key);
        qga_json_free(f->v);
    }
    free(p.frames);
    if (p.error) {
        qga_json_free(p.result);
        qga_error_generic(error, "%s", p.error);
        free(p.error);
        return NULL;
    }
    return p.result;
}

/* The agent's JSON value model, parser (QEMU's dialect) and writer (qemu-ga's output format). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

typedef enum QgaJsonType {
    QGA_JSON_NULL,
    QGA_JSON_BOOL,
    QGA_JSON_INT,      /* exact 64-bit integer: int64, or uint64 above INT64_MAX (see is_unsigned) */
    QGA_JSON_NUMBER,   /* double: a number with fraction/exponent, or an integer beyond 64 bits */
    QGA_JSON_STRING,   /* UTF-8, explicit length. Parsed strings never hold a NUL byte: like QEMU, \u0000
                          decodes to modified UTF-8 C0 80 (written back as \u0000). Constructed strings
                          may hold any bytes; the writer makes them valid (NUL -> \u0000, bad UTF-8 -> \uFFFD). */
    QGA_JSON_ARRAY,
    QGA_JSON_OBJECT,   /* members kept in insertion order; keys unique */
} QgaJsonType;

typedef struct QgaJson QgaJson;

/* Limits applied by the parser. The framer enforces the same ones on the stream. */
typedef struct QgaJsonLimits {
    size_t max_depth;      /* open arrays + objects; qemu-ga: 1024; 0 = the default */
} QgaJsonLimits;

#define QGA_JSON_MAX_DEPTH_DEFAULT 1024

/*
 * Parse exactly one JSON text (surrounding whitespace allowed, nothing else).
 * QEMU's dialect: single-quoted strings and \' escapes accepted, duplicate
 * keys rejected, strings must be valid UTF-8, integers that fit int64/uint64
 * stay exact. On failure returns NULL and sets a GenericError whose desc is
 * qemu-ga's: "JSON parse error, <detail>", or the streamer's "JSON nesting
 * depth limit exceeded" / "JSON token size limit exceeded". As in qemu-ga a
 * lexical error ("stray '<bytes>'") or the depth limit wins over a grammar
 * error earlier in the same text. limits NULL = the defaults. Top-level
 * scalars are accepted (the dispatcher rejects non-objects). Text after a
 * complete value fails with "JSON parse error, unexpected data after the
 * JSON value" (qemu-ga would take it as the next message; the framer never
 * passes such a text); empty text fails with "JSON parse error, premature EOI".
 */
QgaJson *qga_json_parse(const char *text, size_t len, const QgaJsonLimits *limits, QgaError **error);

/* Constructors. Strings are copied; containers take ownership of added values. */
QgaJson *qga_json_null(void);
QgaJson *qga_json_bool(bool b);
QgaJson *qga_json_int(int64_t i);
QgaJson *qga_json_uint(uint64_t u);
QgaJson *qga_json_number(double d);
QgaJson *qga_json_string(const char *s);                 /* s must be NUL-terminated UTF-8 */
QgaJson *qga_json_string_len(const char *s, size_t len);  /* arbitrary bytes; writer fixes invalid UTF-8 */
QgaJson *qga_json_string_take(char *s, size_t len);       /* takes ownership of s (heap, NUL-terminated) */
QgaJson *qga_json_array(void);
QgaJson *qga_json_object(void);

void qga_json_array_append(QgaJson *array, QgaJson *value);
/* Replaces an existing member of the same key. */
void qga_json_object_set(QgaJson *object, const char *key, QgaJson *value);
/* Convenience setters for results. */
void qga_json_object_set_str(QgaJson *object, const char *key, const char *value);
void qga_json_object_set_int(QgaJson *object, const char *key, int64_t value);
void qga_json_object_set_uint(QgaJson *object, const char *key, uint64_t value);
void qga_json_object_set_bool(QgaJson *object, const char *key, bool value);
void qga_json_object_set_number(QgaJson *object, const char *key, double value);

QgaJson *qga_json_copy(const QgaJson *value);
void qga_json_free(QgaJson *value);
static inline void qga_json_freep(QgaJson **v) { qga_json_free(*v); }
#define _qga_cleanup_json_ __attribute__((cleanup(qga_json_freep)))

/* Accessors. Calling one on the wrong type is a programming error (asserts). */
QgaJsonType qga_json_type(const QgaJson *value);
const char *qga_json_type_name(QgaJsonType type); /* "null", "boolean", "integer", "number", "string", "array", "object" */
bool qga_json_get_bool(const QgaJson *value);
int64_t qga_json_get_int(const QgaJson *value);     /* INT: value as int64 (an unsigned one above INT64_MAX asserts) */
uint64_t qga_json_get_uint(const QgaJson *value);   /* INT: value as uint64 (a negative one asserts) */
bool qga_json_int_is_unsigned(const QgaJson *value); /* INT stored as uint64 > INT64_MAX */
double qga_json_get_number(const QgaJson *value);   /* NUMBER or INT, as double */
const char *qga_json_get_string(const QgaJson *value, size_t *ret_len);
size_t qga_json_array_length(const QgaJson *array);
QgaJson *qga_json_array_get(const QgaJson *array, size_t index);
size_t qga_json_object_size(const QgaJson *object);
/* NULL when absent. */
QgaJson *qga_json_object_get(const QgaJson *object, const char *key);
/* Iterate members in order: index < qga_json_object_size(). */
const char *qga_json_object_key_at(const QgaJson *object, size_t index);
QgaJson *qga_json_object_value_at(const QgaJson *object, size_t index);
/* Remove and return a member (caller owns it), NULL when absent. */
QgaJson *qga_json_object_take(QgaJson *object, const char *key);

/*
 * Serialize exactly as qemu-ga does: one line, separators ", " and ": ",
 * pure ASCII (everything >= 0x7F and every control char as \uXXXX, surrogate
 * pairs beyond the BMP, invalid UTF-8 as \uFFFD), doubles as %.17g,
 * integers as plain digits. Appends to out; no trailing newline.
 */
void qga_json_write(QgaBuf *out, const QgaJson *value);
/* Same, into a fresh NUL-terminated string. */
char *qga_json_to_string(const QgaJson *value);
/* Append one JSON string literal (quotes + escapes) for raw bytes; used by writers that stream. */
void qga_json_write_string(QgaBuf *out, const char *s, size_t len);

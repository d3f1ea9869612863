/* Private to the JSON codec: the value layout and QEMU's modified UTF-8 rules, shared by json.c and json-parser.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

typedef struct QgaJsonMember {
    char *key;
    QgaJson *value;
} QgaJsonMember;

struct QgaJson {
    QgaJsonType type;
    union {
        bool b;
        struct {
            uint64_t bits;      /* two's complement int64, or the uint64 itself */
            bool is_unsigned;   /* only ever true for values above INT64_MAX */
        } i;
        double d;
        struct {
            char *s;
            size_t len;
        } str;
        struct {
            QgaJson **items;
            size_t len, cap;
        } arr;
        struct {
            QgaJsonMember *members;
            size_t len, cap;
        } obj;
    } u;
};

#define QGA_JSON_NOT_FOUND ((size_t)-1)

/* Index of the member with this key, or QGA_JSON_NOT_FOUND (linear: request objects are small). */
size_t qga_json_object_find(const QgaJson *object, const char *key);
/* Append a member without looking for an existing key; takes key (heap) and value. */
void qga_json_object_append_owned(QgaJson *object, char *key, QgaJson *value);

/*
 * QEMU's strings are "modified UTF-8" (util/unicode.c): U+0000 travels as
 * C0 80, and a code point is valid only if it is in range, not a surrogate,
 * not one of the 66 noncharacters and not overlong. Both the parser (which
 * rejects invalid input) and the writer (which turns it into U+FFFD) decode
 * with exactly these rules, and consume the same number of bytes per invalid
 * sequence as QEMU so the count of U+FFFD matches byte for byte.
 */
static inline bool qga_codepoint_valid(uint32_t cp)
{
    if (cp > 0x10FFFF)
        return false;
    if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE)
        return false;
    return !(cp >= 0xD800 && cp <= 0xDFFF);
}

/* Decode one sequence of s[0..n) (n >= 1): the code point or -1; *consumed >= 1. */
static inline int32_t qga_mutf8_decode(const unsigned char *s, size_t n, size_t *consumed)
{
    static const uint32_t min_cp[5] = { 0x80, 0x800, 0x10000, 0x200000, 0x4000000 };
    unsigned byte = s[0];
    *consumed = 1;
    if (byte < 0x80)
        return (int32_t)byte;
    if (byte >= 0xFE || !(byte & 0x40))
        return -1;   /* impossible byte, or a continuation byte out of place */
    size_t len = 0;
    unsigned mask;
    for (mask = 0x80; byte & mask; mask >>= 1)
        len++;
    uint32_t cp = byte & (mask - 1);
    for (size_t i = 1; i < len; i++) {
        if (i >= n || (s[i] & 0xC0) != 0x80) {
            *consumed = i;
            return -1;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *consumed = len;
    if (!qga_codepoint_valid(cp))
        return -1;
    if (cp < min_cp[len - 2] && !(cp == 0 && len == 2))
        return -1;
    return (int32_t)cp;
}

/* Encode a valid code point; U+0000 as C0 80. Returns the byte count (1..4). */
static inline size_t qga_mutf8_encode(char *buf, uint32_t cp)
{
    if (cp > 0 && cp <= 0x7F) {
        buf[0] = (char)cp;
        return 1;
    }
    if (cp <= 0x7FF) {
        buf[0] = (char)(0xC0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp <= 0xFFFF) {
        buf[0] = (char)(0xE0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    buf[0] = (char)(0xF0 | (cp >> 18));
    buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

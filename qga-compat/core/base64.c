/* Base64 encoding and qemu-ga-compatible decoding. */
#include "base64.h"
#include "mem.h"

#include <stdint.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t qga_base64_encoded_len(size_t len) { return (len / 3 + (len % 3 != 0)) * 4; }

void qga_base64_encode_append(QgaBuf *out, const void *data, size_t len)
{
    const unsigned char *in = data;
    size_t n = qga_base64_encoded_len(len);
    qga_buf_reserve(out, n);
    char *o = out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = alphabet[(v >> 6) & 63];
        *o++ = alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = alphabet[(v >> 6) & 63];
        *o++ = '=';
    }
    out->len += n;
    out->data[out->len] = '\0';
}

/*
 * One table lookup per input byte (the decoder was 68% of guest-file-write's CPU when it tested
 * ranges per character): 0..63 a digit, PAD '=', NEWLINE '\n', BAD anything else.
 */
enum { PAD = 64, NEWLINE = 65, BAD = 0xFF };

#define D(c, v) [(unsigned char)(c)] = (v) + 1 /* stored +1 so that 0 means "not listed" */
static const unsigned char table_plus1[256] = {
    D('A', 0), D('B', 1), D('C', 2), D('D', 3), D('E', 4), D('F', 5), D('G', 6), D('H', 7),
    D('I', 8), D('J', 9), D('K', 10), D('L', 11), D('M', 12), D('N', 13), D('O', 14), D('P', 15),
    D('Q', 16), D('R', 17), D('S', 18), D('T', 19), D('U', 20), D('V', 21), D('W', 22), D('X', 23),
    D('Y', 24), D('Z', 25), D('a', 26), D('b', 27), D('c', 28), D('d', 29), D('e', 30), D('f', 31),
    D('g', 32), D('h', 33), D('i', 34), D('j', 35), D('k', 36), D('l', 37), D('m', 38), D('n', 39),
    D('o', 40), D('p', 41), D('q', 42), D('r', 43), D('s', 44), D('t', 45), D('u', 46), D('v', 47),
    D('w', 48), D('x', 49), D('y', 50), D('z', 51), D('0', 52), D('1', 53), D('2', 54), D('3', 55),
    D('4', 56), D('5', 57), D('6', 58), D('7', 59), D('8', 60), D('9', 61), D('+', 62), D('/', 63),
    D('=', PAD), D('\n', NEWLINE),
};
#undef D

static inline unsigned char classify(unsigned char c)
{
    unsigned char v = table_plus1[c];
    return v ? (unsigned char)(v - 1) : BAD;
}

int qga_base64_decode(const char *in, size_t in_len, char **ret_data, size_t *ret_len, QgaError **error)
{
    const unsigned char *p = (const unsigned char *)in;
    if (memchr(in, '\0', in_len)) {
        qga_error_generic(error, "Base64 data contains embedded NUL characters");
        return -1;
    }

    /*
     * qbase64_decode's whitelist is the alphabet, '=' and '\n' (not '\r', not spaces); then
     * g_base64_decode's rules: every digit ('=' counted as 0) shifts into a 24-bit group; a full
     * group yields 3 bytes, minus one for each of its last two digits that is '='. Newlines are
     * skipped; an unfinished group is dropped. One pass does both: any invalid byte fails the
     * whole input, wherever it is.
     */
    char *out = qga_malloc(in_len / 4 * 3 + 1);
    size_t o = 0, i = 0;
    uint32_t v = 0;
    unsigned count = 0;
    unsigned char prev = 0, last = 0;
    while (i < in_len) {
        /* Fast path: at a group boundary, four plain digits make three bytes. */
        if (count == 0) {
            while (i + 4 <= in_len) {
                unsigned char a = classify(p[i]), b = classify(p[i + 1]);
                unsigned char c = classify(p[i + 2]), d = classify(p[i + 3]);
                if ((a | b | c | d) & 0xC0)
                    break; /* '=', '\n' or a bad byte: the careful loop below decides */
                uint32_t g = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
                out[o++] = (char)(g >> 16);
                out[o++] = (char)(g >> 8);
                out[o++] = (char)g;
                prev = p[i + 2];
                last = p[i + 3];
                i += 4;
            }
            if (i >= in_len)
                break;
        }
        unsigned char d = classify(p[i]);
        if (d == BAD) {
            free(out);
            qga_error_generic(error, "Base64 data contains invalid characters");
            return -1;
        }
        i++;
        if (d == NEWLINE)
            continue;
        prev = last;
        last = p[i - 1];
        v = (v << 6) | (d == PAD ? 0 : d);
        if (++count == 4) {
            out[o++] = (char)(v >> 16);
            if (prev != '=')
                out[o++] = (char)(v >> 8);
            if (last != '=')
                out[o++] = (char)v;
            count = 0;
            v = 0;
        }
    }
    out[o] = '\0';
    *ret_data = out;
    *ret_len = o;
    return 0;
}

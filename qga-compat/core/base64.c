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

/* Digit value of c: 0..63, '=' counts as 0 (as in glib), 0xFF = not a digit. */
static unsigned char digit_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return (unsigned char)(c - 'A');
    if (c >= 'a' && c <= 'z')
        return (unsigned char)(c - 'a' + 26);
    if (c >= '0' && c <= '9')
        return (unsigned char)(c - '0' + 52);
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    if (c == '=')
        return 0;
    return 0xFF;
}

int qga_base64_decode(const char *in, size_t in_len, char **ret_data, size_t *ret_len, QgaError **error)
{
    const unsigned char *p = (const unsigned char *)in;
    if (memchr(in, '\0', in_len)) {
        qga_error_generic(error, "Base64 data contains embedded NUL characters");
        return -1;
    }
    /* qbase64_decode's whitelist: the alphabet, '=' and '\n' (not '\r', not spaces). */
    for (size_t i = 0; i < in_len; i++) {
        if (digit_value(p[i]) == 0xFF && p[i] != '\n') {
            qga_error_generic(error, "Base64 data contains invalid characters");
            return -1;
        }
    }

    /*
     * g_base64_decode: every digit ('=' included) shifts into a 24-bit group;
     * a full group yields 3 bytes, minus one for each of its last two digits
     * that is '='. Newlines are skipped; an unfinished group is dropped.
     */
    char *out = qga_malloc(in_len / 4 * 3 + 1);
    size_t o = 0;
    uint32_t v = 0;
    unsigned count = 0;
    unsigned char prev = 0, last = 0;
    for (size_t i = 0; i < in_len; i++) {
        unsigned char d = digit_value(p[i]);
        if (d == 0xFF)
            continue;
        prev = last;
        last = p[i];
        v = (v << 6) | d;
        if (++count == 4) {
            out[o++] = (char)(v >> 16);
            if (prev != '=')
                out[o++] = (char)(v >> 8);
            if (last != '=')
                out[o++] = (char)v;
            count = 0;
        }
    }
    out[o] = '\0';
    *ret_data = out;
    *ret_len = o;
    return 0;
}

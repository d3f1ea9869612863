/* Base64 as qemu-ga speaks it: glib's encoder output and qbase64_decode's acceptance rules. */
#pragma once

#include <stddef.h>

#include "buf.h"
#include "error.h"

/* Length of the encoding of len bytes (padded, no line breaks), without a NUL. */
size_t qga_base64_encoded_len(size_t len);

/*
 * Append the standard base64 encoding (RFC 4648 alphabet, '=' padding, no
 * line breaks: what g_base64_encode gives qemu-ga for guest-file-read and
 * guest-exec-status) of data to out. Reserves once; no per-byte growth.
 */
void qga_base64_encode_append(QgaBuf *out, const void *data, size_t len);

/*
 * Decode as qemu-ga does (util/base64.c qbase64_decode, then g_base64_decode):
 * a NUL byte anywhere in in[0..in_len) fails with "Base64 data contains
 * embedded NUL characters"; any byte outside A-Z a-z 0-9 + / = and '\n'
 * fails with "Base64 data contains invalid characters". Otherwise glib's
 * lenient decoding applies: '\n' is skipped, '=' counts as a zero digit that
 * shortens its group's output, and a trailing incomplete group is dropped.
 * On success *ret_data is a heap buffer with *ret_len bytes plus a NUL.
 */
int qga_base64_decode(const char *in, size_t in_len, char **ret_data, size_t *ret_len, QgaError **error);

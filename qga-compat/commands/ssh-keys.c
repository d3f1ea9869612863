/* authorized_keys content handling shared by the three guest-ssh-* commands (no OS calls). */
#include "ssh-keys.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

static void lines_push(QgaKeyLines *lines, const char *text, size_t len)
{
    /* Grow by doubling from 8: the array size is a power of two whenever it is full. */
    if (lines->n == 0 || (lines->n >= 8 && (lines->n & (lines->n - 1)) == 0))
        lines->lines = qga_realloc(lines->lines, (lines->n < 8 ? 8 : lines->n * 2) * sizeof(*lines->lines));
    lines->lines[lines->n].text = qga_strndup(text, len);
    lines->lines[lines->n].len = len;
    lines->n++;
}

void qga_ssh_lines_parse(const char *data, size_t len, QgaKeyLines *ret)
{
    QgaKeyLines lines = { 0 };
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            lines_push(&lines, data + start, i - start);
            start = i + 1;
        }
    }
    if (start < len)
        lines_push(&lines, data + start, len - start);
    *ret = lines;
}

void qga_ssh_lines_clear(QgaKeyLines *lines)
{
    for (size_t i = 0; i < lines->n; i++)
        free(lines->lines[i].text);
    free(lines->lines);
    *lines = (QgaKeyLines){ 0 };
}

int qga_ssh_check_keys(const QgaJson *keys, QgaError **error)
{
    /* qemu-ga's whole check: a key must not be a comment nor span lines (it would inject
     * another line, e.g. a second key with options, into the file). */
    for (size_t i = 0; i < qga_json_array_length(keys); i++) {
        size_t len = 0;
        const char *key = qga_json_get_string(qga_json_array_get(keys, i), &len);
        if (key[0] == '#' || memchr(key, '\n', len)) {
            qga_error_generic(error, "invalid OpenSSH public key: '%s'", key);
            return -1;
        }
    }
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

QgaJson *qga_ssh_lines_keys(const QgaKeyLines *lines)
{
    QgaJson *keys = qga_json_array();
    for (size_t i = 0; i < lines->n; i++) {
        const char *s = lines->lines[i].text;
        size_t len = lines->lines[i].len;
        while (len > 0 && is_blank(*s)) {
            s++;
            len--;
        }
        while (len > 0 && is_blank(s[len - 1]))
            len--;
        if (len == 0 || s[0] == '#')
            continue;
        /* Bytes from a file: the writer turns invalid UTF-8 into U+FFFD. (qemu-ga lists the keys
         * in reverse file order, an artefact of prepending; file order is kept here.) */
        qga_json_array_append(keys, qga_json_string_len(s, len));
    }
    return keys;
}

static bool line_equals(const QgaKeyLine *line, const char *key, size_t key_len)
{
    size_t len = line->len;
    if (len > 0 && line->text[len - 1] == '\r')
        len--;
    return len == key_len && memcmp(line->text, key, len) == 0;
}

void qga_ssh_lines_add(QgaKeyLines *lines, const char *key)
{
    size_t key_len = strlen(key);
    for (size_t i = 0; i < lines->n; i++)
        if (line_equals(&lines->lines[i], key, key_len))
            return;
    lines_push(lines, key, key_len);
}

size_t qga_ssh_lines_remove(QgaKeyLines *lines, const char *key)
{
    size_t key_len = strlen(key), kept = 0, removed = 0;
    for (size_t i = 0; i < lines->n; i++) {
        if (line_equals(&lines->lines[i], key, key_len)) {
            free(lines->lines[i].text);
            removed++;
        } else {
            lines->lines[kept++] = lines->lines[i];
        }
    }
    lines->n = kept;
    return removed;
}

char *qga_ssh_lines_join(const QgaKeyLines *lines, size_t *ret_len)
{
    /* Every line ends in '\n' (qemu-ga leaves the last one open, so a later "cat >>" glued two
     * keys together); an empty list is an empty file, as qemu-ga's reset with no keys. */
    QgaBuf out = QGA_BUF_INIT;
    for (size_t i = 0; i < lines->n; i++) {
        qga_buf_append(&out, lines->lines[i].text, lines->lines[i].len);
        qga_buf_append_byte(&out, '\n');
    }
    return qga_buf_steal(&out, ret_len);
}

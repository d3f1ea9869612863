/* The content of an authorized_keys file as lines: parsing, editing and writing back (portable, unit-tested). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/json.h"

/* One line without its '\n' (bytes as in the file: may hold '\r' or even NUL). */
typedef struct QgaKeyLine {
    char *text;
    size_t len;
} QgaKeyLine;

typedef struct QgaKeyLines {
    QgaKeyLine *lines;
    size_t n;
} QgaKeyLines;

/* Split on '\n'; the empty piece after a final '\n' is not a line. */
void qga_ssh_lines_parse(const char *data, size_t len, QgaKeyLines *ret);
void qga_ssh_lines_clear(QgaKeyLines *lines);

/* qemu-ga's sanity check of every key before anything is touched: "invalid OpenSSH public key: '<key>'". */
int qga_ssh_check_keys(const QgaJson *keys, QgaError **error);

/* The keys of the file for guest-ssh-get-authorized-keys: each line stripped of blanks at both
 * ends, empty lines and '#' comments skipped, in file order. A JSON array of strings. */
QgaJson *qga_ssh_lines_keys(const QgaKeyLines *lines);

/* Append key unless a line already equals it (a line's trailing '\r' is ignored: CRLF files). */
void qga_ssh_lines_add(QgaKeyLines *lines, const char *key);
/* Remove every line equal to key (same comparison); returns how many were removed. */
size_t qga_ssh_lines_remove(QgaKeyLines *lines, const char *key);

/* The file's new content: each line followed by '\n' (nothing at all for no lines). */
char *qga_ssh_lines_join(const QgaKeyLines *lines, size_t *ret_len);

/* Splitting /proc and /sys text into lines and fields for the system-information parsers (os/posix/fileio.h reads the files). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bigger than any /proc file these commands read on a sane guest (a full BGP table is ~100 bytes a route). */
#define QGA_PROCFILE_MAX ((size_t)64 << 20)

/* Split text into lines: returns the line starting at *pos (without its '\n') and advances *pos. NULL at the end. */
const char *qga_procfile_next_line(const char *text, size_t len, size_t *pos, size_t *ret_line_len);

/*
 * Split a line into at most max whitespace-separated fields (start and length each).
 * Returns the number of fields found, max + 1 when there are more than max.
 */
size_t qga_procfile_fields(const char *line, size_t len, const char **starts, size_t *lens, size_t max);

/* Strict unsigned parsing of a whole field: false on empty, stray characters or overflow. */
bool qga_procfile_parse_u64(const char *s, size_t len, unsigned base, uint64_t *ret);

/* Splitting /proc and /sys text into lines and fields, for the sysinfo parsers. */
#include "procfile.h"

#include <string.h>

const char *qga_procfile_next_line(const char *text, size_t len, size_t *pos, size_t *ret_line_len)
{
    if (*pos >= len)
        return NULL;
    const char *line = text + *pos;
    const char *nl = memchr(line, '\n', len - *pos);
    size_t line_len = nl ? (size_t)(nl - line) : len - *pos;
    *pos += line_len + (nl ? 1 : 0);
    *ret_line_len = line_len;
    return line;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

size_t qga_procfile_fields(const char *line, size_t len, const char **starts, size_t *lens, size_t max)
{
    size_t n = 0, i = 0;
    for (;;) {
        while (i < len && is_space(line[i]))
            i++;
        if (i >= len)
            return n;
        if (n == max)
            return max + 1;
        size_t start = i;
        while (i < len && !is_space(line[i]))
            i++;
        starts[n] = line + start;
        lens[n] = i - start;
        n++;
    }
}

bool qga_procfile_parse_u64(const char *s, size_t len, unsigned base, uint64_t *ret)
{
    if (len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        if (d >= base)
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *ret = v;
    return true;
}

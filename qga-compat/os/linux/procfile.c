/* Reading whole /proc and /sys files and splitting them into lines and fields, for the sysinfo parsers. */
#include "procfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"

int qga_procfile_read(const char *path, size_t max, char **ret_data, size_t *ret_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    /* /proc files report st_size 0: read until EOF, in one pass so the snapshot is as
     * consistent as the kernel makes it (seq_file files are generated per read call). */
    QgaBuf buf = QGA_BUF_INIT;
    int err = 0;
    for (;;) {
        qga_buf_reserve(&buf, 65536);
        ssize_t n = read(fd, buf.data + buf.len, buf.cap - buf.len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            break;
        }
        if (n == 0)
            break;
        buf.len += (size_t)n;
        buf.data[buf.len] = '\0';
        if (buf.len > max) {
            err = EFBIG;
            break;
        }
    }
    close(fd);
    if (err) {
        qga_buf_free(&buf);
        return err;
    }
    *ret_data = qga_buf_steal(&buf, ret_len);
    return 0;
}

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

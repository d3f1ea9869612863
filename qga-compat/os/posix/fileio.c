/* Reading a whole file with a size cap: the one reader of the POSIX and Linux code. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/buf.h"

/* One read takes up to this much: a seq_file (/proc/self/mountinfo, /proc/net/route) is
 * generated per read call, so fewer, larger reads give a more consistent snapshot. */
#define READ_CHUNK ((size_t)64 << 10)

int qga_read_full_file(const char *path, size_t max, char **ret_data, size_t *ret_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    QgaBuf buf = QGA_BUF_INIT;
    int rc = 0;
    for (;;) {
        /* Up to one byte past max: that byte tells a file of exactly max bytes from a longer one. */
        size_t want = max + 1 - buf.len;
        if (want > READ_CHUNK)
            want = READ_CHUNK;
        qga_buf_reserve(&buf, want);
        ssize_t n = read(fd, buf.data + buf.len, want);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        if (n == 0)
            break;
        buf.len += (size_t)n;
        buf.data[buf.len] = '\0';
        if (buf.len > max) {
            rc = -EFBIG;
            break;
        }
    }
    close(fd);
    if (rc < 0) {
        qga_buf_free(&buf);
        return rc;
    }
    *ret_data = qga_buf_steal(&buf, ret_len);
    return 0;
}

/* Linux mount table (for fsfreeze and fstrim) and the fsfreeze hook; the ioctls themselves are in fs-privileged.c. */
#define _GNU_SOURCE /* O_CLOEXEC */
#include "mountinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "os/posix/spawn.h"

/* /proc/self/mountinfo of a machine with thousands of mounts stays far below this. */
#define MOUNTINFO_MAX ((size_t)64 << 20)

int qga_os_mount_list(QgaMountList *ret, QgaError **error)
{
    const char *path = qga_os_mountinfo_path();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        qga_error_set_os(error, errno, "failed to open mount table '%s'", path);
        return -1;
    }
    QgaBuf text = QGA_BUF_INIT;
    char chunk[16384];
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            qga_error_set_os(error, errno, "failed to read mount table '%s'", path);
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        if (text.len + (size_t)n > MOUNTINFO_MAX) {
            qga_error_generic(error, "mount table '%s' is larger than %zu bytes", path, MOUNTINFO_MAX);
            rc = -1;
            break;
        }
        qga_buf_append(&text, chunk, (size_t)n);
    }
    close(fd);
    if (rc == 0)
        qga_posix_mountinfo_parse(text.data ? text.data : "", text.len, ret);
    qga_buf_free(&text);
    return rc;
}

int qga_os_run_fsfreeze_hook(const char *hook, const char *arg, QgaError **error)
{
    /* qemu-ga: the hook with one argument, output captured for the error, no shell. */
    const char *const argv[] = { hook, arg, NULL };
    return qga_spawn_run(argv, "execute fsfreeze hook", error);
}

/* The privileged filesystem primitives on Linux: FIFREEZE, FITHAW, FITRIM (replaced by tests/seams/record-actions.c in tests). */
#define _GNU_SOURCE /* O_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "os/fsfreeze.h"
#include "os/fstrim.h"
#include "core/mem.h"

const char *qga_os_mountinfo_path(void)
{
    return "/proc/self/mountinfo";
}

int qga_os_fsfreeze_one(const char *dir, bool *ret_frozen, QgaError **error)
{
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        qga_error_set_os(error, errno, "failed to open %s", dir);
        return -1;
    }
    /*
     * qemu-ga's rules: EOPNOTSUPP is a filesystem that cannot freeze (not counted, not an
     * error); EBUSY is one already frozen, i.e. a second mount of the same filesystem. Any
     * other error fails the whole freeze, and the caller thaws what it froze.
     */
    int rc = 0;
    *ret_frozen = false;
    if (ioctl(fd, FIFREEZE) == 0) {
        *ret_frozen = true;
    } else if (errno != EOPNOTSUPP && errno != EBUSY) {
        qga_error_set_os(error, errno, "failed to freeze %s", dir);
        rc = -1;
    }
    close(fd);
    return rc;
}

bool qga_os_fsthaw_one(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    /* Nested freezes need as many thaws; stop at the first error (EINVAL: not frozen). Only
     * "thawed at least once" is knowable, and that is what qemu-ga counts. */
    bool thawed = false;
    while (ioctl(fd, FITHAW) == 0)
        thawed = true;
    close(fd);
    return thawed;
}

void qga_os_fstrim_one(const char *path, bool has_minimum, int64_t minimum, QgaTrimResult *result)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        result->error = qga_strdup_printf("failed to open: %s", strerror(errno));
        return;
    }
    struct fstrim_range r = { .start = 0, .len = (__u64)-1, .minlen = has_minimum ? (__u64)minimum : 0 };
    if (ioctl(fd, FITRIM, &r) < 0) {
        /* EOPNOTSUPP from filesystems without discard, ENOTTY from e.g. a CD-ROM (qemu-ga). */
        if (errno == ENOTTY || errno == EOPNOTSUPP)
            result->error = qga_strdup("trim not supported");
        else
            result->error = qga_strdup_printf("failed to trim: %s", strerror(errno));
    } else {
        result->has_minimum = true;
        result->minimum = r.minlen;
        result->has_trimmed = true;
        result->trimmed = r.len;
    }
    close(fd);
}

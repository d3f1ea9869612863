/* The privileged hotplug primitive: writes a CPU's or memory block's sysfs control file (guest-set-vcpus, -memory-blocks). */
#include "os/hotplug.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int qga_os_sysfs_write(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    /* One write from offset 0: sysfs stores take the whole value in a single call, and the
     * kernel's answer to it (EBUSY for a CPU it cannot take down, ...) is the outcome. */
    size_t len = strlen(value);
    ssize_t n = pwrite(fd, value, len, 0);
    int err = n < 0 ? errno : ((size_t)n != len ? EIO : 0);
    close(fd);
    return err;
}

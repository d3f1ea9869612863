/* Linux mount table (for fsfreeze and fstrim) and the fsfreeze hook; the ioctls themselves are in fs-privileged.c. */
#include "mountinfo.h"

#include <errno.h>

#include "core/mem.h"
#include "os/posix/fileio.h"
#include "os/posix/spawn.h"

/* /proc/self/mountinfo of a machine with thousands of mounts stays far below this. */
#define MOUNTINFO_MAX ((size_t)64 << 20)

int qga_os_mount_list(QgaMountList *ret, QgaError **error)
{
    const char *path = qga_os_mountinfo_path();
    _qga_cleanup_free_ char *text = NULL;
    size_t len;
    int rc = qga_read_full_file(path, MOUNTINFO_MAX, &text, &len);
    if (rc == -EFBIG) {
        qga_error_generic(error, "mount table '%s' is larger than %zu bytes", path, MOUNTINFO_MAX);
        return -1;
    }
    if (rc < 0) {
        qga_error_set_os(error, -rc, "failed to open mount table '%s'", path);
        return -1;
    }
    qga_posix_mountinfo_parse(text, len, ret);
    return 0;
}

int qga_os_run_fsfreeze_hook(const char *hook, const char *arg, QgaError **error)
{
    /* qemu-ga: the hook with one argument, output captured for the error, no shell. */
    const char *const argv[] = { hook, arg, NULL };
    return qga_spawn_run(argv, "execute fsfreeze hook", error);
}

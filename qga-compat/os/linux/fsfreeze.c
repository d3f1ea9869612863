/* Linux fsfreeze: the mount table it walks (mountinfo.c) and the hook; the ioctls themselves are in fs-privileged.c. */
#include "os/fsfreeze.h"

#include "mountinfo.h"
#include "os/posix/spawn.h"

int qga_os_mount_list(QgaMountList *ret, QgaError **error)
{
    return qga_linux_mount_list(qga_os_mountinfo_path(), ret, error);
}

int qga_os_run_fsfreeze_hook(const char *hook, const char *arg, QgaError **error)
{
    /* qemu-ga: the hook with one argument, output captured for the error, no shell. */
    const char *const argv[] = { hook, arg, NULL };
    return qga_spawn_run(argv, "execute fsfreeze hook", error);
}

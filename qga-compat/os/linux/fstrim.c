/* Linux guest-fstrim targets: the mounted local filesystems, as for fsfreeze. */
#include "os/fstrim.h"

#include "os/fsfreeze.h"
#include "core/mem.h"

int qga_os_fstrim_paths(char ***ret_paths, size_t *ret_n, QgaError **error)
{
    QgaMountList mounts = { 0 };
    if (qga_os_mount_list(&mounts, error) < 0)
        return -1;
    /* qemu-ga builds its reply by prepending while walking the table: last mount first. */
    char **paths = qga_calloc(mounts.n ? mounts.n : 1, sizeof(*paths));
    for (size_t i = 0; i < mounts.n; i++)
        paths[i] = qga_strdup(mounts.items[mounts.n - 1 - i].dir);
    *ret_n = mounts.n;
    *ret_paths = paths;
    qga_mount_list_clear(&mounts);
    return 0;
}

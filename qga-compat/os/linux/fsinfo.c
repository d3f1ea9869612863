/* Linux guest-get-fsinfo: the mount table, statvfs and the sysfs walk to each disk. */
#include "storage-linux.h"

#include <sys/statvfs.h>

#include "core/mem.h"
#include "mountinfo.h"

int qga_linux_get_fsinfo(const QgaLinuxRoots *roots, QgaFsInfo **ret, size_t *ret_n,
                         QgaError **error)
{
    QgaMountList mounts = { 0 };
    if (qga_linux_mount_list(roots->mountinfo, &mounts, error) < 0)
        return -1;

    /* qemu-ga builds its list by prepending, so it answers in reverse mount order (and libvirt
     * reverses it back): keep that order. */
    QgaFsInfo *list = NULL;
    size_t n = 0;
    for (size_t k = mounts.n; k-- > 0;) {
        QgaMount *m = &mounts.items[k];
        /* A device listed earlier in the table is a bind mount (or a second mount) of the same
         * filesystem: only its first mount point is reported. */
        bool first = true;
        for (size_t i = 0; first && i < k; i++)
            first = !(mounts.items[i].major == m->major && mounts.items[i].minor == m->minor);
        if (!first)
            continue;
        QgaFsInfo *fs = qga_array_push(&list, &n, sizeof(QgaFsInfo));
        fs->mountpoint = qga_steal_pointer(&m->dir);
        fs->type = qga_steal_pointer(&m->type);
        _qga_cleanup_free_ char *devpath =
            qga_strdup_printf("%s/dev/block/%u:%u", roots->sysfs, m->major, m->minor);
        qga_linux_collect_disks(roots, devpath, &fs->name, &fs->disks, &fs->n_disks);

        /* used = blocks - free; total = used + available (what an unprivileged user can
         * fill, as df shows); total-bytes-privileged = all blocks (qemu-ga 9.1). */
        struct statvfs st;
        if (statvfs(fs->mountpoint, &st) == 0 && st.f_blocks >= st.f_bfree) {
            uint64_t frsize = st.f_frsize ? st.f_frsize : st.f_bsize;
            uint64_t used = (uint64_t)(st.f_blocks - st.f_bfree);
            fs->has_sizes = true;
            fs->used_bytes = used * frsize;
            fs->total_bytes = (used + (uint64_t)st.f_bavail) * frsize;
            fs->has_total_privileged = true;
            fs->total_bytes_privileged = (uint64_t)st.f_blocks * frsize;
        }
    }
    qga_mount_list_clear(&mounts);
    *ret = list;
    *ret_n = n;
    return 0;
}

int qga_os_get_fsinfo(QgaFsInfo **ret, size_t *ret_n, QgaError **error)
{
    return qga_linux_get_fsinfo(qga_linux_default_roots(), ret, ret_n, error);
}

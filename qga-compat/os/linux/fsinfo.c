/* Linux guest-get-fsinfo: /proc/self/mountinfo, statvfs and the sysfs walk to each disk. */
#include "storage-linux.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "core/mem.h"
#include "os/posix/fileio.h"

/* mountinfo lines are short; a longer one is not the kernel's and is skipped. */
#define MAX_MOUNTINFO_BYTES (64u << 20)

static bool is_octal(char c, char max)
{
    return c >= '0' && c <= max;
}

void qga_linux_unescape_mount(char *s)
{
    /* The kernel writes ' ', '\t', '\n' and '\\' in mount fields as \040, \011, \012, \134. */
    char *out = s;
    for (const char *in = s; *in;) {
        if (in[0] == '\\' && in[1] == '\\') {
            *out++ = '\\';
            in += 2;
        } else if (in[0] == '\\' && is_octal(in[1], '3') && is_octal(in[2], '7') && is_octal(in[3], '7') &&
                   (in[1] != '0' || in[2] != '0' || in[3] != '0')) {
            /* \000 would cut the string short: it is kept as the literal text. */
            *out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
            in += 4;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
}

void qga_mount_entry_clear(QgaMountEntry *m)
{
    free(m->mountpoint);
    free(m->fstype);
    free(m->source);
    *m = (QgaMountEntry){ 0 };
}

/* Next space-separated field of *p (NULL when none); advances *p. */
static char *next_field(char **p)
{
    char *s = *p;
    while (*s == ' ')
        s++;
    if (!*s)
        return NULL;
    char *end = s + strcspn(s, " ");
    if (*end)
        *end++ = '\0';
    *p = end;
    return s;
}

static bool parse_uint(const char *s, unsigned *ret)
{
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
        return false;
    *ret = (unsigned)strtoul(s, NULL, 10);
    return true;
}

int qga_linux_parse_mountinfo_line(const char *line, QgaMountEntry *ret)
{
    /* "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue":
     * id, parent, major:minor, root, mount point, options, optional fields up to "-", then
     * fs type, source, super options (proc(5)). */
    _qga_cleanup_free_ char *copy = qga_strdup(line);
    copy[strcspn(copy, "\n")] = '\0';
    char *p = copy;
    char *id = next_field(&p), *parent = next_field(&p), *devno = next_field(&p);
    char *root = next_field(&p), *mountpoint = next_field(&p), *options = next_field(&p);
    if (!id || !parent || !devno || !root || !mountpoint || !options)
        return -1;
    char *f;
    while ((f = next_field(&p)) && strcmp(f, "-") != 0)
        ;
    if (!f)
        return -1;
    char *fstype = next_field(&p), *source = next_field(&p);
    if (!fstype)
        return -1;

    char *colon = strchr(devno, ':');
    unsigned major, minor;
    if (!colon)
        return -1;
    *colon = '\0';
    if (!parse_uint(devno, &major) || !parse_uint(colon + 1, &minor))
        return -1;

    QgaMountEntry m = { .major = major, .minor = minor };
    m.mountpoint = qga_strdup(mountpoint);
    m.fstype = qga_strdup(fstype);
    m.source = qga_strdup(source ? source : "");
    qga_linux_unescape_mount(m.mountpoint);
    qga_linux_unescape_mount(m.fstype);
    qga_linux_unescape_mount(m.source);
    *ret = m;
    return 0;
}

/* The block device behind a btrfs source (btrfs reports an anonymous major 0 in mountinfo). */
static bool btrfs_device(const char *source, unsigned *major, unsigned *minor)
{
    struct stat st;
    if (source[0] != '/' || stat(source, &st) < 0 || !S_ISBLK(st.st_mode))
        return false;
    *major = major(st.st_rdev);
    *minor = minor(st.st_rdev);
    return true;
}

int qga_linux_mount_list(const QgaLinuxRoots *roots, QgaMountEntry **ret, size_t *ret_n, QgaError **error)
{
    _qga_cleanup_free_ char *text = NULL;
    size_t len;
    int rc = qga_read_full_file(roots->mountinfo, MAX_MOUNTINFO_BYTES, &text, &len);
    if (rc < 0) {
        qga_error_set_os(error, -rc, "failed to open mtab file: '%s'", roots->mountinfo);
        return -1;
    }
    QgaMountEntry *list = NULL;
    size_t n = 0;
    for (char *line = text; line && *line;) {
        char *eol = strchr(line, '\n');
        if (eol)
            *eol = '\0';
        QgaMountEntry m;
        if (qga_linux_parse_mountinfo_line(line, &m) == 0) {
            bool keep = m.major != 0 || (strcmp(m.fstype, "btrfs") == 0 && btrfs_device(m.source, &m.major, &m.minor));
            /* A device already listed is a bind mount (or a second mount) of the same filesystem:
             * qemu-ga reports its first mount point only. */
            for (size_t i = 0; keep && i < n; i++)
                keep = !(list[i].major == m.major && list[i].minor == m.minor);
            if (keep)
                *(QgaMountEntry *)qga_array_push(&list, &n, sizeof(QgaMountEntry)) = m;
            else
                qga_mount_entry_clear(&m);
        }
        line = eol ? eol + 1 : NULL;
    }
    *ret = list;
    *ret_n = n;
    return 0;
}

int qga_linux_get_fsinfo(const QgaLinuxRoots *roots, QgaFsInfo **ret, size_t *ret_n, QgaError **error)
{
    QgaMountEntry *mounts = NULL;
    size_t n_mounts = 0;
    if (qga_linux_mount_list(roots, &mounts, &n_mounts, error) < 0)
        return -1;

    /* qemu-ga builds its list by prepending, so it answers in reverse mount order (and libvirt
     * reverses it back): keep that order. */
    QgaFsInfo *list = NULL;
    size_t n = 0;
    for (size_t k = n_mounts; k-- > 0;) {
        QgaMountEntry *m = &mounts[k];
        QgaFsInfo *fs = qga_array_push(&list, &n, sizeof(QgaFsInfo));
        fs->mountpoint = qga_steal_pointer(&m->mountpoint);
        fs->type = qga_steal_pointer(&m->fstype);
        _qga_cleanup_free_ char *devpath = qga_strdup_printf("%s/dev/block/%u:%u", roots->sysfs, m->major, m->minor);
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
        qga_mount_entry_clear(m);
    }
    free(mounts);
    *ret = list;
    *ret_n = n;
    return 0;
}

int qga_os_get_fsinfo(QgaFsInfo **ret, size_t *ret_n, QgaError **error)
{
    return qga_linux_get_fsinfo(qga_linux_default_roots(), ret, ret_n, error);
}

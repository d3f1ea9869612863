/* Linux guest-get-disks: the /sys/block walk with partitions, dependencies, aliases and NVMe SMART. */
#define _GNU_SOURCE /* strverscmp */
#include "storage-linux.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "os/posix/fileio.h"

/* More block devices than this is not a guest we can describe in one reply anyway. */
#define MAX_ENTRIES 65536

#define NVME_ADMIN_GET_LOG_PAGE 0x02
#define NVME_LOG_SMART 0x02
#define NVME_NSID_ALL 0xffffffffu

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

void qga_nvme_smart_decode(const uint8_t log[512], QgaNvmeSmart *ret)
{
    /* NVMe base specification, SMART / Health Information (log identifier 02h): byte 0 critical
     * warning, 1-2 composite temperature (K), 3 available spare, 4 its threshold, 5 percentage
     * used, then from byte 32 ten 16-byte counters. */
    *ret = (QgaNvmeSmart){ 0 };
    ret->critical_warning = log[0];
    ret->temperature = (int64_t)(log[1] | (log[2] << 8));
    ret->available_spare = log[3];
    ret->available_spare_threshold = log[4];
    ret->percentage_used = log[5];
    for (size_t i = 0; i < 10; i++) {
        ret->counters[i][0] = le64(log + 32 + 16 * i);
        ret->counters[i][1] = le64(log + 32 + 16 * i + 8);
    }
}

/* The SMART log of an NVMe namespace's controller, through the admin passthrough ioctl. */
static QgaNvmeSmart *nvme_smart(const char *devnode)
{
    int fd = open(devnode, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    uint8_t log[512] = { 0 };
    struct nvme_admin_cmd cmd = {
        .opcode = NVME_ADMIN_GET_LOG_PAGE,
        .nsid = NVME_NSID_ALL,
        .addr = (uint64_t)(uintptr_t)log,
        .data_len = sizeof(log),
        /* log id, "retain asynchronous event" bit, number of dwords - 1 */
        .cdw10 = NVME_LOG_SMART | (1u << 15) | ((uint32_t)(sizeof(log) / 4 - 1) << 16),
    };
    int r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
    close(fd);
    if (r != 0)
        return NULL;
    QgaNvmeSmart *smart = qga_malloc(sizeof(*smart));
    qga_nvme_smart_decode(log, smart);
    return smart;
}

static int compare_names(const void *a, const void *b)
{
    /* vda2 before vda10 */
    return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entry names of a directory (without "." entries); NULL when it cannot be opened. */
static char **list_dir(const char *path, size_t *ret_n)
{
    DIR *d = opendir(path);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while (n < MAX_ENTRIES && (e = readdir(d))) {
        if (e->d_name[0] != '.')
            *(char **)qga_array_push(&names, &n, sizeof(char *)) = qga_strdup(e->d_name);
    }
    closedir(d);
    if (!names)
        names = qga_calloc(1, sizeof(char *));
    qsort(names, n, sizeof(char *), compare_names);
    *ret_n = n;
    return names;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static void add_dependency(QgaDiskInfo *disk, char *dev)
{
    *(char **)qga_array_push(&disk->dependencies, &disk->n_dependencies, sizeof(char *)) = dev;
}

/* udev's DM_NAME (qemu-ga's alias), else the same name from sysfs's dm/name. */
static char *dm_alias(const QgaLinuxRoots *roots, const char *sysdir)
{
    char *alias = qga_linux_udev_property(roots, sysdir, "DM_NAME");
    return alias ? alias : qga_linux_read_attr(sysdir, "dm/name");
}

/* "<disk>N" or "<disk>pN": qemu-ga's test for a partition directory below a disk. */
static bool is_partition_name(const char *disk, const char *entry)
{
    size_t len = strlen(disk);
    if (strncmp(entry, disk, len) != 0)
        return false;
    const char *rest = entry + len;
    if (*rest == 'p')
        rest++;
    return isdigit((unsigned char)*rest);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void add_disk(const QgaLinuxRoots *roots, const char *entry, QgaDiskInfo **list, size_t *n)
{
    _qga_cleanup_free_ char *dir = qga_strdup_printf("%s/block/%s", roots->sysfs, entry);

    /* Zero-sized devices (empty loop devices, ejected drives) are skipped, as qemu-ga does. */
    _qga_cleanup_free_ char *sizefile = qga_strdup_printf("%s/size", dir);
    _qga_cleanup_free_ char *size = NULL;
    size_t len;
    if (qga_read_full_file(sizefile, 64, &size, &len) < 0 || strcmp(size, "0\n") == 0 ||
        strcmp(size, "0") == 0)
        return;

    char *devnode = qga_linux_devnode(roots, dir);
    if (!devnode)
        return;

    QgaDiskInfo *disk = qga_array_push(list, n, sizeof(QgaDiskInfo));
    disk->name = devnode;
    disk->partition = false;
    disk->alias = dm_alias(roots, dir);

    _qga_cleanup_free_ char *syspath = realpath(dir, NULL);
    if (syspath && !qga_linux_is_virtual(syspath)) {
        QgaDiskAddress *addr = qga_malloc(sizeof(*addr));
        qga_linux_device_address(roots, syspath, addr);
        disk->address = addr;
    }

    /* Dependencies: the device nodes of the slaves (dm/md members). qemu-ga reports the list,
     * empty or not, whenever the slaves directory exists. */
    _qga_cleanup_free_ char *slaves = qga_strdup_printf("%s/slaves", dir);
    size_t n_slaves = 0;
    char **slave_names = list_dir(slaves, &n_slaves);
    if (slave_names) {
        disk->has_dependencies = true;
        for (size_t i = 0; i < n_slaves; i++) {
            _qga_cleanup_free_ char *sdir = qga_strdup_printf("%s/%s", slaves, slave_names[i]);
            char *node = qga_linux_devnode(roots, sdir);
            if (node)
                add_dependency(disk, node);
        }
        free_names(slave_names, n_slaves);
    }

    if (disk->address && disk->address->bus_type == QGA_DISK_BUS_NVME && roots->nvme_ioctl)
        disk->smart = nvme_smart(devnode);

    /* Partitions follow their disk, each depending on it. */
    size_t n_entries = 0;
    char **entries = list_dir(dir, &n_entries);
    _qga_cleanup_free_ char *disk_node = qga_strdup(devnode);
    for (size_t i = 0; entries && i < n_entries; i++) {
        if (!is_partition_name(entry, entries[i]))
            continue;
        _qga_cleanup_free_ char *pdir = qga_strdup_printf("%s/%s", dir, entries[i]);
        if (!is_dir(pdir))
            continue;
        char *pnode = qga_linux_devnode(roots, pdir);
        if (!pnode)
            continue;
        QgaDiskInfo *part = qga_array_push(list, n, sizeof(QgaDiskInfo));
        part->name = pnode;
        part->partition = true;
        part->has_dependencies = true;
        add_dependency(part, qga_strdup(disk_node));
    }
    if (entries)
        free_names(entries, n_entries);
}

int qga_linux_get_disks(const QgaLinuxRoots *roots, QgaDiskInfo **ret, size_t *ret_n, QgaError **error)
{
    _qga_cleanup_free_ char *block = qga_strdup_printf("%s/block", roots->sysfs);
    size_t n_entries = 0;
    char **entries = list_dir(block, &n_entries);
    if (!entries) {
        qga_error_set_os(error, errno, "Can't open directory \"%s\"", block);
        return -1;
    }
    QgaDiskInfo *list = NULL;
    size_t n = 0;
    for (size_t i = 0; i < n_entries; i++) {
        /* /sys/block holds links to the devices; anything else is not a disk. */
        _qga_cleanup_free_ char *path = qga_strdup_printf("%s/%s", block, entries[i]);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
            add_disk(roots, entries[i], &list, &n);
    }
    free_names(entries, n_entries);
    *ret = list;
    *ret_n = n;
    return 0;
}

int qga_os_get_disks(QgaDiskInfo **ret, size_t *ret_n, QgaError **error)
{
    return qga_linux_get_disks(qga_linux_default_roots(), ret, ret_n, error);
}

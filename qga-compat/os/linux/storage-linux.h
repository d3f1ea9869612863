/* Linux storage internals shared by the fsinfo, disks and diskstats files (and their unit tests). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "os/storage.h"

/*
 * Where the Linux storage code reads from. The agent uses qga_linux_default_roots(); the unit
 * tests build fake sysfs / mountinfo / udev trees in a temporary directory and point these at
 * them, so every parser and walk runs on recorded (and hostile) data.
 */
typedef struct QgaLinuxRoots {
    const char *sysfs;          /* "/sys" */
    const char *mountinfo;      /* "/proc/self/mountinfo" */
    const char *diskstats;      /* "/proc/diskstats" */
    const char *udev_data;      /* "/run/udev/data": udev's database (E:ID_SERIAL=, E:DM_NAME=) */
    const char *devdir;         /* "/dev": device nodes are <devdir>/<DEVNAME from uevent> */
    bool nvme_ioctl;            /* read NVMe SMART through the admin ioctl (off in fixture tests) */
} QgaLinuxRoots;

const QgaLinuxRoots *qga_linux_default_roots(void);

/* ---- storage.c: sysfs attributes and the walk from a block device to its disks ---- */

/* A sysfs attribute dir/name without its trailing newline and blanks; NULL when absent, empty or binary. */
char *qga_linux_read_attr(const char *dir, const char *name);

/* One line "KEY=value" (uevent) or "E:KEY=value" (udev database) from text; heap value or NULL. */
char *qga_linux_find_key(const char *text, const char *prefix);
/* A property (e.g. "ID_SERIAL") of a block device from udev's database (<udev_data>/b<maj:min>),
 * found through the device's sysfs "dev" attribute; NULL when absent or empty. */
char *qga_linux_udev_property(const QgaLinuxRoots *roots, const char *syspath, const char *key);

/* One PCI function of a sysfs device path ("0000:00:02.0"). */
typedef struct QgaSysfsPciFunc {
    unsigned domain, bus, slot, function;
    size_t end;                 /* offset in the path just past this component */
} QgaSysfsPciFunc;

#define QGA_SYSFS_MAX_PCI_DEPTH 16

/* What a block device's sysfs path says about where the device sits. */
typedef struct QgaSysfsDevPath {
    size_t n_pci;
    QgaSysfsPciFunc pci[QGA_SYSFS_MAX_PCI_DEPTH];   /* from the root bus down */
    bool has_host;              /* a "hostN" component (SCSI host) */
    unsigned host;
    size_t host_start;          /* offset of "/hostN": the path up to it is the host's parent */
    bool has_ata;               /* an "ataN" component (libata port) */
    unsigned ata;
    size_t ata_start;
    bool has_target;            /* "targetH:C:T/H:C:T:L" */
    unsigned channel, target, lun;
    bool is_ccw;                /* below "css0": s390 channel subsystem */
    bool ccw_ok;
    QgaCcwAddress ccw;
    bool has_virtio;            /* a "virtioN" component */
    bool has_block;             /* a "block" component */
} QgaSysfsDevPath;

/*
 * Parse a resolved sysfs path: the components after the first "/devices/" found at or after
 * offset start. Pure string work; false when there is no "/devices/" at all.
 */
bool qga_linux_parse_devpath(const char *syspath, size_t start, QgaSysfsDevPath *ret);

/* Offset in syspath from which qga_linux_parse_devpath should look (skips the sysfs root). */
size_t qga_linux_devpath_start(const QgaLinuxRoots *roots, const char *syspath);

/* True when the resolved sysfs path is a virtual block device (dm, md, loop, zram...). */
bool qga_linux_is_virtual(const char *syspath);

/*
 * The address of a real (non-virtual) block device or partition, as qemu-ga derives it from
 * sysfs: controller PCI function, bus type and bus/target/unit, plus dev (the device node) and
 * serial (udev's ID_SERIAL, else the virtio-blk serial attribute). Returns true when the
 * device could be placed (qemu-ga's "has_hwinf"); addr is filled as far as known either way.
 */
bool qga_linux_device_address(const QgaLinuxRoots *roots, const char *syspath, QgaDiskAddress *addr);

/*
 * Collect the disks under a block device, following dm/md "slaves" of virtual devices down to
 * the real disks (qemu-ga's build_guest_fsinfo_for_device). devpath need not be resolved.
 * *ret_name gets the device's sysfs name ("vda1", "dm-0"), or the last component of devpath
 * when it does not resolve. Loops and excessive depth are cut off.
 */
void qga_linux_collect_disks(const QgaLinuxRoots *roots, const char *devpath, char **ret_name,
                             QgaDiskAddress **disks, size_t *n_disks);

/* The device node of a sysfs device directory: <devdir>/<DEVNAME>, or NULL. */
char *qga_linux_devnode(const QgaLinuxRoots *roots, const char *sysdir);

/* ---- fsinfo.c (the mount table itself is mountinfo.h's) ---- */

int qga_linux_get_fsinfo(const QgaLinuxRoots *roots, QgaFsInfo **ret, size_t *ret_n, QgaError **error);

/* ---- disks.c ---- */

int qga_linux_get_disks(const QgaLinuxRoots *roots, QgaDiskInfo **ret, size_t *ret_n, QgaError **error);
/* Decode a 512-byte NVMe SMART / Health Information log page (little-endian). */
void qga_nvme_smart_decode(const uint8_t log[512], QgaNvmeSmart *ret);

/* ---- diskstats.c ---- */

/* Parse one /proc/diskstats line. 0, or -1 when it is not a stats line (fewer than 4 counters). */
int qga_linux_parse_diskstats_line(const char *line, QgaDiskStatsInfo *ret);
int qga_linux_get_diskstats(const QgaLinuxRoots *roots, QgaDiskStatsInfo **ret, size_t *ret_n, QgaError **error);

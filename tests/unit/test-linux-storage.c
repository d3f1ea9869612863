/* Unit tests of the Linux storage walks on recorded sysfs, mountinfo, udev and diskstats trees. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json.h"
#include "core/mem.h"
#include "os/linux/mountinfo.h"
#include "os/linux/storage-linux.h"

/* ---- a fake machine in a temporary directory ---- */

static char *root;          /* the fixture directory */
static QgaLinuxRoots roots; /* pointing into it */

static char *fx(const char *rel)
{
    return g_build_filename(root, rel, NULL);
}

static void mk(const char *rel)
{
    g_autofree char *p = fx(rel);
    g_assert_cmpint(g_mkdir_with_parents(p, 0755), ==, 0);
}

static void put(const char *rel, const char *content)
{
    g_autofree char *p = fx(rel);
    g_autofree char *dir = g_path_get_dirname(p);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_autoptr(GError) err = NULL;
    g_assert_true(g_file_set_contents(p, content, -1, &err));
}

static void lnk(const char *rel, const char *target)
{
    g_autofree char *p = fx(rel);
    g_autofree char *dir = g_path_get_dirname(p);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_cmpint(symlink(target, p), ==, 0);
}

/* A PCI function directory with its driver link (only the link's last component matters). */
static void pci_dev(const char *rel, const char *driver)
{
    mk(rel);
    g_autofree char *link = g_strdup_printf("%s/driver", rel);
    g_autofree char *target = g_strdup_printf("../../../bus/pci/drivers/%s", driver);
    lnk(link, target);
}

/* A block device directory as the kernel lays it out: uevent, dev, size (+ partition, serial). */
static void blockdev(const char *rel, const char *name, const char *devno, const char *serial, bool partition)
{
    mk(rel);
    unsigned maj = 0, min = 0;
    g_assert_cmpint(sscanf(devno, "%u:%u", &maj, &min), ==, 2);
    g_autofree char *uevent = g_strdup_printf("MAJOR=%u\nMINOR=%u\nDEVNAME=%s\nDEVTYPE=%s\n", maj, min, name,
                                              partition ? "partition" : "disk");
    g_autofree char *f_uevent = g_strdup_printf("%s/uevent", rel);
    g_autofree char *f_dev = g_strdup_printf("%s/dev", rel);
    g_autofree char *f_size = g_strdup_printf("%s/size", rel);
    g_autofree char *devline = g_strdup_printf("%s\n", devno);
    put(f_uevent, uevent);
    put(f_dev, devline);
    put(f_size, "2048\n");
    if (!partition) {
        /* whole disks always have a (possibly empty) slaves directory */
        g_autofree char *slaves = g_strdup_printf("%s/slaves", rel);
        mk(slaves);
    } else {
        g_autofree char *f_part = g_strdup_printf("%s/partition", rel);
        put(f_part, "1\n");
    }
    if (serial) {
        g_autofree char *f_serial = g_strdup_printf("%s/serial", rel);
        put(f_serial, serial);
    }
    /* /sys/dev/block/M:m -> ../../<rel below sys/> */
    g_autofree char *devlink = g_strdup_printf("sys/dev/block/%s", devno);
    g_autofree char *target = g_strdup_printf("../../%s", rel + strlen("sys/"));
    lnk(devlink, target);
}

/* /sys/block/NAME -> ../devices/... */
static void block_link(const char *name, const char *rel)
{
    g_autofree char *link = g_strdup_printf("sys/block/%s", name);
    g_autofree char *target = g_strdup_printf("../%s", rel + strlen("sys/"));
    lnk(link, target);
}

#define VIRTIO_BLK "sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda"
#define VIRTIO_BLK_BRIDGED "sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/virtio2/block/vdb"
#define VIRTIO_SCSI "sys/devices/pci0000:00/0000:00:05.0/virtio3/host2/target2:0:3/2:0:3:7/block/sda"
#define AHCI "sys/devices/pci0000:00/0000:00:1f.2/ata10/host9/target9:0:0/9:0:0:0/block/sdb"
#define PIIX "sys/devices/pci0000:00/0000:00:01.1/ata2/host1/target1:0:1/1:0:1:0/block/sdc"
#define LSI "sys/devices/pci0000:00/0000:00:07.0/host5/target5:0:2/5:0:2:0/block/sdd"
#define USB "sys/devices/pci0000:00/0000:00:1d.7/usb1/1-1/1-1:1.0/host6/target6:0:0/6:0:0:0/block/sde"
#define UNKNOWN_HBA "sys/devices/pci0000:00/0000:00:08.0/host7/target7:0:0/7:0:0:0/block/sdf"
#define NVME "sys/devices/pci0000:00/0000:00:06.0/nvme/nvme0/nvme0n1"
#define MMIO "sys/devices/platform/a000000.virtio_mmio/virtio0/block/vdc"
#define CCW "sys/devices/css0/0.0.0001/0.0.000a/virtio4/block/vdd"
#define DM0 "sys/devices/virtual/block/dm-0"
#define DM1 "sys/devices/virtual/block/dm-1"
#define DM2 "sys/devices/virtual/block/dm-2"
#define LOOP0 "sys/devices/virtual/block/loop0"

static void build_tree(void)
{
    pci_dev("sys/devices/pci0000:00/0000:00:02.0", "virtio-pci");
    blockdev(VIRTIO_BLK, "vda", "254:0", "SER-vda\n", false);
    blockdev(VIRTIO_BLK "/vda1", "vda1", "254:1", NULL, true);
    block_link("vda", VIRTIO_BLK);

    /* virtio-blk behind a PCIe root port: the root port's own function is skipped. */
    pci_dev("sys/devices/pci0000:00/0000:00:1c.0", "pcieport");
    pci_dev("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0", "virtio-pci");
    blockdev(VIRTIO_BLK_BRIDGED, "vdb", "254:16", "", false);
    block_link("vdb", VIRTIO_BLK_BRIDGED);

    pci_dev("sys/devices/pci0000:00/0000:00:05.0", "virtio-pci");
    blockdev(VIRTIO_SCSI, "sda", "8:0", NULL, false);
    blockdev(VIRTIO_SCSI "/sda1", "sda1", "8:1", NULL, true);
    block_link("sda", VIRTIO_SCSI);
    put("run/udev/data/b8:0", "S:disk/by-id/scsi-0QEMU\nE:ID_SERIAL=0QEMU_QEMU_HARDDISK_drive-scsi0\nE:ID_BUS=scsi\n");
    put("run/udev/data/b8:1", "E:ID_SERIAL=0QEMU_QEMU_HARDDISK_drive-scsi0\nE:ID_PART_ENTRY_NUMBER=1\n");

    /* AHCI: one ata port per SATA unit; ata10 ranks third among ata1, ata3, ata10 (numerically). */
    pci_dev("sys/devices/pci0000:00/0000:00:1f.2", "ahci");
    mk("sys/devices/pci0000:00/0000:00:1f.2/ata1");
    mk("sys/devices/pci0000:00/0000:00:1f.2/ata3");
    mk("sys/devices/pci0000:00/0000:00:1f.2/atafoo");
    blockdev(AHCI, "sdb", "8:16", NULL, false);
    block_link("sdb", AHCI);

    /* PIIX IDE: ata2 is the secondary channel (bus 1), target 1 the slave (unit 1). */
    pci_dev("sys/devices/pci0000:00/0000:00:01.1", "ata_piix");
    mk("sys/devices/pci0000:00/0000:00:01.1/ata1");
    blockdev(PIIX, "sdc", "8:32", NULL, false);
    block_link("sdc", PIIX);

    pci_dev("sys/devices/pci0000:00/0000:00:07.0", "sym53c8xx");
    blockdev(LSI, "sdd", "8:48", NULL, false);
    block_link("sdd", LSI);

    pci_dev("sys/devices/pci0000:00/0000:00:1d.7", "ehci-pci");
    blockdev(USB, "sde", "8:64", NULL, false);
    block_link("sde", USB);

    pci_dev("sys/devices/pci0000:00/0000:00:08.0", "no-such-hba");
    blockdev(UNKNOWN_HBA, "sdf", "8:80", NULL, false);
    block_link("sdf", UNKNOWN_HBA);

    pci_dev("sys/devices/pci0000:00/0000:00:06.0", "nvme");
    blockdev(NVME, "nvme0n1", "259:0", NULL, false);
    blockdev(NVME "/nvme0n1p1", "nvme0n1p1", "259:1", NULL, true);
    blockdev(NVME "/nvme0n1p10", "nvme0n1p10", "259:10", NULL, true);
    blockdev(NVME "/nvme0n1p2", "nvme0n1p2", "259:2", NULL, true);
    block_link("nvme0n1", NVME);

    blockdev(MMIO, "vdc", "254:32", NULL, false);
    blockdev(CCW, "vdd", "254:48", "ccw-serial", false);

    /* LVM on vda1 with its name in sysfs; udev's DM_NAME wins when the database has it. */
    blockdev(DM0, "dm-0", "253:0", NULL, false);
    put(DM0 "/dm/name", "vg-root\n");
    lnk(DM0 "/slaves/vda1", "../../../../pci0000:00/0000:00:02.0/virtio1/block/vda/vda1");
    block_link("dm-0", DM0);

    /* A hostile stack: dm-1 and dm-2 name each other as slaves; dm-2 also sits on vdb. */
    blockdev(DM1, "dm-1", "253:1", NULL, false);
    blockdev(DM2, "dm-2", "253:2", NULL, false);
    lnk(DM1 "/slaves/dm-2", "../../dm-2");
    lnk(DM2 "/slaves/dm-1", "../../dm-1");
    lnk(DM2 "/slaves/vdb", "../../../../pci0000:00/0000:00:1c.0/0000:01:00.0/virtio2/block/vdb");
    put("run/udev/data/b253:1", "E:DM_NAME=from-udev\n");
    block_link("dm-1", DM1);

    /* An empty loop device (size 0) is not a disk; a plain file in /sys/block is not either. */
    blockdev(LOOP0, "loop0", "7:0", NULL, false);
    put(LOOP0 "/size", "0\n");
    block_link("loop0", LOOP0);
    put("sys/block/not-a-link", "");
    /* A block link without DEVNAME is skipped. */
    mk("sys/devices/virtual/block/ram0");
    put("sys/devices/virtual/block/ram0/size", "8\n");
    block_link("ram0", "sys/devices/virtual/block/ram0");

    /* /sys/dev/block entries that loop or are missing. */
    lnk("sys/dev/block/9:9", "9:8");
    lnk("sys/dev/block/9:8", "9:9");
}

static void setup_fixture(void)
{
    GError *err = NULL;
    root = g_dir_make_tmp("qga-storage-XXXXXX", &err);
    g_assert_no_error(err);
    build_tree();
    roots = (QgaLinuxRoots){
        .sysfs = fx("sys"),
        .mountinfo = fx("proc/mountinfo"),
        .diskstats = fx("proc/diskstats"),
        .udev_data = fx("run/udev/data"),
        .devdir = "/dev",
        .nvme_ioctl = false,
    };
}

static void rm_rf(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
                rm_rf(child);
            else
                g_unlink(child);
        }
        g_dir_close(d);
    }
    g_rmdir(path);
}

/* ---- the address of each kind of device ---- */

static void check_address(const char *rel, bool placed, const char *bus_type, int64_t dom, int64_t bus, int64_t slot,
                          int64_t fn, int64_t dbus, int64_t target, int64_t unit, const char *dev, const char *serial)
{
    g_autofree char *path = fx(rel);
    g_autofree char *syspath = realpath(path, NULL);
    g_assert_nonnull(syspath);
    QgaDiskAddress a;
    g_assert_cmpint(qga_linux_device_address(&roots, syspath, &a), ==, placed);
    g_assert_cmpstr(qga_disk_bus_type_name(a.bus_type), ==, bus_type);
    g_assert_cmpint(a.pci.domain, ==, dom);
    g_assert_cmpint(a.pci.bus, ==, bus);
    g_assert_cmpint(a.pci.slot, ==, slot);
    g_assert_cmpint(a.pci.function, ==, fn);
    g_assert_cmpint(a.bus, ==, dbus);
    g_assert_cmpint(a.target, ==, target);
    g_assert_cmpint(a.unit, ==, unit);
    g_assert_cmpstr(a.dev, ==, dev);
    g_assert_cmpstr(a.serial, ==, serial);
    qga_disk_address_clear(&a);
}

static void test_address_virtio_blk(void)
{
    /* libvirt matches a virtio disk by its own PCI address: 0000:00:02.0 must come out exactly. */
    check_address(VIRTIO_BLK, true, "virtio", 0, 0, 2, 0, 0, 0, 0, "/dev/vda", "SER-vda");
    /* A partition carries its disk's address and serial, and its own node. */
    check_address(VIRTIO_BLK "/vda1", true, "virtio", 0, 0, 2, 0, 0, 0, 0, "/dev/vda1", "SER-vda");
    /* Behind a root port the disk's function is 01:00.0; an empty serial is omitted. */
    check_address(VIRTIO_BLK_BRIDGED, true, "virtio", 0, 1, 0, 0, 0, 0, 0, "/dev/vdb", NULL);
}

static void test_address_scsi_ide_sata(void)
{
    /* virtio-scsi: the controller's function, channel/target/lun as bus/target/unit, udev serial. */
    check_address(VIRTIO_SCSI, true, "scsi", 0, 0, 5, 0, 0, 3, 7, "/dev/sda", "0QEMU_QEMU_HARDDISK_drive-scsi0");
    check_address(VIRTIO_SCSI "/sda1", true, "scsi", 0, 0, 5, 0, 0, 3, 7, "/dev/sda1", "0QEMU_QEMU_HARDDISK_drive-scsi0");
    /* AHCI unit = rank of ata10 among ata1, ata3, ata10 (numeric, not lexical order). */
    check_address(AHCI, true, "sata", 0, 0, 0x1f, 2, 0, 0, 2, "/dev/sdb", NULL);
    /* PIIX: second channel (bus 1), slave (unit 1). */
    check_address(PIIX, true, "ide", 0, 0, 1, 1, 1, 0, 1, "/dev/sdc", NULL);
    /* LSI: libvirt's unit is the SCSI id. */
    check_address(LSI, true, "scsi", 0, 0, 7, 0, 0, 0, 2, "/dev/sdd", NULL);
    check_address(USB, true, "usb", 0, 0, 0x1d, 7, 0, 0, 0, "/dev/sde", NULL);
    check_address(NVME, true, "nvme", 0, 0, 6, 0, 0, 0, 0, "/dev/nvme0n1", NULL);
}

static void test_address_unplaced(void)
{
    /* An unknown HBA: not placed, every PCI part -1 (never guessed), the node still known. */
    check_address(UNKNOWN_HBA, false, "unknown", -1, -1, -1, -1, 0, 0, 0, "/dev/sdf", NULL);
    /* virtio-mmio: virtio without PCI. */
    check_address(MMIO, true, "virtio", -1, -1, -1, -1, 0, 0, 0, "/dev/vdc", NULL);

    g_autofree char *path = fx(CCW);
    g_autofree char *syspath = realpath(path, NULL);
    QgaDiskAddress a;
    g_assert_true(qga_linux_device_address(&roots, syspath, &a));
    g_assert_true(a.has_ccw);
    g_assert_cmpint(a.ccw.cssid, ==, 0);
    g_assert_cmpint(a.ccw.ssid, ==, 0);
    g_assert_cmpint(a.ccw.subchno, ==, 1);
    g_assert_cmpint(a.ccw.devno, ==, 0xa);
    g_assert_cmpstr(qga_disk_bus_type_name(a.bus_type), ==, "virtio");
    g_assert_cmpstr(a.serial, ==, "ccw-serial");
    qga_disk_address_clear(&a);
}

static void test_parse_devpath(void)
{
    QgaSysfsDevPath p;
    g_assert_false(qga_linux_parse_devpath("/sys/block/vda", 0, &p));
    g_assert_true(qga_linux_parse_devpath("/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/virtio2/block/vdb", 0, &p));
    g_assert_cmpuint(p.n_pci, ==, 2);
    g_assert_cmpuint(p.pci[1].bus, ==, 1);
    g_assert_cmpuint(p.pci[0].slot, ==, 0x1c);
    g_assert_cmpuint(p.pci[0].end, ==, strlen("/sys/devices/pci0000:00/0000:00:1c.0"));
    g_assert_true(p.has_virtio && p.has_block && !p.has_target);

    /* Malformed components end the PCI chain; hex parts beyond 8 digits are not PCI. */
    g_assert_true(qga_linux_parse_devpath("/sys/devices/pci0000:00/0000:00:1g.0/0000:01:00.0/x", 0, &p));
    g_assert_cmpuint(p.n_pci, ==, 0);
    g_assert_true(qga_linux_parse_devpath("/sys/devices/pci0000:00/000000000:00:01.0/x", 0, &p));
    g_assert_cmpuint(p.n_pci, ==, 0);
    g_assert_true(qga_linux_parse_devpath("/sys/devices/pcixyz/0000:00:01.0", 0, &p));
    g_assert_cmpuint(p.n_pci, ==, 0);
    /* A target without its H:C:T:L child gives no target; hostX without digits is no host. */
    g_assert_true(qga_linux_parse_devpath("/sys/devices/pci0000:00/0000:00:05.0/hostX/target0:0:0", 0, &p));
    g_assert_false(p.has_target);
    g_assert_false(p.has_host);
    /* The search starts after the sysfs root: a root named ".../devices/pci..." is not parsed. */
    const char *tricky = "/tmp/devices/pci0000:00/0000:00:09.0/sys/devices/pci0000:00/0000:00:02.0/virtio1";
    size_t start = strlen("/tmp/devices/pci0000:00/0000:00:09.0/sys");
    g_assert_true(qga_linux_parse_devpath(tricky, start, &p));
    g_assert_cmpuint(p.n_pci, ==, 1);
    g_assert_cmpuint(p.pci[0].slot, ==, 2);
    /* Very deep chains stop at the limit instead of overflowing. */
    GString *deep = g_string_new("/sys/devices/pci0000:00");
    for (int i = 0; i < 40; i++)
        g_string_append_printf(deep, "/0000:%02x:00.0", i);
    g_assert_true(qga_linux_parse_devpath(deep->str, 0, &p));
    g_assert_cmpuint(p.n_pci, ==, QGA_SYSFS_MAX_PCI_DEPTH);
    g_string_free(deep, TRUE);
}

/* ---- the walk through dm slaves ---- */

static void test_collect(void)
{
    QgaDiskAddress *disks = NULL;
    size_t n = 0;
    char *name = NULL;
    g_autofree char *dm0 = fx("sys/dev/block/253:0");
    qga_linux_collect_disks(&roots, dm0, &name, &disks, &n);
    g_assert_cmpstr(name, ==, "dm-0");
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpstr(disks[0].dev, ==, "/dev/vda1");
    g_assert_cmpint(disks[0].pci.slot, ==, 2);
    for (size_t i = 0; i < n; i++)
        qga_disk_address_clear(&disks[i]);
    g_free(disks);
    g_free(name);

    /* A cycle of slaves terminates and still finds the real disk once. */
    disks = NULL;
    n = 0;
    g_autofree char *dm1 = fx("sys/dev/block/253:1");
    qga_linux_collect_disks(&roots, dm1, &name, &disks, &n);
    g_assert_cmpstr(name, ==, "dm-1");
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpstr(disks[0].dev, ==, "/dev/vdb");
    qga_disk_address_clear(&disks[0]);
    g_free(disks);
    g_free(name);

    /* A symlink loop and a missing link: the name falls back to M:m, no disks. */
    disks = NULL;
    n = 0;
    g_autofree char *loop = fx("sys/dev/block/9:9");
    qga_linux_collect_disks(&roots, loop, &name, &disks, &n);
    g_assert_cmpstr(name, ==, "9:9");
    g_assert_cmpuint(n, ==, 0);
    g_free(name);
    g_autofree char *missing = fx("sys/dev/block/8:99");
    qga_linux_collect_disks(&roots, missing, &name, &disks, &n);
    g_assert_cmpstr(name, ==, "8:99");
    g_assert_cmpuint(n, ==, 0);
    g_free(name);
    g_free(disks);
}

/* ---- mountinfo ---- */

static void write_mountinfo(void)
{
    /* Mount points are real directories of the fixture so statvfs answers for them. */
    mk("mnt/with space");
    mk("mnt/root");
    mk("mnt/bind");
    mk("mnt/caf\xe9");
    g_autofree char *space = fx("mnt/with\\040space");
    g_autofree char *rootmnt = fx("mnt/root");
    g_autofree char *bind = fx("mnt/bind");
    g_autofree char *cafe = fx("mnt/caf\xe9");
    g_autofree char *text = g_strdup_printf(
        "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
        "27 1 254:1 / %s rw,relatime - ext4 /dev/vda1 rw\n"
        "garbage line\n"
        "28 27 0:25 / /tmp rw - tmpfs tmpfs rw\n"
        "29 27 253:0 / %s rw - xfs /dev/mapper/vg-root rw\n"
        "30 27 254:1 /sub %s rw - ext4 /dev/vda1 rw\n"
        "31 27 0:40 / /srv rw - btrfs /nonexistent/device rw\n"
        "32 27 254:48 / %s rw - vfat /dev/vdd rw\n"
        "33 27 9:9 / /looped rw - ext2 /dev/md9 rw\n"
        "34 27 8:99 / /gone rw - ext2 /dev/sdz rw",
        space, rootmnt, bind, cafe);
    put("proc/mountinfo", text);
}

static void test_mount_list(void)
{
    write_mountinfo();
    QgaMountList m = { 0 };
    QgaError *err = NULL;
    g_assert_cmpint(qga_linux_mount_list(roots.mountinfo, &m, &err), ==, 0);
    /* proc, tmpfs (major 0) and the btrfs without a device are dropped; the bind mount of 254:1
     * stays in the table (fsfreeze's second FIFREEZE of it answers EBUSY). */
    g_assert_cmpuint(m.n, ==, 6);
    g_autofree char *space = fx("mnt/with space");
    g_assert_cmpstr(m.items[0].dir, ==, space);
    g_assert_cmpuint(m.items[0].major, ==, 254);
    g_assert_cmpstr(m.items[1].type, ==, "xfs");
    g_autofree char *bind = fx("mnt/bind");
    g_assert_cmpstr(m.items[2].dir, ==, bind);
    g_assert_cmpstr(m.items[3].type, ==, "vfat");
    qga_mount_list_clear(&m);

    g_assert_cmpint(qga_linux_mount_list("/nonexistent/mountinfo", &m, &err), ==, -1);
    g_assert_nonnull(err);
    g_assert_true(g_str_has_prefix(err->desc, "failed to open mtab file: '/nonexistent/mountinfo': "));
    qga_error_free(err);
}

static void test_fsinfo(void)
{
    write_mountinfo();
    QgaFsInfo *fs = NULL;
    size_t n = 0;
    QgaError *err = NULL;
    g_assert_cmpint(qga_linux_get_fsinfo(&roots, &fs, &n, &err), ==, 0);
    g_assert_cmpuint(n, ==, 5);

    /* Reverse mount order, as qemu-ga answers. */
    g_assert_cmpstr(fs[4].name, ==, "vda1");
    g_assert_cmpstr(fs[4].type, ==, "ext4");
    g_assert_cmpuint(fs[4].n_disks, ==, 1);
    g_assert_cmpstr(qga_disk_bus_type_name(fs[4].disks[0].bus_type), ==, "virtio");
    g_assert_cmpint(fs[4].disks[0].pci.slot, ==, 2);
    g_assert_cmpstr(fs[4].disks[0].dev, ==, "/dev/vda1");
    g_assert_cmpstr(fs[4].disks[0].serial, ==, "SER-vda");
    g_assert_true(fs[4].has_sizes);
    g_assert_true(fs[4].has_total_privileged);
    g_assert_cmpuint(fs[4].total_bytes, <=, fs[4].total_bytes_privileged);
    g_assert_cmpuint(fs[4].used_bytes, <=, fs[4].total_bytes);

    /* The LVM volume names its dm device and reaches vda1 through its slaves. */
    g_assert_cmpstr(fs[3].name, ==, "dm-0");
    g_assert_cmpstr(fs[3].type, ==, "xfs");
    g_assert_cmpuint(fs[3].n_disks, ==, 1);
    g_assert_cmpstr(fs[3].disks[0].dev, ==, "/dev/vda1");

    g_autofree char *cafe = fx("mnt/caf\xe9");
    g_assert_cmpstr(fs[2].mountpoint, ==, cafe);
    g_assert_cmpstr(fs[2].name, ==, "vdd");
    g_assert_true(fs[2].disks[0].has_ccw);

    /* Missing sysfs entries: the name is the device number, no disks, and a mount point that
     * does not exist has no sizes (never zeros). */
    g_assert_cmpstr(fs[1].name, ==, "9:9");
    g_assert_cmpuint(fs[1].n_disks, ==, 0);
    g_assert_false(fs[1].has_sizes);
    g_assert_false(fs[1].has_total_privileged);
    g_assert_cmpstr(fs[0].name, ==, "8:99");
    qga_fsinfo_free_array(fs, n);
}

/* ---- guest-get-disks ---- */

static const QgaDiskInfo *find_disk(const QgaDiskInfo *d, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(d[i].name, name) == 0)
            return &d[i];
    return NULL;
}

static void test_disks(void)
{
    QgaDiskInfo *d = NULL;
    size_t n = 0;
    QgaError *err = NULL;
    g_assert_cmpint(qga_linux_get_disks(&roots, &d, &n, &err), ==, 0);

    /* Sorted disks, each followed by its partitions in numeric order; loop0 (size 0), ram0
     * (no DEVNAME) and the plain file are not there. */
    static const char *const order[] = {
        "/dev/dm-0", "/dev/dm-1", "/dev/nvme0n1", "/dev/nvme0n1p1", "/dev/nvme0n1p2", "/dev/nvme0n1p10",
        "/dev/sda", "/dev/sda1", "/dev/sdb", "/dev/sdc", "/dev/sdd", "/dev/sde", "/dev/sdf",
        "/dev/vda", "/dev/vda1", "/dev/vdb",
    };
    g_assert_cmpuint(n, ==, G_N_ELEMENTS(order));
    for (size_t i = 0; i < n; i++)
        g_assert_cmpstr(d[i].name, ==, order[i]);

    const QgaDiskInfo *vda = find_disk(d, n, "/dev/vda");
    g_assert_false(vda->partition);
    g_assert_true(vda->has_dependencies);
    g_assert_cmpuint(vda->n_dependencies, ==, 0);
    g_assert_nonnull(vda->address);
    g_assert_cmpstr(qga_disk_bus_type_name(vda->address->bus_type), ==, "virtio");
    g_assert_cmpint(vda->address->pci.slot, ==, 2);
    g_assert_null(vda->alias);
    g_assert_null(vda->smart);

    const QgaDiskInfo *vda1 = find_disk(d, n, "/dev/vda1");
    g_assert_true(vda1->partition);
    g_assert_cmpuint(vda1->n_dependencies, ==, 1);
    g_assert_cmpstr(vda1->dependencies[0], ==, "/dev/vda");
    g_assert_null(vda1->address);

    /* dm devices: no address (virtual), the slaves as dependencies, the alias from sysfs or udev. */
    const QgaDiskInfo *dm0 = find_disk(d, n, "/dev/dm-0");
    g_assert_null(dm0->address);
    g_assert_cmpstr(dm0->alias, ==, "vg-root");
    g_assert_cmpuint(dm0->n_dependencies, ==, 1);
    g_assert_cmpstr(dm0->dependencies[0], ==, "/dev/vda1");
    const QgaDiskInfo *dm1 = find_disk(d, n, "/dev/dm-1");
    g_assert_cmpstr(dm1->alias, ==, "from-udev");
    g_assert_cmpuint(dm1->n_dependencies, ==, 1);
    g_assert_cmpstr(dm1->dependencies[0], ==, "/dev/dm-2");

    const QgaDiskInfo *nvme = find_disk(d, n, "/dev/nvme0n1");
    g_assert_cmpstr(qga_disk_bus_type_name(nvme->address->bus_type), ==, "nvme");
    g_assert_null(nvme->smart); /* the ioctl is off for fixtures */

    const QgaDiskInfo *sdf = find_disk(d, n, "/dev/sdf");
    g_assert_nonnull(sdf->address);
    g_assert_cmpint(sdf->address->pci.domain, ==, -1);

    qga_disk_info_free_array(d, n);

    QgaLinuxRoots missing = roots;
    missing.sysfs = "/nonexistent-sysfs";
    g_assert_cmpint(qga_linux_get_disks(&missing, &d, &n, &err), ==, -1);
    g_assert_true(g_str_has_prefix(err->desc, "Can't open directory \"/nonexistent-sysfs/block\": "));
    qga_error_free(err);
}

/* ---- diskstats ---- */

static void test_diskstats_file(void)
{
    put("proc/diskstats", "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                          "bad line\n"
                          " 254       0 vda 5 6 7 8 9 10 11 12 13 14 15\n"
                          " 254       1 vda1 1 2 3 4\n");
    QgaDiskStatsInfo *s = NULL;
    size_t n = 0;
    QgaError *err = NULL;
    g_assert_cmpint(qga_linux_get_diskstats(&roots, &s, &n, &err), ==, 0);
    g_assert_cmpuint(n, ==, 3);
    g_assert_cmpstr(s[0].name, ==, "loop0");
    g_assert_cmpstr(s[1].name, ==, "vda");
    g_assert_cmpstr(s[2].name, ==, "vda1");
    g_assert_cmpuint(s[2].minor, ==, 1);
    qga_disk_stats_free_array(s, n);

    QgaLinuxRoots missing = roots;
    missing.diskstats = "/nonexistent/diskstats";
    g_assert_cmpint(qga_linux_get_diskstats(&missing, &s, &n, &err), ==, -1);
    g_assert_true(g_str_has_prefix(err->desc, "open(\"/nonexistent/diskstats\"): "));
    qga_error_free(err);
}

static void test_read_helpers(void)
{
    g_autofree char *v = qga_linux_find_key("A=1\nDEVNAME=vda\nDEVNAME=other\n", "DEVNAME=");
    g_assert_cmpstr(v, ==, "vda");
    g_assert_null(qga_linux_find_key("DEVNAMEX=1\n", "DEVNAME="));
    g_autofree char *last = qga_linux_find_key("E:ID_SERIAL=x y", "E:ID_SERIAL=");
    g_assert_cmpstr(last, ==, "x y");

    /* Attributes: trailing blanks go, empty and binary values are absent. */
    put("attr/a", "value  \n");
    put("attr/empty", "\n");
    g_autofree char *dir = fx("attr");
    g_autofree char *a = qga_linux_read_attr(dir, "a");
    g_assert_cmpstr(a, ==, "value");
    g_assert_null(qga_linux_read_attr(dir, "empty"));
    g_assert_null(qga_linux_read_attr(dir, "missing"));
    g_autofree char *binpath = fx("attr/bin");
    g_assert_true(g_file_set_contents(binpath, "a\0b", 3, NULL));
    g_assert_null(qga_linux_read_attr(dir, "bin"));

    /* An attribute longer than a sysfs page is not cut to one: it is absent. */
    g_autofree char *big = g_strnfill(10000, 'z');
    put("attr/big", big);
    g_assert_null(qga_linux_read_attr(dir, "big"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    setup_fixture();
    g_test_add_func("/storage/linux/address/virtio-blk", test_address_virtio_blk);
    g_test_add_func("/storage/linux/address/scsi-ide-sata-lsi-usb-nvme", test_address_scsi_ide_sata);
    g_test_add_func("/storage/linux/address/unplaced-mmio-ccw", test_address_unplaced);
    g_test_add_func("/storage/linux/devpath/parse", test_parse_devpath);
    g_test_add_func("/storage/linux/slaves/collect", test_collect);
    g_test_add_func("/storage/linux/mountinfo/list", test_mount_list);
    g_test_add_func("/storage/linux/fsinfo", test_fsinfo);
    g_test_add_func("/storage/linux/disks", test_disks);
    g_test_add_func("/storage/linux/diskstats/file", test_diskstats_file);
    g_test_add_func("/storage/linux/read-helpers", test_read_helpers);
    int r = g_test_run();
    rm_rf(root);
    g_free(root);
    return r;
}

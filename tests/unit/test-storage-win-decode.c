/* Unit tests (run on Linux) of the Windows storage decoders on recorded and hostile IOCTL buffers and IDs. */
#include <glib.h>
#include <string.h>

#include "os/win32/storage-decode.h"

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void test_bus_type(void)
{
    static const struct {
        uint32_t win;
        const char *name;
    } cases[] = {
        { 0x00, "unknown" }, { 0x01, "scsi" }, { 0x02, "ide" }, { 0x03, "ide" }, { 0x04, "ieee1394" },
        { 0x05, "ssa" },
        { 0x06, "fibre" }, /* qemu-ga says "ssa" here */
        { 0x07, "usb" }, { 0x08, "raid" }, { 0x09, "iscsi" }, { 0x0a, "sas" }, { 0x0b, "sata" }, { 0x0c, "sd" },
        { 0x0d, "mmc" }, { 0x0e, "virtual" }, { 0x0f, "file-backed-virtual" }, { 0x10, "unknown" },
        { 0x11, "nvme" }, { 0x12, "unknown" }, { 0x13, "unknown" }, { 0x14, "unknown" }, { 0x7f, "unknown" },
        { 0xffffffff, "unknown" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        g_assert_cmpstr(qga_disk_bus_type_name(qga_win_bus_type(cases[i].win)), ==, cases[i].name);
}

/* A STORAGE_DEVICE_DESCRIPTOR as viostor returns it: header, then vendor/product/serial strings. */
static size_t make_descriptor(uint8_t *buf, size_t cap, uint32_t bus, const char *serial, uint32_t size_field)
{
    memset(buf, 0, cap);
    put32(buf + 0, 1);                          /* Version */
    put32(buf + QGA_WIN_SDD_SIZE_OFFSET, size_field);
    put32(buf + 12, 40);                        /* VendorIdOffset */
    memcpy(buf + 40, "Red Hat", 8);
    put32(buf + QGA_WIN_SDD_BUS_TYPE_OFFSET, bus);
    size_t len = 48;
    if (serial) {
        put32(buf + QGA_WIN_SDD_SERIAL_OFFSET_OFFSET, 48);
        memcpy(buf + 48, serial, strlen(serial) + 1);
        len += strlen(serial) + 1;
    }
    return len;
}

static void test_device_descriptor(void)
{
    uint8_t buf[512];
    uint32_t bus = 0, needed = 0;
    char *serial = NULL;

    size_t len = make_descriptor(buf, sizeof(buf), 0x01, "QM00001", 56);
    g_assert_cmpint(qga_win_decode_device_descriptor(buf, len, &bus, &needed, &serial), ==, 0);
    g_assert_cmpuint(bus, ==, 1);
    g_assert_cmpuint(needed, ==, 56);
    g_assert_cmpstr(serial, ==, "QM00001");
    g_free(serial);

    /* No serial (offset 0), and an empty one: absent. */
    len = make_descriptor(buf, sizeof(buf), 0x11, NULL, 48);
    g_assert_cmpint(qga_win_decode_device_descriptor(buf, len, &bus, &needed, &serial), ==, 0);
    g_assert_null(serial);
    len = make_descriptor(buf, sizeof(buf), 0x11, "", 49);
    g_assert_cmpint(qga_win_decode_device_descriptor(buf, len, &bus, &needed, &serial), ==, 0);
    g_assert_null(serial);

    /* Hostile: the serial offset beyond what we received, or pointing into the header. */
    len = make_descriptor(buf, sizeof(buf), 0x01, "ABC", 52);
    put32(buf + QGA_WIN_SDD_SERIAL_OFFSET_OFFSET, 4000);
    g_assert_cmpint(qga_win_decode_device_descriptor(buf, len, &bus, &needed, &serial), ==, 0);
    g_assert_null(serial);
    put32(buf + QGA_WIN_SDD_SERIAL_OFFSET_OFFSET, 8);
    g_assert_cmpint(qga_win_decode_device_descriptor(buf, len, &bus, &needed, &serial), ==, 0);
    g_assert_null(serial);

    /* Hostile: a serial without its NUL, cut by the buffer end: kept up to the end, no over-read. */
    len = make_descriptor(buf, sizeof(buf), 0x01, "ABCDEFGH", 57);
    g_assert_cmpint(qga_win_decode_device_descriptor(buf, len - 4, &bus, &needed, &serial), ==, 0);
    g_assert_cmpstr(serial, ==, "ABCDE");
    g_free(serial);

    /* A truncated first answer tells the size to ask for. */
    len = make_descriptor(buf, sizeof(buf), 0x01, "SERIAL", 1000);
    g_assert_cmpint(qga_win_decode_device_descriptor(buf, 40, &bus, &needed, &serial), ==, 0);
    g_assert_cmpuint(needed, ==, 1000);
    g_assert_null(serial);

    /* Too short to hold the bus type. */
    g_assert_cmpint(qga_win_decode_device_descriptor(buf, QGA_WIN_SDD_MIN_LEN - 1, &bus, &needed, &serial), ==, -1);
    g_assert_cmpint(qga_win_decode_device_descriptor(NULL, 100, &bus, &needed, &serial), ==, -1);
}

static void test_disk_extents(void)
{
    uint8_t buf[8 + 24 * 4];
    memset(buf, 0, sizeof(buf));
    put32(buf, 3);
    put32(buf + 8, 2);
    put32(buf + 8 + 24, 0);
    put32(buf + 8 + 48, 2); /* the same disk twice (two extents on disk 2) */
    uint32_t *disks = NULL, count = 0;
    size_t n = 0;
    g_assert_cmpint(qga_win_decode_disk_extents(buf, 8 + 24 * 3, &disks, &n, &count), ==, 0);
    g_assert_cmpuint(count, ==, 3);
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpuint(disks[0], ==, 2);
    g_assert_cmpuint(disks[1], ==, 0);
    g_free(disks);

    /* Hostile: a huge claimed count with a one-extent buffer (ERROR_MORE_DATA): only what fits. */
    put32(buf, 0xffffffff);
    g_assert_cmpint(qga_win_decode_disk_extents(buf, 8 + 24, &disks, &n, &count), ==, 0);
    g_assert_cmpuint(count, ==, 0xffffffff);
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpuint(disks[0], ==, 2);
    g_free(disks);

    /* A partial extent at the end is not read. */
    put32(buf, 2);
    g_assert_cmpint(qga_win_decode_disk_extents(buf, 8 + 24 + 10, &disks, &n, &count), ==, 0);
    g_assert_cmpuint(n, ==, 1);
    g_free(disks);

    /* Zero extents; a buffer shorter than the header. */
    put32(buf, 0);
    disks = (uint32_t *)0x1;
    g_assert_cmpint(qga_win_decode_disk_extents(buf, 8, &disks, &n, &count), ==, 0);
    g_assert_cmpuint(n, ==, 0);
    g_assert_null(disks);
    g_assert_cmpint(qga_win_decode_disk_extents(buf, 7, &disks, &n, &count), ==, -1);
}

static void test_pci_id(void)
{
    uint16_t v = 0, d = 0;
    g_assert_true(qga_win_parse_pci_id("PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00", &v, &d));
    g_assert_cmphex(v, ==, 0x1af4);
    g_assert_cmphex(d, ==, 0x1001);
    /* Device ids with C-F (qemu-ga's pattern only allows 0-9 and A-B and misses these). */
    g_assert_true(qga_win_parse_pci_id("PCI\\VEN_1B36&DEV_000D", &v, &d));
    g_assert_cmphex(d, ==, 0x000d);
    g_assert_true(qga_win_parse_pci_id("PCI\\VEN_1AF4&DEV_105F&CC_0100", &v, &d));
    g_assert_cmphex(d, ==, 0x105f);
    g_assert_true(qga_win_parse_pci_id("pci\\ven_1af4&dev_1c0e", &v, &d));
    g_assert_cmphex(d, ==, 0x1c0e);
    /* An instance ID: the id goes on with '\'. */
    g_assert_true(qga_win_parse_pci_id("PCI\\VEN_8086&DEV_2922&SUBSYS_11001AF4&REV_02\\3&267A616A&0&FA", &v, &d));
    g_assert_cmphex(v, ==, 0x8086);
    g_assert_cmphex(d, ==, 0x2922);

    static const char *const bad[] = {
        "", "PCI\\", "PCI\\VEN_1AF4", "PCI\\VEN_1AF4&DEV_", "PCI\\VEN_1AF4&DEV_10", "PCI\\VEN_1AF4&DEV_1001X",
        "PCI\\VEN_1AG4&DEV_1001", "PCI\\VEN_1AF4&SUBSYS_1001", "USB\\VID_1AF4&PID_1001", "PCI/VEN_1AF4&DEV_1001",
        "SCSI\\Disk&Ven_QEMU&Prod_HARDDISK", "PCI\\VEN_1AF4&DEV_10011",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        if (qga_win_parse_pci_id(bad[i], &v, &d))
            g_error("accepted \"%s\"", bad[i]);
    }
    g_assert_false(qga_win_parse_pci_id(NULL, &v, &d));

    g_assert_true(qga_win_is_qemu_pci_vendor(0x1af4));
    g_assert_true(qga_win_is_qemu_pci_vendor(0x1b36));
    g_assert_false(qga_win_is_qemu_pci_vendor(0x8086));
}

static void test_controller_bus_type(void)
{
    /* virtio-blk (legacy and modern): "virtio" whatever viostor reported. */
    g_assert_cmpint(qga_win_controller_bus_type(0x1af4, 0x1001, QGA_DISK_BUS_SCSI), ==, QGA_DISK_BUS_VIRTIO);
    g_assert_cmpint(qga_win_controller_bus_type(0x1af4, 0x1042, QGA_DISK_BUS_RAID), ==, QGA_DISK_BUS_VIRTIO);
    g_assert_true(qga_win_is_virtio_blk(0x1af4, 0x1042));
    /* virtio-scsi: "scsi" (vioscsi may report SAS). */
    g_assert_cmpint(qga_win_controller_bus_type(0x1af4, 0x1004, QGA_DISK_BUS_SAS), ==, QGA_DISK_BUS_SCSI);
    g_assert_cmpint(qga_win_controller_bus_type(0x1af4, 0x1048, QGA_DISK_BUS_UNKNOWN), ==, QGA_DISK_BUS_SCSI);
    g_assert_false(qga_win_is_virtio_blk(0x1af4, 0x1048));
    /* Others keep the storage stack's answer (AHCI, NVMe, a virtio-net id, another vendor). */
    g_assert_cmpint(qga_win_controller_bus_type(0x8086, 0x2922, QGA_DISK_BUS_SATA), ==, QGA_DISK_BUS_SATA);
    g_assert_cmpint(qga_win_controller_bus_type(0x1b36, 0x0010, QGA_DISK_BUS_NVME), ==, QGA_DISK_BUS_NVME);
    g_assert_cmpint(qga_win_controller_bus_type(0x1af4, 0x1000, QGA_DISK_BUS_UNKNOWN), ==, QGA_DISK_BUS_UNKNOWN);
    g_assert_cmpint(qga_win_controller_bus_type(0x1234, 0x1001, QGA_DISK_BUS_SCSI), ==, QGA_DISK_BUS_SCSI);
}

static void test_pci_address(void)
{
    QgaPciAddress a = qga_win_pci_address(true, 0, true, (4u << 16) | 0);
    g_assert_cmpint(a.domain, ==, 0);
    g_assert_cmpint(a.bus, ==, 0);
    g_assert_cmpint(a.slot, ==, 4);
    g_assert_cmpint(a.function, ==, 0);
    a = qga_win_pci_address(true, 1, true, (0x1f << 16) | 7);
    g_assert_cmpint(a.bus, ==, 1);
    g_assert_cmpint(a.slot, ==, 31);
    g_assert_cmpint(a.function, ==, 7);
    /* Anything unknown or out of range: the whole address unknown, never half of it. */
    static const struct {
        bool has_bus;
        uint32_t bus;
        bool has_addr;
        uint32_t addr;
    } bad[] = {
        { false, 0, true, 0x40000 }, { true, 0, false, 0 }, { true, 256, true, 0x40000 },
        { true, 0, true, 32u << 16 }, { true, 0, true, 0x40008 }, { true, 0, true, 0xffffffff },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        a = qga_win_pci_address(bad[i].has_bus, bad[i].bus, bad[i].has_addr, bad[i].addr);
        g_assert_cmpint(a.domain, ==, -1);
        g_assert_cmpint(a.bus, ==, -1);
        g_assert_cmpint(a.slot, ==, -1);
        g_assert_cmpint(a.function, ==, -1);
    }
}

static void test_filetime(void)
{
    int64_t ns = 0;
    g_assert_true(qga_win_filetime_to_ns(G_GUINT64_CONSTANT(116444736000000000), &ns));
    g_assert_cmpint(ns, ==, 0);
    /* 2024-02-13 00:00:00 UTC (a virtio-win driver date) */
    g_assert_true(qga_win_filetime_to_ns(G_GUINT64_CONSTANT(133522560000000000), &ns));
    g_assert_cmpint(ns, ==, G_GINT64_CONSTANT(1707782400) * 1000000000);
    /* Before 1970: negative, as qemu-ga computes it (1960-01-01); 1601 itself does not fit. */
    g_assert_true(qga_win_filetime_to_ns(G_GUINT64_CONSTANT(113288544000000000), &ns));
    g_assert_cmpint(ns, ==, G_GINT64_CONSTANT(-315619200) * 1000000000);
    g_assert_false(qga_win_filetime_to_ns(0, &ns));
    /* Beyond what ns in an int64 can hold (year 2262): no date rather than a wrapped one. */
    g_assert_false(qga_win_filetime_to_ns(G_GUINT64_CONSTANT(0x7fffffffffffffff), &ns));
    g_assert_false(qga_win_filetime_to_ns(G_MAXUINT64, &ns));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/storage/win32/bus-type", test_bus_type);
    g_test_add_func("/storage/win32/device-descriptor", test_device_descriptor);
    g_test_add_func("/storage/win32/disk-extents", test_disk_extents);
    g_test_add_func("/storage/win32/pci-id", test_pci_id);
    g_test_add_func("/storage/win32/controller-bus-type", test_controller_bus_type);
    g_test_add_func("/storage/win32/pci-address", test_pci_address);
    g_test_add_func("/storage/win32/filetime", test_filetime);
    return g_test_run();
}

/* The Windows storage primitives (volumes, disk addresses, devices) called directly under Wine. */
#include "os/win32/storage-win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "os/win32/storage-decode.h"
#include "core/mem.h"
#include "os/storage.h"

/*
 * What Wine 8 gives these calls (and so what can be checked here): FindFirstVolumeW lists C:\ and
 * Z:\ (the Linux root) as NTFS with the host's sizes; every volume and \\.\PhysicalDriveN opens,
 * IOCTL_STORAGE_QUERY_PROPERTY answers BusType SCSI without a serial,
 * IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS answers zero extents; SetupAPI enumerates no devices, so no
 * PCI controller is ever found. The decoders and the virtio identification are tested on recorded
 * data in tests/unit/test-storage-win-decode.c.
 */

#include "wintap.h"

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void test_fsinfo_volumes(void)
{
    QgaFsInfo *fs = NULL;
    size_t n = 0;
    QgaError *err = NULL;
    CHECK(qga_os_get_fsinfo(&fs, &n, &err) == 0, "%s", err ? err->desc : "");
    CHECK(n >= 2, "%zu volumes", n);
    bool saw_c = false, saw_z = false;
    for (size_t i = 0; i < n; i++) {
        printf("# %s %s %s used=%llu total=%llu disks=%zu\n", fs[i].name, fs[i].mountpoint, fs[i].type,
               (unsigned long long)fs[i].used_bytes, (unsigned long long)fs[i].total_bytes, fs[i].n_disks);
        CHECK(strncmp(fs[i].name, "\\\\?\\Volume{", 11) == 0 && ends_with(fs[i].name, "}\\"), "%s", fs[i].name);
        CHECK(strcmp(fs[i].type, "NTFS") == 0, "%s", fs[i].type);
        CHECK(fs[i].has_sizes && fs[i].total_bytes > 0 && fs[i].used_bytes <= fs[i].total_bytes, "sizes");
        CHECK(!fs[i].has_total_privileged, "Windows has no privileged total");
        saw_c |= strcmp(fs[i].mountpoint, "C:\\") == 0;
        saw_z |= strcmp(fs[i].mountpoint, "Z:\\") == 0;
    }
    CHECK(saw_c && saw_z, "C:\\ and Z:\\ listed");
    qga_fsinfo_free_array(fs, n);
}

static void test_disk_address_path(void)
{
    /* The whole IOCTL path on a disk Wine can open: bus type from the descriptor, no serial,
     * PathId/TargetId/Lun for SCSI, and every PCI part -1 because no controller is found. */
    QgaDiskAddress a;
    qga_disk_address_init(&a);
    bool ok = qga_win_disk_address(L"\\\\.\\PhysicalDrive0", 0, &a);
    CHECK(ok, "PhysicalDrive0 queried");
    CHECK(strcmp(qga_disk_bus_type_name(a.bus_type), "scsi") == 0, "%s", qga_disk_bus_type_name(a.bus_type));
    CHECK(a.pci.domain == -1 && a.pci.bus == -1 && a.pci.slot == -1 && a.pci.function == -1, "pci unknown");
    CHECK(a.bus >= 0 && a.target >= 0 && a.unit >= 0, "bus/target/unit");
    qga_disk_address_clear(&a);

    /* A device that does not exist: false, nothing invented. */
    qga_disk_address_init(&a);
    CHECK(!qga_win_disk_address(L"\\\\.\\PhysicalDrive4711", 0, &a), "missing drive");
    CHECK(a.bus_type == QGA_DISK_BUS_UNKNOWN && a.pci.slot == -1 && !a.serial, "untouched");
    qga_disk_address_clear(&a);

    HANDLE h = qga_win_open_device(L"\\\\.\\PhysicalDrive0");
    CHECK(h != INVALID_HANDLE_VALUE, "open");
    DWORD type = 0, number = 99;
    CHECK(qga_win_device_number(h, &type, &number), "device number");
    CloseHandle(h);
}

static void test_disks_and_devices(void)
{
    /* SetupAPI lists no disk interfaces and no devices under Wine: empty lists, not errors. */
    QgaDiskInfo *d = NULL;
    size_t n = 0;
    QgaError *err = NULL;
    CHECK(qga_os_get_disks(&d, &n, &err) == 0, "get-disks");
    printf("# %zu disks\n", n);
    for (size_t i = 0; i < n; i++)
        CHECK(strncmp(d[i].name, "\\\\.\\PhysicalDrive", 17) == 0 && !d[i].partition, "%s", d[i].name);
    qga_disk_info_free_array(d, n);

    QgaDeviceInfo *dev = NULL;
    CHECK(qga_os_get_devices(&dev, &n, &err) == 0, "get-devices");
    printf("# %zu devices\n", n);
    for (size_t i = 0; i < n; i++)
        CHECK(dev[i].has_pci_id && qga_win_is_qemu_pci_vendor(dev[i].vendor_id), "vendor");
    qga_device_info_free_array(dev, n);
}

static const TestCase tests[] = {
    { "/win32/storage/fsinfo-volumes", test_fsinfo_volumes },
    { "/win32/storage/disk-address-path", test_disk_address_path },
    { "/win32/storage/disks-and-devices", test_disks_and_devices },
};

int main(void)
{
    return wintap_run(tests, QGA_N_ELEMENTS(tests));
}

/* Storage results shared by the fsinfo, disk, diskstats and device families: wire names, growth, freeing. */
#include "model/storage.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static const char *const bus_type_names[QGA_DISK_BUS_COUNT_] = {
    [QGA_DISK_BUS_IDE] = "ide",
    [QGA_DISK_BUS_FDC] = "fdc",
    [QGA_DISK_BUS_SCSI] = "scsi",
    [QGA_DISK_BUS_VIRTIO] = "virtio",
    [QGA_DISK_BUS_XEN] = "xen",
    [QGA_DISK_BUS_USB] = "usb",
    [QGA_DISK_BUS_UML] = "uml",
    [QGA_DISK_BUS_SATA] = "sata",
    [QGA_DISK_BUS_SD] = "sd",
    [QGA_DISK_BUS_UNKNOWN] = "unknown",
    [QGA_DISK_BUS_IEEE1394] = "ieee1394",
    [QGA_DISK_BUS_SSA] = "ssa",
    [QGA_DISK_BUS_FIBRE] = "fibre",
    [QGA_DISK_BUS_RAID] = "raid",
    [QGA_DISK_BUS_ISCSI] = "iscsi",
    [QGA_DISK_BUS_SAS] = "sas",
    [QGA_DISK_BUS_MMC] = "mmc",
    [QGA_DISK_BUS_VIRTUAL] = "virtual",
    [QGA_DISK_BUS_FILE_BACKED_VIRTUAL] = "file-backed-virtual",
    [QGA_DISK_BUS_NVME] = "nvme",
};

const char *qga_disk_bus_type_name(QgaDiskBusType type)
{
    if ((unsigned)type >= QGA_DISK_BUS_COUNT_)
        return "unknown";
    return bus_type_names[type];
}

static const char *const stat_names[QGA_DISK_STAT_COUNT_] = {
    [QGA_DISK_STAT_READ_SECTORS] = "read-sectors",
    [QGA_DISK_STAT_READ_IOS] = "read-ios",
    [QGA_DISK_STAT_READ_MERGES] = "read-merges",
    [QGA_DISK_STAT_WRITE_SECTORS] = "write-sectors",
    [QGA_DISK_STAT_WRITE_IOS] = "write-ios",
    [QGA_DISK_STAT_WRITE_MERGES] = "write-merges",
    [QGA_DISK_STAT_DISCARD_SECTORS] = "discard-sectors",
    [QGA_DISK_STAT_DISCARD_IOS] = "discard-ios",
    [QGA_DISK_STAT_DISCARD_MERGES] = "discard-merges",
    [QGA_DISK_STAT_FLUSH_IOS] = "flush-ios",
    [QGA_DISK_STAT_READ_TICKS] = "read-ticks",
    [QGA_DISK_STAT_WRITE_TICKS] = "write-ticks",
    [QGA_DISK_STAT_DISCARD_TICKS] = "discard-ticks",
    [QGA_DISK_STAT_FLUSH_TICKS] = "flush-ticks",
    [QGA_DISK_STAT_IOS_PGR] = "ios-pgr",
    [QGA_DISK_STAT_TOTAL_TICKS] = "total-ticks",
    [QGA_DISK_STAT_WEIGHT_TICKS] = "weight-ticks",
};

const char *qga_disk_stat_name(QgaDiskStat stat)
{
    return (unsigned)stat < QGA_DISK_STAT_COUNT_ ? stat_names[stat] : NULL;
}

void qga_disk_address_init(QgaDiskAddress *addr)
{
    *addr = (QgaDiskAddress){ 0 };
    addr->pci = QGA_PCI_ADDRESS_UNKNOWN;
    addr->bus_type = QGA_DISK_BUS_UNKNOWN;
}

void qga_disk_address_clear(QgaDiskAddress *addr)
{
    if (!addr)
        return;
    free(addr->serial);
    free(addr->dev);
    qga_disk_address_init(addr);
}

void *qga_array_push(void *items_ptr, size_t *n, size_t elem_size)
{
    void **items = items_ptr;
    /* Capacity is implicit: grow to the next power of two whenever n is one. */
    if (*n == 0 || (*n & (*n - 1)) == 0) {
        size_t cap = *n ? *n * 2 : 1;
        *items = qga_realloc(*items, cap * elem_size);
    }
    char *elem = (char *)*items + *n * elem_size;
    memset(elem, 0, elem_size);
    (*n)++;
    return elem;
}

void qga_fsinfo_clear(QgaFsInfo *fs)
{
    free(fs->name);
    free(fs->mountpoint);
    free(fs->type);
    for (size_t i = 0; i < fs->n_disks; i++)
        qga_disk_address_clear(&fs->disks[i]);
    free(fs->disks);
    *fs = (QgaFsInfo){ 0 };
}

void qga_fsinfo_free_array(QgaFsInfo *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        qga_fsinfo_clear(&items[i]);
    free(items);
}

void qga_disk_info_clear(QgaDiskInfo *disk)
{
    free(disk->name);
    for (size_t i = 0; i < disk->n_dependencies; i++)
        free(disk->dependencies[i]);
    free(disk->dependencies);
    if (disk->address) {
        qga_disk_address_clear(disk->address);
        free(disk->address);
    }
    free(disk->alias);
    free(disk->smart);
    *disk = (QgaDiskInfo){ 0 };
}

void qga_disk_info_free_array(QgaDiskInfo *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        qga_disk_info_clear(&items[i]);
    free(items);
}

void qga_disk_stats_free_array(QgaDiskStatsInfo *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i].name);
    free(items);
}

void qga_device_info_free_array(QgaDeviceInfo *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].driver_name);
        free(items[i].driver_version);
    }
    free(items);
}

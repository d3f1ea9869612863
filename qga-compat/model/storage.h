/* Filesystems, disks and their addresses, disk statistics, devices: shared by commands/ and os/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* GuestDiskBusType, in the schema's order (the names are in commands/storage.c). */
typedef enum QgaDiskBusType {
    QGA_DISK_BUS_IDE,
    QGA_DISK_BUS_FDC,
    QGA_DISK_BUS_SCSI,
    QGA_DISK_BUS_VIRTIO,
    QGA_DISK_BUS_XEN,
    QGA_DISK_BUS_USB,
    QGA_DISK_BUS_UML,
    QGA_DISK_BUS_SATA,
    QGA_DISK_BUS_SD,
    QGA_DISK_BUS_UNKNOWN,
    QGA_DISK_BUS_IEEE1394,
    QGA_DISK_BUS_SSA,
    QGA_DISK_BUS_FIBRE,
    QGA_DISK_BUS_RAID,
    QGA_DISK_BUS_ISCSI,
    QGA_DISK_BUS_SAS,
    QGA_DISK_BUS_MMC,
    QGA_DISK_BUS_VIRTUAL,
    QGA_DISK_BUS_FILE_BACKED_VIRTUAL,
    QGA_DISK_BUS_NVME,
    QGA_DISK_BUS_COUNT_,
} QgaDiskBusType;

/* Wire name of a bus type ("virtio", "file-backed-virtual", ...). */
const char *qga_disk_bus_type_name(QgaDiskBusType type);

/* GuestPCIAddress: every part -1 when unknown (qemu-ga's documented convention). */
typedef struct QgaPciAddress {
    int64_t domain, bus, slot, function;
} QgaPciAddress;

#define QGA_PCI_ADDRESS_UNKNOWN ((QgaPciAddress){ -1, -1, -1, -1 })

/* GuestCCWAddress (s390 channel I/O). */
typedef struct QgaCcwAddress {
    int64_t cssid, ssid, subchno, devno;
} QgaCcwAddress;

/* GuestDiskAddress. */
typedef struct QgaDiskAddress {
    QgaPciAddress pci;          /* the controller (virtio-blk, NVMe: the disk's own PCI function) */
    QgaDiskBusType bus_type;
    int64_t bus, target, unit;
    char *serial;               /* heap; NULL = omitted */
    char *dev;                  /* heap; NULL = omitted */
    bool has_ccw;
    QgaCcwAddress ccw;
} QgaDiskAddress;

/* A fresh address: bus type unknown, PCI -1s, bus/target/unit 0 (qemu-ga's defaults). */
void qga_disk_address_init(QgaDiskAddress *addr);
void qga_disk_address_clear(QgaDiskAddress *addr);

/* GuestFilesystemInfo. */
typedef struct QgaFsInfo {
    char *name;
    char *mountpoint;
    char *type;
    bool has_sizes;             /* used-bytes and total-bytes */
    uint64_t used_bytes, total_bytes;
    bool has_total_privileged;
    uint64_t total_bytes_privileged;
    QgaDiskAddress *disks;      /* the "disk" array (may be empty, never omitted) */
    size_t n_disks;
} QgaFsInfo;

/* GuestNVMeSmart: the SMART / Health Information log page (NVMe 1.4, log id 02h). */
typedef struct QgaNvmeSmart {
    int64_t critical_warning;
    int64_t temperature;
    int64_t available_spare;
    int64_t available_spare_threshold;
    int64_t percentage_used;
    /* 128-bit little-endian counters split in lo/hi, in the schema's order:
     * data-units-read, data-units-written, host-read-commands, host-write-commands,
     * controller-busy-time, power-cycles, power-on-hours, unsafe-shutdowns, media-errors,
     * number-of-error-log-entries. */
    uint64_t counters[10][2];
} QgaNvmeSmart;

/* GuestDiskInfo. */
typedef struct QgaDiskInfo {
    char *name;
    bool partition;
    bool has_dependencies;
    char **dependencies;        /* heap strings */
    size_t n_dependencies;
    QgaDiskAddress *address;    /* heap; NULL = omitted */
    char *alias;                /* NULL = omitted */
    QgaNvmeSmart *smart;        /* heap; NULL = omitted */
} QgaDiskInfo;

/* GuestDiskStats members, in the schema's order. */
typedef enum QgaDiskStat {
    QGA_DISK_STAT_READ_SECTORS,
    QGA_DISK_STAT_READ_IOS,
    QGA_DISK_STAT_READ_MERGES,
    QGA_DISK_STAT_WRITE_SECTORS,
    QGA_DISK_STAT_WRITE_IOS,
    QGA_DISK_STAT_WRITE_MERGES,
    QGA_DISK_STAT_DISCARD_SECTORS,
    QGA_DISK_STAT_DISCARD_IOS,
    QGA_DISK_STAT_DISCARD_MERGES,
    QGA_DISK_STAT_FLUSH_IOS,
    QGA_DISK_STAT_READ_TICKS,
    QGA_DISK_STAT_WRITE_TICKS,
    QGA_DISK_STAT_DISCARD_TICKS,
    QGA_DISK_STAT_FLUSH_TICKS,
    QGA_DISK_STAT_IOS_PGR,
    QGA_DISK_STAT_TOTAL_TICKS,
    QGA_DISK_STAT_WEIGHT_TICKS,
    QGA_DISK_STAT_COUNT_,
} QgaDiskStat;

/* Wire name of a counter ("read-sectors", ...). */
const char *qga_disk_stat_name(QgaDiskStat stat);

/* GuestDiskStatsInfo. */
typedef struct QgaDiskStatsInfo {
    char *name;
    uint64_t major, minor;
    uint32_t present;           /* bit (1 << QgaDiskStat) set when that counter is reported */
    uint64_t values[QGA_DISK_STAT_COUNT_];
} QgaDiskStatsInfo;

/* GuestDeviceInfo. */
typedef struct QgaDeviceInfo {
    char *driver_name;
    char *driver_version;       /* NULL = omitted */
    bool has_driver_date;
    int64_t driver_date_ns;     /* ns since the Unix epoch */
    bool has_pci_id;
    uint16_t vendor_id, device_id;
} QgaDeviceInfo;

/* Portable helpers (commands/storage.c): release arrays and grow them one element at a time. */
void qga_fsinfo_clear(QgaFsInfo *fs);
void qga_fsinfo_free_array(QgaFsInfo *items, size_t n);
void qga_disk_info_clear(QgaDiskInfo *disk);
void qga_disk_info_free_array(QgaDiskInfo *items, size_t n);
void qga_disk_stats_free_array(QgaDiskStatsInfo *items, size_t n);
void qga_device_info_free_array(QgaDeviceInfo *items, size_t n);
/* Append a zeroed element of elem_size bytes to *items (count *n) and return it. */
void *qga_array_push(void *items_ptr, size_t *n, size_t elem_size);

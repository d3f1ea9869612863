/* Decoders of the Windows storage structures and device IDs (no Windows headers: tested on Linux). */
#include "storage-decode.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

QgaDiskBusType qga_win_bus_type(uint32_t t)
{
    /* STORAGE_BUS_TYPE values (winioctl.h). */
    static const QgaDiskBusType map[] = {
        [0x00] = QGA_DISK_BUS_UNKNOWN,             /* BusTypeUnknown */
        [0x01] = QGA_DISK_BUS_SCSI,                /* BusTypeScsi */
        [0x02] = QGA_DISK_BUS_IDE,                 /* BusTypeAtapi */
        [0x03] = QGA_DISK_BUS_IDE,                 /* BusTypeAta */
        [0x04] = QGA_DISK_BUS_IEEE1394,            /* BusType1394 */
        [0x05] = QGA_DISK_BUS_SSA,                 /* BusTypeSsa */
        [0x06] = QGA_DISK_BUS_FIBRE,               /* BusTypeFibre */
        [0x07] = QGA_DISK_BUS_USB,                 /* BusTypeUsb */
        [0x08] = QGA_DISK_BUS_RAID,                /* BusTypeRAID */
        [0x09] = QGA_DISK_BUS_ISCSI,               /* BusTypeiScsi */
        [0x0a] = QGA_DISK_BUS_SAS,                 /* BusTypeSas */
        [0x0b] = QGA_DISK_BUS_SATA,                /* BusTypeSata */
        [0x0c] = QGA_DISK_BUS_SD,                  /* BusTypeSd */
        [0x0d] = QGA_DISK_BUS_MMC,                 /* BusTypeMmc */
        [0x0e] = QGA_DISK_BUS_VIRTUAL,             /* BusTypeVirtual */
        [0x0f] = QGA_DISK_BUS_FILE_BACKED_VIRTUAL, /* BusTypeFileBackedVirtual */
        [0x10] = QGA_DISK_BUS_UNKNOWN,             /* BusTypeSpaces: no schema value */
        [0x11] = QGA_DISK_BUS_NVME,                /* BusTypeNvme */
        [0x12] = QGA_DISK_BUS_UNKNOWN,             /* BusTypeSCM */
        [0x13] = QGA_DISK_BUS_UNKNOWN,             /* BusTypeUfs */
    };
    return t < QGA_N_ELEMENTS(map) ? map[t] : QGA_DISK_BUS_UNKNOWN;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int qga_win_decode_device_descriptor(const uint8_t *buf, size_t len, uint32_t *ret_bus_type,
                                     uint32_t *ret_needed, char **ret_serial)
{
    if (!buf || len < QGA_WIN_SDD_MIN_LEN)
        return -1;
    *ret_bus_type = le32(buf + QGA_WIN_SDD_BUS_TYPE_OFFSET);
    *ret_needed = le32(buf + QGA_WIN_SDD_SIZE_OFFSET);
    *ret_serial = NULL;
    /* 0 means "no serial"; the string is NUL-terminated inside the descriptor, but a driver's
     * buffer is not trusted: stop at the end of what we received. */
    uint32_t off = le32(buf + QGA_WIN_SDD_SERIAL_OFFSET_OFFSET);
    if (off >= QGA_WIN_SDD_MIN_LEN && off < len) {
        const char *s = (const char *)buf + off;
        size_t n = strnlen(s, len - off);
        if (n > 0)
            *ret_serial = qga_strndup(s, n);
    }
    return 0;
}

int qga_win_decode_disk_extents(const uint8_t *buf, size_t len, uint32_t **ret_disks, size_t *ret_n,
                                uint32_t *ret_count)
{
    if (!buf || len < QGA_WIN_VDE_EXTENTS_OFFSET)
        return -1;
    uint32_t count = le32(buf);
    size_t fit = (len - QGA_WIN_VDE_EXTENTS_OFFSET) / QGA_WIN_DISK_EXTENT_SIZE;
    size_t use = count < fit ? count : fit;
    uint32_t *disks = NULL;
    size_t n = 0;
    for (size_t i = 0; i < use; i++) {
        uint32_t disk = le32(buf + QGA_WIN_VDE_EXTENTS_OFFSET + i * QGA_WIN_DISK_EXTENT_SIZE);
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = disks[k] == disk;
        if (!seen)
            *(uint32_t *)qga_array_push(&disks, &n, sizeof(uint32_t)) = disk;
    }
    *ret_disks = disks;
    *ret_n = n;
    *ret_count = count;
    return 0;
}

static bool parse_hex4(const char *s, uint16_t *ret)
{
    uint16_t v = 0;
    for (int i = 0; i < 4; i++) {
        int c = (unsigned char)s[i];
        if (!isxdigit(c))
            return false;
        v = (uint16_t)(v << 4 | (isdigit(c) ? c - '0' : tolower(c) - 'a' + 10));
    }
    *ret = v;
    return true;
}

/* ASCII case-insensitive prefix test (device IDs are ASCII; no locale, no strncasecmp on mingw). */
static bool has_prefix_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
            return false;
    }
    return true;
}

bool qga_win_parse_pci_id(const char *id, uint16_t *ret_vendor, uint16_t *ret_device)
{
    /* Device IDs are case-insensitive ("PCI\VEN_1af4&DEV_1001" names the same device). */
    if (!id || !has_prefix_ci(id, "PCI\\VEN_"))
        return false;
    uint16_t vendor, device;
    if (!parse_hex4(id + 8, &vendor) || !has_prefix_ci(id + 12, "&DEV_") || !parse_hex4(id + 17, &device))
        return false;
    char next = id[21];
    if (next != '\0' && next != '&' && next != '\\')
        return false;
    *ret_vendor = vendor;
    *ret_device = device;
    return true;
}

bool qga_win_is_qemu_pci_vendor(uint16_t vendor)
{
    return vendor == 0x1af4 || vendor == 0x1b36;
}

bool qga_win_is_virtio_blk(uint16_t vendor, uint16_t device)
{
    return vendor == 0x1af4 && (device == 0x1001 || device == 0x1042);
}

QgaDiskBusType qga_win_controller_bus_type(uint16_t vendor, uint16_t device, QgaDiskBusType reported)
{
    if (qga_win_is_virtio_blk(vendor, device))
        return QGA_DISK_BUS_VIRTIO;
    if (vendor == 0x1af4 && (device == 0x1004 || device == 0x1048))
        return QGA_DISK_BUS_SCSI;
    return reported;
}

QgaPciAddress qga_win_pci_address(bool has_bus, uint32_t bus, bool has_address, uint32_t address)
{
    uint32_t dev = address >> 16, fn = address & 0xffff;
    if (!has_bus || !has_address || bus > 255 || dev > 31 || fn > 7)
        return QGA_PCI_ADDRESS_UNKNOWN;
    return (QgaPciAddress){ 0, bus, dev, fn };
}

bool qga_win_filetime_to_ns(uint64_t filetime, int64_t *ret_ns)
{
    /* 11644473600 s between 1601-01-01 and 1970-01-01, in 100 ns units. */
    const int64_t epoch = INT64_C(116444736000000000);
    if (filetime > (uint64_t)INT64_MAX)
        return false;
    int64_t t = (int64_t)filetime - epoch;
    if (t > INT64_MAX / 100 || t < INT64_MIN / 100)
        return false;
    *ret_ns = t * 100;
    return true;
}

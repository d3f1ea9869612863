/* Windows disk addresses: storage IOCTLs for bus type, serial and SCSI address, CfgMgr for the PCI controller. */
#include "win32.h"

#include <initguid.h>
#include <winioctl.h>
#include <ntddscsi.h>
#include <setupapi.h>
#include <cfgmgr32.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "storage-decode.h"
#include "storage-win32.h"

/* The decoders read the documented layouts; make sure they are this compiler's. */
_Static_assert(offsetof(STORAGE_DEVICE_DESCRIPTOR, Size) == QGA_WIN_SDD_SIZE_OFFSET, "descriptor layout");
_Static_assert(offsetof(STORAGE_DEVICE_DESCRIPTOR, SerialNumberOffset) == QGA_WIN_SDD_SERIAL_OFFSET_OFFSET,
               "descriptor layout");
_Static_assert(offsetof(STORAGE_DEVICE_DESCRIPTOR, BusType) == QGA_WIN_SDD_BUS_TYPE_OFFSET, "descriptor layout");
_Static_assert(offsetof(VOLUME_DISK_EXTENTS, Extents) == QGA_WIN_VDE_EXTENTS_OFFSET, "extents layout");
_Static_assert(sizeof(DISK_EXTENT) == QGA_WIN_DISK_EXTENT_SIZE, "extents layout");

/* A descriptor (vendor, product, revision, serial strings) never needs more than this. */
#define MAX_DESCRIPTOR_BYTES 65536
/* Disk -> storage port -> ... -> PCI: a USB stick is four levels down; more is not a real tree. */
#define MAX_PARENT_DEPTH 16

HANDLE qga_win_open_device(const wchar_t *path)
{
    /* No access rights: enough for the query IOCTLs, and it works for unprivileged callers and
     * for disks another process holds open. */
    return CreateFileW(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
}

bool qga_win_device_number(HANDLE h, DWORD *ret_type, DWORD *ret_number)
{
    STORAGE_DEVICE_NUMBER sdn;
    DWORD got = 0;
    if (!DeviceIoControl(h, IOCTL_STORAGE_GET_DEVICE_NUMBER, NULL, 0, &sdn, sizeof(sdn), &got, NULL) ||
        got < sizeof(sdn))
        return false;
    *ret_type = sdn.DeviceType;
    *ret_number = sdn.DeviceNumber;
    return true;
}

/* The device path of one interface of a SetupAPI list (heap), and its device node. */
static wchar_t *interface_path(HDEVINFO set, SP_DEVICE_INTERFACE_DATA *iface, DEVINST *ret_devinst)
{
    DWORD size = 0;
    SP_DEVINFO_DATA info = { .cbSize = sizeof(info) };
    SetupDiGetDeviceInterfaceDetailW(set, iface, NULL, 0, &size, NULL);
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER || size < sizeof(SP_DEVICE_INTERFACE_DETAIL_DATA_W) ||
        size > 65536)
        return NULL;
    SP_DEVICE_INTERFACE_DETAIL_DATA_W *detail = qga_calloc(1, size);
    detail->cbSize = sizeof(*detail);
    if (!SetupDiGetDeviceInterfaceDetailW(set, iface, detail, size, NULL, &info)) {
        free(detail);
        return NULL;
    }
    size_t len = wcslen(detail->DevicePath);
    wchar_t *path = qga_malloc((len + 1) * sizeof(wchar_t));
    memcpy(path, detail->DevicePath, (len + 1) * sizeof(wchar_t));
    free(detail);
    *ret_devinst = info.DevInst;
    return path;
}

void qga_win_foreach_interface(const GUID *guid, QgaWinInterfaceFn fn, void *opaque)
{
    HDEVINFO set = SetupDiGetClassDevsW(guid, NULL, NULL, DIGCF_PRESENT | DIGCF_DEVICEINTERFACE);
    if (set == INVALID_HANDLE_VALUE)
        return;
    SP_DEVICE_INTERFACE_DATA iface = { .cbSize = sizeof(iface) };
    for (DWORD i = 0; SetupDiEnumDeviceInterfaces(set, NULL, guid, i, &iface); i++) {
        DEVINST devinst = 0;
        wchar_t *path = interface_path(set, &iface, &devinst);
        bool stop = path && fn(path, devinst, opaque);
        free(path);
        if (stop)
            break;
    }
    SetupDiDestroyDeviceInfoList(set);
}

typedef struct FindNumber {
    DWORD type, number;
    DEVINST found;
} FindNumber;

static bool match_number(const wchar_t *path, DEVINST devinst, void *opaque)
{
    FindNumber *f = opaque;
    HANDLE h = qga_win_open_device(path);
    if (h == INVALID_HANDLE_VALUE)
        return false;
    DWORD type, number;
    bool match = qga_win_device_number(h, &type, &number) && type == f->type && number == f->number;
    CloseHandle(h);
    if (match)
        f->found = devinst;
    return match;
}

/* The device node of disk (or CD-ROM) number N: the disk interface whose device number matches. */
static DEVINST find_devinst(DWORD type, DWORD number)
{
    FindNumber f = { type, number, 0 };
    qga_win_foreach_interface(type == FILE_DEVICE_CD_ROM ? &GUID_DEVINTERFACE_CDROM : &GUID_DEVINTERFACE_DISK,
                              match_number, &f);
    return f.found;
}

/* The device instance ID of a node, UTF-8 (heap), or NULL. */
static char *device_id(DEVINST devinst)
{
    ULONG len = 0;
    if (CM_Get_Device_ID_Size(&len, devinst, 0) != CR_SUCCESS || len == 0 || len > 4096)
        return NULL;
    wchar_t *w = qga_calloc(len + 1, sizeof(wchar_t));
    char *id = NULL;
    if (CM_Get_Device_IDW(devinst, w, len + 1, 0) == CR_SUCCESS)
        id = qga_win_utf16_to_utf8(w, -1);
    free(w);
    return id;
}

static bool registry_dword(DEVINST devinst, ULONG property, uint32_t *ret)
{
    DWORD value = 0;
    ULONG size = sizeof(value), type = 0;
    if (CM_Get_DevNode_Registry_PropertyW(devinst, property, &type, &value, &size, 0) != CR_SUCCESS ||
        size != sizeof(value))
        return false;
    *ret = value;
    return true;
}

/*
 * From the disk's node up, the first PCI device: viostor's or vioscsi's own function for virtio,
 * the SATA/IDE/SCSI/NVMe controller, or the USB host controller. Every CM_* failure just ends the
 * search (qemu-ga aborts the whole agent with g_error() there).
 */
static bool pci_controller(DEVINST devinst, QgaPciAddress *ret_pci, uint16_t *ret_vendor, uint16_t *ret_device)
{
    DEVINST node = devinst;
    for (int depth = 0; depth < MAX_PARENT_DEPTH; depth++) {
        _qga_cleanup_free_ char *id = device_id(node);
        uint16_t vendor, device;
        if (id && qga_win_parse_pci_id(id, &vendor, &device)) {
            uint32_t bus = 0, address = 0;
            bool has_bus = registry_dword(node, CM_DRP_BUSNUMBER, &bus);
            bool has_address = registry_dword(node, CM_DRP_ADDRESS, &address);
            *ret_pci = qga_win_pci_address(has_bus, bus, has_address, address);
            *ret_vendor = vendor;
            *ret_device = device;
            return true;
        }
        DEVINST parent;
        if (CM_Get_Parent(&parent, node, 0) != CR_SUCCESS)
            return false;
        node = parent;
    }
    return false;
}

/* Bus type and serial from IOCTL_STORAGE_QUERY_PROPERTY(StorageDeviceProperty). */
static bool query_descriptor(HANDLE h, QgaDiskAddress *addr)
{
    STORAGE_PROPERTY_QUERY query = { .PropertyId = StorageDeviceProperty, .QueryType = PropertyStandardQuery };
    DWORD size = 1024;
    for (int attempt = 0; attempt < 2; attempt++) {
        uint8_t *buf = qga_calloc(1, size);
        DWORD got = 0;
        if (!DeviceIoControl(h, IOCTL_STORAGE_QUERY_PROPERTY, &query, sizeof(query), buf, size, &got, NULL)) {
            free(buf);
            return false;
        }
        uint32_t bus_type = 0, needed = 0;
        char *serial = NULL;
        if (qga_win_decode_device_descriptor(buf, got, &bus_type, &needed, &serial) < 0) {
            free(buf);
            return false;
        }
        free(buf);
        if (needed > got && needed > size && needed <= MAX_DESCRIPTOR_BYTES && attempt == 0) {
            /* The serial may lie beyond the first buffer: ask again with the size it needs. */
            free(serial);
            size = needed;
            continue;
        }
        addr->bus_type = qga_win_bus_type(bus_type);
        free(addr->serial);
        addr->serial = serial;
        return true;
    }
    return false;
}

bool qga_win_disk_address(const wchar_t *path, DEVINST devinst, QgaDiskAddress *addr)
{
    HANDLE h = qga_win_open_device(path);
    if (h == INVALID_HANDLE_VALUE)
        return false;
    bool ok = query_descriptor(h, addr);

    /* PathId/TargetId/Lun are libvirt's bus/target/unit for SCSI, IDE, RAID and SAS disks
     * (the same bus types as qemu-ga). */
    if (ok && (addr->bus_type == QGA_DISK_BUS_SCSI || addr->bus_type == QGA_DISK_BUS_IDE ||
               addr->bus_type == QGA_DISK_BUS_RAID || addr->bus_type == QGA_DISK_BUS_SAS)) {
        SCSI_ADDRESS sa;
        DWORD got = 0;
        if (DeviceIoControl(h, IOCTL_SCSI_GET_ADDRESS, NULL, 0, &sa, sizeof(sa), &got, NULL) && got >= sizeof(sa)) {
            addr->bus = sa.PathId;
            addr->target = sa.TargetId;
            addr->unit = sa.Lun;
        }
    }

    if (!devinst) {
        DWORD type, number;
        if (qga_win_device_number(h, &type, &number))
            devinst = find_devinst(type, number);
    }
    CloseHandle(h);

    uint16_t vendor = 0, device = 0;
    if (devinst && pci_controller(devinst, &addr->pci, &vendor, &device)) {
        /* viostor reports its disks as SCSI (or RAID): the controller tells virtio-blk apart. */
        addr->bus_type = qga_win_controller_bus_type(vendor, device, addr->bus_type);
        if (qga_win_is_virtio_blk(vendor, device))
            addr->bus = addr->target = addr->unit = 0;
    }
    return ok;
}

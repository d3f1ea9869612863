/* Windows guest-get-devices: the present virtio (1AF4) and QEMU (1B36) PCI devices and their drivers. */
#include "win32.h"

#include <initguid.h>
#include <devpkey.h>
#include <setupapi.h>
#include <cfgmgr32.h>

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "storage-decode.h"
#include "os/storage.h"

/* A property buffer larger than this is not a name, version or ID list. */
#define MAX_PROPERTY_BYTES 65536

/* One device property through CM_Get_DevNode_PropertyW (heap, NUL-padded); NULL when absent. */
static void *property(DEVINST devinst, const DEVPROPKEY *key, DEVPROPTYPE want, ULONG *ret_size)
{
    DEVPROPTYPE type = 0;
    ULONG size = 0;
    CONFIGRET cr = CM_Get_DevNode_PropertyW(devinst, key, &type, NULL, &size, 0);
    if ((cr != CR_BUFFER_SMALL && cr != CR_SUCCESS) || size == 0 || size > MAX_PROPERTY_BYTES)
        return NULL;
    uint8_t *buf = qga_calloc(1, size + 4);
    if (CM_Get_DevNode_PropertyW(devinst, key, &type, buf, &size, 0) != CR_SUCCESS || type != want) {
        free(buf);
        return NULL;
    }
    if (ret_size)
        *ret_size = size;
    return buf;
}

/* The first hardware ID naming a virtio/QEMU PCI device ("PCI\VEN_1AF4&DEV_1050&SUBSYS..."). */
static bool qemu_pci_id(DEVINST devinst, uint16_t *ret_vendor, uint16_t *ret_device)
{
    ULONG size = 0;
    wchar_t *ids = property(devinst, &DEVPKEY_Device_HardwareIds, DEVPROP_TYPE_STRING_LIST, &size);
    if (!ids)
        return false;
    bool found = false;
    size_t count = size / sizeof(wchar_t);
    for (size_t pos = 0; pos < count && ids[pos] && !found;) {
        size_t len = wcsnlen(ids + pos, count - pos);
        _qga_cleanup_free_ char *id = qga_win_utf16_to_utf8(ids + pos, (int)len);
        uint16_t vendor, device;
        if (qga_win_parse_pci_id(id, &vendor, &device) && qga_win_is_qemu_pci_vendor(vendor)) {
            *ret_vendor = vendor;
            *ret_device = device;
            found = true;
        }
        pos += len + 1;
    }
    free(ids);
    return found;
}

static char *string_property(DEVINST devinst, const DEVPROPKEY *key)
{
    wchar_t *w = property(devinst, key, DEVPROP_TYPE_STRING, NULL);
    if (!w)
        return NULL;
    char *s = w[0] ? qga_win_utf16_to_utf8(w, -1) : NULL;
    free(w);
    return s;
}

int qga_os_get_devices(QgaDeviceInfo **ret, size_t *ret_n, QgaError **error)
{
    HDEVINFO set = SetupDiGetClassDevsW(NULL, NULL, NULL, DIGCF_PRESENT | DIGCF_ALLCLASSES);
    if (set == INVALID_HANDLE_VALUE) {
        qga_error_set_os(error, (int)GetLastError(), "failed to get device tree");
        return -1;
    }
    QgaDeviceInfo *list = NULL;
    size_t n = 0;
    SP_DEVINFO_DATA info = { .cbSize = sizeof(info) };
    for (DWORD i = 0; SetupDiEnumDeviceInfo(set, i, &info); i++) {
        uint16_t vendor, device;
        if (!qemu_pci_id(info.DevInst, &vendor, &device))
            continue;
        /* driver-name is the device's display name (DEVPKEY_NAME), as in qemu-ga; it is the one
         * mandatory member, so a device without it is skipped. A device whose driver is missing
         * is still listed, without driver-version and driver-date (qemu-ga drops it). */
        char *name = string_property(info.DevInst, &DEVPKEY_NAME);
        if (!name)
            continue;
        QgaDeviceInfo *d = qga_array_push(&list, &n, sizeof(QgaDeviceInfo));
        d->driver_name = name;
        d->driver_version = string_property(info.DevInst, &DEVPKEY_Device_DriverVersion);
        FILETIME *date = property(info.DevInst, &DEVPKEY_Device_DriverDate, DEVPROP_TYPE_FILETIME, NULL);
        if (date) {
            uint64_t ft = (uint64_t)date->dwHighDateTime << 32 | date->dwLowDateTime;
            d->has_driver_date = qga_win_filetime_to_ns(ft, &d->driver_date_ns);
            free(date);
        }
        d->has_pci_id = true;
        d->vendor_id = vendor;
        d->device_id = device;
    }
    SetupDiDestroyDeviceInfoList(set);
    *ret = list;
    *ret_n = n;
    return 0;
}

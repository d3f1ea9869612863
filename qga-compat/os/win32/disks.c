/* Windows guest-get-disks: every disk interface as \\.\PhysicalDriveN with its address. */
#include "storage-win32.h"

#include <initguid.h>
#include <winioctl.h>

#include <stdio.h>
#include <stdlib.h>

#include "core/mem.h"

typedef struct Collect {
    QgaDiskInfo *list;
    size_t n;
} Collect;

static bool add_disk(const wchar_t *path, DEVINST devinst, void *opaque)
{
    Collect *c = opaque;
    HANDLE h = qga_win_open_device(path);
    if (h == INVALID_HANDLE_VALUE)
        return false;
    DWORD type, number;
    bool ok = qga_win_device_number(h, &type, &number);
    CloseHandle(h);
    /* A disk whose number cannot be read has no \\.\PhysicalDriveN name: skipped, as in qemu-ga. */
    if (!ok)
        return false;

    QgaDiskInfo *disk = qga_array_push(&c->list, &c->n, sizeof(QgaDiskInfo));
    disk->name = qga_strdup_printf("\\\\.\\PhysicalDrive%lu", (unsigned long)number);
    disk->partition = false;
    QgaDiskAddress *addr = qga_malloc(sizeof(*addr));
    qga_disk_address_init(addr);
    addr->dev = qga_strdup(disk->name);
    /* The interface path reaches the same device as \\.\PhysicalDriveN; the address is omitted
     * when the storage stack cannot be queried at all (qemu-ga does the same). */
    if (qga_win_disk_address(path, devinst, addr)) {
        disk->address = addr;
    } else {
        qga_disk_address_clear(addr);
        free(addr);
    }
    return false;
}

int qga_os_get_disks(QgaDiskInfo **ret, size_t *ret_n, QgaError **error)
{
    /* Windows reports no partitions, dependencies, aliases or SMART data here (qemu-ga neither). */
    Collect c = { 0 };
    qga_win_foreach_interface(&GUID_DEVINTERFACE_DISK, add_disk, &c);
    *ret = c.list;
    *ret_n = c.n;
    return 0;
}

/* Windows guest-get-fsinfo: volume enumeration (wide APIs), free space, and the disks under each volume. */
#include "storage-win32.h"

#include <winioctl.h>

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/mem.h"
#include "storage-decode.h"

/* A volume spanning more disks than this is not one we can describe anyway. */
#define MAX_EXTENTS 1024

/* First mount path of a volume ("C:\", "D:\mnt\data\"), UTF-8 heap; NULL when it has none. */
static char *first_mount_path(const wchar_t *guid)
{
    DWORD len = MAX_PATH;
    for (int attempt = 0; attempt < 3; attempt++) {
        wchar_t *names = qga_calloc((size_t)len + 2, sizeof(wchar_t));
        DWORD need = 0;
        if (GetVolumePathNamesForVolumeNameW(guid, names, len, &need)) {
            char *first = names[0] ? qga_win_utf16_to_utf8(names, -1) : NULL;
            free(names);
            return first;
        }
        free(names);
        if (GetLastError() != ERROR_MORE_DATA || need <= len || need > 1u << 20)
            return NULL;
        len = need;
    }
    return NULL;
}

/* The filesystem name (NTFS, FAT32, ReFS, CDFS, UDF); NULL when the volume is not ready (no media). */
static char *fs_type(const wchar_t *guid)
{
    wchar_t fs[MAX_PATH + 1] = { 0 };
    /* qemu-ga asks through a handle on the root directory; the path form answers the same and
     * is the fallback when the handle cannot be had. */
    HANDLE h = CreateFileW(guid, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL | FILE_FLAG_BACKUP_SEMANTICS, NULL);
    BOOL ok = FALSE;
    if (h != INVALID_HANDLE_VALUE) {
        ok = GetVolumeInformationByHandleW(h, NULL, 0, NULL, NULL, NULL, fs, MAX_PATH + 1);
        CloseHandle(h);
    }
    if (!ok)
        ok = GetVolumeInformationW(guid, NULL, 0, NULL, NULL, NULL, fs, MAX_PATH + 1);
    if (!ok || !fs[0])
        return NULL;
    return qga_win_utf16_to_utf8(fs, -1);
}

/* IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS: the disk numbers under the volume. -1 with the Win32 error. */
static int volume_disks(HANDLE vol, uint32_t **ret_disks, size_t *ret_n, DWORD *ret_err)
{
    DWORD size = QGA_WIN_VDE_EXTENTS_OFFSET + QGA_WIN_DISK_EXTENT_SIZE;
    for (int attempt = 0; attempt < 2; attempt++) {
        uint8_t *buf = qga_calloc(1, size);
        DWORD got = 0;
        BOOL ok = DeviceIoControl(vol, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, NULL, 0, buf, size, &got, NULL);
        DWORD err = ok ? 0 : GetLastError();
        if (!ok && err == ERROR_MORE_DATA)
            got = size; /* the header (and the extents that fit) are valid */
        uint32_t count = 0;
        int r = (ok || err == ERROR_MORE_DATA) ? qga_win_decode_disk_extents(buf, got, ret_disks, ret_n, &count) : -1;
        free(buf);
        if (r < 0) {
            *ret_err = err;
            return -1;
        }
        if (ok || count > MAX_EXTENTS || attempt == 1)
            return 0;
        free(*ret_disks);
        *ret_disks = NULL;
        *ret_n = 0;
        size = QGA_WIN_VDE_EXTENTS_OFFSET + count * QGA_WIN_DISK_EXTENT_SIZE;
    }
    return 0;
}

static void add_disk(QgaFsInfo *fs, const wchar_t *path)
{
    QgaDiskAddress *addr = qga_array_push(&fs->disks, &fs->n_disks, sizeof(QgaDiskAddress));
    qga_disk_address_init(addr);
    addr->dev = qga_win_utf16_to_utf8(path, -1);
    /* Whatever the storage stack could not tell stays unknown (-1 PCI parts, bus type
     * "unknown"): the disk is still listed, as qemu-ga lists one with a known node. */
    qga_win_disk_address(path, 0, addr);
}

static void volume_disk_addresses(QgaFsInfo *fs, const wchar_t *guid)
{
    /* The volume device itself is the GUID path without its trailing backslash. */
    size_t len = wcslen(guid);
    wchar_t *vol_path = qga_calloc(len + 1, sizeof(wchar_t));
    memcpy(vol_path, guid, len * sizeof(wchar_t));
    if (len > 0 && vol_path[len - 1] == L'\\')
        vol_path[len - 1] = L'\0';

    HANDLE vol = qga_win_open_device(vol_path);
    if (vol == INVALID_HANDLE_VALUE) {
        free(vol_path);
        return;
    }
    uint32_t *disks = NULL;
    size_t n = 0;
    DWORD err = 0;
    int r = volume_disks(vol, &disks, &n, &err);
    CloseHandle(vol);
    if (r == 0) {
        for (size_t i = 0; i < n; i++) {
            wchar_t drive[64];
            swprintf(drive, 64, L"\\\\.\\PhysicalDrive%u", (unsigned)disks[i]);
            add_disk(fs, drive);
        }
    } else if (err == ERROR_INVALID_FUNCTION) {
        /* Not on a disk (CD-ROM, some virtual volumes): query the volume itself. */
        add_disk(fs, vol_path);
    }
    free(disks);
    free(vol_path);
}

int qga_os_get_fsinfo(QgaFsInfo **ret, size_t *ret_n, QgaError **error)
{
    wchar_t guid[MAX_PATH + 1];
    HANDLE find = FindFirstVolumeW(guid, MAX_PATH + 1);
    if (find == INVALID_HANDLE_VALUE) {
        qga_error_set_os(error, (int)GetLastError(), "failed to find any volume");
        return -1;
    }
    QgaFsInfo *list = NULL;
    size_t n = 0;
    do {
        /* A volume without a filesystem we can name (empty drive, unformatted) is skipped,
         * as qemu-ga skips volumes whose queries fail. */
        char *type = fs_type(guid);
        if (!type)
            continue;
        /* qemu-ga prepends: newest volume first. Same order here. */
        QgaFsInfo fs = { 0 };
        fs.type = type;
        fs.name = qga_win_utf16_to_utf8(guid, -1);
        fs.mountpoint = first_mount_path(guid);
        if (!fs.mountpoint)
            fs.mountpoint = qga_strdup("System Reserved");

        /* used = total - free; total is what the caller may use (quota-aware). Windows has no
         * separate privileged total, so total-bytes-privileged stays omitted, as in qemu-ga. */
        ULARGE_INTEGER caller_free, total, total_free;
        if (GetDiskFreeSpaceExW(guid, &caller_free, &total, &total_free) && total.QuadPart >= total_free.QuadPart) {
            fs.has_sizes = true;
            fs.total_bytes = total.QuadPart;
            fs.used_bytes = total.QuadPart - total_free.QuadPart;
        }
        volume_disk_addresses(&fs, guid);

        QgaFsInfo *slot = qga_array_push(&list, &n, sizeof(QgaFsInfo));
        memmove(list + 1, list, (n - 1) * sizeof(QgaFsInfo));
        (void)slot;
        list[0] = fs;
    } while (FindNextVolumeW(find, guid, MAX_PATH + 1));
    DWORD err = GetLastError();
    FindVolumeClose(find);
    if (err != ERROR_NO_MORE_FILES) {
        qga_fsinfo_free_array(list, n);
        qga_error_set_os(error, (int)err, "failed to find next volume");
        return -1;
    }
    *ret = list;
    *ret_n = n;
    return 0;
}

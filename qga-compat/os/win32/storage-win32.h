/* Windows storage helpers shared by the fsinfo and disks files (os/win32 only). */
#pragma once

#include "win32.h"

#include <cfgmgr32.h>
#include <stdbool.h>

#include "os/storage.h"

/* CreateFileW with no access rights, for the query IOCTLs. INVALID_HANDLE_VALUE on failure. */
HANDLE qga_win_open_device(const wchar_t *path);

/* IOCTL_STORAGE_GET_DEVICE_NUMBER: device type (FILE_DEVICE_DISK, FILE_DEVICE_CD_ROM) and number. */
bool qga_win_device_number(HANDLE h, DWORD *ret_type, DWORD *ret_number);

/* Call fn for each present interface of the class (path, its device node); fn returns true to stop. */
typedef bool (*QgaWinInterfaceFn)(const wchar_t *path, DEVINST devinst, void *opaque);
void qga_win_foreach_interface(const GUID *guid, QgaWinInterfaceFn fn, void *opaque);

/*
 * Fill addr (initialised by the caller, dev set) for the disk at path (\\.\PhysicalDriveN, or a
 * volume for CD-ROMs): bus type and serial from the storage stack, PathId/TargetId/Lun, and the
 * PCI controller found by walking up from devinst (0: looked up by the device number). Returns
 * false when the device could not be opened or queried; whatever was found is kept either way.
 */
bool qga_win_disk_address(const wchar_t *path, DEVINST devinst, QgaDiskAddress *addr);

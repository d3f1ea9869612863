/* Windows guest-fstrim targets: the mount paths of the fixed volumes (qemu-ga's selection). */
#include "win32.h"

#include <versionhelpers.h>

#include "os/fstrim.h"
#include "core/mem.h"

/* The first mount path of a fixed volume ("C:\", or a folder it is mounted on); NULL when it
 * has none or is not a fixed disk. */
static char *fixed_volume_path(const wchar_t *volume)
{
    DWORD size = 0;
    GetVolumePathNamesForVolumeNameW(volume, NULL, 0, &size);
    if (size < 2)
        return NULL;
    _qga_cleanup_free_ wchar_t *names = qga_malloc(size * sizeof(wchar_t));
    if (!GetVolumePathNamesForVolumeNameW(volume, names, size, &size) || !names[0])
        return NULL;
    /* Asked by its mount path: Wine answers DRIVE_UNKNOWN for a \\?\Volume{GUID}\ name. */
    if (GetDriveTypeW(names) != DRIVE_FIXED)
        return NULL;
    return qga_win_utf16_to_utf8(names, -1);
}

int qga_os_fstrim_paths(char ***ret_paths, size_t *ret_n, QgaError **error)
{
    /* defrag.exe /L (retrim) exists from Windows 8 on. */
    if (!IsWindows8OrGreater()) {
        qga_error_generic(error, "fstrim is only supported for Win8+");
        return -1;
    }
    wchar_t volume[MAX_PATH];
    HANDLE find = FindFirstVolumeW(volume, QGA_N_ELEMENTS(volume));
    if (find == INVALID_HANDLE_VALUE) {
        qga_error_set_os(error, (int)GetLastError(), "failed to find any volume");
        return -1;
    }
    char **paths = NULL;
    size_t n = 0;
    do {
        char *path = fixed_volume_path(volume);
        if (!path)
            continue;
        paths = qga_realloc(paths, (n + 1) * sizeof(*paths));
        paths[n++] = path;
    } while (FindNextVolumeW(find, volume, QGA_N_ELEMENTS(volume)));
    FindVolumeClose(find);
    *ret_paths = paths;
    *ret_n = n;
    return 0;
}

/* POSIX system queries: host name, local time zone, uname + os-release. */
#include "os/system.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "os-release.h"

int qga_os_get_host_name(char **ret, QgaError **error)
{
    /* Ask every time: a renamed guest must report its new name (qemu-ga avoids GLib's cached
     * g_get_host_name for the same reason). gethostname need not NUL-terminate a truncated
     * name, hence the extra byte. */
    long max = sysconf(_SC_HOST_NAME_MAX);
    if (max <= 0)
        max = HOST_NAME_MAX;
    char *name = qga_calloc((size_t)max + 2, 1);
    if (gethostname(name, (size_t)max + 1) < 0) {
        int err = errno;
        free(name);
        qga_error_set_os(error, err, "cannot get hostname");
        return -1;
    }
    *ret = name;
    return 0;
}

int qga_os_get_timezone(char **ret_zone, int64_t *ret_offset, QgaError **error)
{
    /* qemu-ga reports GLib's local zone at the current instant: the abbreviation ("CET",
     * "EDT", "UTC") as zone and the offset east of UTC, both including DST. */
    tzset();
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm)) {
        qga_error_set_os(error, errno, "Couldn't retrieve local timezone");
        return -1;
    }
    *ret_zone = tm.tm_zone && *tm.tm_zone ? qga_strdup(tm.tm_zone) : NULL;
    *ret_offset = tm.tm_gmtoff;
    return 0;
}

int qga_os_get_osinfo(QgaOsInfo *ret, QgaError **error)
{
    QgaOsInfo info = { 0 };
    struct utsname u;
    if (uname(&u) < 0) {
        qga_error_set_os(error, errno, "uname failed");
        return -1;
    }
    info.kernel_release = qga_strdup(u.release);
    info.kernel_version = qga_strdup(u.version);
    info.machine = qga_strdup(u.machine);
    /* No os-release file is not an error: the fields are simply absent, as with qemu-ga. */
    qga_os_release_load(&info);
    *ret = info;
    return 0;
}


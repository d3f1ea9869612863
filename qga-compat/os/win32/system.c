/* System queries on Windows: host name, time zone. */
#include "win32.h"

#include "core/mem.h"
#include "os/os.h"
#include "os/system.h"

static char *computer_name(COMPUTER_NAME_FORMAT format)
{
    DWORD size = 0;
    GetComputerNameExW(format, NULL, &size);
    if (size == 0)
        return NULL;
    _qga_cleanup_free_ wchar_t *buf = qga_malloc((size_t)(size + 1) * sizeof(wchar_t));
    if (!GetComputerNameExW(format, buf, &size) || size == 0)
        return NULL;
    return qga_win_utf16_to_utf8(buf, (int)size);
}

int qga_os_get_host_name(char **ret, QgaError **error)
{
    /*
     * qemu-ga answers with GetComputerNameW: the NetBIOS name, upper case and cut to 15
     * characters ("WIN-7K2A9QRS1AB"). What libvirt users compare it with (virsh domhostname,
     * inventory, the DNS record of the VM) is the host name the guest itself shows: on Linux
     * gethostname(), on Windows the DNS host name (what hostname.exe prints, case kept, not
     * truncated). So: DNS host name, then the NetBIOS name, then "localhost" like qemu-ga.
     */
    char *name = computer_name(ComputerNameDnsHostname);
    if (!name || !*name) {
        free(name);
        name = computer_name(ComputerNameNetBIOS);
    }
    if (!name || !*name) {
        free(name);
        name = qga_strdup("localhost");
    }
    *ret = name;
    return 0;
}

int qga_os_get_timezone(char **ret_zone, int64_t *ret_offset, QgaError **error)
{
    DYNAMIC_TIME_ZONE_INFORMATION tz;
    DWORD id = GetDynamicTimeZoneInformation(&tz);
    if (id == TIME_ZONE_ID_INVALID) {
        qga_error_set_os(error, (int)GetLastError(), "failed to get the time zone");
        return -1;
    }
    /* UTC = local + bias (minutes); the bias of the period in effect adds to the base one. */
    LONG bias = tz.Bias;
    const wchar_t *name = tz.StandardName;
    if (id == TIME_ZONE_ID_DAYLIGHT) {
        bias += tz.DaylightBias;
        name = tz.DaylightName;
    } else if (id == TIME_ZONE_ID_STANDARD) {
        bias += tz.StandardBias;
    }
    if (!name[0])
        name = tz.TimeZoneKeyName;
    *ret_zone = name[0] ? qga_win_utf16_to_utf8(name, -1) : NULL;
    *ret_offset = -(int64_t)bias * 60;
    return 0;
}

/* System commands: guest-get-time, guest-set-time, guest-get-host-name, guest-get-timezone, guest-get-osinfo. */
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "os/os.h"
#include "qga-commands.h"
#include "os/system.h"

#define NS_PER_SEC INT64_C(1000000000)
/* 2070-01-01T00:00:00Z: qemu-ga refuses years before 1970 and from 2070 on. */
#define SET_TIME_LIMIT_SEC INT64_C(3155760000)

int qga_cmd_guest_get_time(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    /* An exact integer: libvirt reads it with strtoull and splits it into s + ns. */
    *ret_result = qga_json_int(qga_os_now_ns());
    return 0;
}

int qga_cmd_guest_set_time(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    const QgaJson *time = qga_json_object_get(args, "time");
    if (!time) {
        /* No time: libvirt's "domtime --sync" asks the guest to reread its RTC. */
        if (qga_os_sync_time(error) < 0)
            return -1;
        *ret_result = NULL;
        return 0;
    }
    int64_t ns = qga_json_get_int(time);
    /* qemu-ga checks the calendar year of the value (1970..2069); checked in UTC here, so the
     * same value is accepted whatever the guest's zone. Its text starts the same way. */
    if (ns < 0 || ns / NS_PER_SEC >= SET_TIME_LIMIT_SEC) {
        qga_error_generic(error, "Invalid time: %lld ns is outside the years 1970 to 2069", (long long)ns);
        return -1;
    }
    if (qga_os_set_time(ns, error) < 0)
        return -1;
    *ret_result = NULL;
    return 0;
}

int qga_cmd_guest_get_host_name(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    char *name = NULL;
    if (qga_os_get_host_name(&name, error) < 0)
        return -1;
    QgaJson *result = qga_json_object();
    qga_json_object_set(result, "host-name", qga_json_string_len(name, strlen(name)));
    free(name);
    *ret_result = result;
    return 0;
}

int qga_cmd_guest_get_timezone(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    char *zone = NULL;
    int64_t offset = 0;
    if (qga_os_get_timezone(&zone, &offset, error) < 0)
        return -1;
    QgaJson *result = qga_json_object();
    if (zone)
        qga_json_object_set(result, "zone", qga_json_string_len(zone, strlen(zone)));
    free(zone);
    qga_json_object_set_int(result, "offset", offset);
    *ret_result = result;
    return 0;
}

/* os-release values are bytes from a file: the writer turns invalid UTF-8 into U+FFFD. */
static void set_optional(QgaJson *obj, const char *key, const char *value)
{
    if (value)
        qga_json_object_set(obj, key, qga_json_string_len(value, strlen(value)));
}

int qga_cmd_guest_get_osinfo(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    QgaOsInfo info = { 0 };
    if (qga_os_get_osinfo(&info, error) < 0)
        return -1;
    QgaJson *result = qga_json_object();
    set_optional(result, "kernel-release", info.kernel_release);
    set_optional(result, "kernel-version", info.kernel_version);
    set_optional(result, "machine", info.machine);
    set_optional(result, "id", info.id);
    set_optional(result, "name", info.name);
    set_optional(result, "pretty-name", info.pretty_name);
    set_optional(result, "version", info.version);
    set_optional(result, "version-id", info.version_id);
    set_optional(result, "variant", info.variant);
    set_optional(result, "variant-id", info.variant_id);
    qga_osinfo_clear(&info);
    *ret_result = result;
    return 0;
}

/* guest-get-fsinfo: every mounted filesystem with its sizes and the disks under it. */
#include <string.h>

#include "core/agent.h"
#include "qga-commands.h"
#include "storage-json.h"
#include "os/storage.h"

static void set_bytes(QgaJson *obj, const char *key, const char *value)
{
    qga_json_object_set(obj, key, qga_json_string_len(value, strlen(value)));
}

int qga_cmd_guest_get_fsinfo(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    QgaFsInfo *fs = NULL;
    size_t n = 0;
    if (qga_os_get_fsinfo(&fs, &n, error) < 0)
        return -1;

    /* libvirt (virDomainGetFSInfo) requires name, mountpoint, type and the disk array on every
     * entry, and the byte counts, when present, as unsigned integers. */
    QgaJson *result = qga_json_array();
    for (size_t i = 0; i < n; i++) {
        QgaJson *obj = qga_json_object();
        set_bytes(obj, "name", fs[i].name);
        set_bytes(obj, "mountpoint", fs[i].mountpoint);
        set_bytes(obj, "type", fs[i].type);
        if (fs[i].has_sizes) {
            qga_json_object_set_uint(obj, "used-bytes", fs[i].used_bytes);
            qga_json_object_set_uint(obj, "total-bytes", fs[i].total_bytes);
        }
        if (fs[i].has_total_privileged)
            qga_json_object_set_uint(obj, "total-bytes-privileged", fs[i].total_bytes_privileged);
        QgaJson *disks = qga_json_array();
        for (size_t d = 0; d < fs[i].n_disks; d++)
            qga_json_array_append(disks, qga_disk_address_to_json(&fs[i].disks[d]));
        qga_json_object_set(obj, "disk", disks);
        qga_json_array_append(result, obj);
    }
    qga_fsinfo_free_array(fs, n);
    *ret_result = result;
    return 0;
}

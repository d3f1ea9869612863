/* guest-get-disks: block devices and their partitions, dependencies, addresses and NVMe SMART. */
#include <stdio.h>
#include <string.h>

#include "core/agent.h"
#include "qga-commands.h"
#include "storage-json.h"
#include "os/storage.h"

static void set_bytes(QgaJson *obj, const char *key, const char *value)
{
    qga_json_object_set(obj, key, qga_json_string_len(value, strlen(value)));
}

static const char *const smart_counter_names[10] = {
    "data-units-read", "data-units-written", "host-read-commands", "host-write-commands",
    "controller-busy-time", "power-cycles", "power-on-hours", "unsafe-shutdowns", "media-errors",
    "number-of-error-log-entries",
};

static QgaJson *smart_to_json(const QgaNvmeSmart *s)
{
    /* GuestDiskSmart is a union on "type"; "nvme" is its only variant. */
    QgaJson *obj = qga_json_object();
    qga_json_object_set_str(obj, "type", "nvme");
    qga_json_object_set_int(obj, "critical-warning", s->critical_warning);
    qga_json_object_set_int(obj, "temperature", s->temperature);
    qga_json_object_set_int(obj, "available-spare", s->available_spare);
    qga_json_object_set_int(obj, "available-spare-threshold", s->available_spare_threshold);
    qga_json_object_set_int(obj, "percentage-used", s->percentage_used);
    for (size_t i = 0; i < 10; i++) {
        char key[64];
        snprintf(key, sizeof(key), "%s-lo", smart_counter_names[i]);
        qga_json_object_set_uint(obj, key, s->counters[i][0]);
        snprintf(key, sizeof(key), "%s-hi", smart_counter_names[i]);
        qga_json_object_set_uint(obj, key, s->counters[i][1]);
    }
    return obj;
}

int qga_cmd_guest_get_disks(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    QgaDiskInfo *disks = NULL;
    size_t n = 0;
    if (qga_os_get_disks(&disks, &n, error) < 0)
        return -1;

    /* libvirt (guestinfo --disk) requires name and partition; the address, when present,
     * follows the same rules as in guest-get-fsinfo. */
    QgaJson *result = qga_json_array();
    for (size_t i = 0; i < n; i++) {
        const QgaDiskInfo *d = &disks[i];
        QgaJson *obj = qga_json_object();
        set_bytes(obj, "name", d->name);
        qga_json_object_set_bool(obj, "partition", d->partition);
        if (d->has_dependencies) {
            QgaJson *deps = qga_json_array();
            for (size_t k = 0; k < d->n_dependencies; k++)
                qga_json_array_append(deps, qga_json_string_len(d->dependencies[k], strlen(d->dependencies[k])));
            qga_json_object_set(obj, "dependencies", deps);
        }
        if (d->address)
            qga_json_object_set(obj, "address", qga_disk_address_to_json(d->address));
        if (d->alias)
            set_bytes(obj, "alias", d->alias);
        if (d->smart)
            qga_json_object_set(obj, "smart", smart_to_json(d->smart));
        qga_json_array_append(result, obj);
    }
    qga_disk_info_free_array(disks, n);
    *ret_result = result;
    return 0;
}

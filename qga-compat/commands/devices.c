/* guest-get-devices: the virtio and QEMU PCI devices of the guest with their drivers. */
#include <string.h>

#include "core/agent.h"
#include "qga-commands.h"
#include "os/storage.h"

int qga_cmd_guest_get_devices(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    QgaDeviceInfo *devs = NULL;
    size_t n = 0;
    if (qga_os_get_devices(&devs, &n, error) < 0)
        return -1;

    QgaJson *result = qga_json_array();
    for (size_t i = 0; i < n; i++) {
        QgaJson *obj = qga_json_object();
        qga_json_object_set(obj, "driver-name", qga_json_string_len(devs[i].driver_name, strlen(devs[i].driver_name)));
        if (devs[i].has_driver_date)
            qga_json_object_set_int(obj, "driver-date", devs[i].driver_date_ns);
        if (devs[i].driver_version)
            qga_json_object_set(obj, "driver-version",
                                qga_json_string_len(devs[i].driver_version, strlen(devs[i].driver_version)));
        if (devs[i].has_pci_id) {
            /* GuestDeviceId is a union on "type"; "pci" is its only variant. */
            QgaJson *id = qga_json_object();
            qga_json_object_set_str(id, "type", "pci");
            qga_json_object_set_uint(id, "vendor-id", devs[i].vendor_id);
            qga_json_object_set_uint(id, "device-id", devs[i].device_id);
            qga_json_object_set(obj, "id", id);
        }
        qga_json_array_append(result, obj);
    }
    qga_device_info_free_array(devs, n);
    *ret_result = result;
    return 0;
}

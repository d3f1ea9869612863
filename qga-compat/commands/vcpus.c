/* guest-get-vcpus: the logical CPUs, as libvirt's guestvcpus and "setvcpus --guest" read them. */
#include <stdlib.h>

#include "core/agent.h"
#include "os/vcpus.h"
#include "core/mem.h"
#include "qga-commands.h"

int qga_cmd_guest_get_vcpus(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    QgaVcpuList list = { 0 };
    if (qga_os_get_vcpus(&list, error) < 0)
        return -1;
    QgaJson *result = qga_json_array();
    for (size_t i = 0; i < list.n; i++) {
        QgaJson *cpu = qga_json_object();
        qga_json_object_set_int(cpu, "logical-id", list.items[i].logical_id);
        qga_json_object_set_bool(cpu, "online", list.items[i].online);
        /* Always sent, as qemu-ga does on both OSes: libvirt's setvcpus refuses to offline a
         * CPU whose can-offline is absent or false. */
        qga_json_object_set_bool(cpu, "can-offline", list.items[i].can_offline);
        qga_json_array_append(result, cpu);
    }
    qga_vcpu_list_clear(&list);
    *ret_result = result;
    return 0;
}

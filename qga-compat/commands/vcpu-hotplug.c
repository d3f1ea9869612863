/* guest-set-vcpus: CPU hotplug. Its own file, apart from guest-get-vcpus (commands/vcpus.c): a
 * handler is linked only when the generated table names it, per object file, and this one exists
 * on fewer OSes than guest-get-vcpus. */
#include "core/agent.h"
#include "os/hotplug.h"
#include "qga-commands.h"

int qga_cmd_guest_set_vcpus(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result,
                            QgaError **error)
{
    const QgaJson *vcpus = qga_json_object_get(args, "vcpus");
    size_t n = qga_json_array_length(vcpus);
    int64_t processed = 0;
    /* qemu-ga's contract: apply in list order, stop at the first failure and answer how many
     * leading entries were applied; only a failure of the very first entry is an error.
     * libvirt then retries the rest. "can-offline" in the request is ignored. */
    for (size_t i = 0; i < n; i++) {
        const QgaJson *vcpu = qga_json_array_get(vcpus, i);
        int64_t id = qga_json_get_int(qga_json_object_get(vcpu, "logical-id"));
        bool online = qga_json_get_bool(qga_json_object_get(vcpu, "online"));
        QgaError *err = NULL;
        if (qga_os_set_vcpu_online(id, online, &err) < 0) {
            if (processed == 0) {
                *error = err;
                return -1;
            }
            qga_error_free(err);
            break;
        }
        processed++;
    }
    *ret_result = qga_json_int(processed);
    return 0;
}

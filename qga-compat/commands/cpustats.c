/* guest-get-cpustats: per-CPU time counters, the "linux" variant of qemu-ga's GuestCpuStats union. */
#include <stdlib.h>

#include "core/agent.h"
#include "os/vcpus.h"
#include "qga-commands.h"

static const char *const counter_names[QGA_CPUSTAT_COUNT] = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guestnice",
};

int qga_cmd_guest_get_cpustats(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    QgaCpuStatsList list = { 0 };
    if (qga_os_get_cpustats(&list, error) < 0)
        return -1;
    QgaJson *result = qga_json_array();
    for (size_t i = 0; i < list.n; i++) {
        const QgaCpuStats *s = &list.items[i];
        QgaJson *obj = qga_json_object();
        /* The union's discriminator first, then the variant's members (qemu-ga's order). */
        qga_json_object_set_str(obj, "type", "linux");
        qga_json_object_set_int(obj, "cpu", s->cpu);
        /* Counters a kernel does not print yet (iowait before 2.5.41, steal before 2.6.11, ...)
         * are left out, not sent as zero. */
        for (unsigned c = 0; c < s->n_counters && c < QGA_CPUSTAT_COUNT; c++)
            qga_json_object_set_uint(obj, counter_names[c], s->ms[c]);
        qga_json_array_append(result, obj);
    }
    free(list.items);
    *ret_result = result;
    return 0;
}

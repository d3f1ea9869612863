/* guest-get-vcpus: the logical CPUs, as libvirt's guestvcpus and "setvcpus --guest" read them. */
#include <stdlib.h>

#include "agent.h"
#include "cpu.h"
#include "mem.h"
#include "qga-commands.h"

void qga_vcpu_list_append(QgaVcpuList *list, int64_t logical_id, bool online, bool can_offline)
{
    if (list->n == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 16;
        list->items = qga_realloc(list->items, list->cap * sizeof(*list->items));
    }
    list->items[list->n++] = (QgaVcpu){ .logical_id = logical_id, .online = online, .can_offline = can_offline };
}

static int compare_vcpu(const void *a, const void *b)
{
    int64_t x = ((const QgaVcpu *)a)->logical_id, y = ((const QgaVcpu *)b)->logical_id;
    return (x > y) - (x < y);
}

void qga_vcpu_list_sort(QgaVcpuList *list)
{
    if (list->n > 1)
        qsort(list->items, list->n, sizeof(*list->items), compare_vcpu);
}

void qga_vcpu_list_clear(QgaVcpuList *list)
{
    free(list->items);
    *list = (QgaVcpuList){ 0 };
}

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

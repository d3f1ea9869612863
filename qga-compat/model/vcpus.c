/* The vCPU list the OS fills and guest-get-vcpus reports, kept in logical-id order. */
#include "model/vcpus.h"

#include <stdlib.h>

#include "core/mem.h"

void qga_vcpu_list_append(QgaVcpuList *list, int64_t logical_id, bool online, bool can_offline)
{
    if (list->n == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 16;
        list->items = qga_realloc(list->items, list->cap * sizeof(*list->items));
    }
    list->items[list->n++] =
        (QgaVcpu){ .logical_id = logical_id, .online = online, .can_offline = can_offline };
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

/* guest-get-diskstats: the kernel's I/O counters of every block device (Linux only). */
#include <string.h>

#include "core/agent.h"
#include "qga-commands.h"
#include "os/storage.h"

int qga_cmd_guest_get_diskstats(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    QgaDiskStatsInfo *stats = NULL;
    size_t n = 0;
    if (qga_os_get_diskstats(&stats, &n, error) < 0)
        return -1;

    QgaJson *result = qga_json_array();
    for (size_t i = 0; i < n; i++) {
        QgaJson *obj = qga_json_object();
        qga_json_object_set(obj, "name", qga_json_string_len(stats[i].name, strlen(stats[i].name)));
        qga_json_object_set_uint(obj, "major", stats[i].major);
        qga_json_object_set_uint(obj, "minor", stats[i].minor);
        QgaJson *counters = qga_json_object();
        for (unsigned s = 0; s < QGA_DISK_STAT_COUNT_; s++) {
            if (stats[i].present & (UINT32_C(1) << s))
                qga_json_object_set_uint(counters, qga_disk_stat_name((QgaDiskStat)s), stats[i].values[s]);
        }
        qga_json_object_set(obj, "stats", counters);
        qga_json_array_append(result, obj);
    }
    qga_disk_stats_free_array(stats, n);
    *ret_result = result;
    return 0;
}

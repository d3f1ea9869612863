/* guest-get-load: the 1/5/15-minute load averages. */
#include "core/agent.h"
#include "os/load.h"
#include "qga-commands.h"

int qga_cmd_guest_get_load(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    double load[3];
    if (qga_os_get_load(load, error) < 0)
        return -1;
    QgaJson *result = qga_json_object();
    qga_json_object_set_number(result, "load1m", load[0]);
    qga_json_object_set_number(result, "load5m", load[1]);
    qga_json_object_set_number(result, "load15m", load[2]);
    *ret_result = result;
    return 0;
}

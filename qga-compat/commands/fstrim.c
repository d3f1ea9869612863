/* guest-fstrim: discard unused blocks of each filesystem, one result (or error) per path. */
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "os/fstrim.h"
#include "core/log.h"
#include "core/mem.h"
#include "qga-commands.h"

static QgaJson *result_json(const QgaTrimResult *r)
{
    /* Member order of GuestFilesystemTrimResult, as qemu-ga writes it. */
    QgaJson *o = qga_json_object();
    qga_json_object_set(o, "path", qga_json_string_len(r->path, strlen(r->path)));
    if (r->has_trimmed)
        qga_json_object_set_uint(o, "trimmed", r->trimmed);
    if (r->has_minimum)
        qga_json_object_set_uint(o, "minimum", r->minimum);
    if (r->error)
        qga_json_object_set(o, "error", qga_json_string_len(r->error, strlen(r->error)));
    return o;
}

int qga_cmd_guest_fstrim(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    /* libvirt always sends "minimum" (0 by default); it is a hint the filesystem may round. */
    const QgaJson *min_arg = qga_json_object_get(args, "minimum");
    int64_t minimum = min_arg ? qga_json_get_int(min_arg) : 0;
    char **paths = NULL;
    size_t n = 0;

    qga_log_info("guest-fstrim called");
    if (qga_os_fstrim_paths(&paths, &n, error) < 0)
        return -1;
    QgaJson *list = qga_json_array();
    for (size_t i = 0; i < n; i++) {
        QgaTrimResult r = { .path = paths[i] };
        qga_os_fstrim_one(paths[i], min_arg != NULL, minimum, &r);
        qga_json_array_append(list, result_json(&r));
        free(r.error);
        free(paths[i]);
    }
    free(paths);
    QgaJson *result = qga_json_object();
    qga_json_object_set(result, "paths", list);
    *ret_result = result;
    return 0;
}

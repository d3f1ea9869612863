/* OS information as guest-get-osinfo reports it. */
#include "model/system.h"

#include <stdlib.h>

void qga_osinfo_clear(QgaOsInfo *info)
{
    free(info->kernel_release);
    free(info->kernel_version);
    free(info->machine);
    free(info->id);
    free(info->name);
    free(info->pretty_name);
    free(info->version);
    free(info->version_id);
    free(info->variant);
    free(info->variant_id);
    *info = (QgaOsInfo){ 0 };
}

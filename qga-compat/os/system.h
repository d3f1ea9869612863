/* OS primitives behind the system commands (time, host name, time zone, OS info). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "model/system.h"

/* Set the wall clock (UTC ns since the epoch). Privileged; the caller validated the range. */
int qga_os_set_time(int64_t ns, QgaError **error);
/* Set the wall clock from the hardware clock / time service (guest-set-time without "time"). */
int qga_os_sync_time(QgaError **error);

/* Host name as qemu-ga reports it; heap string in *ret. */
int qga_os_get_host_name(char **ret, QgaError **error);

/* Current local zone: name (heap string, may be NULL when unknown) and offset in seconds east of UTC. */
int qga_os_get_timezone(char **ret_zone, int64_t *ret_offset, QgaError **error);

int qga_os_get_osinfo(QgaOsInfo *ret, QgaError **error);

/* OS primitives and portable result structs behind guest-get-fsinfo, -disks, -diskstats and -devices. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "model/storage.h"

/*
 * The OS primitives. Each returns 0 with a heap array (possibly empty, *ret NULL and *ret_n 0)
 * or -1 with an error when the whole query failed. A part that fails for one entry (one disk,
 * one sysfs attribute, one CM_* call) never fails the call: the entry is skipped or the field
 * left unknown/omitted. Free the arrays with the *_free_array functions below.
 */
int qga_os_get_fsinfo(QgaFsInfo **ret, size_t *ret_n, QgaError **error);
int qga_os_get_disks(QgaDiskInfo **ret, size_t *ret_n, QgaError **error);
int qga_os_get_diskstats(QgaDiskStatsInfo **ret, size_t *ret_n, QgaError **error);
int qga_os_get_devices(QgaDeviceInfo **ret, size_t *ret_n, QgaError **error);

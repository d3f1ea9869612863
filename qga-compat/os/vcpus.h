/* OS primitives behind guest-get-vcpus and guest-get-cpustats, as portable structs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "model/vcpus.h"

/* Every logical CPU the OS knows, ordered by logical-id. An empty answer is an error. */
int qga_os_get_vcpus(QgaVcpuList *ret, QgaError **error);

/* Per-CPU time counters (Linux /proc/stat). */
int qga_os_get_cpustats(QgaCpuStatsList *ret, QgaError **error);

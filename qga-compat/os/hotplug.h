/* OS primitives behind guest-set-vcpus and the memory-block commands (Linux CPU and memory hotplug). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "model/hotplug.h"

/*
 * Bring one logical CPU online or offline, as qemu-ga does per entry of
 * guest-set-vcpus: nothing to do when it already is in that state; a CPU
 * without an "online" control can be "re-onlined" (no-op) but not offlined.
 */
int qga_os_set_vcpu_online(int64_t logical_id, bool online, QgaError **error);

/* Every memory block, ordered by index; empty when the OS has no memory hotplug interface. */
int qga_os_get_memory_blocks(QgaMemoryBlockList *ret, QgaError **error);

/* Bring one block online or offline; never fails as a whole (the outcome is in *ret). */
void qga_os_set_memory_block(uint64_t phys_index, bool online, QgaMemoryBlockResult *ret);

/* Size of one memory block in bytes. */
int qga_os_get_memory_block_size(uint64_t *ret, QgaError **error);

/*
 * The privileged primitive under both set commands: write value to the sysfs
 * attribute at path (/sys/devices/system/cpu/cpuN/online,
 * /sys/devices/system/memory/memoryN/state). Returns 0 or an errno value. The
 * agent links the real one (os/linux/sysfs-write-privileged.c); the test-seam binary
 * links a recorder (tests/seams/record-actions.c) so tests never change this machine.
 */
int qga_os_sysfs_write(const char *path, const char *value);

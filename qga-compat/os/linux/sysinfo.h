/* Linux system-information readers and parsers (sysfs trees, /proc/stat, /proc/loadavg, utmp), testable on fixtures. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "os/vcpus.h"
#include "core/error.h"
#include "os/hotplug.h"
#include "os/users.h"

/* The roots the agent uses; the unit tests pass fixture directories instead. */
#define QGA_SYSFS_CPU_DIR "/sys/devices/system/cpu"
#define QGA_SYSFS_MEMORY_DIR "/sys/devices/system/memory"

/* guest-get-vcpus over cpu_dir: every cpuN directory, online from cpuN/online (absent: online, can't offline). */
int qga_sysfs_read_vcpus(const char *cpu_dir, QgaVcpuList *ret, QgaError **error);
/* One guest-set-vcpus entry over cpu_dir; the write goes through qga_os_sysfs_write. */
int qga_sysfs_set_vcpu(const char *cpu_dir, int64_t id, bool online, QgaError **error);

/* guest-get-memory-blocks over mem_dir (missing: empty list, like qemu-ga). */
int qga_sysfs_read_memory_blocks(const char *mem_dir, QgaMemoryBlockList *ret, QgaError **error);
/* One guest-set-memory-blocks entry over mem_dir; the write goes through qga_os_sysfs_write. */
void qga_sysfs_set_memory_block(const char *mem_dir, uint64_t index, bool online, QgaMemoryBlockResult *ret);
/* block_size_bytes (hexadecimal) of mem_dir. */
int qga_sysfs_memory_block_size(const char *mem_dir, uint64_t *ret, QgaError **error);

/*
 * /proc/stat: one entry per "cpuN" line (the "cpu" total is not a CPU), ticks
 * converted to milliseconds with ticks_per_second (sysconf(_SC_CLK_TCK)). A line
 * with fewer than four counters, a counter that is not a 64-bit decimal, or one
 * whose milliseconds would not fit 64 bits is skipped.
 */
void qga_procstat_parse(const char *text, size_t len, uint64_t ticks_per_second, QgaCpuStatsList *ret);

/* /proc/loadavg: the first three fields ("0.52 0.58 0.59 ..."). False when they do not parse. */
bool qga_loadavg_parse(const char *text, size_t len, double ret[3]);

/*
 * utmp/utmpx file contents (an array of struct utmpx, glibc's on-disk format):
 * one session per USER_PROCESS record with a non-empty user name (the name is
 * read up to the field's size, NUL or not). A truncated last record is ignored.
 */
void qga_utmp_parse(const void *data, size_t len, QgaUserSessionList *ret);

/* vCPUs and per-CPU statistics (guest-get-vcpus, guest-get-cpustats). Shared by commands/ and os/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* GuestLogicalProcessor. */
typedef struct QgaVcpu {
    int64_t logical_id;
    bool online;
    bool can_offline;
} QgaVcpu;

typedef struct QgaVcpuList {
    QgaVcpu *items;
    size_t n;
    size_t cap;
} QgaVcpuList;

void qga_vcpu_list_append(QgaVcpuList *list, int64_t logical_id, bool online, bool can_offline);
void qga_vcpu_list_sort(QgaVcpuList *list);
void qga_vcpu_list_clear(QgaVcpuList *list);

/* GuestLinuxCpuStats, in milliseconds; the counters past n_counters are absent (older kernels). */
enum { QGA_CPUSTAT_USER, QGA_CPUSTAT_NICE, QGA_CPUSTAT_SYSTEM, QGA_CPUSTAT_IDLE, QGA_CPUSTAT_IOWAIT,
       QGA_CPUSTAT_IRQ, QGA_CPUSTAT_SOFTIRQ, QGA_CPUSTAT_STEAL, QGA_CPUSTAT_GUEST, QGA_CPUSTAT_GUESTNICE,
       QGA_CPUSTAT_COUNT };

typedef struct QgaCpuStats {
    int64_t cpu;
    unsigned n_counters;            /* 4..10: user nice system idle are always there */
    uint64_t ms[QGA_CPUSTAT_COUNT];
} QgaCpuStats;

typedef struct QgaCpuStatsList {
    QgaCpuStats *items;
    size_t n;
    size_t cap;
} QgaCpuStatsList;

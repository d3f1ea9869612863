/* Reading the kernel's sleep states from /sys/power, and what init catches (POSIX platform files and their unit test only). */
#pragma once

#include "os/power.h"

/*
 * Decide the capabilities from the contents of /sys/power/state (e.g. "freeze mem disk") and
 * /sys/power/disk (e.g. "[platform] shutdown reboot suspend test_resume"; NULL when the file
 * is absent). Either text may be truncated or garbage: only whole known words count.
 *   ram:    "mem" in state
 *   disk:   "disk" in state, and disk not "[disabled]" (lockdown or nohibernate)
 *   hybrid: disk, ram, and "suspend" among the hibernation modes (what hybrid-sleep writes)
 */
void qga_posix_power_parse(const char *state, const char *disk, QgaPowerCaps *ret);

/*
 * Whether a /proc/<pid>/status text says the process catches signal sig (its "SigCgt:" mask).
 * busybox's poweroff/halt/reboot only signal PID 1 (SIGUSR2/SIGUSR1/SIGTERM); an init that
 * does not catch the signal never sees it (the kernel drops it), so the tool would "succeed"
 * without anything happening.
 */
bool qga_posix_status_catches(const char *status, int sig);

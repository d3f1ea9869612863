/* OS primitives behind guest-shutdown and guest-suspend-*: what the guest can do, and doing it. */
#pragma once

#include <stdbool.h>

#include "core/error.h"
#include "model/power.h"

/*
 * Privileged primitives: os/<os>/power-privileged.c in the agent, a recorder
 * (tests/seams/record-actions.c) in the test-seam build. The capability source is part of
 * the seam so that tests can drive the success path on a machine that cannot sleep.
 */

/* Linux: /sys/power/state and /sys/power/disk; Windows: GetPwrCapabilities. */
int qga_os_power_capabilities(QgaPowerCaps *ret, QgaError **error);
/* Start the shutdown; returns once it is under way (the caller sends no reply on success). */
int qga_os_shutdown(QgaShutdownMode mode, QgaError **error);
/* Enter the sleep state; may return only after the guest has resumed. */
int qga_os_suspend(QgaSuspendMode mode, QgaError **error);

/* The platform's own refusal for a mode its capabilities lack (qemu-ga's texts). */
void qga_os_suspend_unsupported(QgaSuspendMode mode, QgaError **error);

/* Power commands: guest-shutdown, guest-suspend-disk, guest-suspend-ram, guest-suspend-hybrid. */
#include <string.h>

#include "core/agent.h"
#include "core/log.h"
#include "os/power.h"
#include "qga-commands.h"

/*
 * None of these commands sends a reply on success (the schema flags them: libvirt waits for
 * the SHUTDOWN/SUSPEND event instead). A failure must be an error reply, never silence:
 * libvirt would otherwise wait out its timeout and then report a useless "timed out".
 */

int qga_cmd_guest_shutdown(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    const QgaJson *mode_arg = qga_json_object_get(args, "mode");
    const char *mode = mode_arg ? qga_json_get_string(mode_arg, NULL) : "powerdown";
    QgaShutdownMode m;

    /* "mode" is a plain string in qemu-ga's schema; the check (and its text) is the command's. */
    if (strcmp(mode, "powerdown") == 0) {
        m = QGA_SHUTDOWN_POWERDOWN;
    } else if (strcmp(mode, "halt") == 0) {
        m = QGA_SHUTDOWN_HALT;
    } else if (strcmp(mode, "reboot") == 0) {
        m = QGA_SHUTDOWN_REBOOT;
    } else {
        qga_error_generic(error, "Parameter 'mode' expects 'halt', 'powerdown', or 'reboot'");
        return -1;
    }
    qga_log_info("guest-shutdown called, mode: %s", mode);
    if (qga_os_shutdown(m, error) < 0)
        return -1;
    *ret_result = NULL;
    return 0;
}

static const char *suspend_name(QgaSuspendMode mode)
{
    switch (mode) {
    case QGA_SUSPEND_DISK:
        return "disk";
    case QGA_SUSPEND_RAM:
        return "ram";
    case QGA_SUSPEND_HYBRID:
        return "hybrid";
    }
    return "?";
}

/* Check first, act second: a guest that cannot sleep answers an error instead of ignoring the host. */
static int suspend(QgaSuspendMode mode, QgaJson **ret_result, QgaError **error)
{
    QgaPowerCaps caps = { 0 };
    if (qga_os_power_capabilities(&caps, error) < 0)
        return -1;
    bool can = mode == QGA_SUSPEND_DISK ? caps.disk : mode == QGA_SUSPEND_RAM ? caps.ram : caps.hybrid;
    if (!can) {
        qga_os_suspend_unsupported(mode, error);
        return -1;
    }
    qga_log_info("guest-suspend-%s called", suspend_name(mode));
    if (qga_os_suspend(mode, error) < 0)
        return -1;
    *ret_result = NULL;
    return 0;
}

int qga_cmd_guest_suspend_disk(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    return suspend(QGA_SUSPEND_DISK, ret_result, error);
}

int qga_cmd_guest_suspend_ram(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    return suspend(QGA_SUSPEND_RAM, ret_result, error);
}

int qga_cmd_guest_suspend_hybrid(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    return suspend(QGA_SUSPEND_HYBRID, ret_result, error);
}

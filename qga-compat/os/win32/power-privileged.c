/* The privileged power primitives on Windows: shutdown and sleep (replaced by tests/seams/record-actions.c in tests). */
#include "win32.h"

#include <powrprof.h>
#include <reason.h>

#include "os/power.h"
#include "privilege.h"

#ifndef ERROR_SHUTDOWN_IS_SCHEDULED
#define ERROR_SHUTDOWN_IS_SCHEDULED 1190L /* winerror.h of newer SDKs; mingw-w64 10 lacks it */
#endif

int qga_os_power_capabilities(QgaPowerCaps *ret, QgaError **error)
{
    SYSTEM_POWER_CAPABILITIES caps;
    if (!GetPwrCapabilities(&caps)) {
        qga_error_set_os(error, (int)GetLastError(), "failed to determine guest suspend capabilities");
        return -1;
    }
    /* qemu-ga's test: S3 for RAM, S4 for disk (hibernation switched off clears S4). */
    *ret = (QgaPowerCaps){ .disk = caps.SystemS4 != 0, .ram = caps.SystemS3 != 0, .hybrid = false };
    return 0;
}

static DWORD initiate(DWORD flags)
{
    return InitiateShutdownW(NULL, NULL, 0, flags,
                             SHTDN_REASON_MAJOR_OTHER | SHTDN_REASON_MINOR_OTHER | SHTDN_REASON_FLAG_PLANNED);
}

int qga_os_shutdown(QgaShutdownMode mode, QgaError **error)
{
    if (qga_win_acquire_privilege(L"SeShutdownPrivilege", error) < 0)
        return -1;
    DWORD flags = mode == QGA_SHUTDOWN_POWERDOWN ? SHUTDOWN_POWEROFF : mode == QGA_SHUTDOWN_REBOOT ? SHUTDOWN_RESTART : 0;
    /*
     * qemu-ga always passes EWX_FORCE: applications are killed without being asked, and
     * unsaved work in a logged-on session is lost. Here the first request is an ordinary
     * shutdown (InitiateShutdownW, meant for services, no grace period): applications get
     * WM_QUERYENDSESSION and can save; hung ones are ended by Windows' own timeout. Should
     * an application hold the shutdown up, the host's next guest-shutdown finds it still in
     * progress and forces it: one retry from the host is the escalation.
     */
    DWORD rc = initiate(flags);
    if (rc == ERROR_SHUTDOWN_IN_PROGRESS || rc == ERROR_SHUTDOWN_IS_SCHEDULED) {
        AbortSystemShutdownW(NULL);
        rc = initiate(flags | SHUTDOWN_FORCE_OTHERS | SHUTDOWN_FORCE_SELF);
    }
    if (rc != ERROR_SUCCESS) {
        qga_error_set_os(error, (int)rc, "guest-shutdown failed");
        return -1;
    }
    return 0;
}

int qga_os_suspend(QgaSuspendMode mode, QgaError **error)
{
    if (qga_win_acquire_privilege(L"SeShutdownPrivilege", error) < 0)
        return -1;
    /*
     * qemu-ga calls SetSuspendState on a separate thread and loses its result; called here
     * directly, a refusal (no hibernation file, a driver vetoing) becomes the error reply the
     * host waits for. On success the call returns after the resume. Wake events stay enabled:
     * the host's system_wakeup and the guest's devices must be able to wake it.
     */
    if (!SetSuspendState(mode == QGA_SUSPEND_DISK, FALSE, FALSE)) {
        qga_error_set_os(error, (int)GetLastError(), "failed to suspend guest");
        return -1;
    }
    return 0;
}

/* Windows power texts: qemu-ga's refusals for a sleep state the machine lacks. */
#include "win32.h"

#include "os/power.h"

void qga_os_suspend_unsupported(QgaSuspendMode mode, QgaError **error)
{
    switch (mode) {
    case QGA_SUSPEND_DISK:
        qga_error_generic(error, "suspend-to-disk not supported by OS");
        return;
    case QGA_SUSPEND_RAM:
        qga_error_generic(error, "suspend-to-ram not supported by OS");
        return;
    case QGA_SUSPEND_HYBRID:
        break;
    }
    /* Not listed for win32 in the schema; a text all the same. */
    qga_error_generic(error, "the requested suspend mode is not supported by the guest");
}

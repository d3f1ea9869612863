/* The privileged clock primitives behind guest-set-time (replaced by tests/seams/record-actions.c in tests). */
#include <errno.h>
#include <sys/time.h>
#include <time.h>

#include "os/posix/spawn.h"
#include "os/system.h"

/* qemu-ga calls /sbin/hwclock by absolute path (usr-merged systems keep the /sbin link). */
#define HWCLOCK_PATH "/sbin/hwclock"

int qga_os_set_time(int64_t ns, QgaError **error)
{
    struct timeval tv;
    tv.tv_sec = (time_t)(ns / 1000000000);
    tv.tv_usec = (suseconds_t)((ns % 1000000000) / 1000);
    if ((int64_t)tv.tv_sec != ns / 1000000000) {
        qga_error_generic(error, "Time %lld is too large", (long long)ns);
        return -1;
    }
    if (settimeofday(&tv, NULL) < 0) {
        qga_error_set_os(error, errno, "Failed to set time to guest");
        return -1;
    }
    /* The system clock is set; make the RTC follow, or the next boot undoes it. */
    const char *const argv[] = { HWCLOCK_PATH, "-w", NULL };
    return qga_spawn_run(argv, "set hardware clock to system time", error);
}

int qga_os_sync_time(QgaError **error)
{
    /* libvirt's "domtime --sync": the host has fixed the RTC (e.g. after a resume); read it back. */
    const char *const argv[] = { HWCLOCK_PATH, "-s", NULL };
    return qga_spawn_run(argv, "set hardware clock to system time", error);
}

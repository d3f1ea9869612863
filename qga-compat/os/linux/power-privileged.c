/* The privileged power primitives on Linux: shutdown and suspend (replaced by tests/seams/record-actions.c in tests). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "core/mem.h"
#include "os/posix/fileio.h"
#include "power-sysfs.h"
#include "os/posix/spawn.h"

#define SYS_POWER_STATE "/sys/power/state"
#define SYS_POWER_DISK "/sys/power/disk"

/* A small /sys or /proc file into a heap string; NULL when unreadable or longer than max bytes. */
static char *read_small_max(const char *path, size_t max)
{
    char *text = NULL;
    size_t len;
    return qga_read_full_file(path, max, &text, &len) == 0 ? text : NULL;
}

static char *read_small(const char *path)
{
    return read_small_max(path, 512);
}

int qga_os_power_capabilities(QgaPowerCaps *ret, QgaError **error)
{
    /*
     * The kernel is the authority on which sleep states exist; qemu-ga asks systemd and pm-utils
     * first, but those only wrap these files (and systemd's own refusals, such as "not enough
     * swap", come back as an error from the action itself).
     */
    _qga_cleanup_free_ char *state = read_small(SYS_POWER_STATE);
    _qga_cleanup_free_ char *disk = read_small(SYS_POWER_DISK);
    qga_posix_power_parse(state, disk, ret);
    return 0;
}

/* ---- shutdown ---- */

static const char *const shutdown_flag[] = {
    [QGA_SHUTDOWN_POWERDOWN] = "-P",
    [QGA_SHUTDOWN_HALT] = "-H",
    [QGA_SHUTDOWN_REBOOT] = "-r",
};
/* What busybox, sysvinit and systemd all install; busybox's ask its init by signal. */
static const char *const shutdown_tool[] = {
    [QGA_SHUTDOWN_POWERDOWN] = "/sbin/poweroff",
    [QGA_SHUTDOWN_HALT] = "/sbin/halt",
    [QGA_SHUTDOWN_REBOOT] = "/sbin/reboot",
};
static const int reboot_cmd[] = {
    [QGA_SHUTDOWN_POWERDOWN] = RB_POWER_OFF,
    [QGA_SHUTDOWN_HALT] = RB_HALT_SYSTEM,
    [QGA_SHUTDOWN_REBOOT] = RB_AUTOBOOT,
};

/* What busybox's tools send to PID 1 for each mode. */
static const int busybox_signal[] = {
    [QGA_SHUTDOWN_POWERDOWN] = SIGUSR2,
    [QGA_SHUTDOWN_HALT] = SIGUSR1,
    [QGA_SHUTDOWN_REBOOT] = SIGTERM,
};

static bool is_busybox(const char *tool)
{
    char *real = realpath(tool, NULL);
    const char *base = real ? strrchr(real, '/') : NULL;
    bool busybox = base && strcmp(base + 1, "busybox") == 0;
    free(real);
    return busybox;
}

static bool init_catches(int sig)
{
    _qga_cleanup_free_ char *status = read_small_max("/proc/1/status", 8192);
    return status && qga_posix_status_catches(status, sig);
}

int qga_os_shutdown(QgaShutdownMode mode, QgaError **error)
{
    /*
     * qemu-ga runs exactly "/sbin/shutdown -h -P|-H|-r +0 'hypervisor initiated shutdown'"
     * and waits for it: with systemd or sysvinit that schedules an orderly shutdown and returns.
     * Guests without /sbin/shutdown (busybox systems: the e2e guest's initramfs has only
     * poweroff/halt/reboot) get the plain tool of the mode instead. busybox's tools merely
     * signal PID 1, which only busybox's init acts on: when PID 1 does not catch that signal
     * (a shell script as init, as in the e2e guest), and on a guest with no tool at all, the
     * last resort is the kernel's reboot(2) after sync(): nothing is left to ask.
     */
    if (access("/sbin/shutdown", X_OK) == 0) {
        const char *const argv[] = { "/sbin/shutdown", "-h", shutdown_flag[mode], "+0",
                                     "hypervisor initiated shutdown", NULL };
        return qga_spawn_run(argv, "shutdown", error);
    }
    bool tool = access(shutdown_tool[mode], X_OK) == 0;
    if (tool && is_busybox(shutdown_tool[mode]) && !init_catches(busybox_signal[mode]))
        tool = false;   /* its signal would go nowhere */
    if (tool) {
        const char *const argv[] = { shutdown_tool[mode], NULL };
        return qga_spawn_run(argv, "shutdown", error);
    }
    sync();
    if (reboot(reboot_cmd[mode]) < 0) {
        qga_error_set_os(error, errno, "failed to shut down: no /sbin/shutdown or %s, and reboot(2) failed",
                         shutdown_tool[mode]);
        return -1;
    }
    return 0;
}

/* ---- suspend ---- */

static int write_sysfs(const char *path, const char *value, QgaError **error)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        qga_error_set_os(error, errno, "suspend: cannot write to '%s'", path);
        return -1;
    }
    ssize_t n;
    do
        n = write(fd, value, strlen(value));
    while (n < 0 && errno == EINTR);
    int err = errno;
    close(fd);
    if (n < 0) {
        qga_error_set_os(error, err, "suspend: cannot write to '%s'", path);
        return -1;
    }
    return 0;
}

/* The bracketed (selected) word of /sys/power/disk: "[platform] shutdown" -> "platform". */
static char *selected_disk_mode(void)
{
    _qga_cleanup_free_ char *text = read_small(SYS_POWER_DISK);
    char *open_br = text ? strchr(text, '[') : NULL;
    char *close_br = open_br ? strchr(open_br, ']') : NULL;
    if (!close_br)
        return NULL;
    return qga_strndup(open_br + 1, (size_t)(close_br - open_br - 1));
}

static int sysfs_suspend(QgaSuspendMode mode, QgaError **error)
{
    if (mode != QGA_SUSPEND_HYBRID)
        return write_sysfs(SYS_POWER_STATE, mode == QGA_SUSPEND_DISK ? "disk" : "mem", error);
    /* Hybrid: hibernation mode "suspend" (write the image, then S3), as systemd's hybrid-sleep;
     * the previous mode is put back after the resume so later hibernations are unchanged. */
    _qga_cleanup_free_ char *previous = selected_disk_mode();
    if (write_sysfs(SYS_POWER_DISK, "suspend", error) < 0)
        return -1;
    int rc = write_sysfs(SYS_POWER_STATE, "disk", error);
    if (previous)
        write_sysfs(SYS_POWER_DISK, previous, NULL);
    return rc;
}

static const char *find_systemctl(void)
{
    static const char *const paths[] = { "/usr/bin/systemctl", "/bin/systemctl" };
    for (size_t i = 0; i < QGA_N_ELEMENTS(paths); i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

int qga_os_suspend(QgaSuspendMode mode, QgaError **error)
{
    /*
     * Like qemu-ga, systemd first when it runs the guest (/run/systemd/system exists): it
     * notifies logind inhibitors and runs the sleep hooks; its refusals come back in the error.
     * Otherwise the kernel's interface directly (pm-utils, qemu-ga's second choice, is gone
     * from current distributions). A sysfs write returns only after the resume.
     */
    static const char *const verb[] = {
        [QGA_SUSPEND_DISK] = "hibernate",
        [QGA_SUSPEND_RAM] = "suspend",
        [QGA_SUSPEND_HYBRID] = "hybrid-sleep",
    };
    const char *systemctl = find_systemctl();
    if (systemctl && access("/run/systemd/system", F_OK) == 0) {
        const char *const argv[] = { systemctl, verb[mode], NULL };
        return qga_spawn_run(argv, "suspend", error);
    }
    return sysfs_suspend(mode, error);
}

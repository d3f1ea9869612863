/* POSIX defaults (qemu-ga's Linux paths, so existing configs and state carry over) and small primitives. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "platform.h"

static const char *const posix_methods[] = { "virtio-serial", "isa-serial", "unix-listen", NULL };
/* unix-connect: the guest-driven channel to a listening UNIX socket (tests, and hosts that are not
 * QEMU); the host-driven channel has no such method, as in qemu-ga. */
static const char *const posix_g2h_methods[] = { "virtio-serial", "unix-connect", NULL };

const QgaPlatformDefaults *qga_platform_defaults(void)
{
    /* qemu-ga built for Linux with --prefix=/usr: CONFIG_QEMU_CONFDIR=/etc/qemu and a local
     * state dir of /var, i.e. /var/run for state and /var/run/qemu-ga.pid. A drop-in
     * replacement reads the same config file and keeps the same qga.state. */
    static const QgaPlatformDefaults defaults = {
        .method = "virtio-serial",
        .virtio_path = "/dev/virtio-ports/org.qemu.guest_agent.0",
        .isa_path = "/dev/ttyS0",
        .pidfile = "/var/run/qemu-ga.pid",
        .statedir = "/var/run",
        .config_path = "/etc/qemu/qemu-ga.conf",
        .methods = posix_methods,
        .fsfreeze_hook = "/etc/qemu/fsfreeze-hook",
        .g2h_path = "/dev/virtio-ports/org.qgacompat.g2h.0",
        .g2h_methods = posix_g2h_methods,
    };
    return &defaults;
}

int qga_platform_service_action(const QgaConfig *config, const char *action, QgaError **error)
{
    qga_error_generic(error, "-s/--service is for the Windows service; on this system use -d or the "
                             "init system's unit");
    return -1;
}

int64_t qga_platform_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t qga_platform_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t qga_platform_thread_id(void)
{
    return (uint64_t)syscall(SYS_gettid);
}

int qga_platform_mkdir_p(const char *path, QgaError **error)
{
    _qga_cleanup_free_ char *copy = qga_strdup(path);
    size_t len = strlen(copy);
    /* Create each missing component left to right; 0700 as qemu-ga's Windows build does. */
    for (size_t i = 1; i <= len; i++) {
        if (i != len && copy[i] != '/')
            continue;
        if (copy[i - 1] == '/')
            continue;
        char saved = copy[i];
        copy[i] = '\0';
        if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
            qga_error_set_os(error, errno, "failed to create directory '%s'", copy);
            return -1;
        }
        copy[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) < 0) {
        qga_error_set_os(error, errno, "failed to create directory '%s'", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        qga_error_set_os(error, ENOTDIR, "failed to create directory '%s'", path);
        return -1;
    }
    return 0;
}

/* Linux defaults: qemu-ga's Linux paths, so existing configs and state carry over. */
#include "host/host.h"

static const char *const posix_methods[] = { "virtio-serial", "isa-serial", "unix-listen", NULL };
/* unix-connect: the guest-driven channel to a listening UNIX socket (tests, and hosts that are not
 * QEMU); the host-driven channel has no such method, as in qemu-ga. */
static const char *const posix_g2h_methods[] = { "virtio-serial", "unix-connect", NULL };

const QgaConfigDefaults *qga_host_defaults(void)
{
    /* qemu-ga built for Linux with --prefix=/usr: CONFIG_QEMU_CONFDIR=/etc/qemu and a local
     * state dir of /var, i.e. /var/run for state and /var/run/qemu-ga.pid. A drop-in
     * replacement reads the same config file and keeps the same qga.state. */
    static const QgaConfigDefaults defaults = {
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

int qga_host_service_action(const QgaConfig *config, const char *action, QgaError **error)
{
    qga_error_generic(error,
                      "-s/--service is for the Windows service; on this system use -d or the "
                      "init system's unit");
    return -1;
}

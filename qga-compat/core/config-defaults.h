/* The built-in defaults of the OS the agent runs on; the runtime passes them to qga_config_load. */
#pragma once

/* qemu-ga's defaults for one OS (host/<os>/defaults.c fills them in). */
typedef struct QgaConfigDefaults {
    const char *method; /* "virtio-serial" */
    /* /dev/virtio-ports/org.qemu.guest_agent.0 or \\.\Global\org.qemu.guest_agent.0 */
    const char *virtio_path;
    const char *isa_path; /* /dev/ttyS0 or COM1 */
    const char *pidfile;
    const char *statedir;
    const char *config_path;    /* read when neither -c nor QGA_CONF is given; absence is fine */
    const char *const *methods; /* NULL-terminated list of methods this OS supports */
    const char *fsfreeze_hook;  /* what -F without a path means; NULL where there is no hook */
    /* The guest-driven channel: its port, and how it may be reached on this OS (virtio-serial
     * first, the default; the others are for tests and non-QEMU hosts). */
    /* /dev/virtio-ports/org.qgacompat.g2h.0 or \\.\Global\org.qgacompat.g2h.0 */
    const char *g2h_path;
    const char *const *g2h_methods;
} QgaConfigDefaults;

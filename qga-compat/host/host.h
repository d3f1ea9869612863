/* The narrow interface between the portable agent and its operating system. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../core/agent.h"
#include "../core/error.h"

/* Built-in defaults for this OS (qemu-ga's, see qga-protocol.md 3.1 and 3.3). */
typedef struct QgaPlatformDefaults {
    const char *method;            /* "virtio-serial" */
    const char *virtio_path;       /* /dev/virtio-ports/org.qemu.guest_agent.0 or \\.\Global\org.qemu.guest_agent.0 */
    const char *isa_path;          /* /dev/ttyS0 or COM1 */
    const char *pidfile;
    const char *statedir;
    const char *config_path;       /* read when neither -c nor QGA_CONF is given; absence is fine */
    const char *const *methods;    /* NULL-terminated list of methods this platform supports */
    const char *fsfreeze_hook;     /* what -F without a path means; NULL where there is no hook */
    /* The guest-driven channel (issue 7): its port, and how it may be reached on this OS
     * (virtio-serial first, the default; the others are for tests and non-QEMU hosts). */
    const char *g2h_path;          /* /dev/virtio-ports/org.qgacompat.g2h.0 or \\.\Global\org.qgacompat.g2h.0 */
    const char *const *g2h_methods;
} QgaPlatformDefaults;

const QgaPlatformDefaults *qga_platform_defaults(void);

/*
 * Run the agent until told to stop: open the channel (by config->method and
 * path), daemonize or hand over to the service manager when config->daemon,
 * serve requests, and clean up (pidfile, listening socket). Returns the exit code.
 */
int qga_platform_run(QgaAgent *agent);

/* -s ACTION (Windows service install/uninstall). Platforms without services answer an error. */
int qga_platform_service_action(const QgaConfig *config, const char *action, QgaError **error);

/* Create a directory and its missing parents (existing ones are fine): the state dir at start-up. */
int qga_platform_mkdir_p(const char *path, QgaError **error);

/* Wall clock in nanoseconds since the Unix epoch (UTC). */
int64_t qga_platform_now_ns(void);
/* Milliseconds of a monotonic clock (timers and deadlines; not the wall clock). */
int64_t qga_platform_monotonic_ms(void);
/* The calling thread's id (state owned by the main loop's thread checks it). */
uint64_t qga_platform_thread_id(void);

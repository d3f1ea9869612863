/* Declarations shared by the Windows runtime (host/win32/): entry, service, event log, the server. */
#pragma once

#include "core/agent.h"
#include "os/win32/win32.h"

/* Names under which the agent registers itself (service, event source). */
#define QGA_WIN_SERVICE_NAME L"qga-compat"
#define QGA_WIN_SERVICE_DISPLAY_NAME L"QGA-compat Guest Agent"
#define QGA_WIN_SERVICE_DESCRIPTION \
    L"Answers the QEMU guest agent protocol (qemu-ga compatible) on the virtio-serial port " \
    L"org.qemu.guest_agent.0 for the hypervisor's management tools."
#define QGA_WIN_EVENT_SOURCE L"qga-compat"

/* ---- entry.c: the UTF-8 argv that wmain built (the -s installer needs the raw options) ---- */

int qga_win_argc(void);
char **qga_win_argv(void);

/* ---- defaults.c ---- */

/* Full path of the running executable (UTF-16, heap). */
wchar_t *qga_win_module_path(void);

/* ---- service-cmdline.c ---- */

/*
 * The options of argv that come before "-s ACTION" (qemu-ga bakes only those into the service),
 * minus -d (the service command line starts with it). *ret_has_retry tells whether -r was among them.
 */
char **qga_win_options_before_service(int argc, char **argv, size_t *ret_n, bool *ret_has_retry);
/* The service binary path: "<exe>" -d [-r] <options before -s>. Heap UTF-8. */
char *qga_win_service_cmdline(const char *exe, int argc, char **argv);

/* ---- eventlog.c ---- */

/* Register the event source and install the log sink (service mode). */
void qga_win_eventlog_open(void);
void qga_win_eventlog_close(void);

/* ---- server.c: the agent's ports, watches and controls on one wait ---- */

typedef struct QgaWinServer QgaWinServer;

/* The ports the server serves; the service keeps a device notification per port. */
typedef enum QgaWinPortId {
    QGA_WIN_PORT_QGA, /* the QGA port the host drives */
    QGA_WIN_PORT_G2H, /* the guest-driven channel's port */
    QGA_WIN_N_PORTS,
} QgaWinPortId;

/* Hooks the service supplies; all optional. They run on the loop thread. */
typedef struct QgaWinServerHooks {
    void (*ready)(void *opaque); /* serving (or waiting for the port) */
    void (*port_opened)(void *opaque, QgaWinPortId port,
                        HANDLE h); /* register per-handle device notifications */
    void (*port_closed)(void *opaque,
                        QgaWinPortId port); /* ... and drop them (after CloseHandle) */
    void *opaque;
} QgaWinServerHooks;

QgaWinServer *qga_win_server_new(QgaAgent *agent, const QgaWinServerHooks *hooks);
void qga_win_server_free(QgaWinServer *s);
/* Run until stopped; returns the exit code (0 on a requested stop). */
int qga_win_server_run(QgaWinServer *s);
/* Thread-safe requests from the console handler / service control handler. */
void qga_win_server_stop(QgaWinServer *s);
void qga_win_server_device_arrived(QgaWinServer *s);
/* Close a port now (driver update / device removal); waits up to timeout_ms for the loop. */
void qga_win_server_release_port(QgaWinServer *s, QgaWinPortId port, DWORD timeout_ms);
/* SERVICE_CONTROL_PRESHUTDOWN: stop, telling the host SHUTDOWN_STARTING first (bounded flush). */
void qga_win_server_preshutdown(QgaWinServer *s);
/* Before qga_win_server_run: the service receives virtio-serial port arrivals (so an absent
 * guest-driven port is waited for, not retried). */
void qga_win_server_set_arrival_notifications(QgaWinServer *s, bool on);

/* Session-change and power-event notifications, queued by the service handler, delivered on the
 * loop thread (address changes come from the loop's own NotifyAddrChange, or a test seam). */
typedef enum QgaWinNotifyKind {
    QGA_WIN_NOTIFY_SESSION_CHANGE,
    QGA_WIN_NOTIFY_POWER_EVENT,
    QGA_WIN_NOTIFY_ADDRESS_CHANGE,
} QgaWinNotifyKind;
void qga_win_server_notify(QgaWinServer *s, QgaWinNotifyKind kind, DWORD event_type,
                           DWORD session_id);
/* The hook that receives them (system-events.c): logs, and with the guest-driven channel on (g2h
 * not NULL) turns them into USER_SESSION, SUSPENDING/RESUMED, IP_ADDRESS_CHANGED. */
typedef struct QgaG2hPort QgaG2hPort;
void qga_win_on_system_event(QgaG2hPort *g2h, QgaWinNotifyKind kind, DWORD event_type,
                             DWORD session_id);

/* ---- service.c ---- */

/* -d: hand the process to the service control manager; returns the exit code. */
int qga_win_service_run(QgaAgent *agent);

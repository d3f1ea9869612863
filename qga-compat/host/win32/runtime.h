/* Declarations shared by the Windows runtime (host/win32/): entry, service, event log, the channel loop. */
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

/* ---- server.c: the channel loop ---- */

typedef struct QgaWinLoop QgaWinLoop;

/* Hooks the service supplies; all optional. They run on the loop thread. */
typedef struct QgaWinLoopHooks {
    void (*ready)(void *opaque);                      /* the loop serves (or waits for the port) */
    void (*channel_opened)(void *opaque, HANDLE h);   /* register per-handle device notifications */
    void (*channel_closed)(void *opaque);             /* ... and drop them (after CloseHandle) */
    void (*g2h_opened)(void *opaque, HANDLE h);       /* the same for the guest-driven port */
    void (*g2h_closed)(void *opaque);
    void *opaque;
} QgaWinLoopHooks;

QgaWinLoop *qga_win_loop_new(QgaAgent *agent, const QgaWinLoopHooks *hooks);
void qga_win_loop_free(QgaWinLoop *loop);
/* Run until stopped; returns the exit code (0 on a requested stop). */
int qga_win_loop_run(QgaWinLoop *loop);
/* Thread-safe requests from the console handler / service control handler. */
void qga_win_loop_stop(QgaWinLoop *loop);
void qga_win_loop_device_arrived(QgaWinLoop *loop);
/* Close the port now (driver update / device removal); waits up to timeout_ms for the loop. */
void qga_win_loop_release_port(QgaWinLoop *loop, DWORD timeout_ms);
/* The same for the guest-driven channel's port (g2h-port.c). */
void qga_win_loop_release_g2h(QgaWinLoop *loop, DWORD timeout_ms);
/* SERVICE_CONTROL_PRESHUTDOWN: stop, telling the host SHUTDOWN_STARTING first (bounded flush). */
void qga_win_loop_preshutdown(QgaWinLoop *loop);
/* Before qga_win_loop_run: the service receives virtio-serial port arrivals (so an absent
 * guest-driven port is waited for, not retried). */
void qga_win_loop_set_arrival_notifications(QgaWinLoop *loop, bool on);

/* Session-change and power-event notifications, queued by the service handler, delivered on the
 * loop thread (address changes come from the loop's own NotifyAddrChange, or a test seam). */
typedef enum QgaWinNotifyKind {
    QGA_WIN_NOTIFY_SESSION_CHANGE,
    QGA_WIN_NOTIFY_POWER_EVENT,
    QGA_WIN_NOTIFY_ADDRESS_CHANGE,
} QgaWinNotifyKind;
void qga_win_loop_notify(QgaWinLoop *loop, QgaWinNotifyKind kind, DWORD event_type, DWORD session_id);
/* The hook that receives them (system-events.c): logs, and with the guest-driven channel on (g2h
 * not NULL) turns them into USER_SESSION, SUSPENDING/RESUMED, IP_ADDRESS_CHANGED. */
typedef struct QgaG2hPort QgaG2hPort;
void qga_win_on_system_event(QgaG2hPort *g2h, QgaWinNotifyKind kind, DWORD event_type, DWORD session_id);

/* ---- service.c ---- */

/* -d: hand the process to the service control manager; returns the exit code. */
int qga_win_service_run(QgaAgent *agent);

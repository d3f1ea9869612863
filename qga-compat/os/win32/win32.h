/* Declarations shared by the Windows platform files only (never included outside platform/win32/). */
#pragma once

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "buf.h"
#include "error.h"

/* Names under which the agent registers itself (service, event source). */
#define QGA_WIN_SERVICE_NAME L"qga-compat"
#define QGA_WIN_SERVICE_DISPLAY_NAME L"QGA-compat Guest Agent"
#define QGA_WIN_SERVICE_DESCRIPTION \
    L"Answers the QEMU guest agent protocol (qemu-ga compatible) on the virtio-serial port " \
    L"org.qemu.guest_agent.0 for the hypervisor's management tools."
#define QGA_WIN_EVENT_SOURCE L"qga-compat"

/* ---- utf.c: the one UTF-8 <-> UTF-16 boundary ---- */

/* Strict: invalid UTF-8 is an error ("can't convert '<what>' to UTF-16: ..."). Heap result. */
wchar_t *qga_win_utf8_to_utf16(const char *s, const char *what, QgaError **error);
/* Lossy: unpaired surrogates become U+FFFD, never fails. len -1 = NUL-terminated. Heap result. */
char *qga_win_utf16_to_utf8(const wchar_t *w, int len);

/* ---- oserror.c ---- */

/* FormatMessageW text for a Win32 code (or HRESULT), UTF-8, trailing CR/LF removed; NULL if none. */
char *qga_win_error_text(DWORD code);

/* ---- entry.c: the UTF-8 argv that wmain built (the -s installer needs the raw options) ---- */

int qga_win_argc(void);
char **qga_win_argv(void);

/* ---- defaults.c ---- */

/* Full path of the running executable (UTF-16, heap). */
wchar_t *qga_win_module_path(void);

/* ---- cmdline.c: MSVC command-line quoting (the service's binary path) ---- */

/* Append one argument to cmd quoted so that CommandLineToArgvW/msvcrt give it back unchanged. */
void qga_win_cmdline_append_arg(QgaBuf *cmd, const char *arg);
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

/* ---- loop.c: the channel loop ---- */

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
/* The same for the guest-driven channel's port (g2h-channel.c). */
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
/* The hook that receives them (g2h-events.c): logs, and with the guest-driven channel on (g2h
 * not NULL) turns them into USER_SESSION, SUSPENDING/RESUMED, IP_ADDRESS_CHANGED. */
typedef struct QgaWinG2h QgaWinG2h;
void qga_win_on_system_event(QgaWinG2h *g2h, QgaWinNotifyKind kind, DWORD event_type, DWORD session_id);

/* ---- backoff (loop.c) ---- */

/* Next wait of an exponential back-off: first, doubling, capped. */
DWORD qga_win_backoff_next(DWORD current, DWORD first, DWORD cap);

/* ---- service.c ---- */

/* -d: hand the process to the service control manager; returns the exit code. */
int qga_win_service_run(QgaAgent *agent);

/* ---- osinfo.c (exposed for the unit test of the version tables) ---- */

typedef struct QgaWinVersion {
    DWORD major, minor, build;
    bool server;
} QgaWinVersion;
/* version ("Microsoft Windows 11") and version-id ("11"); static strings, "N/A" when unknown. */
void qga_win_version_names(const QgaWinVersion *v, const char **ret_version, const char **ret_version_id);
/* ProductName with Windows 11 fixed ("Windows 10 Pro" on build >= 22000 -> "Windows 11 Pro"). Heap. */
char *qga_win_pretty_name(const char *product_name, const QgaWinVersion *v);

/* ---- exec.c: guest-exec's command line and environment (exposed for tests/exec/test-win32-exec.c) ---- */

/* "<argv[0]>" quoted whole, then each further argument by qga_win_cmdline_append_arg. Heap UTF-8. */
char *qga_win_exec_cmdline(const char *const *argv);
/* A CREATE_UNICODE_ENVIRONMENT block ("A=1\0B=2\0\0") from NAME=value entries. Heap. */
wchar_t *qga_win_exec_envblock(const char *const *envp, QgaError **error);
/* The value of PATH (any case) among NAME=value entries, or NULL (also for envp NULL). */
const char *qga_win_exec_env_path(const char *const *envp);

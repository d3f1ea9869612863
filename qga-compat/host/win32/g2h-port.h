/* The guest-driven channel's port on Windows (org.qgacompat.g2h.0) and the OS events it reports, on the server's wait. */
#pragma once

#include "port.h"
#include "runtime.h"

#include "g2h/link.h"

typedef struct QgaG2hPort QgaG2hPort;

/*
 * NULL when the channel cannot be set up (the error says why); else joined to ws.
 * arrival_notifications: the service receives virtio-serial arrivals, so an absent port is
 * waited for rather than retried. The port is tried on the first turn of the wait, never here.
 */
QgaG2hPort *qga_g2h_port_new(QgaAgent *agent, QgaWinWaitSet *ws, const QgaWinPortHooks *hooks,
                             bool arrival_notifications, QgaError **error);
void qga_g2h_port_free(QgaG2hPort *g);

/* The port (device arrivals, releases). */
QgaWinPort *qga_g2h_port_port(QgaG2hPort *g);
/* The agent stops: SHUTDOWN_STARTING first when the OS is shutting down, then AGENT_STOPPING,
 * and up to timeout_ms to hand them to the port. */
void qga_g2h_port_stop(QgaG2hPort *g, bool shutdown, DWORD timeout_ms);

QgaG2hLink *qga_g2h_port_link(QgaG2hPort *g);

/* ---- g2h-events.c: OS notifications -> the link ---- */

/* What a resume looks like: PBT_APMRESUMEAUTOMATIC, then PBT_APMRESUMESUSPEND when a user is
 * there; one RESUMED per suspend. */
typedef struct QgaWinPowerState {
    bool resume_reported;
} QgaWinPowerState;
QgaWinPowerState *qga_g2h_port_power_state(QgaG2hPort *g);

/* The address-change watch: NotifyAddrChange with its OVERLAPPED event in the loop's wait. */
typedef struct QgaWinAddrWatch QgaWinAddrWatch;
/* NULL (and *ret_code the Win32 error) when the system has no address notifications (Wine). */
QgaWinAddrWatch *qga_win_addr_watch_new(DWORD *ret_code);
void qga_win_addr_watch_free(QgaWinAddrWatch *w);
HANDLE qga_win_addr_watch_event(const QgaWinAddrWatch *w);
/* The event fired: re-arm; false (with *ret_code) when it can no longer be armed. */
bool qga_win_addr_watch_rearm(QgaWinAddrWatch *w, DWORD *ret_code);

/* DOMAIN\user of a session (UTF-8, heap), NULL when the OS does not know it (any more). */
char *qga_win_session_user(DWORD session_id);

/* ---- the test seam: tests/seams/win32-system-events.c in qga-compat-testseam.exe,
 *      g2h-seam-none.c (nothing) in qga-compat.exe ---- */

/* The guest-driven channel connected (called each time; the seam acts on the first). */
void qga_win_seam_g2h_connected(QgaWinServer *server);

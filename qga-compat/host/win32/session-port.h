/* The QGA port on Windows (org.qemu.guest_agent.0, or a COM port): a QgaWinPort whose bytes are the agent's session. */
#pragma once

#include "port.h"

typedef struct QgaWinSessionPort QgaWinSessionPort;

/* The port the configuration names (method, path, -r), or the platform's default, joined to ws.
 * NULL when the method is not one of ours (the error says so). Nothing is opened yet. */
QgaWinSessionPort *qga_win_session_port_new(QgaAgent *agent, QgaWinWaitSet *ws,
                                            const QgaWinPortHooks *hooks, QgaError **error);
void qga_win_session_port_free(QgaWinSessionPort *sp);
/* The first attempt, before the agent reports itself ready: -1 when the port cannot be opened
 * and -r was not given (logged); with -r a missing port is retried from the loop. */
int qga_win_session_port_start(QgaWinSessionPort *sp);
QgaWinPort *qga_win_session_port_port(QgaWinSessionPort *sp);

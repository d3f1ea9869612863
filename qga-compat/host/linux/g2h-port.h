/* The guest-driven channel on POSIX: its port (or a UNIX socket) on the agent's poll loop, driving the portable link. */
#pragma once

#include "core/agent.h"
#include "core/error.h"
#include "os/posix/loop.h"

typedef struct QgaG2hChannel QgaG2hChannel;

/*
 * Starts what agent->config->g2h asks for; NULL without an error when it is disabled.
 * virtio-serial: the port is opened when it exists, else awaited with inotify; a host is awaited
 * with the driver's SIGIO (qga_g2h_channel_on_sigio), so an absent port or host costs no
 * wake-ups. unix-connect: the socket is retried with back-off (tests, non-QEMU hosts).
 * Call after daemonizing: SIGIO goes to the process that set it up.
 */
QgaG2hChannel *qga_g2h_channel_start(QgaLoop *loop, QgaAgent *agent, QgaError **error);
/* The process got SIGIO: the host side of a virtio port may have come or gone. */
void qga_g2h_channel_on_sigio(QgaG2hChannel *channel);
/* AGENT_STOPPING to a connected host (what the port takes now, without waiting), then close. */
void qga_g2h_channel_stop(QgaG2hChannel *channel);

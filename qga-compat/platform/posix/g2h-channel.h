/* The POSIX glue of the guest-driven channel: connects to the host, says hello, sends heartbeats, never blocks the loop. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "loop.h"

typedef struct QgaG2hChannel QgaG2hChannel;

/* Not wired into the agent yet: this slice connects only to a UNIX socket (the "unix-connect"
 * case of issue 7's tests); the virtio-serial port org.qgacompat.g2h.0 and the g2h-path /
 * g2h-heartbeat configuration keys are still to come. */
typedef struct QgaG2hChannelConfig {
    const char *socket_path;    /* the host listener's UNIX socket */
    const char *version;        /* sent in host-hello and AGENT_STARTED */
    int64_t heartbeat_ms;       /* HEARTBEAT period while connected (0 = none) */
    int64_t retry_ms;           /* reconnect delay while the host is away */
    size_t queue_max;           /* events kept while away (0 = QGA_G2H_QUEUE_DEFAULT) */
} QgaG2hChannelConfig;

/* Queues AGENT_STARTED and tries to connect at once; a host that is not there yet is retried
 * every retry_ms. Strings in config are copied. */
QgaG2hChannel *qga_g2h_channel_start(QgaLoop *loop, const QgaG2hChannelConfig *config, QgaError **error);
/* Sends AGENT_STOPPING if connected (best effort, without waiting), then closes. */
void qga_g2h_channel_stop(QgaG2hChannel *channel);

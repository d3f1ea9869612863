/* IP address changes from the kernel (rtnetlink multicast groups), for the guest-driven channel. */
#pragma once

#include "core/error.h"
#include "os/posix/loop.h"

typedef struct QgaAddressWatch QgaAddressWatch;
typedef void (*QgaAddressWatchFunc)(void *opaque);

/* func runs (on the loop) after the kernel announced an IPv4/IPv6 address being added or removed;
 * bursts are the caller's to settle. No wake-ups otherwise. */
QgaAddressWatch *qga_address_watch_new(QgaLoop *loop, QgaAddressWatchFunc func, void *opaque, QgaError **error);
void qga_address_watch_free(QgaAddressWatch *watch);

/* The agent on a channel's UNIX socket, spoken to directly. */
#pragma once
#include <glib.h>

#include "transport.h"

#define PROBE_SOCKET_MAX_REQUEST (8 * 1024 * 1024)

ProbeTransport *probe_socket_transport_new(const char *path, int timeout, gboolean verbose,
                                           GError **error);

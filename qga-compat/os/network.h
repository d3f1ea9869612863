/* OS primitives behind guest-network-get-interfaces and guest-network-get-route, as portable structs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "model/network.h"

/* Every interface, in the OS's order, with its addresses, link-layer address and counters. */
int qga_os_get_interfaces(QgaNetInterfaceList *ret, QgaError **error);
/* The IPv4 routes, then the IPv6 ones. */
int qga_os_get_routes(QgaNetRouteList *ret, QgaError **error);

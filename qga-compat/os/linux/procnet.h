/* Parsers of /proc/net/dev, /proc/net/route and /proc/net/ipv6_route, apart from the I/O so fixtures can feed them. */
#pragma once

#include <stddef.h>

#include "os/network.h"

/*
 * /proc/net/dev: set the counters of the interfaces of list whose name has a
 * line there (others are left alone; no interface is added). A line whose
 * counters do not all parse as 64-bit decimals gives that interface no
 * statistics rather than invented ones. Returns how many interfaces got counters.
 */
size_t qga_procnet_parse_dev(const char *text, size_t len, QgaNetInterfaceList *list);

/*
 * /proc/net/route (IPv4; the first line is the header): append one route per
 * well-formed line, as qemu-ga fills them: iface, destination, gateway, mask,
 * metric, flags, refcnt, use, mtu, window, irtt, version 4. The addresses are
 * the kernel's __be32 printed with %08X, i.e. in host byte order: read back
 * into the same bytes. Malformed lines are skipped.
 */
void qga_procnet_parse_route(const char *text, size_t len, QgaNetRouteList *list);

/*
 * /proc/net/ipv6_route (no header): append one route per well-formed line:
 * iface, destination, desprefixlen (decimal text), source, srcprefixlen,
 * nexthop, metric, refcnt, use, flags, version 6. Malformed lines are skipped.
 */
void qga_procnet_parse_ipv6_route(const char *text, size_t len, QgaNetRouteList *list);

/* Network interfaces with their addresses and statistics, routes: shared by commands/ and os/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* One address of an interface. */
typedef struct QgaNetAddress {
    char *address;      /* text form: inet_ntop on Linux, WSAAddressToStringW (with %scope) on Windows */
    bool ipv6;
    int prefix;         /* prefix length in bits */
} QgaNetAddress;

/* Traffic counters: GuestNetworkInterfaceStat. */
typedef struct QgaNetStats {
    uint64_t rx_bytes, rx_packets, rx_errs, rx_dropped;
    uint64_t tx_bytes, tx_packets, tx_errs, tx_dropped;
} QgaNetStats;

typedef struct QgaNetInterface {
    char *name;                 /* bytes from the OS; the JSON writer repairs invalid UTF-8 */
    bool has_hw_address;
    uint8_t hw_address[6];      /* first 6 bytes of the link-layer address, zero-padded */
    QgaNetAddress *addresses;
    size_t n_addresses;
    bool has_stats;
    QgaNetStats stats;
} QgaNetInterface;

typedef struct QgaNetInterfaceList {
    QgaNetInterface *items;
    size_t n;
    size_t cap;
} QgaNetInterfaceList;

/* One route: GuestNetworkRoute. NULL strings and false has_ flags are omitted from the reply. */
typedef struct QgaNetRoute {
    char *iface;
    char *destination;
    int64_t metric;
    int version;                /* 4 or 6 */
    char *gateway, *mask;                               /* IPv4 */
    char *desprefixlen, *source, *srcprefixlen, *nexthop; /* IPv6 */
    bool has_irtt, has_flags, has_refcnt, has_use, has_window, has_mtu;
    int64_t irtt, refcnt, use, window, mtu;
    uint64_t flags;
} QgaNetRoute;

typedef struct QgaNetRouteList {
    QgaNetRoute *items;
    size_t n;
    size_t cap;
} QgaNetRouteList;

/* List helpers shared by the platforms and the tests (commands/network.c). */
/* The interface called name (bytes, name_len long), appended when it is not there yet. */
QgaNetInterface *qga_net_interface_get(QgaNetInterfaceList *list, const char *name, size_t name_len);
void qga_net_interface_add_address(QgaNetInterface *iface, const char *address, bool ipv6, int prefix);
void qga_net_interface_list_clear(QgaNetInterfaceList *list);
/* A zeroed route appended to the list. */
QgaNetRoute *qga_net_route_append(QgaNetRouteList *list);
void qga_net_route_list_clear(QgaNetRouteList *list);
/* Prefix length of a netmask: its set bits, counted as qemu-ga counts them (kernel masks are contiguous). */
int qga_net_mask_prefix(const uint8_t *mask, size_t len);
/* "aa:bb:cc:dd:ee:ff" into buf (18 bytes). */
void qga_net_format_mac(const uint8_t mac[6], char buf[18]);

/* Linux network primitives: getifaddrs for names, addresses and link-layer addresses; /proc/net for counters and routes. */
#include "os/network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "os/posix/fileio.h"
#include "procfile.h"
#include "procnet.h"

static void add_ip(QgaNetInterface *iface, const struct ifaddrs *ifa)
{
    char text[INET6_ADDRSTRLEN];
    int family = ifa->ifa_addr->sa_family;
    const void *addr = family == AF_INET ? (const void *)&((const struct sockaddr_in *)ifa->ifa_addr)->sin_addr
                                         : (const void *)&((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
    if (!inet_ntop(family, addr, text, sizeof(text)))
        return;
    /* qemu-ga leaves the prefix at 0 when there is no netmask; so do we (it is mandatory). */
    int prefix = 0;
    if (ifa->ifa_netmask && ifa->ifa_netmask->sa_family == family) {
        if (family == AF_INET)
            prefix = qga_net_mask_prefix((const uint8_t *)&((const struct sockaddr_in *)ifa->ifa_netmask)->sin_addr, 4);
        else
            prefix = qga_net_mask_prefix(((const struct sockaddr_in6 *)ifa->ifa_netmask)->sin6_addr.s6_addr, 16);
    }
    /* No %scope on Linux: qemu-ga prints the bare address with inet_ntop there. */
    qga_net_interface_add_address(iface, text, family == AF_INET6, prefix);
}

int qga_os_get_interfaces(QgaNetInterfaceList *ret, QgaError **error)
{
    struct ifaddrs *ifap = NULL;
    if (getifaddrs(&ifap) < 0) {
        qga_error_set_os(error, errno, "getifaddrs failed");
        return -1;
    }
    /* glibc lists every link first (AF_PACKET, in ifindex order, down ones too), then the
     * addresses: the interfaces come out in ifindex order, each listed once like qemu-ga does. */
    QgaNetInterfaceList list = { 0 };
    for (const struct ifaddrs *ifa = ifap; ifa; ifa = ifa->ifa_next) {
        if (!ifa->ifa_name)
            continue;
        QgaNetInterface *iface = qga_net_interface_get(&list, ifa->ifa_name, strlen(ifa->ifa_name));
        if (!ifa->ifa_addr)
            continue;
        switch (ifa->ifa_addr->sa_family) {
        case AF_PACKET: {
            /* The same bytes SIOCGIFHWADDR gives qemu-ga: the link-layer address, of which the
             * reply shows the first six (zeros for lo and for links without one, like tun). */
            const struct sockaddr_ll *ll = (const struct sockaddr_ll *)ifa->ifa_addr;
            if (!iface->has_hw_address) {
                size_t n = ll->sll_halen < 6 ? ll->sll_halen : 6;
                memset(iface->hw_address, 0, sizeof(iface->hw_address));
                memcpy(iface->hw_address, ll->sll_addr, n);
                iface->has_hw_address = true;
            }
            break;
        }
        case AF_INET:
        case AF_INET6:
            add_ip(iface, ifa);
            break;
        default:
            break;
        }
    }
    freeifaddrs(ifap);

    /* Counters: /proc/net/dev has the 64-bit ones for every interface in one read (getifaddrs'
     * rtnl_link_stats are 32-bit and wrap). Unreadable: no statistics, which are optional. */
    char *text = NULL;
    size_t len = 0;
    if (qga_read_full_file("/proc/net/dev", QGA_PROCFILE_MAX, &text, &len) == 0) {
        qga_procnet_parse_dev(text, len, &list);
        free(text);
    }
    *ret = list;
    return 0;
}

int qga_os_get_routes(QgaNetRouteList *ret, QgaError **error)
{
    static const char route4[] = "/proc/net/route";
    static const char route6[] = "/proc/net/ipv6_route";
    char *text = NULL;
    size_t len = 0;
    int rc = qga_read_full_file(route4, QGA_PROCFILE_MAX, &text, &len);
    if (rc < 0) {
        qga_error_set_os(error, -rc, "Could not open '%s'", route4);
        return -1;
    }
    QgaNetRouteList list = { 0 };
    qga_procnet_parse_route(text, len, &list);
    free(text);

    /* A kernel booted with ipv6.disable=1 has no ipv6_route: qemu-ga then fails the whole
     * command; the IPv4 routes are still worth answering with. */
    rc = qga_read_full_file(route6, QGA_PROCFILE_MAX, &text, &len);
    if (rc == 0) {
        qga_procnet_parse_ipv6_route(text, len, &list);
        free(text);
    } else if (rc != -ENOENT) {
        qga_net_route_list_clear(&list);
        qga_error_set_os(error, -rc, "Could not open '%s'", route6);
        return -1;
    }
    *ret = list;
    return 0;
}

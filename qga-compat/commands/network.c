/* Network commands: guest-network-get-interfaces and guest-network-get-route (result building, list helpers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "core/mem.h"
#include "os/network.h"
#include "qga-commands.h"

static QgaJson *interface_json(const QgaNetInterface *iface)
{
    QgaJson *obj = qga_json_object();
    qga_json_object_set(obj, "name", qga_json_string_len(iface->name, strlen(iface->name)));
    /*
     * libvirt's guestinfo copies hardware-address into a typed parameter unconditionally: an
     * interface without it breaks the whole "virsh guestinfo --interface" call. An interface
     * with no link-layer address gets the all-zero address, which is what Linux itself reports
     * for lo (SIOCGIFHWADDR) and so what qemu-ga sends for it there.
     */
    static const uint8_t zero[6];
    char mac[18];
    qga_net_format_mac(iface->has_hw_address ? iface->hw_address : zero, mac);
    qga_json_object_set_str(obj, "hardware-address", mac);
    if (iface->n_addresses) {
        QgaJson *addrs = qga_json_array();
        for (size_t i = 0; i < iface->n_addresses; i++) {
            const QgaNetAddress *a = &iface->addresses[i];
            QgaJson *addr = qga_json_object();
            qga_json_object_set_str(addr, "ip-address", a->address);
            /* libvirt accepts exactly these two spellings and fails the call on anything else. */
            qga_json_object_set_str(addr, "ip-address-type", a->ipv6 ? "ipv6" : "ipv4");
            qga_json_object_set_int(addr, "prefix", a->prefix);
            qga_json_array_append(addrs, addr);
        }
        qga_json_object_set(obj, "ip-addresses", addrs);
    }
    if (iface->has_stats) {
        const QgaNetStats *s = &iface->stats;
        QgaJson *st = qga_json_object();
        qga_json_object_set_uint(st, "rx-bytes", s->rx_bytes);
        qga_json_object_set_uint(st, "rx-packets", s->rx_packets);
        qga_json_object_set_uint(st, "rx-errs", s->rx_errs);
        qga_json_object_set_uint(st, "rx-dropped", s->rx_dropped);
        qga_json_object_set_uint(st, "tx-bytes", s->tx_bytes);
        qga_json_object_set_uint(st, "tx-packets", s->tx_packets);
        qga_json_object_set_uint(st, "tx-errs", s->tx_errs);
        qga_json_object_set_uint(st, "tx-dropped", s->tx_dropped);
        qga_json_object_set(obj, "statistics", st);
    }
    return obj;
}

int qga_cmd_guest_network_get_interfaces(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result,
                                         QgaError **error)
{
    QgaNetInterfaceList list = { 0 };
    if (qga_os_get_interfaces(&list, error) < 0)
        return -1;
    QgaJson *result = qga_json_array();
    for (size_t i = 0; i < list.n; i++)
        qga_json_array_append(result, interface_json(&list.items[i]));
    qga_net_interface_list_clear(&list);
    *ret_result = result;
    return 0;
}

static void set_opt_str(QgaJson *obj, const char *key, const char *value)
{
    if (value)
        qga_json_object_set(obj, key, qga_json_string_len(value, strlen(value)));
}

static QgaJson *route_json(const QgaNetRoute *r)
{
    /* Member order as qemu-ga's schema declares it (its output visitor follows that order). */
    QgaJson *obj = qga_json_object();
    set_opt_str(obj, "iface", r->iface ? r->iface : "");
    set_opt_str(obj, "destination", r->destination ? r->destination : "");
    qga_json_object_set_int(obj, "metric", r->metric);
    set_opt_str(obj, "gateway", r->gateway);
    set_opt_str(obj, "mask", r->mask);
    if (r->has_irtt)
        qga_json_object_set_int(obj, "irtt", r->irtt);
    if (r->has_flags)
        qga_json_object_set_uint(obj, "flags", r->flags);
    if (r->has_refcnt)
        qga_json_object_set_int(obj, "refcnt", r->refcnt);
    if (r->has_use)
        qga_json_object_set_int(obj, "use", r->use);
    if (r->has_window)
        qga_json_object_set_int(obj, "window", r->window);
    if (r->has_mtu)
        qga_json_object_set_int(obj, "mtu", r->mtu);
    set_opt_str(obj, "desprefixlen", r->desprefixlen);
    set_opt_str(obj, "source", r->source);
    set_opt_str(obj, "srcprefixlen", r->srcprefixlen);
    set_opt_str(obj, "nexthop", r->nexthop);
    qga_json_object_set_int(obj, "version", r->version);
    return obj;
}

int qga_cmd_guest_network_get_route(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    QgaNetRouteList list = { 0 };
    if (qga_os_get_routes(&list, error) < 0)
        return -1;
    QgaJson *result = qga_json_array();
    for (size_t i = 0; i < list.n; i++)
        qga_json_array_append(result, route_json(&list.items[i]));
    qga_net_route_list_clear(&list);
    *ret_result = result;
    return 0;
}

/* Network commands: guest-network-get-interfaces and guest-network-get-route (result building, list helpers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "mem.h"
#include "network.h"
#include "qga-commands.h"

QgaNetInterface *qga_net_interface_get(QgaNetInterfaceList *list, const char *name, size_t name_len)
{
    for (size_t i = 0; i < list->n; i++) {
        const char *have = list->items[i].name;
        if (strlen(have) == name_len && memcmp(have, name, name_len) == 0)
            return &list->items[i];
    }
    if (list->n == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 8;
        list->items = qga_realloc(list->items, list->cap * sizeof(*list->items));
    }
    QgaNetInterface *iface = &list->items[list->n++];
    *iface = (QgaNetInterface){ .name = qga_strndup(name, name_len) };
    return iface;
}

void qga_net_interface_add_address(QgaNetInterface *iface, const char *address, bool ipv6, int prefix)
{
    iface->addresses = qga_realloc(iface->addresses, (iface->n_addresses + 1) * sizeof(*iface->addresses));
    iface->addresses[iface->n_addresses++] = (QgaNetAddress){
        .address = qga_strdup(address), .ipv6 = ipv6, .prefix = prefix,
    };
}

void qga_net_interface_list_clear(QgaNetInterfaceList *list)
{
    for (size_t i = 0; i < list->n; i++) {
        QgaNetInterface *iface = &list->items[i];
        for (size_t j = 0; j < iface->n_addresses; j++)
            free(iface->addresses[j].address);
        free(iface->addresses);
        free(iface->name);
    }
    free(list->items);
    *list = (QgaNetInterfaceList){ 0 };
}

QgaNetRoute *qga_net_route_append(QgaNetRouteList *list)
{
    if (list->n == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 16;
        list->items = qga_realloc(list->items, list->cap * sizeof(*list->items));
    }
    QgaNetRoute *route = &list->items[list->n++];
    *route = (QgaNetRoute){ 0 };
    return route;
}

void qga_net_route_list_clear(QgaNetRouteList *list)
{
    for (size_t i = 0; i < list->n; i++) {
        QgaNetRoute *r = &list->items[i];
        free(r->iface);
        free(r->destination);
        free(r->gateway);
        free(r->mask);
        free(r->desprefixlen);
        free(r->source);
        free(r->srcprefixlen);
        free(r->nexthop);
    }
    free(list->items);
    *list = (QgaNetRouteList){ 0 };
}

int qga_net_mask_prefix(const uint8_t *mask, size_t len)
{
    int bits = 0;
    for (size_t i = 0; i < len; i++)
        for (uint8_t b = mask[i]; b; b &= (uint8_t)(b - 1))
            bits++;
    return bits;
}

void qga_net_format_mac(const uint8_t mac[6], char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

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

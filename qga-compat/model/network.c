/* Network results: interfaces with their addresses, routes, and the conversions OS code shares (mask to prefix, MAC text). */
#include "model/network.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

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

void qga_net_interface_add_address(QgaNetInterface *iface, const char *address, bool ipv6,
                                   int prefix)
{
    iface->addresses =
        qga_realloc(iface->addresses, (iface->n_addresses + 1) * sizeof(*iface->addresses));
    iface->addresses[iface->n_addresses++] = (QgaNetAddress){
        .address = qga_strdup(address),
        .ipv6 = ipv6,
        .prefix = prefix,
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
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

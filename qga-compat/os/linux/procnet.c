/* Parsers of /proc/net/dev, /proc/net/route and /proc/net/ipv6_route (Linux's text formats) into portable structs. */
#include "procnet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "procfile.h"

/* Leading and trailing blanks of a slice. */
static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' || (*s)[*len - 1] == '\r'))
        (*len)--;
}

size_t qga_procnet_parse_dev(const char *text, size_t len, QgaNetInterfaceList *list)
{
    size_t pos = 0, line_len, matched = 0;
    const char *line;
    while ((line = qga_procfile_next_line(text, len, &pos, &line_len))) {
        /* "  eth0: 1234 5 ..." -- Linux forbids ':' in interface names, so the first one ends it;
         * the two header lines have none. */
        const char *colon = memchr(line, ':', line_len);
        if (!colon)
            continue;
        const char *name = line;
        size_t name_len = (size_t)(colon - line);
        trim(&name, &name_len);
        if (!name_len)
            continue;
        QgaNetInterface *iface = NULL;
        for (size_t i = 0; i < list->n; i++) {
            if (strlen(list->items[i].name) == name_len && memcmp(list->items[i].name, name, name_len) == 0) {
                iface = &list->items[i];
                break;
            }
        }
        if (!iface)
            continue;
        /* 8 receive counters (bytes packets errs drop fifo frame compressed multicast), then 8
         * transmit ones (bytes packets errs drop fifo colls carrier compressed). */
        const char *f[16];
        size_t fl[16];
        size_t rest = line_len - (size_t)(colon + 1 - line);
        if (qga_procfile_fields(colon + 1, rest, f, fl, 16) < 16)
            continue;
        uint64_t v[16];
        bool ok = true;
        for (size_t i = 0; i < 16 && ok; i++)
            ok = qga_procfile_parse_u64(f[i], fl[i], 10, &v[i]);
        if (!ok)
            continue;
        iface->stats = (QgaNetStats){
            .rx_bytes = v[0], .rx_packets = v[1], .rx_errs = v[2], .rx_dropped = v[3],
            .tx_bytes = v[8], .tx_packets = v[9], .tx_errs = v[10], .tx_dropped = v[11],
        };
        if (!iface->has_stats)
            matched++;
        iface->has_stats = true;
    }
    return matched;
}

/* A decimal field the kernel prints with %d or %u. */
static bool parse_i64(const char *s, size_t len, int64_t *ret)
{
    bool neg = len && s[0] == '-';
    uint64_t u;
    if (!qga_procfile_parse_u64(s + neg, len - neg, 10, &u))
        return false;
    if (u > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
        return false;
    *ret = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* A hexadecimal field of at most max_digits digits. */
static bool parse_hex(const char *s, size_t len, size_t max_digits, uint64_t *ret)
{
    return len <= max_digits && qga_procfile_parse_u64(s, len, 16, ret);
}

static char *ipv4_text(uint32_t host_order_value)
{
    /* The kernel printed the __be32 as a native integer: its bytes in memory are the address. */
    struct in_addr a;
    memcpy(&a, &host_order_value, sizeof(a));
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, buf, sizeof(buf));
    return qga_strdup(buf);
}

void qga_procnet_parse_route(const char *text, size_t len, QgaNetRouteList *list)
{
    size_t pos = 0, line_len;
    const char *line;
    bool header = true;
    while ((line = qga_procfile_next_line(text, len, &pos, &line_len))) {
        if (header) {
            header = false;
            continue;
        }
        /* Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT */
        const char *f[12];
        size_t fl[12];
        size_t n = qga_procfile_fields(line, line_len, f, fl, 11);
        if (n < 11)
            continue;
        uint64_t dest, gw, flags, mask;
        int64_t refcnt, use, metric, mtu, window, irtt;
        if (!parse_hex(f[1], fl[1], 8, &dest) || !parse_hex(f[2], fl[2], 8, &gw) ||
            !parse_hex(f[3], fl[3], 16, &flags) || !parse_i64(f[4], fl[4], &refcnt) ||
            !parse_i64(f[5], fl[5], &use) || !parse_i64(f[6], fl[6], &metric) ||
            !parse_hex(f[7], fl[7], 8, &mask) || !parse_i64(f[8], fl[8], &mtu) ||
            !parse_i64(f[9], fl[9], &window) || !parse_i64(f[10], fl[10], &irtt))
            continue;
        QgaNetRoute *r = qga_net_route_append(list);
        r->iface = qga_strndup(f[0], fl[0]);
        r->destination = ipv4_text((uint32_t)dest);
        r->gateway = ipv4_text((uint32_t)gw);
        r->mask = ipv4_text((uint32_t)mask);
        r->metric = metric;
        r->has_flags = true;
        r->flags = flags;
        r->has_refcnt = true;
        r->refcnt = refcnt;
        r->has_use = true;
        r->use = use;
        r->has_mtu = true;
        r->mtu = mtu;
        r->has_window = true;
        r->window = window;
        r->has_irtt = true;
        r->irtt = irtt;
        r->version = 4;
    }
}

/* 32 hex digits, network byte order, as the kernel prints an in6_addr. */
static char *ipv6_text(const char *s, size_t len)
{
    if (len != 32)
        return NULL;
    struct in6_addr a;
    for (size_t i = 0; i < 16; i++) {
        uint64_t byte;
        if (!qga_procfile_parse_u64(s + 2 * i, 2, 16, &byte))
            return NULL;
        a.s6_addr[i] = (uint8_t)byte;
    }
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a, buf, sizeof(buf));
    return qga_strdup(buf);
}

void qga_procnet_parse_ipv6_route(const char *text, size_t len, QgaNetRouteList *list)
{
    size_t pos = 0, line_len;
    const char *line;
    while ((line = qga_procfile_next_line(text, len, &pos, &line_len))) {
        /* dest dest_plen src src_plen nexthop metric refcnt use flags iface, all hex but iface */
        const char *f[11];
        size_t fl[11];
        size_t n = qga_procfile_fields(line, line_len, f, fl, 10);
        if (n < 10)
            continue;
        uint64_t dplen, splen, metric, refcnt, use, flags;
        if (!parse_hex(f[1], fl[1], 2, &dplen) || dplen > 128 || !parse_hex(f[3], fl[3], 2, &splen) ||
            splen > 128 || !parse_hex(f[5], fl[5], 8, &metric) || !parse_hex(f[6], fl[6], 8, &refcnt) ||
            !parse_hex(f[7], fl[7], 8, &use) || !parse_hex(f[8], fl[8], 8, &flags))
            continue;
        char *dest = ipv6_text(f[0], fl[0]);
        char *src = ipv6_text(f[2], fl[2]);
        char *next = ipv6_text(f[4], fl[4]);
        if (!dest || !src || !next) {
            free(dest);
            free(src);
            free(next);
            continue;
        }
        QgaNetRoute *r = qga_net_route_append(list);
        r->iface = qga_strndup(f[9], fl[9]);
        r->destination = dest;
        r->source = src;
        r->nexthop = next;
        /* qemu-ga sends the prefix lengths as decimal strings ("64"), the schema's type for them. */
        r->desprefixlen = qga_strdup_printf("%u", (unsigned)dplen);
        r->srcprefixlen = qga_strdup_printf("%u", (unsigned)splen);
        /* The kernel's metric is a u32 (ip -6 route shows 4294967295 for the reject routes);
         * qemu-ga reads it into an int and sends -1 there. The real value is sent here. */
        r->metric = (int64_t)metric;
        r->has_flags = true;
        r->flags = flags;
        r->has_refcnt = true;
        r->refcnt = (int64_t)refcnt;
        r->has_use = true;
        r->use = (int64_t)use;
        r->version = 6;
    }
}

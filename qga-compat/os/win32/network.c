/* Windows network primitives: GetAdaptersAddresses + GetIfTable2 for interfaces, GetIpForwardTable2 for routes. */
#include "sysinfo-win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

QgaNetInterface *qga_win_add_adapter(QgaNetInterfaceList *list, const IP_ADAPTER_ADDRESSES *adapter)
{
    /* FriendlyName is the name users and qemu-ga show ("Ethernet 2"), localized, in UTF-16:
     * converted once here (qemu-ga's ANSI paths turn non-ASCII into '?'). */
    _qga_cleanup_free_ char *name = qga_win_utf16_to_utf8(adapter->FriendlyName ? adapter->FriendlyName : L"", -1);
    QgaNetInterface *iface = qga_net_interface_get(list, name, strlen(name));
    if (adapter->PhysicalAddressLength && !iface->has_hw_address) {
        size_t n = adapter->PhysicalAddressLength < 6 ? adapter->PhysicalAddressLength : 6;
        memset(iface->hw_address, 0, sizeof(iface->hw_address));
        memcpy(iface->hw_address, adapter->PhysicalAddress, n);
        iface->has_hw_address = true;
    }
    for (const IP_ADAPTER_UNICAST_ADDRESS *ua = adapter->FirstUnicastAddress; ua; ua = ua->Next) {
        const SOCKADDR *sa = ua->Address.lpSockaddr;
        if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
            continue;
        /* WSAAddressToStringW: "192.0.2.5", "fe80::1%12" (the %scope-id of link-local addresses
         * is what qemu-ga sends on Windows). */
        wchar_t text[INET6_ADDRSTRLEN + 32];
        DWORD text_len = (DWORD)QGA_N_ELEMENTS(text);
        if (WSAAddressToStringW((LPSOCKADDR)sa, (DWORD)ua->Address.iSockaddrLength, NULL, text, &text_len) != 0)
            continue;
        _qga_cleanup_free_ char *addr = qga_win_utf16_to_utf8(text, -1);
        qga_net_interface_add_address(iface, addr, sa->sa_family == AF_INET6, ua->OnLinkPrefixLength);
    }
    return iface;
}

void qga_win_if_row_stats(const MIB_IF_ROW2 *row, QgaNetStats *ret)
{
    *ret = (QgaNetStats){
        .rx_bytes = row->InOctets,
        .rx_packets = row->InUcastPkts + row->InNUcastPkts,
        .rx_errs = row->InErrors,
        .rx_dropped = row->InDiscards,
        .tx_bytes = row->OutOctets,
        .tx_packets = row->OutUcastPkts + row->OutNUcastPkts,
        .tx_errs = row->OutErrors,
        .tx_dropped = row->OutDiscards,
    };
}

bool qga_win_if_row_is_adapter(const MIB_IF_ROW2 *row)
{
    /* The interface table also holds the filter layers stacked on each NIC (WFP, QoS, ...)
     * and software endpoints: only the NIC itself is an interface a user knows. */
    return row->InterfaceAndOperStatusFlags.HardwareInterface && !row->InterfaceAndOperStatusFlags.FilterInterface &&
           !row->InterfaceAndOperStatusFlags.EndPointInterface;
}

/* GetAdaptersAddresses, growing the buffer while the adapter set changes under us. *ret is NULL
 * when there is no adapter at all. */
static int get_adapters(IP_ADAPTER_ADDRESSES **ret, QgaError **error)
{
    ULONG size = 16384;
    for (int attempt = 0; attempt < 8; attempt++) {
        IP_ADAPTER_ADDRESSES *buf = qga_malloc(size);
        ULONG rc = GetAdaptersAddresses(AF_UNSPEC,
                                        GAA_FLAG_INCLUDE_PREFIX | GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST |
                                            GAA_FLAG_SKIP_DNS_SERVER,
                                        NULL, buf, &size);
        if (rc == ERROR_SUCCESS) {
            *ret = buf;
            return 0;
        }
        free(buf);
        if (rc == ERROR_NO_DATA) {
            *ret = NULL;
            return 0;
        }
        if (rc != ERROR_BUFFER_OVERFLOW) {
            qga_error_set_os(error, (int)rc, "failed to get adapters addresses");
            return -1;
        }
    }
    qga_error_generic(error, "failed to get adapters addresses: the adapter list keeps changing");
    return -1;
}

/* Which interface of the list each adapter's LUID went into. */
typedef struct AdapterSlot {
    NET_LUID luid;
    size_t index;
} AdapterSlot;

int qga_os_get_interfaces(QgaNetInterfaceList *ret, QgaError **error)
{
    WSADATA wsa;
    int wsa_rc = WSAStartup(MAKEWORD(2, 2), &wsa);
    if (wsa_rc != 0) {
        qga_error_set_os(error, wsa_rc, "failed socket startup");
        return -1;
    }
    IP_ADAPTER_ADDRESSES *adapters = NULL;
    if (get_adapters(&adapters, error) < 0) {
        WSACleanup();
        return -1;
    }
    QgaNetInterfaceList list = { 0 };
    /* The counters are attached by LUID (qemu-ga's GetAdapterIndex("\device\tcpip_<guid>")
     * detour is not needed from Vista on). */
    AdapterSlot *slots = NULL;
    size_t n_slots = 0;
    for (IP_ADAPTER_ADDRESSES *a = adapters; a; a = a->Next) {
        QgaNetInterface *iface = qga_win_add_adapter(&list, a);
        slots = qga_realloc(slots, (n_slots + 1) * sizeof(*slots));
        slots[n_slots++] = (AdapterSlot){ .luid = a->Luid, .index = (size_t)(iface - list.items) };
    }
    free(adapters);
    WSACleanup();

    /* Counters, and the adapters GetAdaptersAddresses leaves out: a disabled NIC has no IP
     * interface, so qemu-ga drops it from the list while Linux keeps listing down links
     * (tp-qemu notes the difference). The interface table still has it. */
    MIB_IF_TABLE2 *table = NULL;
    if (GetIfTable2(&table) == NO_ERROR && table) {
        for (ULONG i = 0; i < table->NumEntries; i++) {
            const MIB_IF_ROW2 *row = &table->Table[i];
            QgaNetInterface *iface = NULL;
            for (size_t k = 0; k < n_slots && !iface; k++)
                if (slots[k].luid.Value == row->InterfaceLuid.Value)
                    iface = &list.items[slots[k].index];
            if (!iface) {
                if (!qga_win_if_row_is_adapter(row))
                    continue;
                _qga_cleanup_free_ char *name = qga_win_utf16_to_utf8(row->Alias, -1);
                iface = qga_net_interface_get(&list, name, strlen(name));
                if (row->PhysicalAddressLength && !iface->has_hw_address) {
                    size_t n = row->PhysicalAddressLength < 6 ? row->PhysicalAddressLength : 6;
                    memset(iface->hw_address, 0, sizeof(iface->hw_address));
                    memcpy(iface->hw_address, row->PhysicalAddress, n);
                    iface->has_hw_address = true;
                }
            }
            if (!iface->has_stats) {
                qga_win_if_row_stats(row, &iface->stats);
                iface->has_stats = true;
            }
        }
        FreeMibTable(table);
    }
    free(slots);
    *ret = list;
    return 0;
}

/* Address text of a SOCKADDR_INET, without scope (qemu-ga formats routes with inet_ntop). */
static char *inet_text(const SOCKADDR_INET *sa)
{
    char buf[INET6_ADDRSTRLEN];
    const void *addr = sa->si_family == AF_INET ? (const void *)&sa->Ipv4.sin_addr : (const void *)&sa->Ipv6.sin6_addr;
    if (!inet_ntop(sa->si_family, (void *)addr, buf, sizeof(buf)))
        return qga_strdup(sa->si_family == AF_INET ? "0.0.0.0" : "::");
    return qga_strdup(buf);
}

static char *ipv4_mask_text(unsigned prefix)
{
    uint32_t mask = prefix == 0 ? 0 : (prefix >= 32 ? 0xffffffffu : 0xffffffffu << (32 - prefix));
    return qga_strdup_printf("%u.%u.%u.%u", (unsigned)(mask >> 24), (unsigned)(mask >> 16) & 0xff,
                             (unsigned)(mask >> 8) & 0xff, (unsigned)mask & 0xff);
}

typedef NETIO_STATUS(WINAPI *GetIpInterfaceEntryFn)(PMIB_IPINTERFACE_ROW row);

/* What the routes need of their interface, looked up once per LUID and family. */
typedef struct RouteIface {
    NET_LUID luid;
    ADDRESS_FAMILY family;
    char *name;
    bool has_mtu;
    ULONG mtu;
    ULONG metric;
} RouteIface;

static const RouteIface *route_iface(RouteIface **cache, size_t *n, const MIB_IPFORWARD_ROW2 *row)
{
    ADDRESS_FAMILY family = row->DestinationPrefix.Prefix.si_family;
    for (size_t i = 0; i < *n; i++)
        if ((*cache)[i].luid.Value == row->InterfaceLuid.Value && (*cache)[i].family == family)
            return &(*cache)[i];
    *cache = qga_realloc(*cache, (*n + 1) * sizeof(**cache));
    RouteIface *it = &(*cache)[(*n)++];
    *it = (RouteIface){ .luid = row->InterfaceLuid, .family = family };
    MIB_IF_ROW2 ifrow;
    memset(&ifrow, 0, sizeof(ifrow));
    ifrow.InterfaceLuid = row->InterfaceLuid;
    if (GetIfEntry2(&ifrow) == NO_ERROR) {
        it->name = ifrow.Alias[0] ? qga_win_utf16_to_utf8(ifrow.Alias, -1) : NULL;
        it->has_mtu = true;
        it->mtu = ifrow.Mtu;
    }
    if (!it->name)
        it->name = qga_strdup_printf("if%lu", (unsigned long)row->InterfaceIndex);
    /* Windows uses route metric + interface metric (what "route print" shows, and what
     * qemu-ga 11.0 sends). GetIpInterfaceEntry is looked up at run time: Wine's iphlpapi
     * lacks it, and an import of it would stop the command there (the sum is then the
     * route metric alone). Only Family and InterfaceLuid matter to the lookup; the rest of
     * the row is what InitializeIpInterfaceEntry would clear. */
    static GetIpInterfaceEntryFn get_ip_interface_entry;
    static bool looked_up;
    if (!looked_up) {
        HMODULE iphlpapi = GetModuleHandleW(L"iphlpapi.dll");
        get_ip_interface_entry =
            iphlpapi ? (GetIpInterfaceEntryFn)(void *)GetProcAddress(iphlpapi, "GetIpInterfaceEntry") : NULL;
        looked_up = true;
    }
    MIB_IPINTERFACE_ROW iprow;
    memset(&iprow, 0, sizeof(iprow));
    iprow.InterfaceLuid = row->InterfaceLuid;
    iprow.Family = family;
    if (get_ip_interface_entry && get_ip_interface_entry(&iprow) == NO_ERROR)
        it->metric = iprow.Metric;
    return it;
}

int qga_os_get_routes(QgaNetRouteList *ret, QgaError **error)
{
    MIB_IPFORWARD_TABLE2 *table = NULL;
    DWORD rc = GetIpForwardTable2(AF_UNSPEC, &table);
    if (rc != NO_ERROR) {
        qga_error_set_os(error, (int)rc, "failed to get IP routes");
        return -1;
    }
    QgaNetRouteList list = { 0 };
    RouteIface *cache = NULL;
    size_t n_cache = 0;
    for (ULONG i = 0; i < table->NumEntries; i++) {
        const MIB_IPFORWARD_ROW2 *row = &table->Table[i];
        ADDRESS_FAMILY family = row->DestinationPrefix.Prefix.si_family;
        if (family != AF_INET && family != AF_INET6)
            continue;
        const RouteIface *it = route_iface(&cache, &n_cache, row);
        QgaNetRoute *r = qga_net_route_append(&list);
        r->iface = qga_strdup(it->name);
        r->destination = inet_text(&row->DestinationPrefix.Prefix);
        r->metric = (int64_t)row->Metric + it->metric;
        if (it->has_mtu) {
            r->has_mtu = true;
            r->mtu = it->mtu;
        }
        /* The fields qemu-ga 11.0 fills per family; irtt, flags, refcnt, use and window do not
         * exist on Windows and are left out. */
        if (family == AF_INET) {
            r->mask = ipv4_mask_text(row->DestinationPrefix.PrefixLength);
            r->gateway = inet_text(&row->NextHop);
            r->version = 4;
        } else {
            r->nexthop = inet_text(&row->NextHop);
            r->desprefixlen = qga_strdup_printf("%u", (unsigned)row->DestinationPrefix.PrefixLength);
            r->version = 6;
        }
    }
    FreeMibTable(table);
    for (size_t i = 0; i < n_cache; i++)
        free(cache[i].name);
    free(cache);
    *ret = list;
    return 0;
}

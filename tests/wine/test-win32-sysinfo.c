/* Unit tests of the Windows system-information conversions (processors, adapters, sessions), run under Wine. */
#include "os/win32/sysinfo-win32.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "os/load.h"
#include "core/mem.h"

#include "wintap.h"

/* ---- processors ---- */

#define SLPI_HEADER offsetof(SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX, Processor)

typedef struct Buf {
    BYTE data[4096];
    DWORD len;
} Buf;

static void add_group_record(Buf *b, WORD active_groups, const KAFFINITY *masks, WORD n_masks)
{
    DWORD size = (DWORD)(SLPI_HEADER + offsetof(GROUP_RELATIONSHIP, GroupInfo) + n_masks * sizeof(PROCESSOR_GROUP_INFO));
    SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *e = (void *)(b->data + b->len);
    memset(e, 0, size);
    e->Relationship = RelationGroup;
    e->Size = size;
    e->Group.MaximumGroupCount = active_groups;
    e->Group.ActiveGroupCount = active_groups;
    for (WORD i = 0; i < n_masks; i++) {
        e->Group.GroupInfo[i].ActiveProcessorMask = masks[i];
        e->Group.GroupInfo[i].ActiveProcessorCount = (BYTE)__builtin_popcountll(masks[i]);
    }
    b->len += size;
}

static void add_core_record(Buf *b, WORD group, KAFFINITY mask)
{
    DWORD size = (DWORD)(SLPI_HEADER + offsetof(PROCESSOR_RELATIONSHIP, GroupMask) + sizeof(GROUP_AFFINITY));
    SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *e = (void *)(b->data + b->len);
    memset(e, 0, size);
    e->Relationship = RelationProcessorCore;
    e->Size = size;
    e->Processor.GroupCount = 1;
    e->Processor.GroupMask[0].Group = group;
    e->Processor.GroupMask[0].Mask = mask;
    b->len += size;
}

static void check_sequential(const QgaVcpuList *list, size_t n)
{
    CHECK_INT(list->n, n);
    for (size_t i = 0; i < list->n && i < n; i++) {
        CHECK_INT(list->items[i].logical_id, i);
        CHECK(list->items[i].online, "cpu %zu offline", i);
        CHECK(!list->items[i].can_offline, "cpu %zu offlinable", i);
    }
}

static void test_processors_groups(void)
{
    /* 72 CPUs in two groups: qemu-ga's GetLogicalProcessorInformation would see 64 at most. */
    Buf b = { .len = 0 };
    add_core_record(&b, 0, 0x3);
    static const KAFFINITY masks[2] = { ~(KAFFINITY)0, 0xff };
    add_group_record(&b, 2, masks, 2);
    QgaVcpuList list = { 0 };
    qga_win_parse_processors(b.data, b.len, &list);
    check_sequential(&list, 72);
    qga_vcpu_list_clear(&list);

    /* Only core records (the group record is what counts when present). */
    b.len = 0;
    add_core_record(&b, 0, 0x3);
    add_core_record(&b, 0, 0xc);
    add_core_record(&b, 1, 0x1);
    add_core_record(&b, QGA_WIN_MAX_GROUPS, 0x1);   /* an absurd group number is ignored */
    qga_win_parse_processors(b.data, b.len, &list);
    check_sequential(&list, 5);
    qga_vcpu_list_clear(&list);
}

static void test_processors_hostile(void)
{
    QgaVcpuList list = { 0 };
    Buf b = { .len = 0 };
    add_core_record(&b, 0, 0x1);
    /* A record claiming size 0 would loop forever: the walk stops there. */
    SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *e = (void *)(b.data + b.len);
    memset(e, 0, SLPI_HEADER);
    e->Relationship = RelationProcessorCore;
    e->Size = 0;
    b.len += (DWORD)SLPI_HEADER;
    add_core_record(&b, 0, 0x6);
    qga_win_parse_processors(b.data, b.len, &list);
    check_sequential(&list, 1);
    qga_vcpu_list_clear(&list);

    /* A record running past the end of the buffer is not read. */
    b.len = 0;
    add_core_record(&b, 0, 0x1);
    add_core_record(&b, 0, 0x2);
    qga_win_parse_processors(b.data, b.len - 1, &list);
    check_sequential(&list, 1);
    qga_vcpu_list_clear(&list);

    /* A group record announcing more groups than it holds. */
    b.len = 0;
    static const KAFFINITY one[1] = { 0xf };
    add_group_record(&b, 40, one, 1);
    qga_win_parse_processors(b.data, b.len, &list);
    check_sequential(&list, 4);
    qga_vcpu_list_clear(&list);

    /* Nothing, or less than a header. */
    qga_win_parse_processors(b.data, 0, &list);
    qga_win_parse_processors(b.data, 3, &list);
    CHECK_INT(list.n, 0);
}

static void test_processors_real(void)
{
    QgaVcpuList list = { 0 };
    QgaError *err = NULL;
    CHECK_INT(qga_os_get_vcpus(&list, &err), 0);
    DWORD active = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    CHECK(active > 0, "GetActiveProcessorCount: %lu", (unsigned long)active);
    check_sequential(&list, active);
    qga_vcpu_list_clear(&list);
    qga_error_free(err);
}

/* ---- adapters ---- */

static void sockaddr4(SOCKADDR_IN *sa, const char *text)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    inet_pton(AF_INET, text, &sa->sin_addr);
}

static void sockaddr6(SOCKADDR_IN6 *sa, const char *text, ULONG scope)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin6_family = AF_INET6;
    inet_pton(AF_INET6, text, &sa->sin6_addr);
    sa->sin6_scope_id = scope;
}

static void test_adapters(void)
{
    WSADATA wsa;
    CHECK_INT(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
    SOCKADDR_IN v4;
    SOCKADDR_IN6 v6, v6global;
    SOCKADDR unspec = { .sa_family = AF_UNSPEC };
    sockaddr4(&v4, "192.0.2.5");
    sockaddr6(&v6, "fe80::1", 12);
    sockaddr6(&v6global, "2001:db8::7", 0);

    IP_ADAPTER_UNICAST_ADDRESS ua[5];
    memset(ua, 0, sizeof(ua));
    ua[0].Address.lpSockaddr = (SOCKADDR *)&v4;
    ua[0].Address.iSockaddrLength = sizeof(v4);
    ua[0].OnLinkPrefixLength = 24;
    ua[0].Next = &ua[1];
    ua[1].Address.lpSockaddr = NULL;                /* no address: skipped */
    ua[1].Next = &ua[2];
    ua[2].Address.lpSockaddr = &unspec;             /* not IP: skipped */
    ua[2].Address.iSockaddrLength = sizeof(unspec);
    ua[2].Next = &ua[3];
    ua[3].Address.lpSockaddr = (SOCKADDR *)&v6;
    ua[3].Address.iSockaddrLength = sizeof(v6);
    ua[3].OnLinkPrefixLength = 64;
    ua[4].Address.lpSockaddr = (SOCKADDR *)&v6global;
    ua[4].Address.iSockaddrLength = sizeof(v6global);
    ua[4].OnLinkPrefixLength = 128;

    IP_ADAPTER_ADDRESSES a[5];
    memset(a, 0, sizeof(a));
    wchar_t name0[] = L"Ethernet \u00e9\u20ac";
    wchar_t name1[] = { L'b', L'a', L'd', 0xD800, L'x', 0 };   /* unpaired surrogate */
    wchar_t name2[] = L"IPoIB";
    a[0].FriendlyName = name0;
    a[0].PhysicalAddressLength = 6;
    memcpy(a[0].PhysicalAddress, "\x02\xfc\x00\x00\x00\x01", 6);
    a[0].FirstUnicastAddress = &ua[0];
    a[1].FriendlyName = name1;
    a[2].FriendlyName = name2;
    a[2].PhysicalAddressLength = 8;
    memcpy(a[2].PhysicalAddress, "\x80\x00\x02\x08\xfe\x80\x00\x01", 8);
    a[3].FriendlyName = name0;                              /* the same name again: merged */
    a[3].FirstUnicastAddress = &ua[4];
    a[4].FriendlyName = NULL;

    QgaNetInterfaceList list = { 0 };
    for (int i = 0; i < 5; i++)
        qga_win_add_adapter(&list, &a[i]);
    WSACleanup();
    CHECK_INT(list.n, 4);
    if (list.n != 4)
        return;
    QgaNetInterface *e = &list.items[0];
    CHECK_STR(e->name, "Ethernet \xc3\xa9\xe2\x82\xac");
    CHECK(e->has_hw_address && memcmp(e->hw_address, "\x02\xfc\x00\x00\x00\x01", 6) == 0, "hw address");
    CHECK_INT(e->n_addresses, 3);
    if (e->n_addresses == 3) {
        CHECK_STR(e->addresses[0].address, "192.0.2.5");
        CHECK(!e->addresses[0].ipv6, "v4 flagged v6");
        CHECK_INT(e->addresses[0].prefix, 24);
        /* The %scope of a link-local address, as qemu-ga sends it on Windows. */
        CHECK_STR(e->addresses[1].address, "fe80::1%12");
        CHECK(e->addresses[1].ipv6, "v6 flagged v4");
        CHECK_INT(e->addresses[1].prefix, 64);
        CHECK_STR(e->addresses[2].address, "2001:db8::7");
        CHECK_INT(e->addresses[2].prefix, 128);
    }
    CHECK_STR(list.items[1].name, "bad\xef\xbf\xbdx");
    CHECK(!list.items[1].has_hw_address, "no physical address");
    CHECK_INT(list.items[1].n_addresses, 0);
    CHECK_STR(list.items[2].name, "IPoIB");
    CHECK(list.items[2].has_hw_address && memcmp(list.items[2].hw_address, "\x80\x00\x02\x08\xfe\x80", 6) == 0,
          "first six bytes of a long address");
    CHECK_STR(list.items[3].name, "");
    qga_net_interface_list_clear(&list);
}

static void test_if_rows(void)
{
    MIB_IF_ROW2 row;
    memset(&row, 0, sizeof(row));
    row.InOctets = 1000;
    row.InUcastPkts = 10;
    row.InNUcastPkts = 5;
    row.InErrors = 1;
    row.InDiscards = 2;
    row.OutOctets = UINT64_MAX;
    row.OutUcastPkts = 7;
    row.OutNUcastPkts = 3;
    row.OutErrors = 4;
    row.OutDiscards = 6;
    QgaNetStats s;
    qga_win_if_row_stats(&row, &s);
    CHECK_INT(s.rx_bytes, 1000);
    CHECK_INT(s.rx_packets, 15);
    CHECK_INT(s.rx_errs, 1);
    CHECK_INT(s.rx_dropped, 2);
    CHECK(s.tx_bytes == UINT64_MAX, "tx-bytes");
    CHECK_INT(s.tx_packets, 10);
    CHECK_INT(s.tx_errs, 4);
    CHECK_INT(s.tx_dropped, 6);

    CHECK(!qga_win_if_row_is_adapter(&row), "software interface");
    row.InterfaceAndOperStatusFlags.HardwareInterface = 1;
    CHECK(qga_win_if_row_is_adapter(&row), "hardware interface");
    row.InterfaceAndOperStatusFlags.FilterInterface = 1;
    CHECK(!qga_win_if_row_is_adapter(&row), "filter interface");
    row.InterfaceAndOperStatusFlags.FilterInterface = 0;
    row.InterfaceAndOperStatusFlags.EndPointInterface = 1;
    CHECK(!qga_win_if_row_is_adapter(&row), "endpoint interface");
}

static void test_network_real(void)
{
    /* Wine answers from the host's Linux interfaces: at least its loopback. */
    QgaNetInterfaceList list = { 0 };
    QgaError *err = NULL;
    CHECK_INT(qga_os_get_interfaces(&list, &err), 0);
    CHECK(list.n >= 1, "no interface");
    for (size_t i = 0; i < list.n; i++) {
        CHECK(list.items[i].name && list.items[i].name[0], "interface %zu has no name", i);
        CHECK(list.items[i].has_stats, "%s has no counters", list.items[i].name);
    }
    qga_net_interface_list_clear(&list);
    QgaNetRouteList routes = { 0 };
    CHECK_INT(qga_os_get_routes(&routes, &err), 0);
    for (size_t i = 0; i < routes.n; i++) {
        const QgaNetRoute *r = &routes.items[i];
        CHECK(r->iface && r->destination, "route %zu", i);
        CHECK(r->version == 4 ? r->gateway && r->mask && !r->nexthop : r->nexthop && r->desprefixlen && !r->mask,
              "route %zu fields for version %d", i, r->version);
        CHECK(!r->has_flags && !r->has_irtt && !r->has_refcnt && !r->has_use && !r->has_window,
              "route %zu has Linux-only fields", i);
    }
    qga_net_route_list_clear(&routes);
    qga_error_free(err);
}

/* ---- sessions and load ---- */

#define TICKS_1970 116444736000000000LL

static void test_sessions(void)
{
    WTSINFOW info;
    QgaUserSessionList list = { 0 };

    memset(&info, 0, sizeof(info));
    wcscpy(info.UserName, L"J\u00fcrgen");
    wcscpy(info.Domain, L"CORP");
    info.LogonTime.QuadPart = TICKS_1970 + 17000000001234567LL;
    info.ConnectTime.QuadPart = TICKS_1970 + 99;
    qga_win_add_session(&list, &info);

    /* Never logged on through winlogon: the connect time. */
    memset(&info, 0, sizeof(info));
    wcscpy(info.UserName, L"rdp");
    info.ConnectTime.QuadPart = TICKS_1970 + 15000000;
    qga_win_add_session(&list, &info);

    /* Neither time: no made-up one, the session is left out. So is a session without a user. */
    memset(&info, 0, sizeof(info));
    wcscpy(info.UserName, L"ghost");
    qga_win_add_session(&list, &info);
    memset(&info, 0, sizeof(info));
    info.LogonTime.QuadPart = TICKS_1970;
    qga_win_add_session(&list, &info);

    /* Fixed-size fields filled to the brim, without their NUL. */
    memset(&info, 0, sizeof(info));
    for (size_t i = 0; i < QGA_N_ELEMENTS(info.UserName); i++)
        info.UserName[i] = L'u';
    for (size_t i = 0; i < QGA_N_ELEMENTS(info.Domain); i++)
        info.Domain[i] = L'd';
    info.LogonTime.QuadPart = TICKS_1970 + 10000000;
    qga_win_add_session(&list, &info);

    CHECK_INT(list.n, 3);
    if (list.n != 3)
        return;
    CHECK_STR(list.items[0].user, "J\xc3\xbcrgen");
    CHECK_STR(list.items[0].domain, "CORP");
    CHECK(fabs(list.items[0].login_time - 1700000000.1234567) < 1e-6, "login time %.9f", list.items[0].login_time);
    CHECK_STR(list.items[1].user, "rdp");
    CHECK(list.items[1].domain == NULL, "empty domain sent");
    CHECK(list.items[1].login_time == 1.5, "connect time %.9f", list.items[1].login_time);
    CHECK_INT(strlen(list.items[2].user), QGA_N_ELEMENTS(info.UserName));
    CHECK_INT(strlen(list.items[2].domain), QGA_N_ELEMENTS(info.Domain));
    CHECK(list.items[2].login_time == 1.0, "login time %.9f", list.items[2].login_time);
    qga_user_session_list_clear(&list);

    CHECK(qga_win_filetime_seconds(TICKS_1970) == 0.0, "epoch");
    CHECK(qga_win_filetime_seconds(0) == -11644473600.0, "1601");

    /* Wine's WTSEnumerateSessionsW: no session list worth reading, and no error either. */
    QgaError *err = NULL;
    CHECK_INT(qga_os_get_user_sessions(&list, &err), 0);
    qga_user_session_list_clear(&list);
}

static void test_load_real(void)
{
    /* Real Windows: the sampler starts and the first averages are 0. Wine's pdh.dll has no
     * "\System\Processor Queue Length" counter: the documented error, every call. */
    for (int i = 0; i < 2; i++) {
        double v[3] = { -1, -1, -1 };
        QgaError *err = NULL;
        int rc = qga_os_get_load(v, &err);
        if (rc == 0) {
            CHECK(v[0] >= 0 && v[1] >= 0 && v[2] >= 0, "load %f %f %f", v[0], v[1], v[2]);
        } else {
            CHECK(err && strncmp(err->desc, "PdhAddEnglishCounterW failed with 0x", 36) == 0, "%s",
                  err ? err->desc : "(no error)");
            CHECK(err && strstr(err->desc, "Performance counters may be disabled."), "%s", err ? err->desc : "");
        }
        qga_error_free(err);
    }
}

static const TestCase tests[] = {
    { "/win32/sysinfo/processors-groups", test_processors_groups },
    { "/win32/sysinfo/processors-hostile", test_processors_hostile },
    { "/win32/sysinfo/processors-real", test_processors_real },
    { "/win32/sysinfo/adapters", test_adapters },
    { "/win32/sysinfo/if-rows", test_if_rows },
    { "/win32/sysinfo/network-real", test_network_real },
    { "/win32/sysinfo/sessions", test_sessions },
    { "/win32/sysinfo/load-real", test_load_real },
};

int main(void)
{
    return wintap_run(tests, QGA_N_ELEMENTS(tests));
}

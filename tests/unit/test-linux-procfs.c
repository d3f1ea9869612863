/* Unit tests of the Linux /proc and utmp parsers (network, routes, CPU stats, load, users) on recorded and hostile fixtures. */
#include <glib.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <utmpx.h>

#include "os/load.h"
#include "os/network.h"
#include "os/linux/procfile.h"
#include "os/linux/procnet.h"
#include "os/linux/sysinfo.h"
#include "os/users.h"

/* A recorded fixture from tests/unit/fixtures/sysinfo (captured on a Linux guest). */
static char *fixture(const char *name, size_t *ret_len)
{
    g_autofree char *path = g_build_filename(g_getenv("SYSINFO_FIXTURES"), name, NULL);
    char *text = NULL;
    gsize len = 0;
    g_autoptr(GError) err = NULL;
    g_assert_true(g_file_get_contents(path, &text, &len, &err));
    *ret_len = len;
    return text;
}

static QgaNetInterface *find_iface(QgaNetInterfaceList *list, const char *name)
{
    for (size_t i = 0; i < list->n; i++)
        if (strcmp(list->items[i].name, name) == 0)
            return &list->items[i];
    return NULL;
}

/* ---- /proc/net/dev ---- */

static void test_dev_recorded(void)
{
    size_t len;
    g_autofree char *text = fixture("net-dev.txt", &len);
    QgaNetInterfaceList list = { 0 };
    qga_net_interface_get(&list, "eth0", 4);
    qga_net_interface_get(&list, "lo", 2);
    qga_net_interface_get(&list, "absent0", 7);
    g_assert_cmpuint(qga_procnet_parse_dev(text, len, &list), ==, 2);
    QgaNetInterface *eth0 = find_iface(&list, "eth0");
    g_assert_true(eth0->has_stats);
    g_assert_cmpuint(eth0->stats.rx_bytes, ==, 392910668);
    g_assert_cmpuint(eth0->stats.rx_packets, ==, 10672);
    g_assert_cmpuint(eth0->stats.tx_bytes, ==, 444103);
    g_assert_cmpuint(eth0->stats.tx_packets, ==, 6545);
    g_assert_cmpuint(eth0->stats.rx_errs, ==, 0);
    QgaNetInterface *lo = find_iface(&list, "lo");
    g_assert_cmpuint(lo->stats.rx_bytes, ==, 7347);
    g_assert_cmpuint(lo->stats.tx_packets, ==, 97);
    /* An interface without a line gets no statistics, not zeros. */
    g_assert_false(find_iface(&list, "absent0")->has_stats);
    /* The file's own interfaces are not added. */
    g_assert_cmpuint(list.n, ==, 3);
    qga_net_interface_list_clear(&list);
}

static void test_dev_hostile(void)
{
    static const char text[] =
        "Inter-|   Receive |  Transmit\n"
        " face |bytes packets|bytes packets\n"
        "  big: 18446744073709551615 1 2 3 4 5 6 7 18446744073709551614 9 10 11 12 13 14 15\n"
        " over: 18446744073709551616 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"
        "short: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"
        "  neg: -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
        "  hex: 0x10 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
        "wide:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n"
        "\xff\xfe: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
        ": 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
        "no colon here 1 2 3\n"
        "  eol:";
    QgaNetInterfaceList list = { 0 };
    const char *names[] = { "big", "over", "short", "neg", "hex", "wide", "\xff\xfe", "eol" };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        qga_net_interface_get(&list, names[i], strlen(names[i]));
    g_assert_cmpuint(qga_procnet_parse_dev(text, sizeof(text) - 1, &list), ==, 3);
    QgaNetInterface *big = find_iface(&list, "big");
    g_assert_true(big->has_stats);
    g_assert_cmpuint(big->stats.rx_bytes, ==, UINT64_MAX);
    g_assert_cmpuint(big->stats.tx_bytes, ==, UINT64_MAX - 1);
    g_assert_cmpuint(big->stats.tx_dropped, ==, 11);
    /* Counters past 64 bits, missing, negative or not decimal: no statistics, not made-up ones. */
    g_assert_false(find_iface(&list, "over")->has_stats);
    g_assert_false(find_iface(&list, "short")->has_stats);
    g_assert_false(find_iface(&list, "neg")->has_stats);
    g_assert_false(find_iface(&list, "hex")->has_stats);
    g_assert_false(find_iface(&list, "eol")->has_stats);
    /* Extra columns a newer kernel might add are ignored; no blank after the colon is fine. */
    QgaNetInterface *wide = find_iface(&list, "wide");
    g_assert_true(wide->has_stats);
    g_assert_cmpuint(wide->stats.rx_bytes, ==, 1);
    g_assert_cmpuint(wide->stats.tx_dropped, ==, 12);
    /* Names are compared as bytes, invalid UTF-8 included. */
    g_assert_true(find_iface(&list, "\xff\xfe")->has_stats);
    qga_net_interface_list_clear(&list);
}

/* ---- /proc/net/route and /proc/net/ipv6_route ---- */

static void test_route_recorded(void)
{
    size_t len;
    g_autofree char *text = fixture("net-route.txt", &len);
    QgaNetRouteList list = { 0 };
    qga_procnet_parse_route(text, len, &list);
    g_assert_cmpuint(list.n, ==, 2);
    /* The recording was made on little-endian x86: the kernel's %08X shows the address bytes reversed. */
    if (G_BYTE_ORDER == G_LITTLE_ENDIAN) {
        g_assert_cmpstr(list.items[0].destination, ==, "0.0.0.0");
        g_assert_cmpstr(list.items[0].gateway, ==, "192.0.2.1");
        g_assert_cmpstr(list.items[0].mask, ==, "0.0.0.0");
        g_assert_cmpstr(list.items[1].destination, ==, "192.0.2.0");
        g_assert_cmpstr(list.items[1].gateway, ==, "0.0.0.0");
        g_assert_cmpstr(list.items[1].mask, ==, "255.255.255.0");
    }
    g_assert_cmpstr(list.items[0].iface, ==, "eth0");
    g_assert_cmpuint(list.items[0].flags, ==, 3);
    g_assert_cmpuint(list.items[1].flags, ==, 1);
    for (size_t i = 0; i < list.n; i++) {
        const QgaNetRoute *r = &list.items[i];
        g_assert_cmpint(r->version, ==, 4);
        g_assert_true(r->has_flags && r->has_refcnt && r->has_use && r->has_mtu && r->has_window && r->has_irtt);
        g_assert_null(r->desprefixlen);
        g_assert_null(r->source);
        g_assert_null(r->srcprefixlen);
        g_assert_null(r->nexthop);
    }
    qga_net_route_list_clear(&list);
}

static void test_route_hostile(void)
{
    static const char text[] =
        "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
        "ok\t0100007F\t00000000\t0001\t1\t22\t-5\tFFFFFFFF\t1500\t0\t7\n"
        "short\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\n"
        "badhex\t0000000G\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n"
        "long\t100000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n"
        "dec\t00000000\t00000000\t0001\tx\t0\t0\t00000000\t0\t0\t0\n"
        "huge\t00000000\t00000000\t0001\t99999999999999999999\t0\t0\t00000000\t0\t0\t0\n"
        "\n"
        "extra\t00000000\t00000000\tFFFFFFFFFFFFFFFF\t0\t0\t9223372036854775807\t00000000\t0\t0\t0\tnew\n";
    QgaNetRouteList list = { 0 };
    qga_procnet_parse_route(text, sizeof(text) - 1, &list);
    g_assert_cmpuint(list.n, ==, 2);
    g_assert_cmpstr(list.items[0].iface, ==, "ok");
    if (G_BYTE_ORDER == G_LITTLE_ENDIAN)
        g_assert_cmpstr(list.items[0].destination, ==, "127.0.0.1");
    g_assert_cmpstr(list.items[0].mask, ==, "255.255.255.255");
    g_assert_cmpint(list.items[0].metric, ==, -5);
    g_assert_cmpint(list.items[0].refcnt, ==, 1);
    g_assert_cmpint(list.items[0].use, ==, 22);
    g_assert_cmpint(list.items[0].mtu, ==, 1500);
    g_assert_cmpint(list.items[0].irtt, ==, 7);
    g_assert_cmpstr(list.items[1].iface, ==, "extra");
    g_assert_cmpuint(list.items[1].flags, ==, UINT64_MAX);
    g_assert_cmpint(list.items[1].metric, ==, G_MAXINT64);
    qga_net_route_list_clear(&list);

    /* A header alone, or nothing at all. */
    qga_procnet_parse_route("Iface\tDestination\n", 18, &list);
    qga_procnet_parse_route("", 0, &list);
    g_assert_cmpuint(list.n, ==, 0);
}

static void test_ipv6_route_recorded(void)
{
    size_t len;
    g_autofree char *text = fixture("net-ipv6_route.txt", &len);
    QgaNetRouteList list = { 0 };
    qga_procnet_parse_ipv6_route(text, len, &list);
    g_assert_cmpuint(list.n, ==, 8);
    const QgaNetRoute *r = &list.items[0];
    g_assert_cmpstr(r->iface, ==, "eth0");
    g_assert_cmpstr(r->destination, ==, "fd00::");
    g_assert_cmpstr(r->desprefixlen, ==, "64");
    g_assert_cmpstr(r->source, ==, "::");
    g_assert_cmpstr(r->srcprefixlen, ==, "0");
    g_assert_cmpstr(r->nexthop, ==, "::");
    g_assert_cmpint(r->metric, ==, 256);
    g_assert_cmpint(r->refcnt, ==, 1);
    g_assert_cmpint(r->use, ==, 0);
    g_assert_cmpuint(r->flags, ==, 1);
    g_assert_cmpint(r->version, ==, 6);
    g_assert_null(r->gateway);
    g_assert_null(r->mask);
    g_assert_false(r->has_mtu || r->has_window || r->has_irtt);
    /* The default route through a gateway. */
    g_assert_cmpstr(list.items[2].destination, ==, "::");
    g_assert_cmpstr(list.items[2].nexthop, ==, "fd00::1");
    g_assert_cmpint(list.items[2].metric, ==, 1024);
    g_assert_cmpuint(list.items[2].flags, ==, 3);
    g_assert_cmpstr(list.items[3].destination, ==, "::1");
    g_assert_cmpstr(list.items[3].desprefixlen, ==, "128");
    g_assert_cmpstr(list.items[3].iface, ==, "lo");
    g_assert_cmpuint(list.items[3].flags, ==, 0x80200001);
    g_assert_cmpstr(list.items[5].destination, ==, "fe80::fc:ff:fe00:1");
    g_assert_cmpstr(list.items[6].desprefixlen, ==, "8");
    /* The reject route: the kernel's u32 metric is sent as it is (qemu-ga would send -1). */
    g_assert_cmpstr(list.items[7].iface, ==, "lo");
    g_assert_cmpstr(list.items[7].destination, ==, "::");
    g_assert_cmpint(list.items[7].metric, ==, 4294967295LL);
    qga_net_route_list_clear(&list);
}

static void test_ipv6_route_hostile(void)
{
    static const char text[] =
        /* ok, with the source-specific route fields set */
        "20010db8000000000000000000000000 30 20010db8000000000000000000000001 80 fe800000000000000000000000000001 "
        "00000001 00000002 00000003 00000004 ok\n"
        "0000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 "
        "00000000 00000000 00000000 00000000 short-addr\n"
        "0000000000000000000000000000000g 00 00000000000000000000000000000000 00 00000000000000000000000000000000 "
        "00000000 00000000 00000000 00000000 nonhex\n"
        "00000000000000000000000000000000 81 00000000000000000000000000000000 00 00000000000000000000000000000000 "
        "00000000 00000000 00000000 00000000 plen-129\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 "
        "100000000 00000000 00000000 00000000 metric-33-bits\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 "
        "00000000 00000000 00000000 no-iface\n"
        "garbage\n";
    QgaNetRouteList list = { 0 };
    qga_procnet_parse_ipv6_route(text, sizeof(text) - 1, &list);
    g_assert_cmpuint(list.n, ==, 1);
    const QgaNetRoute *r = &list.items[0];
    g_assert_cmpstr(r->iface, ==, "ok");
    g_assert_cmpstr(r->destination, ==, "2001:db8::");
    g_assert_cmpstr(r->desprefixlen, ==, "48");
    g_assert_cmpstr(r->source, ==, "2001:db8::1");
    g_assert_cmpstr(r->srcprefixlen, ==, "128");
    g_assert_cmpstr(r->nexthop, ==, "fe80::1");
    g_assert_cmpint(r->metric, ==, 1);
    g_assert_cmpint(r->refcnt, ==, 2);
    g_assert_cmpint(r->use, ==, 3);
    g_assert_cmpuint(r->flags, ==, 4);
    qga_net_route_list_clear(&list);
}

/* ---- /proc/stat ---- */

static void test_stat_recorded(void)
{
    size_t len;
    g_autofree char *text = fixture("stat.txt", &len);
    QgaCpuStatsList list = { 0 };
    qga_procstat_parse(text, len, 100, &list);
    /* "cpu" (the total) and the intr/ctxt/... lines are not CPUs. */
    g_assert_cmpuint(list.n, ==, 2);
    g_assert_cmpint(list.items[0].cpu, ==, 0);
    g_assert_cmpuint(list.items[0].n_counters, ==, 10);
    g_assert_cmpuint(list.items[0].ms[QGA_CPUSTAT_USER], ==, 654060);
    g_assert_cmpuint(list.items[0].ms[QGA_CPUSTAT_SYSTEM], ==, 193990);
    g_assert_cmpuint(list.items[0].ms[QGA_CPUSTAT_IDLE], ==, 2461340);
    g_assert_cmpuint(list.items[0].ms[QGA_CPUSTAT_IOWAIT], ==, 3710);
    g_assert_cmpuint(list.items[0].ms[QGA_CPUSTAT_STEAL], ==, 4690);
    g_assert_cmpint(list.items[1].cpu, ==, 1);
    g_assert_cmpuint(list.items[1].ms[QGA_CPUSTAT_USER], ==, 780740);
    g_assert_cmpuint(list.items[1].ms[QGA_CPUSTAT_SOFTIRQ], ==, 5230);
    g_free(list.items);
}

static void test_stat_hostile(void)
{
    static const char text[] =
        "cpu  1 2 3 4 5 6 7 8 9 10\n"
        "cpu0 1 2 3 4\n"                        /* a 2.4 kernel: no iowait and later */
        "cpu1 1 2 3 4 5 6\n"                    /* irq but not softirq: softirq is absent, not garbage */
        "cpu2 1 2 3\n"                          /* too few: skipped */
        "cpu3 1 2 x 4\n"                        /* not a number: skipped */
        "cpu4 18446744073709551615 0 0 0\n"     /* ms would need 74 bits: skipped */
        "cpu5 18446744073709551 0 0 0\n"        /* the largest tick count that still fits, at 100 Hz */
        "cpu6 1 2 3 4 5 6 7 8 9 10 11 12\n"     /* counters a future kernel adds: ignored */
        "cpux 1 2 3 4\n"
        "cpu-1 1 2 3 4\n"
        "cpu99999999999999999999 1 2 3 4\n"
        "cpu 7\n"
        "intr 1 2 3 4 5\n"
        "\n"
        "cpu9 \t 100\t200   300 400";           /* tabs, runs of blanks, no final newline */
    QgaCpuStatsList list = { 0 };
    qga_procstat_parse(text, sizeof(text) - 1, 100, &list);
    g_assert_cmpuint(list.n, ==, 5);
    g_assert_cmpint(list.items[0].cpu, ==, 0);
    g_assert_cmpuint(list.items[0].n_counters, ==, 4);
    g_assert_cmpuint(list.items[0].ms[QGA_CPUSTAT_IDLE], ==, 40);
    g_assert_cmpint(list.items[1].cpu, ==, 1);
    g_assert_cmpuint(list.items[1].n_counters, ==, 6);
    g_assert_cmpuint(list.items[1].ms[QGA_CPUSTAT_IRQ], ==, 60);
    g_assert_cmpint(list.items[2].cpu, ==, 5);
    g_assert_cmpuint(list.items[2].ms[QGA_CPUSTAT_USER], ==, G_GUINT64_CONSTANT(184467440737095510));
    g_assert_cmpint(list.items[3].cpu, ==, 6);
    g_assert_cmpuint(list.items[3].n_counters, ==, 10);
    g_assert_cmpuint(list.items[3].ms[QGA_CPUSTAT_GUESTNICE], ==, 100);
    g_assert_cmpint(list.items[4].cpu, ==, 9);
    g_assert_cmpuint(list.items[4].ms[QGA_CPUSTAT_IDLE], ==, 4000);
    g_free(list.items);

    /* Rounding toward zero at an odd tick rate (qemu-ga: ticks * 1000 / hz). */
    list = (QgaCpuStatsList){ 0 };
    qga_procstat_parse("cpu0 1 2 3 1000\n", 16, 300, &list);
    g_assert_cmpuint(list.n, ==, 1);
    g_assert_cmpuint(list.items[0].ms[QGA_CPUSTAT_USER], ==, 3);
    g_assert_cmpuint(list.items[0].ms[QGA_CPUSTAT_NICE], ==, 6);
    g_assert_cmpuint(list.items[0].ms[QGA_CPUSTAT_IDLE], ==, 3333);
    g_free(list.items);
}

/* ---- /proc/loadavg and the emulated average ---- */

static void test_loadavg(void)
{
    double v[3] = { -1, -1, -1 };
    static const char sample[] = "0.52 1.58 12.59 1/166 17626\n";
    g_assert_true(qga_loadavg_parse(sample, strlen(sample), v));
    g_assert_cmpfloat(v[0], ==, 0.52);
    g_assert_cmpfloat(v[1], ==, 1.58);
    g_assert_cmpfloat(v[2], ==, 12.59);
    g_assert_true(qga_loadavg_parse("0.00 0.00 0.00", 14, v));
    g_assert_cmpfloat(v[0], ==, 0.0);
    g_assert_true(qga_loadavg_parse("1024.99 3 7.5\n", 14, v));
    g_assert_cmpfloat(v[0], ==, 1024.99);
    g_assert_cmpfloat(v[1], ==, 3.0);

    static const char *const bad[] = {
        "", "\n", "0.52 0.58", "0,52 0,58 0,59 1/1 2", "a b c", "-1.0 0 0", "1..2 0 0", "0.5e3 0 0",
        "1234567890123456789 0 0",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        v[0] = v[1] = v[2] = 42;
        g_assert_false(qga_loadavg_parse(bad[i], strlen(bad[i]), v));
        /* A failed parse leaves the output alone. */
        g_assert_cmpfloat(v[0], ==, 42);
    }
}

static void test_load_emulation(void)
{
    QgaLoadAverage l = { { 0, 0, 0 } };
    /* One sample of 1 runnable thread from zero: 1 - e^(-5/window). */
    qga_load_average_sample(&l, 1.0);
    g_assert_cmpfloat_with_epsilon(l.avg[0], 1.0 - 0.9200444146293232, 1e-15);
    g_assert_cmpfloat_with_epsilon(l.avg[1], 1.0 - 0.9834714538216175, 1e-15);
    g_assert_cmpfloat_with_epsilon(l.avg[2], 1.0 - 0.9944598480048968, 1e-15);
    /* A steady 2 for an hour (720 samples): the 1-minute average has converged, the
     * 15-minute one is at 1 - e^(-60/15) of the way. */
    l = (QgaLoadAverage){ { 0, 0, 0 } };
    for (int i = 0; i < 720; i++)
        qga_load_average_sample(&l, 2.0);
    g_assert_cmpfloat_with_epsilon(l.avg[0], 2.0, 1e-12);
    g_assert_cmpfloat_with_epsilon(l.avg[1], 2.0 * (1.0 - exp(-12.0)), 1e-9);
    g_assert_cmpfloat_with_epsilon(l.avg[2], 2.0 * (1.0 - exp(-4.0)), 1e-9);
    /* Then idle: it decays. */
    qga_load_average_sample(&l, 0.0);
    g_assert_cmpfloat_with_epsilon(l.avg[0], 2.0 * 0.9200444146293232, 1e-12);
}

/* ---- utmp and the de-duplication ---- */

static void put_record(GByteArray *b, short type, const char *user, size_t user_len, int32_t sec, int32_t usec)
{
    struct utmpx ut;
    memset(&ut, 0, sizeof(ut));
    ut.ut_type = type;
    memcpy(ut.ut_user, user, MIN(user_len, sizeof(ut.ut_user)));
    ut.ut_tv.tv_sec = sec;
    ut.ut_tv.tv_usec = usec;
    g_byte_array_append(b, (const guint8 *)&ut, sizeof(ut));
}

static void test_utmp(void)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    char full[sizeof(((struct utmpx *)0)->ut_user)];
    memset(full, 'x', sizeof(full));
    put_record(b, BOOT_TIME, "reboot", 6, 1600000000, 0);
    put_record(b, USER_PROCESS, "alice", 5, 1700000100, 250000);
    put_record(b, LOGIN_PROCESS, "LOGIN", 5, 1700000000, 0);
    put_record(b, USER_PROCESS, "", 0, 1700000000, 0);             /* no name: not a user */
    put_record(b, USER_PROCESS, full, sizeof(full), 1700000200, 0); /* fills the field, no NUL */
    put_record(b, USER_PROCESS, "bob\xff", 4, 1700000300, 0);       /* not UTF-8: bytes kept */
    put_record(b, DEAD_PROCESS, "carol", 5, 1700000400, 0);
    put_record(b, USER_PROCESS, "alice", 5, 1700000050, 500000);    /* alice again, earlier */
    put_record(b, USER_PROCESS, "alice", 5, 1700000900, 0);         /* and later */
    /* A torn last record (the file being appended to) is ignored. */
    g_byte_array_append(b, (const guint8 *)"partial", 7);

    QgaUserSessionList list = { 0 };
    qga_utmp_parse(b->data, b->len, &list);
    g_assert_cmpuint(list.n, ==, 5);
    g_assert_cmpstr(list.items[0].user, ==, "alice");
    g_assert_cmpfloat(list.items[0].login_time, ==, 1700000100.25);
    g_assert_null(list.items[0].domain);
    g_assert_cmpuint(strlen(list.items[1].user), ==, sizeof(full));
    g_assert_cmpstr(list.items[2].user, ==, "bob\xff");

    qga_user_sessions_dedup(&list);
    g_assert_cmpuint(list.n, ==, 3);
    g_assert_cmpstr(list.items[0].user, ==, "alice");
    g_assert_cmpfloat(list.items[0].login_time, ==, 1700000050.5);
    g_assert_cmpuint(strlen(list.items[1].user), ==, sizeof(full));
    g_assert_cmpstr(list.items[2].user, ==, "bob\xff");
    qga_user_session_list_clear(&list);

    /* Empty or shorter than one record. */
    qga_utmp_parse("", 0, &list);
    qga_utmp_parse(b->data, sizeof(struct utmpx) - 1, &list);
    g_assert_cmpuint(list.n, ==, 0);
}

static void test_dedup_domains(void)
{
    QgaUserSessionList list = { 0 };
    qga_user_session_add(&list, "Administrator", 13, "WIN-1", 100.0);
    qga_user_session_add(&list, "J\xc3\xbcrgen", 7, "CORP", 300.5);
    qga_user_session_add(&list, "Administrator", 13, "OTHER", 50.0);
    qga_user_session_add(&list, "administrator", 13, NULL, 10.0);
    qga_user_session_add(&list, "J\xc3\xbcrgen", 7, NULL, 400.0);
    qga_user_sessions_dedup(&list);
    g_assert_cmpuint(list.n, ==, 3);
    /* qemu-ga keeps the first session's domain and the earliest time; names are compared exactly. */
    g_assert_cmpstr(list.items[0].user, ==, "Administrator");
    g_assert_cmpstr(list.items[0].domain, ==, "WIN-1");
    g_assert_cmpfloat(list.items[0].login_time, ==, 50.0);
    g_assert_cmpstr(list.items[1].user, ==, "J\xc3\xbcrgen");
    g_assert_cmpstr(list.items[1].domain, ==, "CORP");
    g_assert_cmpfloat(list.items[1].login_time, ==, 300.5);
    g_assert_cmpstr(list.items[2].user, ==, "administrator");
    g_assert_null(list.items[2].domain);
    qga_user_session_list_clear(&list);
    qga_user_sessions_dedup(&list);
    g_assert_cmpuint(list.n, ==, 0);
}

/* ---- small helpers ---- */

static void test_net_helpers(void)
{
    static const uint8_t m24[4] = { 255, 255, 255, 0 }, m0[4] = { 0 }, m128[16] = {
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255 };
    g_assert_cmpint(qga_net_mask_prefix(m24, 4), ==, 24);
    g_assert_cmpint(qga_net_mask_prefix(m0, 4), ==, 0);
    g_assert_cmpint(qga_net_mask_prefix(m128, 16), ==, 128);
    char buf[18];
    static const uint8_t mac[6] = { 0x02, 0xfc, 0x00, 0xab, 0xCD, 0xff };
    qga_net_format_mac(mac, buf);
    g_assert_cmpstr(buf, ==, "02:fc:00:ab:cd:ff");

    /* One entry per name, in first-seen order; names with odd bytes are kept as they are. */
    QgaNetInterfaceList list = { 0 };
    QgaNetInterface *a = qga_net_interface_get(&list, "eth0", 4);
    qga_net_interface_add_address(a, "192.0.2.2", false, 24);
    for (int i = 0; i < 40; i++) {
        g_autofree char *name = g_strdup_printf("veth%d", i);
        qga_net_interface_get(&list, name, strlen(name));
    }
    a = qga_net_interface_get(&list, "eth0", 4);
    qga_net_interface_add_address(a, "fe80::1", true, 64);
    g_assert_cmpuint(list.n, ==, 41);
    g_assert_cmpuint(list.items[0].n_addresses, ==, 2);
    g_assert_true(list.items[0].addresses[1].ipv6);
    g_assert_cmpint(list.items[0].addresses[1].prefix, ==, 64);
    qga_net_interface_list_clear(&list);
    g_assert_cmpuint(list.n, ==, 0);
}

static void test_fields(void)
{
    const char *f[3];
    size_t fl[3];
    g_assert_cmpuint(qga_procfile_fields("  a \tbb  c  ", 12, f, fl, 3), ==, 3);
    g_assert_cmpuint(fl[1], ==, 2);
    g_assert_cmpuint(qga_procfile_fields("a b c d", 7, f, fl, 3), ==, 4);
    g_assert_cmpuint(qga_procfile_fields("   ", 3, f, fl, 3), ==, 0);
    uint64_t v;
    g_assert_true(qga_procfile_parse_u64("ffffffffffffffff", 16, 16, &v));
    g_assert_cmpuint(v, ==, UINT64_MAX);
    g_assert_false(qga_procfile_parse_u64("10000000000000000", 17, 16, &v));
    g_assert_false(qga_procfile_parse_u64("12a", 3, 10, &v));
    g_assert_false(qga_procfile_parse_u64("", 0, 10, &v));
    g_assert_false(qga_procfile_parse_u64("+1", 2, 10, &v));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/sysinfo/net-dev/recorded", test_dev_recorded);
    g_test_add_func("/agent/sysinfo/net-dev/hostile", test_dev_hostile);
    g_test_add_func("/agent/sysinfo/route/recorded", test_route_recorded);
    g_test_add_func("/agent/sysinfo/route/hostile", test_route_hostile);
    g_test_add_func("/agent/sysinfo/ipv6-route/recorded", test_ipv6_route_recorded);
    g_test_add_func("/agent/sysinfo/ipv6-route/hostile", test_ipv6_route_hostile);
    g_test_add_func("/agent/sysinfo/stat/recorded", test_stat_recorded);
    g_test_add_func("/agent/sysinfo/stat/hostile", test_stat_hostile);
    g_test_add_func("/agent/sysinfo/loadavg", test_loadavg);
    g_test_add_func("/agent/sysinfo/load-emulation", test_load_emulation);
    g_test_add_func("/agent/sysinfo/utmp", test_utmp);
    g_test_add_func("/agent/sysinfo/users-dedup", test_dedup_domains);
    g_test_add_func("/agent/sysinfo/net-helpers", test_net_helpers);
    g_test_add_func("/agent/sysinfo/fields", test_fields);
    return g_test_run();
}

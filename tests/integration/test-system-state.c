/* Network, vCPU, CPU-stats, load, users and memory-block commands on the real agent: libvirt's rules, the schema, the OS. */
#include <arpa/inet.h>
#include <math.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utmpx.h>

#include "harness.h"
#include "schema-check.h"

/*
 * Every reply is checked three ways:
 *  - against the schema's declared return type (qga_test_cmd does that for each reply);
 *  - against what libvirt's qemu_agent.c reads (lv_* below: qemuAgentGetInterfaces,
 *    qemuAgentGetUsers, qemuAgentGetVCPUs, the load reader): a missing mandatory member or a
 *    wrong JSON type makes "virsh guestinfo" / "domifaddr" / "guestvcpus" fail as a whole;
 *  - against the OS: /sys/class/net, getifaddrs, /proc/net/route and ipv6_route, /sys/devices/
 *    system/cpu and memory, sysconf, /proc/stat, /proc/loadavg, utmp.
 *
 * Under Wine (QGA_AGENT_PLATFORM=win32) the same shape checks run; Wine answers the network
 * calls from the Linux host's interfaces, so names, MACs and addresses are compared with the
 * host's too. What Wine cannot exercise, and the tests say where:
 *  - its pdh.dll has no "\System\Processor Queue Length" counter: guest-get-load answers the
 *    "performance counters may be disabled" error there (the sampler is unit-tested on Windows
 *    builds only through that error path; the damped-average arithmetic is unit-tested on Linux);
 *  - its WTSEnumerateSessionsW reports no logged-on user: guest-get-users is checked for shape only;
 *  - its interface counters split packets into unicast and not in its own way, so only the
 *    byte counters are compared with the host's;
 *  - its route table has no IPv6 routes and its interface metrics are not Windows' (no
 *    GetIpInterfaceEntry), so routes are compared for IPv4 destinations only;
 *  - there are no disabled adapters to see (Wine lists every host interface as enabled).
 * guest-get-cpustats, guest-set-vcpus and the memory-block commands do not exist on Windows:
 * there the tests check the CommandNotFound answer qemu-ga >= 9.1 gives.
 */

static QgaTestAgent *agent;
static QgaTestClient *client;

static JsonObject *call(const char *command)
{
    return qga_test_cmdf(client, "{\"execute\": \"%s\"}", command);
}

static JsonArray *call_array(const char *command, JsonObject **ret_reply)
{
    *ret_reply = call(command);
    JsonNode *ret = qga_test_reply_return(*ret_reply);
    g_assert_true(JSON_NODE_HOLDS_ARRAY(ret));
    return json_node_get_array(ret);
}

static char *read_text(const char *path)
{
    char *text = NULL;
    return g_file_get_contents(path, &text, NULL, NULL) ? g_strstrip(text) : NULL;
}

/* ---- libvirt's readers, modelled ---- */

static JsonNode *member(JsonObject *o, const char *name)
{
    return json_object_has_member(o, name) ? json_object_get_member(o, name) : NULL;
}

static gboolean is_int(JsonNode *n)
{
    return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64;
}

static gboolean is_number(JsonNode *n)
{
    return n && JSON_NODE_HOLDS_VALUE(n) &&
           (json_node_get_value_type(n) == G_TYPE_INT64 || json_node_get_value_type(n) == G_TYPE_DOUBLE);
}

static const char *lv_string(JsonObject *o, const char *name)
{
    JsonNode *n = member(o, name);
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        g_error("libvirt needs '%s' as a string", name);
    return json_node_get_string(n);
}

/* virJSONValueObjectGetNumberUint: an integer 0..UINT_MAX. */
static guint64 lv_uint(JsonObject *o, const char *name)
{
    JsonNode *n = member(o, name);
    if (!is_int(n) || json_node_get_int(n) < 0 || json_node_get_int(n) > G_MAXUINT)
        g_error("libvirt needs '%s' as an unsigned int", name);
    return (guint64)json_node_get_int(n);
}

static double lv_double(JsonObject *o, const char *name)
{
    JsonNode *n = member(o, name);
    if (!is_number(n))
        g_error("libvirt needs '%s' as a number", name);
    return json_node_get_double(n);
}

static gboolean lv_bool(JsonObject *o, const char *name)
{
    JsonNode *n = member(o, name);
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
        g_error("libvirt needs '%s' as a boolean", name);
    return json_node_get_boolean(n);
}

/* A JSON integer 0..INT64_MAX (uint64 counters; json-glib keeps integers as gint64). */
static gint64 counter(JsonObject *o, const char *name)
{
    JsonNode *n = member(o, name);
    g_assert_true(is_int(n));
    g_assert_cmpint(json_node_get_int(n), >=, 0);
    return json_node_get_int(n);
}

/* ---- guest-network-get-interfaces ---- */

/* "name addr/prefix" for every address the host has (getifaddrs, what Linux tools show). */
static GHashTable *host_addresses(void)
{
    GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    struct ifaddrs *ifap;
    g_assert_cmpint(getifaddrs(&ifap), ==, 0);
    for (struct ifaddrs *ifa = ifap; ifa; ifa = ifa->ifa_next) {
        if (!ifa->ifa_addr || (ifa->ifa_addr->sa_family != AF_INET && ifa->ifa_addr->sa_family != AF_INET6))
            continue;
        int family = ifa->ifa_addr->sa_family, prefix = 0;
        char text[INET6_ADDRSTRLEN];
        const guint8 *mask;
        size_t mask_len;
        if (family == AF_INET) {
            inet_ntop(family, &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr, text, sizeof(text));
            mask = (const guint8 *)&((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr;
            mask_len = 4;
        } else {
            inet_ntop(family, &((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr, text, sizeof(text));
            mask = ((struct sockaddr_in6 *)ifa->ifa_netmask)->sin6_addr.s6_addr;
            mask_len = 16;
        }
        for (size_t i = 0; i < mask_len; i++)
            prefix += __builtin_popcount(mask[i]);
        g_hash_table_add(set, g_strdup_printf("%s %s/%d", ifa->ifa_name, text, prefix));
    }
    freeifaddrs(ifap);
    return set;
}

static guint64 sys_counter(const char *iface, const char *name)
{
    g_autofree char *path = g_strdup_printf("/sys/class/net/%s/statistics/%s", iface, name);
    g_autofree char *text = read_text(path);
    g_assert_nonnull(text);
    return g_ascii_strtoull(text, NULL, 10);
}

static void test_interfaces(void)
{
    const gboolean posix = qga_test_agent_is_posix();
    static const char *const stat_names[][2] = {
        { "rx-bytes", "rx_bytes" }, { "rx-packets", "rx_packets" }, { "rx-errs", "rx_errors" },
        { "rx-dropped", "rx_dropped" }, { "tx-bytes", "tx_bytes" }, { "tx-packets", "tx_packets" },
        { "tx-errs", "tx_errors" }, { "tx-dropped", "tx_dropped" },
    };
    /* The host's counters just before the call bound the agent's from below. */
    g_autoptr(GHashTable) before = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GDir) net = g_dir_open("/sys/class/net", 0, NULL);
    g_assert_nonnull(net);
    g_autoptr(GHashTable) sys_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    const char *name;
    while ((name = g_dir_read_name(net))) {
        g_hash_table_add(sys_names, g_strdup(name));
        for (size_t i = 0; i < G_N_ELEMENTS(stat_names); i++)
            g_hash_table_insert(before, g_strdup_printf("%s %s", name, stat_names[i][1]),
                                GSIZE_TO_POINTER(sys_counter(name, stat_names[i][1]) + 1));
    }
    g_autoptr(GHashTable) host = host_addresses();

    g_autoptr(JsonObject) reply = NULL;
    JsonArray *ifaces = call_array("guest-network-get-interfaces", &reply);
    g_assert_cmpuint(json_array_get_length(ifaces), >, 0);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) agent_addrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < json_array_get_length(ifaces); i++) {
        JsonObject *iface = json_array_get_object_element(ifaces, i);
        /* libvirt: name mandatory; hardware-address read unconditionally by guestinfo. */
        const char *iname = lv_string(iface, "name");
        g_assert_cmpstr(iname, !=, "");
        g_assert_false(g_hash_table_contains(seen, iname));
        g_hash_table_add(seen, (gpointer)iname);
        const char *mac = lv_string(iface, "hardware-address");
        g_assert_true(g_regex_match_simple("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", mac, 0, 0));
        /* Both agents (Wine answers from these) report the host's interfaces and MACs. */
        if (posix)
            g_assert_true(g_hash_table_contains(sys_names, iname));
        if (g_hash_table_contains(sys_names, iname)) {
            g_autofree char *path = g_strdup_printf("/sys/class/net/%s/address", iname);
            g_autofree char *sys_mac = read_text(path);
            if (sys_mac && strlen(sys_mac) == 17)
                g_assert_cmpstr(mac, ==, sys_mac);
        }
        if (json_object_has_member(iface, "ip-addresses")) {
            JsonNode *an = json_object_get_member(iface, "ip-addresses");
            g_assert_true(JSON_NODE_HOLDS_ARRAY(an));
            JsonArray *addrs = json_node_get_array(an);
            for (guint j = 0; j < json_array_get_length(addrs); j++) {
                JsonObject *a = json_array_get_object_element(addrs, j);
                const char *type = lv_string(a, "ip-address-type");
                const char *text = lv_string(a, "ip-address");
                guint64 prefix = lv_uint(a, "prefix");
                /* libvirt fails the whole call on any other type string. */
                g_assert_true(g_str_equal(type, "ipv4") || g_str_equal(type, "ipv6"));
                gboolean v6 = g_str_equal(type, "ipv6");
                g_assert_cmpuint(prefix, <=, v6 ? 128 : 32);
                /* The %scope of link-local IPv6 addresses: Windows qemu-ga's, never Linux's. */
                g_autofree char *bare = g_strdup(text);
                char *pct = strchr(bare, '%');
                if (pct) {
                    g_assert_true(v6 && !posix);
                    g_assert_true(g_str_has_prefix(bare, "fe80:"));
                    g_assert_cmpuint(strspn(pct + 1, "0123456789"), ==, strlen(pct + 1));
                    *pct = '\0';
                } else if (!posix && v6) {
                    g_assert_false(g_str_has_prefix(bare, "fe80:"));
                }
                guint8 buf[16];
                g_assert_cmpint(inet_pton(v6 ? AF_INET6 : AF_INET, bare, buf), ==, 1);
                g_hash_table_add(agent_addrs, g_strdup_printf("%s %s/%u", iname, bare, (unsigned)prefix));
            }
        }
        if (json_object_has_member(iface, "statistics")) {
            JsonObject *st = json_object_get_object_member(iface, "statistics");
            for (size_t k = 0; k < G_N_ELEMENTS(stat_names); k++) {
                gint64 v = counter(st, stat_names[k][0]);
                /* Wine counts packets its own way (see the top): bytes only there. */
                if (!g_hash_table_contains(sys_names, iname) || (!posix && !strstr(stat_names[k][0], "bytes")))
                    continue;
                g_autofree char *key = g_strdup_printf("%s %s", iname, stat_names[k][1]);
                guint64 low = GPOINTER_TO_SIZE(g_hash_table_lookup(before, key)) - 1;
                guint64 high = sys_counter(iname, stat_names[k][1]);
                g_assert_cmpuint((guint64)v, >=, low);
                g_assert_cmpuint((guint64)v, <=, high);
            }
        } else {
            /* Linux always has counters for every interface. */
            g_assert_false(posix);
        }
    }
    /* Every interface of the host is listed, each with exactly the host's addresses. */
    if (posix)
        g_assert_cmpuint(g_hash_table_size(seen), ==, g_hash_table_size(sys_names));
    g_assert_true(g_hash_table_contains(seen, "lo"));
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, host);
    while (g_hash_table_iter_next(&it, &key, NULL))
        if (!g_hash_table_contains(agent_addrs, key))
            g_error("the host's address '%s' is missing", (const char *)key);
    g_assert_cmpuint(g_hash_table_size(agent_addrs), ==, g_hash_table_size(host));
}

/* ---- guest-network-get-route ---- */

static char *hex_ipv4(const char *hex)
{
    guint32 v = (guint32)g_ascii_strtoull(hex, NULL, 16);
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &v, text, sizeof(text));   /* the kernel printed the __be32 natively */
    return g_strdup(text);
}

static char *hex_ipv6(const char *hex)
{
    guint8 a[16];
    for (int i = 0; i < 16; i++) {
        char byte[3] = { hex[2 * i], hex[2 * i + 1], 0 };
        a[i] = (guint8)g_ascii_strtoull(byte, NULL, 16);
    }
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a, text, sizeof(text));
    return g_strdup(text);
}

/* The host's routes as "4 iface dest gateway mask metric" / "6 iface dest/plen nexthop metric". */
static GPtrArray *host_routes(gboolean with_v6)
{
    GPtrArray *routes = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *text4 = read_text("/proc/net/route");
    g_assert_nonnull(text4);
    g_auto(GStrv) lines = g_strsplit(text4, "\n", -1);
    for (guint i = 1; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(g_strstrip(lines[i]), " \t", -1);
        g_autoptr(GPtrArray) v = g_ptr_array_new();
        for (guint j = 0; f[j]; j++)
            if (*f[j])
                g_ptr_array_add(v, f[j]);
        if (v->len < 11)
            continue;
        g_autofree char *dest = hex_ipv4(v->pdata[1]), *gw = hex_ipv4(v->pdata[2]), *mask = hex_ipv4(v->pdata[7]);
        g_ptr_array_add(routes, g_strdup_printf("4 %s %s %s %s %s", (char *)v->pdata[0], dest, gw, mask,
                                                with_v6 ? (char *)v->pdata[6] : "-"));
    }
    g_autofree char *text6 = with_v6 ? read_text("/proc/net/ipv6_route") : NULL;
    g_auto(GStrv) lines6 = text6 ? g_strsplit(text6, "\n", -1) : NULL;
    for (guint i = 0; lines6 && lines6[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(lines6[i], " ", -1);
        g_autoptr(GPtrArray) v = g_ptr_array_new();
        for (guint j = 0; f[j]; j++)
            if (*f[j])
                g_ptr_array_add(v, f[j]);
        if (v->len < 10)
            continue;
        g_autofree char *dest = hex_ipv6(v->pdata[0]), *next = hex_ipv6(v->pdata[4]);
        g_ptr_array_add(routes, g_strdup_printf("6 %s %s/%u %s %" G_GUINT64_FORMAT, (char *)v->pdata[9], dest,
                                                (unsigned)g_ascii_strtoull(v->pdata[1], NULL, 16), next,
                                                g_ascii_strtoull(v->pdata[5], NULL, 16)));
    }
    return routes;
}

static void test_routes(void)
{
    const gboolean posix = qga_test_agent_is_posix();
    g_autoptr(GPtrArray) host = host_routes(posix);
    g_autoptr(JsonObject) reply = NULL;
    JsonArray *routes = call_array("guest-network-get-route", &reply);
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < json_array_get_length(routes); i++) {
        JsonObject *r = json_array_get_object_element(routes, i);
        const char *iface = lv_string(r, "iface"), *dest = lv_string(r, "destination");
        g_assert_true(is_int(member(r, "metric")));
        gint64 version = json_object_get_int_member(r, "version");
        g_assert_true(version == 4 || version == 6);
        guint8 buf[16];
        g_assert_cmpint(inet_pton(version == 4 ? AF_INET : AF_INET6, dest, buf), ==, 1);
        /* Per family, the members qemu-ga fills: Linux (9.1) and Windows (11.0) differ. */
        static const char *const v4_only[] = { "gateway", "mask" };
        static const char *const v6_only[] = { "desprefixlen", "nexthop" };
        static const char *const linux_only[] = { "flags", "refcnt", "use" };
        static const char *const linux_v4_only[] = { "irtt", "window" };
        for (size_t k = 0; k < 2; k++) {
            g_assert_cmpint(json_object_has_member(r, v4_only[k]), ==, version == 4);
            g_assert_cmpint(json_object_has_member(r, v6_only[k]), ==, version == 6);
            g_assert_cmpint(json_object_has_member(r, linux_v4_only[k]), ==, posix && version == 4);
        }
        for (size_t k = 0; k < 3; k++)
            g_assert_cmpint(json_object_has_member(r, linux_only[k]), ==, posix);
        g_assert_cmpint(json_object_has_member(r, "source"), ==, posix && version == 6);
        g_assert_cmpint(json_object_has_member(r, "srcprefixlen"), ==, posix && version == 6);
        if (posix)
            g_assert_cmpint(json_object_has_member(r, "mtu"), ==, version == 4);
        if (version == 4) {
            const char *gw = lv_string(r, "gateway"), *mask = lv_string(r, "mask");
            g_assert_cmpint(inet_pton(AF_INET, gw, buf), ==, 1);
            g_assert_cmpint(inet_pton(AF_INET, mask, buf), ==, 1);
            g_autofree char *metric = posix ? g_strdup_printf("%" G_GINT64_FORMAT,
                                                              json_object_get_int_member(r, "metric"))
                                            : g_strdup("-");
            g_ptr_array_add(got, g_strdup_printf("4 %s %s %s %s %s", iface, dest, gw, mask, metric));
        } else {
            const char *plen = lv_string(r, "desprefixlen"), *next = lv_string(r, "nexthop");
            g_assert_cmpuint(strspn(plen, "0123456789"), ==, strlen(plen));
            g_assert_cmpuint(g_ascii_strtoull(plen, NULL, 10), <=, 128);
            g_assert_cmpint(inet_pton(AF_INET6, next, buf), ==, 1);
            g_ptr_array_add(got, g_strdup_printf("6 %s %s/%s %s %" G_GINT64_FORMAT, iface, dest, plen, next,
                                                 json_object_get_int_member(r, "metric")));
        }
    }
    /* Linux: exactly the kernel's table, in its order. Wine: every IPv4 route of the host is there. */
    for (guint i = 0; i < host->len; i++) {
        gboolean found = FALSE;
        for (guint j = 0; j < got->len && !found; j++)
            found = g_str_equal(host->pdata[i], got->pdata[j]);
        if (!found)
            g_error("route '%s' is missing", (char *)host->pdata[i]);
        if (posix)
            g_assert_cmpstr(host->pdata[i], ==, got->pdata[i]);
    }
    if (posix)
        g_assert_cmpuint(got->len, ==, host->len);
}

/* ---- guest-get-vcpus ---- */

static void test_vcpus(void)
{
    const gboolean posix = qga_test_agent_is_posix();
    g_autoptr(JsonObject) reply = NULL;
    JsonArray *cpus = call_array("guest-get-vcpus", &reply);
    guint n = json_array_get_length(cpus);
    g_assert_cmpuint(n, >, 0);
    guint online = 0;
    for (guint i = 0; i < n; i++) {
        JsonObject *cpu = json_array_get_object_element(cpus, i);
        /* libvirt: logical-id an unsigned int below its 4096-bit map, online a boolean;
         * can-offline optional for it, always sent (setvcpus refuses without it). */
        guint64 id = lv_uint(cpu, "logical-id");
        g_assert_cmpuint(id, <, 4096);
        gboolean on = lv_bool(cpu, "online");
        gboolean can_offline = lv_bool(cpu, "can-offline");
        online += on;
        if (i > 0)
            g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(cpus, i - 1), "logical-id"), <,
                            (gint64)id);
        if (posix) {
            /* The kernel's view: cpuN exists, and its "online" control says the rest. */
            g_autofree char *dir = g_strdup_printf("/sys/devices/system/cpu/cpu%" G_GUINT64_FORMAT, id);
            g_assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
            g_autofree char *path = g_strdup_printf("%s/online", dir);
            g_autofree char *text = read_text(path);
            g_assert_cmpint(can_offline, ==, text != NULL);
            g_assert_cmpint(on, ==, text == NULL || text[0] != '0');
        } else {
            /* Windows: the active processors of every group, numbered from 0. */
            g_assert_cmpuint(id, ==, i);
            g_assert_true(on);
            g_assert_false(can_offline);
        }
    }
    if (posix) {
        g_assert_cmpint(n, ==, sysconf(_SC_NPROCESSORS_CONF));
        g_assert_cmpint(online, ==, sysconf(_SC_NPROCESSORS_ONLN));
    } else {
        /* Wine reports the host's online CPUs as Windows' active processors. */
        g_assert_cmpint(n, ==, sysconf(_SC_NPROCESSORS_ONLN));
    }
}

/* ---- guest-get-load ---- */

static void read_loadavg(double v[3])
{
    g_autofree char *text = read_text("/proc/loadavg");
    g_assert_nonnull(text);
    g_assert_cmpint(sscanf(text, "%lf %lf %lf", &v[0], &v[1], &v[2]), ==, 3);
}

static void test_load(void)
{
    if (!qga_test_agent_is_posix()) {
        /* Wine's pdh.dll lacks the processor-queue counter qemu-ga's emulation samples. */
        g_autoptr(JsonObject) r = call("guest-get-load");
        qga_test_assert_error(r, "GenericError",
                              "PdhAddEnglishCounterW failed with 0xc0000bb9. Performance counters may be disabled.");
        g_autoptr(JsonObject) again = call("guest-get-load");
        qga_test_assert_error(again, "GenericError",
                              "PdhAddEnglishCounterW failed with 0xc0000bb9. Performance counters may be disabled.");
        return;
    }
    double before[3], after[3];
    read_loadavg(before);
    g_autoptr(JsonObject) reply = call("guest-get-load");
    read_loadavg(after);
    JsonObject *load = json_node_get_object(qga_test_reply_return(reply));
    static const char *const names[3] = { "load1m", "load5m", "load15m" };
    for (int i = 0; i < 3; i++) {
        double v = lv_double(load, names[i]);
        g_assert_cmpfloat(v, >=, 0.0);
        /* /proc/loadavg changes every 5 s: the agent saw one of the two readings around it. */
        g_assert_true(fabs(v - before[i]) < 0.005 || fabs(v - after[i]) < 0.005);
    }
}

/* ---- guest-get-cpustats ---- */

/* ms per CPU and counter from /proc/stat, as the agent converts them. */
static GHashTable *read_stat(void)
{
    GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autofree char *text = read_text("/proc/stat");
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    long hz = sysconf(_SC_CLK_TCK);
    static const char *const names[] = { "user", "nice", "system", "idle", "iowait", "irq", "softirq",
                                         "steal", "guest", "guestnice" };
    for (guint i = 0; lines[i]; i++) {
        if (!g_str_has_prefix(lines[i], "cpu") || !g_ascii_isdigit(lines[i][3]))
            continue;
        g_auto(GStrv) f = g_strsplit_set(lines[i], " ", -1);
        guint k = 0;
        for (guint j = 1; f[j] && k < G_N_ELEMENTS(names); j++) {
            if (!*f[j])
                continue;
            guint64 *ms = g_new(guint64, 1);
            *ms = g_ascii_strtoull(f[j], NULL, 10) * 1000 / hz;
            g_hash_table_insert(t, g_strdup_printf("%s %s", f[0] + 3, names[k++]), ms);
        }
    }
    return t;
}

static void test_cpustats(void)
{
    if (!qga_test_agent_is_posix()) {
        g_autoptr(JsonObject) r = call("guest-get-cpustats");
        qga_test_assert_error(r, "CommandNotFound", "The command guest-get-cpustats has not been found");
        return;
    }
    g_autoptr(GHashTable) before = read_stat();
    g_autoptr(JsonObject) reply = NULL;
    JsonArray *cpus = call_array("guest-get-cpustats", &reply);
    g_autoptr(GHashTable) after = read_stat();
    g_assert_cmpint(json_array_get_length(cpus), ==, sysconf(_SC_NPROCESSORS_ONLN));
    for (guint i = 0; i < json_array_get_length(cpus); i++) {
        JsonObject *s = json_array_get_object_element(cpus, i);
        g_assert_cmpstr(lv_string(s, "type"), ==, "linux");
        gint64 cpu = json_object_get_int_member(s, "cpu");
        GList *members = json_object_get_members(s);
        for (GList *m = members; m; m = m->next) {
            const char *name = m->data;
            if (g_str_equal(name, "type") || g_str_equal(name, "cpu"))
                continue;
            gint64 v = counter(s, name);
            g_autofree char *key = g_strdup_printf("%" G_GINT64_FORMAT " %s", cpu, name);
            guint64 *lo = g_hash_table_lookup(before, key), *hi = g_hash_table_lookup(after, key);
            g_assert_nonnull(lo);
            g_assert_nonnull(hi);
            g_assert_cmpuint((guint64)v, >=, *lo);
            g_assert_cmpuint((guint64)v, <=, *hi);
        }
        /* This kernel prints all ten counters: none may be left out. */
        g_assert_cmpuint(g_list_length(members), ==, 12);
        g_list_free(members);
    }
}

/* ---- guest-get-users ---- */

static void test_users(void)
{
    g_autoptr(JsonObject) reply = NULL;
    JsonArray *users = call_array("guest-get-users", &reply);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < json_array_get_length(users); i++) {
        JsonObject *u = json_array_get_object_element(users, i);
        const char *name = lv_string(u, "user");
        g_assert_cmpstr(name, !=, "");
        g_assert_false(g_hash_table_contains(seen, name));
        g_hash_table_add(seen, (gpointer)name);
        g_assert_cmpfloat(lv_double(u, "login-time"), >, 0.0);
        if (json_object_has_member(u, "domain"))
            g_assert_cmpstr(lv_string(u, "domain"), !=, "");
    }
    if (!qga_test_agent_is_posix()) {
        /* Wine's session API reports nobody logged on: shape only (see the top). */
        return;
    }
    /* The same users, order and earliest login times as glibc's own utmp reader gives. */
    g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) earliest = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    setutxent();
    struct utmpx *ut;
    while ((ut = getutxent())) {
        if (ut->ut_type != USER_PROCESS || !ut->ut_user[0])
            continue;
        char *name = g_strndup(ut->ut_user, sizeof(ut->ut_user));
        double t = ut->ut_tv.tv_sec + ut->ut_tv.tv_usec / 1000000.0;
        double *have = g_hash_table_lookup(earliest, name);
        if (have) {
            *have = MIN(*have, t);
            g_free(name);
            continue;
        }
        g_ptr_array_add(want, g_strdup(name));
        g_hash_table_insert(earliest, name, g_memdup2(&t, sizeof(t)));
    }
    endutxent();
    g_assert_cmpuint(json_array_get_length(users), ==, want->len);
    for (guint i = 0; i < want->len; i++) {
        JsonObject *u = json_array_get_object_element(users, i);
        g_assert_cmpstr(json_object_get_string_member(u, "user"), ==, want->pdata[i]);
        g_assert_cmpfloat(json_object_get_double_member(u, "login-time"), ==,
                          *(double *)g_hash_table_lookup(earliest, want->pdata[i]));
        g_assert_false(json_object_has_member(u, "domain"));
    }
}

/* ---- memory blocks ---- */

static void test_memory_blocks(void)
{
    if (!qga_test_agent_is_posix()) {
        static const char *const absent[] = { "guest-get-memory-blocks", "guest-get-memory-block-info" };
        for (size_t i = 0; i < G_N_ELEMENTS(absent); i++) {
            g_autoptr(JsonObject) r = call(absent[i]);
            g_autofree char *desc = g_strdup_printf("The command %s has not been found", absent[i]);
            qga_test_assert_error(r, "CommandNotFound", desc);
        }
        return;
    }
    g_autofree char *size_text = read_text("/sys/devices/system/memory/block_size_bytes");
    g_autoptr(JsonObject) info = call("guest-get-memory-block-info");
    g_autoptr(JsonObject) blocks_reply = NULL;
    JsonArray *blocks = call_array("guest-get-memory-blocks", &blocks_reply);
    if (!size_text) {
        /* A kernel without memory hotplug: qemu-ga's empty list, and no block size. */
        qga_test_assert_error(info, "GenericError",
                              "Could not open '/sys/devices/system/memory/': No such file or directory");
        g_assert_cmpuint(json_array_get_length(blocks), ==, 0);
        return;
    }
    JsonObject *i = json_node_get_object(qga_test_reply_return(info));
    guint64 size = (guint64)counter(i, "size");
    g_assert_cmpuint(size, ==, g_ascii_strtoull(size_text, NULL, 16));
    g_assert_cmpuint(size & (size - 1), ==, 0);

    guint n_dirs = 0;
    g_autoptr(GDir) dir = g_dir_open("/sys/devices/system/memory", 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(dir)))
        n_dirs += g_str_has_prefix(name, "memory") && g_ascii_isdigit(name[6]);
    g_assert_cmpuint(json_array_get_length(blocks), ==, n_dirs);
    gint64 prev = -1;
    for (guint k = 0; k < json_array_get_length(blocks); k++) {
        JsonObject *b = json_array_get_object_element(blocks, k);
        gint64 index = counter(b, "phys-index");
        g_assert_cmpint(index, >, prev);
        prev = index;
        g_autofree char *state_path = g_strdup_printf("/sys/devices/system/memory/memory%" G_GINT64_FORMAT "/state", index);
        g_autofree char *state = read_text(state_path);
        g_assert_cmpint(lv_bool(b, "online"), ==, state == NULL || g_str_has_prefix(state, "online"));
        lv_bool(b, "can-offline");
    }
}

/* ---- the commands each platform has ---- */

static void test_listed(void)
{
    static const char *const everywhere[] = { "guest-network-get-interfaces", "guest-network-get-route",
                                              "guest-get-vcpus", "guest-get-users", "guest-get-load" };
    static const char *const linux_only[] = { "guest-set-vcpus", "guest-get-cpustats", "guest-get-memory-blocks",
                                              "guest-set-memory-blocks", "guest-get-memory-block-info" };
    g_autoptr(JsonObject) reply = call("guest-info");
    JsonArray *cmds = json_object_get_array_member(json_node_get_object(qga_test_reply_return(reply)),
                                                   "supported_commands");
    g_autoptr(GHashTable) listed = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        JsonObject *c = json_array_get_object_element(cmds, i);
        g_hash_table_add(listed, (gpointer)json_object_get_string_member(c, "name"));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(everywhere); i++)
        g_assert_true(g_hash_table_contains(listed, everywhere[i]));
    for (size_t i = 0; i < G_N_ELEMENTS(linux_only); i++)
        g_assert_cmpint(g_hash_table_contains(listed, linux_only[i]), ==, qga_test_agent_is_posix());
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qga/system-state/listed", test_listed);
    g_test_add_func("/qga/system-state/network-get-interfaces", test_interfaces);
    g_test_add_func("/qga/system-state/network-get-route", test_routes);
    g_test_add_func("/qga/system-state/get-vcpus", test_vcpus);
    g_test_add_func("/qga/system-state/get-load", test_load);
    g_test_add_func("/qga/system-state/get-cpustats", test_cpustats);
    g_test_add_func("/qga/system-state/get-users", test_users);
    g_test_add_func("/qga/system-state/memory-blocks", test_memory_blocks);
    /* One agent answers all the read-only commands (under Wine each start costs seconds). */
    agent = qga_test_agent_start(NULL);
    client = qga_test_connect(agent);
    int rc = g_test_run();
    qga_test_client_close(client);
    qga_test_agent_stop(agent);
    return rc;
}

/* Each report section: validate one command's reply field by field, then say it in one or a few lines. */
#include <string.h>

#include "errors.h"
#include "render.h"
#include "reply.h"
#include "report.h"

static void probe_append(GString *text, const char *s)
{
    g_autofree char *safe = probe_sanitize(s);
    g_string_append(text, safe);
}

static char *probe_format_time_us(gint64 us)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
    g_autofree char *base = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : NULL;

    if (!base)
        return g_strdup("(out of range)");
    return g_strdup_printf("%s.%03d UTC", base, (int)((us % G_USEC_PER_SEC) / 1000));
}

static gboolean probe_render_os(const ProbeReportCall *call, GString *text, JsonObject *extra,
                                GError **error)
{
    JsonObject *o = probe_node_object(call->ret, "guest-get-osinfo return", error);
    const char *pretty = NULL, *name = NULL, *version = NULL, *kernel = NULL, *kver = NULL,
               *machine = NULL, *variant = NULL;

    if (!o || !probe_get_string(o, "pretty-name", FALSE, &pretty, error) ||
        !probe_get_string(o, "name", FALSE, &name, error) ||
        !probe_get_string(o, "version", FALSE, &version, error) ||
        !probe_get_string(o, "kernel-release", FALSE, &kernel, error) ||
        !probe_get_string(o, "kernel-version", FALSE, &kver, error) ||
        !probe_get_string(o, "machine", FALSE, &machine, error) ||
        !probe_get_string(o, "variant", FALSE, &variant, error))
        return FALSE;
    if (pretty) {
        probe_append(text, pretty);
    } else if (name) {
        probe_append(text, name);
        if (version) {
            g_string_append_c(text, ' ');
            probe_append(text, version);
        }
    } else {
        g_string_append(text, "(no name given)");
    }
    if (variant) {
        g_string_append(text, " [");
        probe_append(text, variant);
        g_string_append_c(text, ']');
    }
    if (kernel) {
        g_string_append(text, "; kernel ");
        probe_append(text, kernel);
    }
    if (machine) {
        g_string_append(text, "; ");
        probe_append(text, machine);
    }
    return TRUE;
}

static gboolean probe_render_hostname(const ProbeReportCall *call, GString *text, JsonObject *extra,
                                      GError **error)
{
    JsonObject *o = probe_node_object(call->ret, "guest-get-host-name return", error);
    const char *name = NULL;

    if (!o || !probe_get_string(o, "host-name", TRUE, &name, error))
        return FALSE;
    probe_append(text, name);
    return TRUE;
}

static gboolean probe_render_time(const ProbeReportCall *call, GString *text, JsonObject *extra,
                                  GError **error)
{
    gint64 ns, guest_us, mid_us, skew_us, half_rtt_us;
    g_autofree char *when = NULL;

    /* guest-get-time: nanoseconds since the epoch, a plain integer (libvirt reads it as u64). */
    if (!JSON_NODE_HOLDS_VALUE(call->ret) || json_node_get_value_type(call->ret) != G_TYPE_INT64 ||
        (ns = json_node_get_int(call->ret)) < 0) {
        g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                            "guest-get-time did not return a non-negative integer");
        return FALSE;
    }
    guest_us = ns / 1000;
    /* The guest read its clock somewhere inside the round trip: compare with the middle. */
    mid_us = call->host_before_us + (call->host_after_us - call->host_before_us) / 2;
    half_rtt_us = (call->host_after_us - call->host_before_us + 1) / 2;
    skew_us = guest_us - mid_us;
    if (ABS(skew_us) < 500)
        skew_us = 0;   /* below the printed precision: no "-0.000" */
    when = probe_format_time_us(guest_us);
    g_string_append_printf(text, "%s; skew %+.3f s against the host clock (+/- %.3f s)%s", when,
                           (double)skew_us / G_USEC_PER_SEC, (double)half_rtt_us / G_USEC_PER_SEC,
                           ABS(skew_us) > 2 * G_USEC_PER_SEC ? "  <- check the guest's clock" : "");
    json_object_set_int_member(extra, "skew-us", skew_us);
    json_object_set_int_member(extra, "uncertainty-us", half_rtt_us);
    return TRUE;
}

static gboolean probe_render_timezone(const ProbeReportCall *call, GString *text, JsonObject *extra,
                                      GError **error)
{
    JsonObject *o = probe_node_object(call->ret, "guest-get-timezone return", error);
    const char *zone = NULL;
    gint64 offset = 0;

    if (!o || !probe_get_int(o, "offset", TRUE, -86400, 86400, &offset, error) ||
        !probe_get_string(o, "zone", FALSE, &zone, error))
        return FALSE;
    g_string_append_printf(text, "UTC%c%02d:%02d", offset < 0 ? '-' : '+', (int)(ABS(offset) / 3600),
                           (int)(ABS(offset) % 3600 / 60));
    if (zone) {
        g_string_append(text, " (");
        probe_append(text, zone);
        g_string_append_c(text, ')');
    }
    return TRUE;
}

static gboolean probe_render_users(const ProbeReportCall *call, GString *text, JsonObject *extra,
                                   GError **error)
{
    JsonArray *users = probe_node_array(call->ret, "guest-get-users return", error);

    if (!users)
        return FALSE;
    if (json_array_get_length(users) == 0)
        g_string_append(text, "nobody logged in");
    for (guint i = 0; i < json_array_get_length(users); i++) {
        JsonObject *u = probe_node_object(json_array_get_element(users, i), "user entry", error);
        const char *user = NULL, *domain = NULL;
        double login = 0;
        g_autofree char *since = NULL;

        if (!u || !probe_get_string(u, "user", TRUE, &user, error) ||
            !probe_get_string(u, "domain", FALSE, &domain, error) ||
            !probe_get_number(u, "login-time", TRUE, &login, error))
            return FALSE;
        if (login < 0 || login > 253402300799.0) {
            g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "login-time is out of range");
            return FALSE;
        }
        since = probe_format_time_us((gint64)(login * G_USEC_PER_SEC));
        if (i > 0)
            g_string_append(text, "\n" PROBE_REPORT_INDENT);
        if (domain) {
            probe_append(text, domain);
            g_string_append_c(text, '\\');
        }
        probe_append(text, user);
        g_string_append_printf(text, " since %s", since);
    }
    return TRUE;
}

static gboolean probe_render_vcpus(const ProbeReportCall *call, GString *text, JsonObject *extra,
                                   GError **error)
{
    JsonArray *cpus = probe_node_array(call->ret, "guest-get-vcpus return", error);
    guint online = 0;

    if (!cpus)
        return FALSE;
    for (guint i = 0; i < json_array_get_length(cpus); i++) {
        JsonObject *c = probe_node_object(json_array_get_element(cpus, i), "vcpu entry", error);
        gint64 id;
        gboolean on = FALSE, can_offline = FALSE;

        /* libvirt refuses logical ids of 4096 and up. */
        if (!c || !probe_get_int(c, "logical-id", TRUE, 0, 4095, &id, error) ||
            !probe_get_bool(c, "online", TRUE, &on, error) ||
            !probe_get_bool(c, "can-offline", FALSE, &can_offline, error))
            return FALSE;
        online += on;
    }
    g_string_append_printf(text, "%u online of %u", online, json_array_get_length(cpus));
    return TRUE;
}

/* The table's lines under the section's first line, each starting at the text column. */
static void probe_table_into(GString *text, ProbeTable *table)
{
    g_autofree char *lines = probe_table_format(table, PROBE_REPORT_INDENT);
    gsize len = strlen(lines);

    if (len && lines[len - 1] == '\n')
        lines[len - 1] = '\0';
    g_string_append_c(text, '\n');
    g_string_append(text, lines);
}

static gboolean probe_render_interfaces(const ProbeReportCall *call, GString *text, JsonObject *extra,
                                        GError **error)
{
    JsonArray *ifs = probe_node_array(call->ret, "guest-network-get-interfaces return", error);
    g_autoptr(ProbeTable) table = probe_table_new(3, "NAME", "HARDWARE ADDRESS", "ADDRESSES");

    if (!ifs)
        return FALSE;
    for (guint i = 0; i < json_array_get_length(ifs); i++) {
        JsonObject *nic = probe_node_object(json_array_get_element(ifs, i), "interface entry", error);
        const char *name = NULL, *hw = NULL;
        JsonArray *addrs = NULL;
        g_autoptr(GString) list = g_string_new(NULL);

        if (!nic || !probe_get_string(nic, "name", TRUE, &name, error) ||
            !probe_get_string(nic, "hardware-address", FALSE, &hw, error) ||
            !probe_get_array(nic, "ip-addresses", FALSE, &addrs, error))
            return FALSE;
        for (guint a = 0; addrs && a < json_array_get_length(addrs); a++) {
            JsonObject *ad = probe_node_object(json_array_get_element(addrs, a), "ip-addresses entry",
                                               error);
            const char *type = NULL, *ip = NULL;
            gint64 prefix = 0;

            if (!ad || !probe_get_string(ad, "ip-address-type", TRUE, &type, error) ||
                !probe_get_string(ad, "ip-address", TRUE, &ip, error) ||
                !probe_get_int(ad, "prefix", TRUE, 0, 128, &prefix, error))
                return FALSE;
            /* libvirt rejects any other type string, so do we. */
            if (!g_str_equal(type, "ipv4") && !g_str_equal(type, "ipv6")) {
                g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                                    "ip-address-type is neither ipv4 nor ipv6");
                return FALSE;
            }
            g_string_append_printf(list, "%s%s/%d", list->len ? ", " : "", ip, (int)prefix);
        }
        probe_table_add(table, name, hw, list->len ? list->str : NULL);
    }
    g_string_append_printf(text, "%u interfaces", json_array_get_length(ifs));
    probe_table_into(text, table);
    return TRUE;
}

static gboolean probe_render_fsinfo(const ProbeReportCall *call, GString *text, JsonObject *extra,
                                    GError **error)
{
    JsonArray *fss = probe_node_array(call->ret, "guest-get-fsinfo return", error);
    g_autoptr(ProbeTable) table = probe_table_new(6, "MOUNTPOINT", "TYPE", "DEVICE", "USED", "TOTAL",
                                                  "USE%");

    if (!fss)
        return FALSE;
    for (guint i = 0; i < json_array_get_length(fss); i++) {
        JsonObject *fs = probe_node_object(json_array_get_element(fss, i), "filesystem entry", error);
        const char *name = NULL, *mnt = NULL, *type = NULL, *dev = NULL;
        gint64 used = -1, total = -1;
        JsonArray *disks = NULL;
        g_autofree char *used_s = NULL, *total_s = NULL, *pct = NULL;

        if (!fs || !probe_get_string(fs, "name", TRUE, &name, error) ||
            !probe_get_string(fs, "mountpoint", TRUE, &mnt, error) ||
            !probe_get_string(fs, "type", TRUE, &type, error) ||
            !probe_get_int(fs, "used-bytes", FALSE, 0, G_MAXINT64, &used, error) ||
            !probe_get_int(fs, "total-bytes", FALSE, 0, G_MAXINT64, &total, error) ||
            !probe_get_array(fs, "disk", TRUE, &disks, error))
            return FALSE;
        for (guint d = 0; d < json_array_get_length(disks) && !dev; d++) {
            JsonObject *disk = probe_node_object(json_array_get_element(disks, d), "disk entry", error);
            if (!disk || !probe_get_string(disk, "dev", FALSE, &dev, error))
                return FALSE;
        }
        used_s = used >= 0 ? probe_format_bytes((guint64)used) : NULL;
        total_s = total >= 0 ? probe_format_bytes((guint64)total) : NULL;
        if (used >= 0 && total > 0)
            pct = g_strdup_printf("%d%%", (int)((double)used * 100.0 / (double)total + 0.5));
        probe_table_add(table, mnt, type, dev ? dev : name, used_s, total_s, pct);
    }
    g_string_append_printf(text, "%u mounted", json_array_get_length(fss));
    probe_table_into(text, table);
    return TRUE;
}

static gboolean probe_render_disks(const ProbeReportCall *call, GString *text, JsonObject *extra,
                                   GError **error)
{
    JsonArray *disks = probe_node_array(call->ret, "guest-get-disks return", error);
    g_autoptr(ProbeTable) table = probe_table_new(5, "NAME", "PARTITION", "BUS", "SERIAL", "DEPENDS ON");

    if (!disks)
        return FALSE;
    for (guint i = 0; i < json_array_get_length(disks); i++) {
        JsonObject *d = probe_node_object(json_array_get_element(disks, i), "disk entry", error);
        const char *name = NULL, *bus = NULL, *serial = NULL;
        gboolean partition = FALSE;
        JsonArray *deps = NULL;
        JsonObject *addr = NULL;
        g_autoptr(GString) dep_list = g_string_new(NULL);

        if (!d || !probe_get_string(d, "name", TRUE, &name, error) ||
            !probe_get_bool(d, "partition", TRUE, &partition, error) ||
            !probe_get_array(d, "dependencies", FALSE, &deps, error) ||
            !probe_get_object(d, "address", FALSE, &addr, error))
            return FALSE;
        if (addr && (!probe_get_string(addr, "bus-type", FALSE, &bus, error) ||
                     !probe_get_string(addr, "serial", FALSE, &serial, error)))
            return FALSE;
        for (guint k = 0; deps && k < json_array_get_length(deps); k++) {
            JsonNode *n = json_array_get_element(deps, k);
            if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
                g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                                    "dependencies holds a non-string");
                return FALSE;
            }
            g_string_append_printf(dep_list, "%s%.256s", dep_list->len ? ", " : "", json_node_get_string(n));
        }
        probe_table_add(table, name, partition ? "yes" : "no", bus, serial,
                        dep_list->len ? dep_list->str : NULL);
    }
    g_string_append_printf(text, "%u disks and partitions", json_array_get_length(disks));
    probe_table_into(text, table);
    return TRUE;
}

const ProbeReportSection probe_report_sections[] = {
    { "os", "OS", "guest-get-osinfo", probe_render_os },
    { "hostname", "Hostname", "guest-get-host-name", probe_render_hostname },
    { "time", "Time", "guest-get-time", probe_render_time },
    { "timezone", "Timezone", "guest-get-timezone", probe_render_timezone },
    { "users", "Users", "guest-get-users", probe_render_users },
    { "vcpus", "vCPUs", "guest-get-vcpus", probe_render_vcpus },
    { "interfaces", "Interfaces", "guest-network-get-interfaces", probe_render_interfaces },
    { "filesystems", "Filesystems", "guest-get-fsinfo", probe_render_fsinfo },
    { "disks", "Disks", "guest-get-disks", probe_render_disks },
};
const gsize probe_report_n_sections = G_N_ELEMENTS(probe_report_sections);

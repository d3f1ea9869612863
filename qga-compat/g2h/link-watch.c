/* The guest-driven channel's watches: IP_ADDRESS_CHANGED once address changes settle, FILESYSTEM_SPACE when free space crosses the threshold. */
#include <stdlib.h>
#include <string.h>

#include "link-private.h"

#define FS_CHECK_IDLE_MS 60000 /* free-space checks without a heartbeat to ride on */
#define FS_WATCH_MAX 256       /* mount points remembered */
#define KV_VALUE_MAX 4096      /* the host's limit for a value (schema: host-kv-set) */

void g2h_link_watch_init(QgaG2hLink *l, const QgaG2hLinkConfig *config)
{
    l->fs_threshold = config->fs_free_threshold;
    l->fs_due = l->fs_threshold ? l->monotonic_ms() : -1; /* first look at once */
    l->addresses_due = -1;
}

void g2h_link_watch_free(QgaG2hLink *l)
{
    for (size_t i = 0; i < l->n_fs; i++)
        free(l->fs[i].mountpoint);
    free(l->fs);
    free(l->addresses_sent);
}

/* ---- addresses ---- */

static bool is_loopback(const char *ip)
{
    return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1");
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every non-loopback address as "interface:address/prefix", sorted; NULL when the network
 * command gave nothing (disabled or failed). */
static QgaStrList *current_addresses(QgaG2hLink *l)
{
    _qga_cleanup_json_ QgaJson *ifaces = g2h_link_run_command(l, "guest-network-get-interfaces");
    if (!ifaces || qga_json_type(ifaces) != QGA_JSON_ARRAY)
        return NULL;
    QgaStrList *list = qga_calloc(1, sizeof(*list));
    for (size_t i = 0; i < qga_json_array_length(ifaces); i++) {
        QgaJson *iface = qga_json_array_get(ifaces, i);
        const char *name = g2h_member_str(iface, "name");
        QgaJson *addrs = qga_json_object_get(iface, "ip-addresses");
        if (!name || !addrs || qga_json_type(addrs) != QGA_JSON_ARRAY)
            continue;
        for (size_t j = 0; j < qga_json_array_length(addrs); j++) {
            QgaJson *a = qga_json_array_get(addrs, j);
            const char *ip = g2h_member_str(a, "ip-address");
            uint64_t prefix;
            if (!ip || is_loopback(ip) || !g2h_member_uint(a, "prefix", &prefix))
                continue;
            list->items = qga_realloc(list->items, (list->n + 1) * sizeof(char *));
            list->items[list->n++] =
                qga_strdup_printf("%s:%s/%llu", name, ip, (unsigned long long)prefix);
        }
    }
    if (list->n)
        qsort(list->items, list->n, sizeof(char *), compare_strings);
    return list;
}

static char *join_list(const QgaStrList *list, char sep)
{
    QgaBuf b = QGA_BUF_INIT;
    for (size_t i = 0; i < list->n; i++) {
        if (i)
            qga_buf_append_byte(&b, sep);
        qga_buf_append_str(&b, list->items[i]);
    }
    qga_buf_append_byte(&b, '\0');
    return qga_buf_steal(&b, NULL);
}

static void free_list(QgaStrList *list)
{
    if (list) {
        qga_strlist_clear(list);
        free(list);
    }
}

void g2h_link_watch_publish_addresses(QgaG2hLink *l)
{
    QgaStrList *addrs = current_addresses(l);
    if (!addrs)
        return;
    /* Whole entries only, within the host's value limit. */
    QgaStrList fit = { 0 };
    size_t len = 0;
    for (size_t i = 0; i < addrs->n && len + strlen(addrs->items[i]) + 1 <= KV_VALUE_MAX; i++) {
        fit.items = qga_realloc(fit.items, (fit.n + 1) * sizeof(char *));
        fit.items[fit.n++] = qga_strdup(addrs->items[i]);
        len += strlen(addrs->items[i]) + 1;
    }
    _qga_cleanup_free_ char *value = join_list(&fit, ' ');
    g2h_link_kv_set(l, "guest.ip-addresses", value);
    qga_strlist_clear(&fit);
    free(l->addresses_sent);
    l->addresses_sent = join_list(addrs, '\n');
    free_list(addrs);
}

void qga_g2h_link_addresses_changed(QgaG2hLink *l)
{
    /* Restarting the wait on every change: DHCP and IPv6 autoconfiguration come in bursts. */
    l->addresses_due = l->monotonic_ms() + QGA_G2H_ADDRESS_SETTLE_MS;
}

static void send_addresses(QgaG2hLink *l)
{
    QgaStrList *addrs = current_addresses(l);
    if (!addrs)
        return;
    _qga_cleanup_free_ char *joined = join_list(addrs, '\n');
    if (l->addresses_sent && !strcmp(joined, l->addresses_sent)) {
        free_list(addrs); /* an address came and went, or a change we do not report (loopback) */
        return;
    }
    QgaJson *list = qga_json_array();
    for (size_t i = 0; i < addrs->n; i++)
        qga_json_array_append(list, qga_json_string(addrs->items[i]));
    QgaJson *data = qga_json_object();
    qga_json_object_set(data, "addresses", list);
    qga_g2h_link_event(l, "IP_ADDRESS_CHANGED", data);
    free(l->addresses_sent);
    l->addresses_sent = qga_steal_pointer(&joined);
    free_list(addrs);
}

void g2h_link_watch_run_addresses(QgaG2hLink *l, int64_t now_ms)
{
    if (l->addresses_due >= 0 && now_ms >= l->addresses_due) {
        l->addresses_due = -1;
        send_addresses(l);
    }
}

/* ---- free space ---- */

static G2hFsWatch *fs_watch_find(QgaG2hLink *l, const char *mountpoint, bool *ret_new)
{
    *ret_new = false;
    for (size_t i = 0; i < l->n_fs; i++)
        if (!strcmp(l->fs[i].mountpoint, mountpoint))
            return &l->fs[i];
    if (l->n_fs == FS_WATCH_MAX)
        return NULL;
    l->fs = qga_realloc(l->fs, (l->n_fs + 1) * sizeof(*l->fs));
    l->fs[l->n_fs] = (G2hFsWatch){ qga_strdup(mountpoint), false };
    *ret_new = true;
    return &l->fs[l->n_fs++];
}

static void check_free_space(QgaG2hLink *l)
{
    _qga_cleanup_json_ QgaJson *fsinfo = g2h_link_run_command(l, "guest-get-fsinfo");
    if (!fsinfo || qga_json_type(fsinfo) != QGA_JSON_ARRAY)
        return;
    for (size_t i = 0; i < qga_json_array_length(fsinfo); i++) {
        QgaJson *fs = qga_json_array_get(fsinfo, i);
        const char *mountpoint = g2h_member_str(fs, "mountpoint");
        uint64_t used, total;
        if (!mountpoint || !g2h_member_uint(fs, "used-bytes", &used) ||
            !g2h_member_uint(fs, "total-bytes", &total) || total == 0 || used > total)
            continue;
        uint64_t free_bytes = total - used;
        bool low = free_bytes * 100.0 / (double)total < l->fs_threshold;
        bool is_new;
        G2hFsWatch *w = fs_watch_find(l, mountpoint, &is_new);
        if (!w || (w->low == low && !(is_new && low)))
            continue; /* no crossing (a file system first seen with room is not news) */
        w->low = low;
        QgaJson *data = qga_json_object();
        qga_json_object_set_str(data, "mountpoint", mountpoint);
        qga_json_object_set_str(data, "state", low ? "low" : "ok");
        qga_json_object_set_uint(data, "free-bytes", free_bytes);
        qga_json_object_set_uint(data, "total-bytes", total);
        qga_json_object_set_uint(data, "threshold-percent", l->fs_threshold);
        qga_g2h_link_event(l, "FILESYSTEM_SPACE", data);
    }
}

void g2h_link_watch_run_free_space(QgaG2hLink *l, int64_t now_ms)
{
    if (l->fs_due >= 0 && now_ms >= l->fs_due) {
        l->fs_due = now_ms + (l->heartbeat_ms > 0 ? l->heartbeat_ms : FS_CHECK_IDLE_MS);
        check_free_space(l);
    }
}

int64_t g2h_link_watch_deadline(const QgaG2hLink *l)
{
    return g2h_link_earliest(l->fs_due, l->addresses_due);
}

/* `listen --connect URI`: serves the g2h channel of every (or each named) running domain, following libvirt's lifecycle events and surviving libvirtd restarts. */
#include <gio/gunixsocketaddress.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>

#include "channel-xml.h"
#include "errors.h"
#include "g2h-host.h"
#include "listen-conn.h"
#include "listen-events.h"
#include "listen-libvirt.h"
#include "listen-log.h"
#include "render.h"
#include "transport-libvirt.h"

/*
 * Domains are keyed by UUID (a name can change while the domain runs; so can its socket path,
 * which libvirt generates per start, so the live XML is read again on every connect). With
 * source mode='bind' QEMU listens on the socket and we connect; the socket can appear a moment
 * after the STARTED event, hence a few retries with back-off before waiting for the next event.
 */

#define LV_CONNECT_ATTEMPTS 8        /* 0.2 s doubling, capped at 5 s: about 20 s in all */
#define LV_RETRY_FIRST_MS 200
#define LV_RETRY_MAX_MS 5000
#define LV_AFTER_EOF_MS 1000         /* the chardev closed under us: look again soon */
#define LV_AFTER_POLICY_MS 30000     /* we cut a hostile guest off: not straight back */
#define LV_LIBVIRT_RETRY_MAX_S 60

typedef struct LvDomain LvDomain;

struct ListenLibvirt {
    char *uri;
    GStrv filter;
    char *state_dir;
    GStrv deny;
    ListenConfig conn_cfg;
    virConnectPtr conn;
    int lifecycle_cb;
    guint reconnect_timer;
    guint reconnect_delay_s;
    guint closed_idle;       /* the close callback's deferred teardown */
    GHashTable *domains;     /* uuid -> LvDomain* */
};

struct LvDomain {
    ListenLibvirt *lv;
    char *uuid;
    G2hHost *host;
    ListenConn *conn;
    GSocket *connecting;
    GSource *connecting_src;
    guint retry;
    guint attempts;
};

static void domain_connect(LvDomain *d);

static gboolean filter_match(ListenLibvirt *lv, const char *name, const char *uuid)
{
    if (!lv->filter)
        return TRUE;
    for (char **f = lv->filter; *f; f++)
        if (!strcmp(*f, name) || !g_ascii_strcasecmp(*f, uuid))
            return TRUE;
    return FALSE;
}

static void domain_stop_connecting(LvDomain *d)
{
    if (d->connecting_src) {
        g_source_destroy(d->connecting_src);
        g_clear_pointer(&d->connecting_src, g_source_unref);
    }
    g_clear_object(&d->connecting);
    if (d->retry) {
        g_source_remove(d->retry);
        d->retry = 0;
    }
}

static void domain_free(LvDomain *d)
{
    domain_stop_connecting(d);
    if (d->conn) {
        ListenConn *c = g_steal_pointer(&d->conn);
        listen_conn_free(c);
    }
    g2h_host_free(d->host);
    g_free(d->uuid);
    g_free(d);
}

/* The domain left (stopped, shut down, migrated away): close with a reason, forget it. */
static void domain_drop(LvDomain *d, const char *reason)
{
    domain_stop_connecting(d);
    if (d->conn) {
        ListenConn *c = d->conn;
        listen_conn_close(c, LISTEN_CLOSE_OWNER, reason);   /* the callback frees c */
    }
    g_hash_table_remove(d->lv->domains, d->uuid);   /* frees d */
}

static gboolean domain_retry_cb(gpointer data)
{
    LvDomain *d = data;
    d->retry = 0;
    domain_connect(d);
    return G_SOURCE_REMOVE;
}

static void domain_retry_in(LvDomain *d, guint ms)
{
    if (!d->retry)
        d->retry = g_timeout_add(ms, domain_retry_cb, d);
}

/* One more attempt later, or give up until the next lifecycle event. */
static void domain_retry(LvDomain *d, const char *why)
{
    if (++d->attempts >= LV_CONNECT_ATTEMPTS) {
        g_autofree char *name = probe_sanitize(g2h_host_name(d->host));
        listen_log("domain %s: giving up on its %s channel for now (%s); waiting for its next start or resume",
                   name, LISTEN_CHANNEL, why);
        d->attempts = 0;
        return;
    }
    guint ms = LV_RETRY_FIRST_MS << MIN(d->attempts - 1, 5u);
    domain_retry_in(d, MIN(ms, (guint)LV_RETRY_MAX_MS));
}

static void domain_closed(ListenConn *conn, ListenClose why, gpointer data)
{
    LvDomain *d = data;
    listen_conn_free(conn);
    d->conn = NULL;
    if (why == LISTEN_CLOSE_OWNER)
        return;
    d->attempts = 0;
    domain_retry_in(d, why == LISTEN_CLOSE_POLICY ? LV_AFTER_POLICY_MS : LV_AFTER_EOF_MS);
}

static void domain_connected(LvDomain *d)
{
    d->attempts = 0;
    GSocket *sock = g_steal_pointer(&d->connecting);
    d->conn = listen_conn_new(&d->lv->conn_cfg, sock, d->host, domain_closed, d);
}

static gboolean domain_connect_ready(GSocket *sock, GIOCondition cond, gpointer data)
{
    (void)cond;
    LvDomain *d = data;
    g_autoptr(GError) err = NULL;
    g_source_destroy(d->connecting_src);
    g_clear_pointer(&d->connecting_src, g_source_unref);
    if (!g_socket_check_connect_result(sock, &err)) {
        g_clear_object(&d->connecting);
        domain_retry(d, err->message);
        return G_SOURCE_REMOVE;
    }
    domain_connected(d);
    return G_SOURCE_REMOVE;
}

static virDomainPtr domain_lookup(LvDomain *d)
{
    return d->lv->conn ? virDomainLookupByUUIDString(d->lv->conn, d->uuid) : NULL;
}

/* Reads the live XML, finds the channel and starts a non-blocking connect to its socket. */
static void domain_connect(LvDomain *d)
{
    if (d->conn || d->connecting || d->retry)
        return;
    virDomainPtr dom = domain_lookup(d);
    if (!dom) {
        if (d->lv->conn)
            domain_drop(d, "closed: domain gone");
        return;   /* no libvirt right now: the reconnect rescans */
    }
    if (virDomainIsActive(dom) != 1) {
        virDomainFree(dom);
        domain_drop(d, "closed: domain not running");
        return;
    }
    const char *name = virDomainGetName(dom);
    if (name)
        g2h_host_set_name(d->host, name);
    char *raw = virDomainGetXMLDesc(dom, 0);
    virDomainFree(dom);
    g_autofree char *xml = g_strdup(raw);
    free(raw);
    g_autoptr(GError) err = NULL;
    g_autofree char *safe = probe_sanitize(g2h_host_name(d->host));
    g_autoptr(ProbeChannel) ch = xml ? probe_channel_find(xml, LISTEN_CHANNEL, &err) : NULL;
    if (!xml) {
        probe_libvirt_set_error(&err, "live XML");
        domain_retry(d, err->message);
        return;
    }
    if (!ch && g_error_matches(err, PROBE_ERROR, PROBE_ERROR_NOT_CONFIGURED) && !strstr(err->message, "no socket path")) {
        listen_log("domain %s has no %s channel; ignored", safe, LISTEN_CHANNEL);
        return;
    }
    if (!ch) {
        domain_retry(d, err->message);
        return;
    }
    if (g_strcmp0(ch->mode, "connect") == 0) {
        listen_log("domain %s: its %s channel has source mode='connect' (QEMU connects out); ignored here, "
                   "serve that socket with --listen", safe, LISTEN_CHANNEL);
        return;
    }
    d->connecting = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &err);
    if (!d->connecting) {
        domain_retry(d, err->message);
        return;
    }
    g_socket_set_blocking(d->connecting, FALSE);
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(ch->path);
    if (g_socket_connect(d->connecting, addr, NULL, &err)) {
        domain_connected(d);
        return;
    }
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_PENDING)) {
        d->connecting_src = g_socket_create_source(d->connecting, G_IO_OUT, NULL);
        g_source_set_callback(d->connecting_src, G_SOURCE_FUNC(domain_connect_ready), d, NULL);
        g_source_attach(d->connecting_src, NULL);
        return;
    }
    g_clear_object(&d->connecting);
    g_autofree char *why = g_strdup_printf("%s: %s", ch->path, err->message);
    domain_retry(d, why);
}

/* name/metadata of the domain right now, for host-get-identity. */
static gboolean domain_identity(gpointer data, GPtrArray **ret_metadata, GError **error)
{
    LvDomain *d = data;
    virDomainPtr dom = domain_lookup(d);
    if (!dom) {
        g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_CONNECT, "no libvirt connection right now");
        return FALSE;
    }
    char *xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, G2H_IDENTITY_NS, VIR_DOMAIN_AFFECT_LIVE);
    if (!xml) {
        virErrorPtr e = virGetLastError();
        gboolean none = e && e->code == VIR_ERR_NO_DOMAIN_METADATA;
        if (!none)
            probe_libvirt_set_error(error, "domain metadata");
        virDomainFree(dom);
        if (none)
            *ret_metadata = g_ptr_array_new_with_free_func((GDestroyNotify)g2h_key_value_free);
        return none;
    }
    virDomainFree(dom);
    guint ignored = 0;
    g_autoptr(GError) local = NULL;
    *ret_metadata = g2h_identity_parse(xml, &ignored, &local);
    free(xml);
    g_autofree char *safe = probe_sanitize(g2h_host_name(d->host));
    if (!*ret_metadata) {
        listen_log("domain %s: bad identity metadata: %s", safe, local->message);
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_FAILED, "the operator's identity metadata is invalid");
        return FALSE;
    }
    if (ignored)
        listen_log("domain %s: %u identity metadata entries ignored (at most %d, keys up to %d bytes, values up to %d)",
                   safe, ignored, G2H_IDENTITY_MAX_ENTRIES, G2H_IDENTITY_MAX_KEY, G2H_IDENTITY_MAX_VALUE);
    return TRUE;
}

static LvDomain *domain_ensure(ListenLibvirt *lv, const char *uuid, const char *name)
{
    LvDomain *d = g_hash_table_lookup(lv->domains, uuid);
    if (d) {
        g2h_host_set_name(d->host, name);
        return d;
    }
    g_autoptr(GError) err = NULL;
    g_autoptr(G2hKv) kv = g2h_kv_open(lv->state_dir, uuid, &err);
    if (!kv) {
        g_autofree char *safe = probe_sanitize(name);
        listen_log("domain %s: %s; not served", safe, err->message);
        return NULL;
    }
    d = g_new0(LvDomain, 1);
    d->lv = lv;
    d->uuid = g_strdup(uuid);
    d->host = g2h_host_new_with_kv(kv, name, uuid);
    g2h_host_set_denied(d->host, (const char *const *)lv->deny);
    g2h_host_set_identity_func(d->host, domain_identity, d);
    g_hash_table_insert(lv->domains, d->uuid, d);
    return d;
}

static void lifecycle_event(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    (void)conn;
    ListenLibvirt *lv = opaque;
    char uuid[VIR_UUID_STRING_BUFLEN];
    const char *name = virDomainGetName(dom);
    if (!name || virDomainGetUUIDString(dom, uuid) < 0 || !filter_match(lv, name, uuid))
        return;
    LvDomain *d = g_hash_table_lookup(lv->domains, uuid);
    switch (event) {
    case VIR_DOMAIN_EVENT_STARTED:
    case VIR_DOMAIN_EVENT_RESUMED:   /* includes an incoming migration that finished */
        d = domain_ensure(lv, uuid, name);
        if (d) {
            d->attempts = 0;
            domain_connect(d);
        }
        break;
    case VIR_DOMAIN_EVENT_STOPPED:
        if (d)
            domain_drop(d, detail == VIR_DOMAIN_EVENT_STOPPED_MIGRATED ? "closed: domain migrated away"
                                                                       : "closed: domain stopped");
        break;
    case VIR_DOMAIN_EVENT_SHUTDOWN:
        if (d)
            domain_drop(d, "closed: domain shut down");
        break;
    case VIR_DOMAIN_EVENT_DEFINED:
        if (d)
            g2h_host_set_name(d->host, name);   /* e.g. renamed */
        break;
    default:
        break;
    }
}

static gboolean libvirt_reconnect_cb(gpointer data);

static void libvirt_schedule_reconnect(ListenLibvirt *lv)
{
    if (lv->reconnect_timer)
        return;
    lv->reconnect_delay_s = lv->reconnect_delay_s ? MIN(lv->reconnect_delay_s * 2, LV_LIBVIRT_RETRY_MAX_S) : 1;
    lv->reconnect_timer = g_timeout_add_seconds(lv->reconnect_delay_s, libvirt_reconnect_cb, lv);
}

static void libvirt_disconnect(ListenLibvirt *lv);

static gboolean libvirt_closed_idle(gpointer data)
{
    ListenLibvirt *lv = data;
    lv->closed_idle = 0;
    libvirt_disconnect(lv);
    libvirt_schedule_reconnect(lv);
    return G_SOURCE_REMOVE;
}

static void libvirt_closed(virConnectPtr conn, int reason, void *opaque)
{
    (void)conn;
    ListenLibvirt *lv = opaque;
    listen_log("lost the libvirt connection (reason %d); reconnecting with back-off; guests stay served", reason);
    /* Not from inside libvirt's own callback: tear down on the next turn of the loop. */
    if (!lv->closed_idle)
        lv->closed_idle = g_idle_add(libvirt_closed_idle, lv);
}

static void libvirt_disconnect(ListenLibvirt *lv)
{
    if (!lv->conn)
        return;
    if (lv->lifecycle_cb >= 0)
        virConnectDomainEventDeregisterAny(lv->conn, lv->lifecycle_cb);
    lv->lifecycle_cb = -1;
    virConnectUnregisterCloseCallback(lv->conn, libvirt_closed);
    virConnectClose(lv->conn);
    lv->conn = NULL;
}

/* Every running domain that matches: served; known domains no longer running: dropped. */
static gboolean libvirt_scan(ListenLibvirt *lv, GError **error)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(lv->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    if (n < 0) {
        probe_libvirt_set_error(error, "cannot list the domains");
        return FALSE;
    }
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) matched = g_hash_table_new(g_str_hash, g_str_equal);
    for (int i = 0; i < n; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        const char *name = virDomainGetName(doms[i]);
        if (name && virDomainGetUUIDString(doms[i], uuid) == 0 && filter_match(lv, name, uuid)) {
            g_hash_table_add(seen, g_strdup(uuid));
            for (char **f = lv->filter; f && *f; f++)
                if (!strcmp(*f, name) || !g_ascii_strcasecmp(*f, uuid))
                    g_hash_table_add(matched, *f);
            LvDomain *d = domain_ensure(lv, uuid, name);
            if (d)
                domain_connect(d);
        }
        virDomainFree(doms[i]);
    }
    free(doms);
    for (char **f = lv->filter; f && *f; f++)
        if (!g_hash_table_contains(matched, *f)) {
            g_autofree char *safe = probe_sanitize(*f);
            listen_log("domain %s is not running (or not defined); served when it starts", safe);
        }
    GHashTableIter it;
    gpointer key, value;
    g_autoptr(GPtrArray) gone = g_ptr_array_new();
    g_hash_table_iter_init(&it, lv->domains);
    while (g_hash_table_iter_next(&it, &key, &value))
        if (!g_hash_table_contains(seen, key))
            g_ptr_array_add(gone, value);
    for (guint i = 0; i < gone->len; i++)
        domain_drop(g_ptr_array_index(gone, i), "closed: domain not running");
    return TRUE;
}

static gboolean libvirt_connect(ListenLibvirt *lv, GError **error)
{
    /* Read-only is enough for the live XML, metadata and events: least privilege. */
    lv->conn = virConnectOpenReadOnly(lv->uri);
    if (!lv->conn) {
        probe_libvirt_set_error(error, lv->uri ? lv->uri : "libvirt's default URI");
        return FALSE;
    }
    virConnectSetKeepAlive(lv->conn, 5, 3);   /* notice a dead daemon (remote URIs) */
    virConnectRegisterCloseCallback(lv->conn, libvirt_closed, lv, NULL);
    lv->lifecycle_cb = virConnectDomainEventRegisterAny(lv->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                        VIR_DOMAIN_EVENT_CALLBACK(lifecycle_event), lv, NULL);
    if (lv->lifecycle_cb < 0) {
        probe_libvirt_set_error(error, "cannot subscribe to domain lifecycle events");
        libvirt_disconnect(lv);
        return FALSE;
    }
    if (!libvirt_scan(lv, error)) {
        libvirt_disconnect(lv);
        return FALSE;
    }
    return TRUE;
}

static gboolean libvirt_reconnect_cb(gpointer data)
{
    ListenLibvirt *lv = data;
    lv->reconnect_timer = 0;
    g_autoptr(GError) err = NULL;
    if (libvirt_connect(lv, &err)) {
        listen_log("libvirt connection restored");
        lv->reconnect_delay_s = 0;
        return G_SOURCE_REMOVE;
    }
    listen_log("libvirt reconnect failed: %s", err->message);
    libvirt_schedule_reconnect(lv);
    return G_SOURCE_REMOVE;
}

ListenLibvirt *listen_libvirt_start(const ListenLibvirtConfig *cfg, GError **error)
{
    probe_libvirt_init();
    listen_libvirt_events_register();   /* before the first connection, as libvirt requires */
    ListenLibvirt *lv = g_new0(ListenLibvirt, 1);
    lv->uri = g_strdup(cfg->uri);
    lv->filter = g_strdupv((char **)cfg->domains);
    lv->state_dir = g_strdup(cfg->state_dir);
    lv->deny = g_strdupv((char **)cfg->deny);
    lv->conn_cfg = cfg->conn;
    lv->lifecycle_cb = -1;
    lv->domains = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)domain_free);
    if (!libvirt_connect(lv, error)) {
        listen_libvirt_free(lv);
        return NULL;
    }
    return lv;
}

void listen_libvirt_free(ListenLibvirt *lv)
{
    if (!lv)
        return;
    /* Close each guest with a line, then forget it. */
    g_autoptr(GList) all = g_hash_table_get_values(lv->domains);
    for (GList *l = all; l; l = l->next)
        domain_drop(l->data, "closed: listener stopping");
    g_hash_table_unref(lv->domains);
    if (lv->reconnect_timer)
        g_source_remove(lv->reconnect_timer);
    if (lv->closed_idle)
        g_source_remove(lv->closed_idle);
    libvirt_disconnect(lv);
    g_free(lv->uri);
    g_strfreev(lv->filter);
    g_free(lv->state_dir);
    g_strfreev(lv->deny);
    g_free(lv);
}

/* The agent through libvirt: virDomainQemuAgentCommand on a read-write connection, libvirt's errors turned into actionable ones. */
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "transport-libvirt.h"
#include "transport.h"

struct ProbeLibvirt {
    gint refcount;
    virConnectPtr conn;
    char *uri;
};

typedef struct ProbeLibvirtTransport {
    ProbeTransport base;
    ProbeLibvirt *lv;
    virDomainPtr dom;
    char *domain;
} ProbeLibvirtTransport;

static void probe_libvirt_silent(void *opaque, virErrorPtr err)
{
    /* libvirt prints every error on stderr by default; ours are reported once, by the caller. */
}

void probe_libvirt_init(void)
{
    static gsize done = 0;

    if (g_once_init_enter(&done)) {
        virInitialize();
        virSetErrorFunc(NULL, probe_libvirt_silent);
        g_once_init_leave(&done, 1);
    }
}

/*
 * libvirt's qemu driver reports the agent's situation with a few fixed texts (src/qemu/
 * qemu_agent.c, qemu_domain.c): VIR_ERR_AGENT_UNRESPONSIVE for "QEMU guest agent is not
 * connected", "Guest agent not available for now" (timeout), "QEMU guest agent is not
 * available due to an error" (sticky until the port reopens), "Guest agent disappeared while
 * executing command"; VIR_ERR_ARGUMENT_UNSUPPORTED "QEMU guest agent is not configured";
 * VIR_ERR_OPERATION_INVALID "domain is not running"; agent error replies become
 * VIR_ERR_INTERNAL_ERROR "unable to execute QEMU agent command 'X': DESC". Newer releases add
 * "guest agent command timed out:" / "guest agent command failed:" codes, matched by text.
 */
void probe_libvirt_map_error(int code, const char *msg, const char *context, GError **error)
{
    int kind = PROBE_ERROR_FAILED;
    const char *hint = "";
    const char *prefix = "unable to execute QEMU agent command '";

    if (code == VIR_ERR_AGENT_UNRESPONSIVE || code == VIR_ERR_AGENT_UNSYNCED) {
        if (strstr(msg, "not available for now") || strstr(msg, "timed out")) {
            kind = PROBE_ERROR_TIMEOUT;
            hint = " (the agent did not answer in time; try a longer --timeout)";
        } else {
            kind = PROBE_ERROR_NOT_CONNECTED;
            if (strstr(msg, "due to an error"))
                hint = " (libvirt keeps this error until the agent reopens its port or libvirtd "
                       "restarts)";
            else if (strstr(msg, "not connected"))
                hint = " (no agent has opened the channel in the guest: is it installed and running?)";
        }
    } else if (strstr(msg, "guest agent command timed out")) {
        kind = PROBE_ERROR_TIMEOUT;
    } else if (code == VIR_ERR_ARGUMENT_UNSUPPORTED && strstr(msg, "not configured")) {
        kind = PROBE_ERROR_NOT_CONFIGURED;
        hint = " (add a <channel type='unix'><target type='virtio' "
               "name='org.qemu.guest_agent.0'/></channel> to the domain, see docs/PROBE.md)";
    } else if (code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_OPERATION_INVALID) {
        kind = PROBE_ERROR_DOMAIN;
    } else if (code == VIR_ERR_NO_CONNECT || code == VIR_ERR_AUTH_FAILED || code == VIR_ERR_RPC ||
               code == VIR_ERR_SYSTEM_ERROR || code == VIR_ERR_ACCESS_DENIED ||
               code == VIR_ERR_OPERATION_DENIED) {
        kind = PROBE_ERROR_CONNECT;
        if (code == VIR_ERR_OPERATION_DENIED)
            hint = " (agent commands need a read-write connection: run as root or allow it by polkit)";
    } else if (strstr(msg, prefix) || strstr(msg, "guest agent command failed")) {
        /* The agent's own error: only its desc survives libvirt ("internal error: " first). */
        const char *start = strstr(msg, prefix);
        const char *desc = start ? strstr(start, "': ") : NULL;
        g_autofree char *command = NULL;
        if (start && desc)
            command = g_strndup(start + strlen(prefix), (gsize)(desc - start - strlen(prefix)));
        probe_error_from_agent(error, command ? command : "command", NULL, desc ? desc + 3 : msg);
        return;
    }
    g_set_error(error, PROBE_ERROR, kind, "%s%s%s%s", context ? context : "", context ? ": " : "",
                msg, hint);
}

void probe_libvirt_set_error(GError **error, const char *context)
{
    virErrorPtr err = virGetLastError();

    probe_libvirt_map_error(err ? err->code : VIR_ERR_INTERNAL_ERROR,
                            err && err->message ? err->message : "unknown libvirt error", context, error);
}

ProbeLibvirt *probe_libvirt_open(const char *uri, gboolean read_only, GError **error)
{
    ProbeLibvirt *lv;
    virConnectPtr conn;
    char *actual;

    probe_libvirt_init();
    conn = read_only ? virConnectOpenReadOnly(uri) : virConnectOpen(uri);
    if (!conn) {
        g_autoptr(GError) local = NULL;
        probe_libvirt_set_error(&local, NULL);
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_CONNECT, "cannot open libvirt connection %s: %s",
                    uri ? uri : "(default)", local->message);
        return NULL;
    }
    lv = g_new0(ProbeLibvirt, 1);
    lv->refcount = 1;
    lv->conn = conn;
    actual = virConnectGetURI(conn);
    lv->uri = g_strdup(actual ? actual : (uri ? uri : "(default)"));
    free(actual);
    return lv;
}

ProbeLibvirt *probe_libvirt_ref(ProbeLibvirt *lv)
{
    g_atomic_int_inc(&lv->refcount);
    return lv;
}

void probe_libvirt_close(ProbeLibvirt *lv)
{
    if (!lv || !g_atomic_int_dec_and_test(&lv->refcount))
        return;
    virConnectClose(lv->conn);
    g_free(lv->uri);
    g_free(lv);
}

const char *probe_libvirt_uri(ProbeLibvirt *lv)
{
    return lv->uri;
}

virConnectPtr probe_libvirt_connection(ProbeLibvirt *lv)
{
    return lv->conn;
}

static int probe_strcmp(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

GPtrArray *probe_libvirt_list_active(ProbeLibvirt *lv, GError **error)
{
    virDomainPtr *doms = NULL;
    GPtrArray *names;
    int n = virConnectListAllDomains(lv->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);

    if (n < 0) {
        probe_libvirt_set_error(error, lv->uri);
        return NULL;
    }
    names = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < n; i++) {
        g_ptr_array_add(names, g_strdup(virDomainGetName(doms[i])));
        virDomainFree(doms[i]);
    }
    free(doms);
    g_ptr_array_sort(names, probe_strcmp);
    return names;
}

/* By name first, then UUID, then numeric id, like virsh. */
static virDomainPtr probe_libvirt_lookup(ProbeLibvirt *lv, const char *name, GError **error)
{
    virDomainPtr dom = virDomainLookupByName(lv->conn, name);
    guint64 id;

    if (!dom)
        dom = virDomainLookupByUUIDString(lv->conn, name);
    if (!dom && g_ascii_string_to_unsigned(name, 10, 0, G_MAXINT, &id, NULL))
        dom = virDomainLookupByID(lv->conn, (int)id);
    if (!dom)
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_DOMAIN, "no domain '%s' on %s", name, lv->uri);
    return dom;
}

char *probe_libvirt_domain_xml(ProbeLibvirt *lv, const char *domain, GError **error)
{
    virDomainPtr dom = probe_libvirt_lookup(lv, domain, error);
    char *xml, *copy;

    if (!dom)
        return NULL;
    if (virDomainIsActive(dom) != 1) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_DOMAIN,
                    "domain %s is not running (channel sockets exist only while it runs)", domain);
        virDomainFree(dom);
        return NULL;
    }
    /* Flags 0: the live XML, where libvirt-generated socket paths and channel states appear. */
    xml = virDomainGetXMLDesc(dom, 0);
    if (!xml)
        probe_libvirt_set_error(error, domain);
    virDomainFree(dom);
    copy = g_strdup(xml);
    free(xml);
    return copy;
}

static gboolean probe_libvirt_execute(ProbeTransport *t, const char *request, gboolean want_reply,
                                      char **ret_reply, GError **error)
{
    ProbeLibvirtTransport *self = (ProbeLibvirtTransport *)t;
    char *reply = virDomainQemuAgentCommand(self->dom, request, t->timeout, 0);

    if (!reply) {
        g_autofree char *context = g_strdup_printf("domain %s", self->domain);
        probe_libvirt_set_error(error, context);
        return FALSE;
    }
    /* libvirt already checked the reply is JSON holding return or error (its own 10 MiB cap);
     * it is still checked again by the caller, as hostile input. */
    *ret_reply = g_strdup(reply);
    free(reply);
    return TRUE;
}

static void probe_libvirt_transport_free(ProbeTransport *t)
{
    ProbeLibvirtTransport *self = (ProbeLibvirtTransport *)t;

    if (self->dom)
        virDomainFree(self->dom);
    probe_libvirt_close(self->lv);
    g_free(self->domain);
    g_free(self);
}

static const ProbeTransportOps probe_libvirt_ops = {
    .execute = probe_libvirt_execute,
    .free = probe_libvirt_transport_free,
};

ProbeTransport *probe_libvirt_transport_new(ProbeLibvirt *lv, const char *domain, int timeout,
                                            gboolean verbose, GError **error)
{
    ProbeLibvirtTransport *self;
    virDomainPtr dom = probe_libvirt_lookup(lv, domain, error);

    if (!dom)
        return NULL;
    self = g_new0(ProbeLibvirtTransport, 1);
    self->base.ops = &probe_libvirt_ops;
    self->base.max_request = PROBE_LIBVIRT_MAX_REQUEST;
    self->base.timeout = timeout;
    self->base.verbose = verbose;
    self->base.description = g_strdup_printf("domain %s", domain);
    self->lv = probe_libvirt_ref(lv);
    self->dom = dom;
    self->domain = g_strdup(domain);
    return &self->base;
}

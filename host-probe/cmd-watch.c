/* `qga-probe watch`: agent connected/disconnected events through libvirt's VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE. */
#include <libvirt/libvirt.h>
#include <stdio.h>
#include <string.h>

#include "channel-xml.h"
#include "commands.h"
#include "errors.h"
#include "options.h"
#include "render.h"
#include "transport-libvirt.h"

typedef struct ProbeWatch {
    gboolean json;
    gint count;           /* events to print before exiting (0 = no limit) */
    gint seen;
    gboolean done;
} ProbeWatch;

static const char *probe_watch_state(int state)
{
    switch (state) {
    case VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED: return "connected";
    case VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED: return "disconnected";
    default: return "unknown";
    }
}

static const char *probe_watch_reason(int reason)
{
    switch (reason) {
    case VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_DOMAIN_STARTED: return "domain-started";
    case VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL: return "channel";
    default: return "unknown";
    }
}

static void probe_watch_print(ProbeWatch *w, const char *domain, const char *state, const char *reason)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format_iso8601(now);

    if (w->json)
        printf("{\"time\": \"%s\", \"domain\": \"%s\", \"agent\": \"%s\", \"reason\": \"%s\"}\n", stamp,
               domain, state, reason);
    else
        printf("%s  %s  agent %s (%s)\n", stamp, domain, state, reason);
    fflush(stdout);
}

static void probe_watch_event(virConnectPtr conn, virDomainPtr dom, int state, int reason, void *opaque)
{
    ProbeWatch *w = opaque;
    g_autofree char *name = probe_sanitize(virDomainGetName(dom));
    g_autofree char *escaped = w->json ? g_strescape(name, NULL) : g_strdup(name);

    probe_watch_print(w, escaped, probe_watch_state(state), probe_watch_reason(reason));
    if (w->count > 0 && ++w->seen >= w->count)
        w->done = TRUE;
}

static void probe_watch_timeout(int timer, void *opaque)
{
    ((ProbeWatch *)opaque)->done = TRUE;
}

/* What the agent channel looks like right now (live XML target state), so the first line of
 * output is the current state rather than silence until something changes. */
static void probe_watch_initial(ProbeWatch *w, ProbeLibvirt *lv, const char *domain)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = probe_libvirt_domain_xml(lv, domain, &error);
    g_autoptr(ProbeChannel) ch = xml ? probe_channel_find(xml, "org.qemu.guest_agent.0", &error) : NULL;
    g_autofree char *name = probe_sanitize(domain);
    g_autofree char *escaped = w->json ? g_strescape(name, NULL) : g_strdup(name);

    probe_watch_print(w, escaped, ch && ch->state ? ch->state : "unknown", "initial");
}

int probe_cmd_watch(int argc, char **argv)
{
    g_auto(ProbeOptions) opts = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(ProbeLibvirt) lv = NULL;
    ProbeWatch w = { 0 };
    double seconds = 0;
    const GOptionEntry entries[] = {
        { "count", 'n', 0, G_OPTION_ARG_INT, &w.count, "Exit after N events (default: run until interrupted)", "N" },
        { "for", 'f', 0, G_OPTION_ARG_DOUBLE, &seconds, "Exit after S seconds", "S" },
        G_OPTION_ENTRY_NULL,
    };
    virDomainPtr dom = NULL;
    int callback, timer = -1;

    if (!probe_options_parse(&opts, "watch", NULL,
            "Print a line whenever a guest agent connects or disconnects (libvirt's agent-lifecycle "
            "event): for --domain NAME, or for every domain of the connection. Starts with the "
            "current state of --domain's agent channel.", entries, FALSE, &argc, &argv, &error))
        return probe_error_report(error, opts.json);
    if (argc > 1 || opts.socket_path || opts.channel) {
        g_set_error_literal(&error, PROBE_ERROR, PROBE_ERROR_USAGE,
                            "watch takes no arguments and works through libvirt only (no --socket/--channel)");
        return probe_error_report(error, opts.json);
    }
    w.json = opts.json;
    probe_libvirt_init();
    /* libvirt delivers events only through a registered event loop, set before connecting. */
    if (virEventRegisterDefaultImpl() < 0) {
        probe_libvirt_set_error(&error, "cannot set up libvirt's event loop");
        return probe_error_report(error, opts.json);
    }
    if (!(lv = probe_libvirt_open(opts.uri, TRUE, &error)))
        return probe_error_report(error, opts.json);
    /* Notice a dead daemon instead of waiting forever. */
    virConnectSetKeepAlive(probe_libvirt_connection(lv), 5, 3);
    if (opts.domain) {
        g_autofree char *xml = probe_libvirt_domain_xml(lv, opts.domain, &error);
        if (!xml)
            return probe_error_report(error, opts.json);
        dom = virDomainLookupByName(probe_libvirt_connection(lv), opts.domain);
        if (!dom)
            dom = virDomainLookupByUUIDString(probe_libvirt_connection(lv), opts.domain);
        probe_watch_initial(&w, lv, opts.domain);
    }
    callback = virConnectDomainEventRegisterAny(probe_libvirt_connection(lv), dom,
                                                VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
                                                VIR_DOMAIN_EVENT_CALLBACK(probe_watch_event), &w, NULL);
    if (dom)
        virDomainFree(dom);
    if (callback < 0) {
        probe_libvirt_set_error(&error, "cannot subscribe to agent events");
        return probe_error_report(error, opts.json);
    }
    if (seconds > 0)
        timer = virEventAddTimeout((int)(seconds * 1000), probe_watch_timeout, &w, NULL);
    while (!w.done && virConnectIsAlive(probe_libvirt_connection(lv)) == 1) {
        if (virEventRunDefaultImpl() < 0) {
            probe_libvirt_set_error(&error, "libvirt event loop");
            break;
        }
    }
    if (timer >= 0)
        virEventRemoveTimeout(timer);
    virConnectDomainEventDeregisterAny(probe_libvirt_connection(lv), callback);
    if (error)
        return probe_error_report(error, opts.json);
    if (!w.done) {
        g_set_error_literal(&error, PROBE_ERROR, PROBE_ERROR_CONNECT, "lost the connection to libvirtd");
        return probe_error_report(error, opts.json);
    }
    return 0;
}

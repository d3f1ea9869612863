/* The transport-independent half of talking to an agent: choosing the transport, building requests, unwrapping replies. */
#include <stdio.h>
#include <string.h>

#include "channel-xml.h"
#include "errors.h"
#include "options.h"
#include "probe-schema.h"
#include "render.h"
#include "reply.h"
#include "transport-libvirt.h"
#include "transport-socket.h"
#include "transport.h"

void probe_transport_free(ProbeTransport *t)
{
    if (!t)
        return;
    g_free(t->description);
    t->ops->free(t);
}

/* The commands with success-response false (qemu-ga's guest-shutdown and guest-suspend-*): they
 * answer only when they fail. The list is generated from the schema. */
gboolean probe_command_is_silent(const char *command)
{
    for (const char *const *silent = probe_silent_commands; *silent; silent++)
        if (g_strcmp0(command, *silent) == 0)
            return TRUE;
    return FALSE;
}

static ProbeTransport *probe_channel_transport_open(const ProbeOptions *opts, GError **error)
{
    g_autoptr(ProbeLibvirt) lv = NULL;
    g_autoptr(ProbeChannel) ch = NULL;
    g_autofree char *xml = NULL;

    /* libvirt is the one client of org.qemu.guest_agent.0 (QEMU's socket chardev serves one
     * client; a second sits in the backlog and never sees a byte). */
    if (g_strcmp0(opts->channel, "org.qemu.guest_agent.0") == 0) {
        g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_USAGE,
                            "libvirt holds the org.qemu.guest_agent.0 socket; drop --channel to "
                            "go through libvirt, or name another channel");
        return NULL;
    }
    /* Reading the XML needs no write access. */
    if (!(lv = probe_libvirt_open(opts->uri, TRUE, error)) ||
        !(xml = probe_libvirt_domain_xml(lv, opts->domain, error)) ||
        !(ch = probe_channel_find(xml, opts->channel, error)))
        return NULL;
    if (g_strcmp0(ch->mode, "connect") == 0) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_USAGE,
                    "channel %s has source mode='connect': QEMU connects to a listener at %s, "
                    "there is no socket to connect to", opts->channel, ch->path);
        return NULL;
    }
    /* The live XML's state is the guest side: disconnected means nothing opened the port. */
    if (g_strcmp0(ch->state, "disconnected") == 0) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_NOT_CONNECTED,
                    "the guest has not opened channel %s of domain %s (no agent on that port)",
                    opts->channel, opts->domain);
        return NULL;
    }
    return probe_socket_transport_new(ch->path, opts->timeout, opts->verbose, error);
}

ProbeTransport *probe_transport_open(const ProbeOptions *opts, GError **error)
{
    if (opts->socket_path && (opts->domain || opts->channel)) {
        g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_USAGE,
                            "--socket cannot be combined with --domain or --channel");
        return NULL;
    }
    if (opts->socket_path)
        return probe_socket_transport_new(opts->socket_path, opts->timeout, opts->verbose, error);
    if (!opts->domain) {
        g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_USAGE,
                            "say where the agent is: --domain NAME [--connect URI], "
                            "--domain NAME --channel CHANNEL, or --socket PATH");
        return NULL;
    }
    if (opts->channel)
        return probe_channel_transport_open(opts, error);

    g_autoptr(ProbeLibvirt) lv = probe_libvirt_open(opts->uri, FALSE, error);
    if (!lv)
        return NULL;
    return probe_libvirt_transport_new(lv, opts->domain, opts->timeout, opts->verbose, error);
}

static JsonNode *probe_agent_execute(ProbeTransport *t, const char *command, const char *request,
                                     GError **error)
{
    gboolean silent = probe_command_is_silent(command);
    g_autofree char *reply_text = NULL;
    g_autoptr(JsonNode) reply = NULL;
    g_autoptr(GError) local = NULL;

    if (strlen(request) > t->max_request) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_USAGE,
                    "%s: the request is %" G_GSIZE_FORMAT " bytes; through %s at most %" G_GSIZE_FORMAT
                    " bytes arrive intact (see docs/PROBE.md, \"Size limits\")", command,
                    strlen(request), t->description, t->max_request);
        return NULL;
    }
    if (t->verbose)
        fprintf(stderr, "[%s] -> %.*s%s\n", t->description, 2000, request,
                strlen(request) > 2000 ? "..." : "");
    if (!t->ops->execute(t, request, !silent, &reply_text, &local)) {
        /* Through libvirt a silent command that succeeded looks like a timeout or like the
         * agent going away (the guest is shutting down); both mean "no error came back". */
        if (silent && local->domain == PROBE_ERROR &&
            (local->code == PROBE_ERROR_TIMEOUT || local->code == PROBE_ERROR_NOT_CONNECTED))
            return json_node_new(JSON_NODE_NULL);
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    if (!reply_text)
        return json_node_new(JSON_NODE_NULL);
    if (t->verbose) {
        g_autofree char *safe = probe_sanitize(reply_text);
        fprintf(stderr, "[%s] <- %s\n", t->description, safe);
    }
    if (!(reply = probe_json_parse_reply(reply_text, strlen(reply_text), error)))
        return NULL;
    return probe_reply_unwrap(reply, command, error);
}

JsonNode *probe_agent_call(ProbeTransport *t, const char *command, JsonObject *args, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *request = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "execute");
    json_builder_add_string_value(b, command);
    if (args) {
        JsonNode *node = json_node_new(JSON_NODE_OBJECT);
        json_node_set_object(node, args);
        json_builder_set_member_name(b, "arguments");
        json_builder_add_value(b, node);
    }
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    request = json_generator_to_data(gen, NULL);
    return probe_agent_execute(t, command, request, error);
}

JsonNode *probe_agent_call_raw(ProbeTransport *t, const char *request, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(GError) local = NULL;
    g_autofree char *compact = NULL;
    JsonObject *obj;
    const char *command = NULL;

    if (!json_parser_load_from_data(parser, request, -1, &local)) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_USAGE, "request is not JSON: %s", local->message);
        return NULL;
    }
    if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)) ||
        !(obj = json_node_get_object(json_parser_get_root(parser))) ||
        !probe_get_string(obj, "execute", TRUE, &command, NULL)) {
        g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_USAGE,
                            "request must be a JSON object with a string member 'execute'");
        return NULL;
    }
    /* One line on the wire: libvirt and the agents split on newlines. */
    json_generator_set_root(gen, json_parser_get_root(parser));
    compact = json_generator_to_data(gen, NULL);
    return probe_agent_execute(t, command, compact, error);
}

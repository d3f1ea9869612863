/* `qga-probe report`: one screen about the guest; each section says why when the agent cannot provide it. */
#include <stdio.h>
#include <string.h>

#include "cmd-info.h"
#include "commands.h"
#include "errors.h"
#include "options.h"
#include "render.h"
#include "report.h"
#include "transport.h"

/* Why a section is empty, in words an operator can act on, and a stable status for --json. */
static const char *probe_report_reason(const GError *error, char **ret_text)
{
    if (error->domain == PROBE_ERROR && error->code == PROBE_ERROR_COMMAND_NOT_FOUND) {
        *ret_text = g_strdup("not supported by this agent (CommandNotFound)");
        return "unsupported";
    }
    if (error->domain == PROBE_ERROR && error->code == PROBE_ERROR_COMMAND_DISABLED) {
        *ret_text = g_strdup("disabled in this agent (allow/block list or frozen filesystems)");
        return "disabled";
    }
    if (error->domain == PROBE_ERROR && error->code == PROBE_ERROR_PROTOCOL) {
        *ret_text = g_strdup_printf("invalid reply from the agent: %s", error->message);
        return "invalid";
    }
    *ret_text = g_strdup_printf("unavailable: %s", error->message);
    return "failed";
}

static void probe_report_print(const char *title, const char *text)
{
    printf("%-12s %s\n", title, text);
}

/* Fill one section (printed, and as a member of json); FALSE when it failed for a reason other
 * than the agent not supporting or not enabling its command. */
static gboolean probe_report_section(ProbeTransport *t, const ProbeAgentInfo *info,
                                     const ProbeReportSection *s, gboolean json_mode,
                                     JsonObject *json)
{
    g_autoptr(GString) text = g_string_new(NULL);
    g_autoptr(JsonObject) section = json_object_new();
    g_autoptr(JsonObject) extra = json_object_new();
    g_autoptr(GError) local = NULL;
    ProbeReportCall call = { 0 };
    gboolean ok, complete = TRUE;

    if (info && !probe_agent_info_check(info, s->command, &local)) {
        ok = FALSE;
    } else {
        call.host_before_us = g_get_real_time();
        call.ret = probe_agent_call(t, s->command, NULL, &local);
        call.host_after_us = g_get_real_time();
        ok = call.ret && s->render(&call, text, extra, &local);
    }
    if (ok) {
        json_object_set_string_member(section, "status", "ok");
        json_object_set_member(section, "data", json_node_ref(call.ret));
        GList *members = json_object_get_members(extra);
        for (GList *m = members; m; m = m->next)
            json_object_set_member(section, m->data,
                                   json_node_ref(json_object_get_member(extra, m->data)));
        g_list_free(members);
        if (!json_mode)
            probe_report_print(s->title, text->str);
    } else {
        g_autofree char *reason = NULL;
        const char *why = probe_report_reason(local, &reason);
        complete = g_str_equal(why, "unsupported") || g_str_equal(why, "disabled");
        json_object_set_string_member(section, "status", why);
        json_object_set_string_member(section, "reason", reason);
        if (!json_mode)
            probe_report_print(s->title, reason);
    }
    g_clear_pointer(&call.ret, json_node_unref);
    json_object_set_object_member(json, s->key, g_steal_pointer(&section));
    return complete;
}

int probe_cmd_report(int argc, char **argv)
{
    g_auto(ProbeOptions) opts = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) info_ret = NULL;
    g_autoptr(ProbeAgentInfo) info = NULL;
    g_autoptr(JsonObject) json = json_object_new();
    int status = 0;
    gboolean incomplete = FALSE;
    g_autoptr(ProbeTransport) t = probe_cmd_setup(&opts, "report", NULL,
        "One screen about the guest: agent, OS, hostname, time skew against the host clock, "
        "timezone, users, vCPUs, network interfaces, filesystems with usage, disks.\n"
        "A section the agent cannot fill says why. Exit status 0 when every section was either "
        "shown or is not supported by the agent, 1 when a section failed.", NULL, 0, &argc, &argv,
        &status);

    if (!t)
        return status;
    /* guest-info first: it tells "not supported" from "failed" without a round trip per
     * command, and its failure (agent absent, timeout) ends the report early. */
    info_ret = probe_agent_call(t, "guest-info", NULL, &error);
    if (!info_ret && !g_error_matches(error, PROBE_ERROR, PROBE_ERROR_COMMAND_NOT_FOUND))
        return probe_error_report(error, opts.json);
    if (info_ret && !(info = probe_agent_info_parse(info_ret, &error)))
        return probe_error_report(error, opts.json);
    g_clear_error(&error);

    if (opts.json) {
        g_autoptr(JsonObject) agent = json_object_new();
        json_object_set_string_member(agent, "via", t->description);
        if (info)
            json_object_set_string_member(agent, "version", info->version);
        json_object_set_object_member(json, "agent", g_steal_pointer(&agent));
    } else {
        g_autofree char *version = probe_sanitize(info ? info->version : "unknown (no guest-info)");
        g_autofree char *line = g_strdup_printf("version %s (%s)", version, t->description);
        probe_report_print("Agent", line);
    }

    for (gsize i = 0; i < probe_report_n_sections; i++)
        incomplete |= !probe_report_section(t, info, &probe_report_sections[i], opts.json, json);
    if (opts.json) {
        g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
        json_node_set_object(root, json);
        probe_print_json(root, TRUE);
    }
    fflush(stdout);
    return incomplete ? PROBE_ERROR_FAILED : 0;
}

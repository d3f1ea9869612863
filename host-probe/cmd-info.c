/* `qga-probe info` and `ping`, and the parsed guest-info that `report` uses to tell missing commands from failing ones. */
#include <stdio.h>

#include "cmd-info.h"
#include "commands.h"
#include "errors.h"
#include "options.h"
#include "render.h"
#include "reply.h"
#include "transport.h"

#define PROBE_INFO_ENABLED GINT_TO_POINTER(1)
#define PROBE_INFO_DISABLED GINT_TO_POINTER(2)

ProbeTransport *probe_cmd_setup(ProbeOptions *opts, const char *command, const char *params,
                                const char *summary, const GOptionEntry *entries, guint max_args,
                                int *argc, char ***argv, int *ret_exit)
{
    g_autoptr(GError) error = NULL;
    ProbeTransport *t;

    if (!probe_options_parse(opts, command, params, summary, entries, FALSE, argc, argv, &error))
        goto fail;
    if ((guint)*argc > max_args + 1) {
        g_set_error(&error, PROBE_ERROR, PROBE_ERROR_USAGE, "%s: unexpected argument '%s' (see %s --help)",
                    command, (*argv)[max_args + 1], command);
        goto fail;
    }
    if (!(t = probe_transport_open(opts, &error)))
        goto fail;
    return t;
fail:
    *ret_exit = probe_error_report(error, opts->json);
    return NULL;
}

void probe_agent_info_free(ProbeAgentInfo *info)
{
    if (!info)
        return;
    g_free(info->version);
    if (info->names)
        g_ptr_array_unref(info->names);
    if (info->enabled)
        g_hash_table_unref(info->enabled);
    g_free(info);
}

ProbeAgentInfo *probe_agent_info_parse(JsonNode *ret, GError **error)
{
    g_autoptr(ProbeAgentInfo) info = g_new0(ProbeAgentInfo, 1);
    JsonObject *obj = probe_node_object(ret, "guest-info return", error);
    JsonArray *cmds = NULL;
    const char *version = NULL;

    if (!obj || !probe_get_string(obj, "version", TRUE, &version, error) ||
        !probe_get_array(obj, "supported_commands", TRUE, &cmds, error))
        return NULL;
    info->version = g_strdup(version);
    info->names = g_ptr_array_new_with_free_func(g_free);
    info->enabled = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        JsonObject *c = probe_node_object(json_array_get_element(cmds, i), "supported_commands entry",
                                          error);
        const char *name = NULL;
        gboolean enabled = FALSE, success = TRUE;

        if (!c || !probe_get_string(c, "name", TRUE, &name, error) ||
            !probe_get_bool(c, "enabled", TRUE, &enabled, error) ||
            !probe_get_bool(c, "success-response", FALSE, &success, error))
            return NULL;
        if (g_hash_table_contains(info->enabled, name))
            continue;
        g_ptr_array_add(info->names, g_strdup(name));
        g_hash_table_insert(info->enabled, g_ptr_array_index(info->names, info->names->len - 1),
                            enabled ? PROBE_INFO_ENABLED : PROBE_INFO_DISABLED);
    }
    return g_steal_pointer(&info);
}

gboolean probe_agent_info_check(const ProbeAgentInfo *info, const char *command, GError **error)
{
    gpointer state = g_hash_table_lookup(info->enabled, command);

    if (!state) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_NOT_FOUND,
                    "not supported by this agent (CommandNotFound: %s is not in guest-info)", command);
        return FALSE;
    }
    if (state == PROBE_INFO_DISABLED) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_DISABLED,
                    "disabled in this agent (guest-info lists %s with enabled: false)", command);
        return FALSE;
    }
    return TRUE;
}

int probe_cmd_info(int argc, char **argv)
{
    g_auto(ProbeOptions) opts = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = NULL;
    g_autoptr(ProbeAgentInfo) info = NULL;
    g_autoptr(ProbeTable) table = NULL;
    g_autofree char *version = NULL;
    int status = 0;
    guint n_enabled = 0;
    g_autoptr(ProbeTransport) t = probe_cmd_setup(&opts, "info", NULL,
        "Show the agent's version and its commands, enabled or not (guest-info).", NULL, 0, &argc,
        &argv, &status);

    if (!t)
        return status;
    if (!(ret = probe_agent_call(t, "guest-info", NULL, &error)) ||
        !(info = probe_agent_info_parse(ret, &error)))
        return probe_error_report(error, opts.json);
    if (opts.json) {
        probe_print_json(ret, TRUE);
        return 0;
    }
    table = probe_table_new(2, "COMMAND", "ENABLED");
    for (guint i = 0; i < info->names->len; i++) {
        const char *name = g_ptr_array_index(info->names, i);
        gboolean on = g_hash_table_lookup(info->enabled, name) == PROBE_INFO_ENABLED;
        n_enabled += on;
        probe_table_add(table, name, on ? "yes" : "no");
    }
    version = probe_sanitize(info->version);
    printf("agent version %s, %u commands (%u enabled)\n", version, info->names->len, n_enabled);
    probe_table_print(table, "  ");
    return 0;
}

int probe_cmd_ping(int argc, char **argv)
{
    g_auto(ProbeOptions) opts = { 0 };
    gint count = 1;
    double interval = 1.0;
    const GOptionEntry entries[] = {
        { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Number of pings (default 1)", "N" },
        { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &interval, "Seconds between pings (default 1)", "S" },
        G_OPTION_ENTRY_NULL,
    };
    int status = 0, failures = 0;
    g_autoptr(ProbeTransport) t = probe_cmd_setup(&opts, "ping", NULL,
        "Send guest-ping and show the round-trip time (the first one includes the sync).", entries,
        0, &argc, &argv, &status);

    if (!t)
        return status;
    count = CLAMP(count, 1, 100000);
    for (int i = 0; i < count; i++) {
        g_autoptr(GError) error = NULL;
        gint64 start = g_get_monotonic_time();
        g_autoptr(JsonNode) ret = probe_agent_call(t, "guest-ping", NULL, &error);
        double ms = (double)(g_get_monotonic_time() - start) / 1000.0;

        if (!ret) {
            status = probe_error_report(error, opts.json);
            failures++;
        } else if (opts.json) {
            printf("{\"seq\": %d, \"rtt-ms\": %.3f}\n", i + 1, ms);
        } else {
            printf("guest-ping %d: reply in %.3f ms (%s)\n", i + 1, ms, t->description);
        }
        fflush(stdout);
        if (i + 1 < count)
            g_usleep((gulong)(CLAMP(interval, 0.0, 3600.0) * G_USEC_PER_SEC));
    }
    return failures ? status : 0;
}

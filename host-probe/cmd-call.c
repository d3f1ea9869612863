/* `qga-probe call CMD [ARGS-JSON]`: any command, raw; the return value printed as JSON. */
#include <stdio.h>
#include <string.h>

#include "cmd-info.h"
#include "commands.h"
#include "errors.h"
#include "options.h"
#include "render.h"
#include "transport.h"

int probe_cmd_call(int argc, char **argv)
{
    g_auto(ProbeOptions) opts = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = NULL;
    int status = 0;
    g_autoptr(ProbeTransport) t = probe_cmd_setup(&opts, "call", "CMD [ARGS-JSON]",
        "Run any agent command and print its return value.\n\n"
        "  qga-probe --domain web01 call guest-get-osinfo\n"
        "  qga-probe --domain web01 call guest-exec-status '{\"pid\": 1234}'\n"
        "  qga-probe --domain web01 call '{\"execute\":\"guest-info\"}'\n\n"
        "With --json the whole reply object is printed ({\"return\": ...}).", NULL, 2, &argc, &argv,
        &status);

    if (!t)
        return status;
    if (argc < 2) {
        g_set_error_literal(&error, PROBE_ERROR, PROBE_ERROR_USAGE, "call: which command? (call CMD [ARGS-JSON])");
        return probe_error_report(error, opts.json);
    }
    if (argv[1][0] == '{') {
        if (argc > 2) {
            g_set_error_literal(&error, PROBE_ERROR, PROBE_ERROR_USAGE,
                                "call: a whole request object takes no ARGS-JSON");
            return probe_error_report(error, opts.json);
        }
        ret = probe_agent_call_raw(t, argv[1], &error);
    } else {
        g_autoptr(JsonParser) parser = json_parser_new();
        JsonObject *args = NULL;

        if (argc > 2) {
            g_autoptr(GError) local = NULL;
            if (!json_parser_load_from_data(parser, argv[2], -1, &local) ||
                !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
                g_set_error(&error, PROBE_ERROR, PROBE_ERROR_USAGE,
                            "call: ARGS-JSON must be a JSON object%s%s", local ? ": " : "",
                            local ? local->message : "");
                return probe_error_report(error, opts.json);
            }
            args = json_node_get_object(json_parser_get_root(parser));
        }
        ret = probe_agent_call(t, argv[1], args, &error);
    }
    if (!ret)
        return probe_error_report(error, opts.json);
    if (opts.json) {
        g_autoptr(JsonNode) wrapped = json_node_new(JSON_NODE_OBJECT);
        g_autoptr(JsonObject) obj = json_object_new();
        /* A silent command (shutdown, suspend) that succeeded has no reply at all. */
        if (!JSON_NODE_HOLDS_NULL(ret))
            json_object_set_member(obj, "return", json_node_ref(ret));
        else
            json_object_set_boolean_member(obj, "no-reply", TRUE);
        json_node_set_object(wrapped, obj);
        probe_print_json(wrapped, FALSE);
    } else if (JSON_NODE_HOLDS_NULL(ret)) {
        printf("sent; no reply (this command answers only when it fails)\n");
    } else {
        probe_print_json(ret, TRUE);
    }
    return 0;
}

/* `qga-probe fleet`: one query over every running domain of one or more libvirt URIs, in parallel, as a table. */
#include <stdio.h>
#include <string.h>

#include "cmd-info.h"
#include "commands.h"
#include "errors.h"
#include "options.h"
#include "render.h"
#include "reply.h"
#include "transport-libvirt.h"
#include "transport.h"

/* What every domain is asked. */
typedef struct ProbeFleetQuery {
    const char *query;        /* ping, version, hostname, os, time or call */
    const char *call_command; /* for query "call" */
    const char *call_args;    /* its ARGS-JSON text (NULL: none) */
} ProbeFleetQuery;

typedef struct ProbeFleetJob {
    ProbeLibvirt *lv;
    char *domain;
    const char *query;
    const char *call_command;   /* for query "call" */
    const char *call_args;      /* its ARGS-JSON text; each job parses its own copy */
    int timeout;
    gboolean verbose;
    /* results */
    gboolean ok;
    double rtt_ms;
    char *value;                /* what the query found */
    int error_code;
    char *error_message;
} ProbeFleetJob;

static void probe_fleet_job_free(ProbeFleetJob *job)
{
    probe_libvirt_close(job->lv);
    g_free(job->domain);
    g_free(job->value);
    g_free(job->error_message);
    g_free(job);
}

static char *probe_fleet_value(ProbeFleetJob *job, JsonNode *ret, GError **error)
{
    JsonObject *o;
    const char *s = NULL;

    if (g_str_equal(job->query, "ping"))
        return g_strdup("");
    if (g_str_equal(job->query, "version")) {
        g_autoptr(ProbeAgentInfo) info = probe_agent_info_parse(ret, error);
        return info ? g_strdup(info->version) : NULL;
    }
    if (g_str_equal(job->query, "hostname")) {
        if (!(o = probe_node_object(ret, "reply", error)) || !probe_get_string(o, "host-name", TRUE, &s, error))
            return NULL;
        return g_strdup(s);
    }
    if (g_str_equal(job->query, "os")) {
        if (!(o = probe_node_object(ret, "reply", error)) ||
            !probe_get_string(o, "pretty-name", FALSE, &s, error) ||
            (!s && !probe_get_string(o, "name", FALSE, &s, error)))
            return NULL;
        return g_strdup(s ? s : "?");
    }
    if (g_str_equal(job->query, "time")) {
        /* The skew is judged against the host clock when the reply came back. */
        if (!JSON_NODE_HOLDS_VALUE(ret) || json_node_get_value_type(ret) != G_TYPE_INT64) {
            g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "guest-get-time: not an integer");
            return NULL;
        }
        return g_strdup_printf("skew %+.3f s",
                               (double)(json_node_get_int(ret) / 1000 - g_get_real_time()) / G_USEC_PER_SEC);
    }
    /* call: the compact return value, cut for the table. */
    {
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autofree char *text = NULL;
        json_generator_set_root(gen, ret);
        text = json_generator_to_data(gen, NULL);
        return g_strdup_printf("%.200s%s", text, strlen(text) > 200 ? "..." : "");
    }
}

static void probe_fleet_run(gpointer data, gpointer user_data)
{
    ProbeFleetJob *job = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(ProbeTransport) t = probe_libvirt_transport_new(job->lv, job->domain, job->timeout,
                                                               job->verbose, &error);
    static const struct { const char *query, *command; } commands[] = {
        { "ping", "guest-ping" }, { "version", "guest-info" }, { "hostname", "guest-get-host-name" },
        { "os", "guest-get-osinfo" }, { "time", "guest-get-time" },
    };
    const char *command = job->call_command;
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *args = NULL;
    g_autoptr(JsonNode) ret = NULL;
    gint64 start;

    if (job->call_args && json_parser_load_from_data(parser, job->call_args, -1, NULL))
        args = json_node_get_object(json_parser_get_root(parser));
    for (gsize i = 0; !command && i < G_N_ELEMENTS(commands); i++)
        if (g_str_equal(job->query, commands[i].query))
            command = commands[i].command;
    if (t) {
        start = g_get_monotonic_time();
        ret = probe_agent_call(t, command, args, &error);
        job->rtt_ms = (double)(g_get_monotonic_time() - start) / 1000.0;
    }
    if (ret)
        job->value = probe_fleet_value(job, ret, &error);
    if (job->value) {
        job->ok = TRUE;
        return;
    }
    job->error_code = probe_error_exit_code(error);
    job->error_message = g_strdup(error->message);
}

/* The positional arguments: [QUERY [CMD [ARGS-JSON]]], "ping" when none. */
static gboolean probe_fleet_parse_query(int argc, char **argv, ProbeFleetQuery *q, GError **error)
{
    g_autofree char *padded = NULL;

    q->query = argc >= 2 ? argv[1] : "ping";
    padded = g_strdup_printf(" %s ", q->query);
    if (g_str_equal(q->query, "call")) {
        g_autoptr(JsonParser) parser = json_parser_new();

        if (argc < 3 || argc > 4) {
            g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_USAGE,
                                "fleet call CMD [ARGS-JSON]");
            return FALSE;
        }
        q->call_command = argv[2];
        if (argc == 4) {
            if (!json_parser_load_from_data(parser, argv[3], -1, NULL) ||
                !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
                g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_USAGE,
                                    "fleet call: ARGS-JSON must be a JSON object");
                return FALSE;
            }
            q->call_args = argv[3];
        }
    } else if (argc > 2 || !strstr(" ping version hostname os time ", padded)) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_USAGE,
                    "fleet: unknown query '%s' (see fleet --help)", q->query);
        return FALSE;
    }
    return TRUE;
}

/* One job per active domain of each URI (NULL: libvirt's default) into all; a URI that cannot
 * be opened or listed is reported and makes the exit status, the others still run. */
static int probe_fleet_collect(GPtrArray *uri_list, const ProbeOptions *opts,
                               const ProbeFleetQuery *q, GPtrArray *all)
{
    int status = 0;

    for (guint k = 0; k < uri_list->len; k++) {
        g_autoptr(GError) local = NULL;
        g_autoptr(ProbeLibvirt) lv =
            probe_libvirt_open(g_ptr_array_index(uri_list, k), FALSE, &local);
        g_autoptr(GPtrArray) names = lv ? probe_libvirt_list_active(lv, &local) : NULL;

        if (!names) {
            status = probe_error_report(local, FALSE);
            continue;
        }
        for (guint i = 0; i < names->len; i++) {
            ProbeFleetJob *job = g_new0(ProbeFleetJob, 1);
            job->lv = probe_libvirt_ref(lv);
            job->domain = g_strdup(g_ptr_array_index(names, i));
            job->query = q->query;
            job->call_command = q->call_command;
            job->call_args = q->call_args;
            job->timeout = opts->timeout;
            job->verbose = opts->verbose;
            g_ptr_array_add(all, job);
        }
    }
    return status;
}

static void probe_fleet_run_all(GPtrArray *all, gint jobs)
{
    GThreadPool *pool = g_thread_pool_new(probe_fleet_run, NULL, jobs, FALSE, NULL);

    for (guint i = 0; i < all->len; i++)
        g_thread_pool_push(pool, g_ptr_array_index(all, i), NULL);
    g_thread_pool_free(pool, FALSE, TRUE);
}

/* The results as a table (with a URI column when there are several) or a JSON array; returns
 * how many domains failed. status: the collection's, 0 when every URI was listed. */
static int probe_fleet_print(GPtrArray *all, gboolean several_uris, gboolean json, int status)
{
    g_autoptr(ProbeTable) table = NULL;
    g_autoptr(JsonArray) json_rows = json_array_new();
    int failed = 0;

    table = several_uris ? probe_table_new(5, "URI", "DOMAIN", "AGENT", "RTT", "RESULT")
                         : probe_table_new(4, "DOMAIN", "AGENT", "RTT", "RESULT");
    for (guint i = 0; i < all->len; i++) {
        ProbeFleetJob *job = g_ptr_array_index(all, i);
        g_autofree char *rtt = job->ok ? g_strdup_printf("%.1f ms", job->rtt_ms) : NULL;
        const char *state = job->ok ? "ok" : probe_error_kind(job->error_code);
        const char *result = job->ok ? job->value : job->error_message;
        JsonObject *row = json_object_new();

        failed += !job->ok;
        if (several_uris)
            probe_table_add(table, probe_libvirt_uri(job->lv), job->domain, state, rtt, result);
        else
            probe_table_add(table, job->domain, state, rtt, result);
        json_object_set_string_member(row, "uri", probe_libvirt_uri(job->lv));
        json_object_set_string_member(row, "domain", job->domain);
        json_object_set_string_member(row, "status", state);
        if (job->ok) {
            json_object_set_int_member(row, "rtt-us", (gint64)(job->rtt_ms * 1000.0));
            json_object_set_string_member(row, "result", job->value);
        } else {
            json_object_set_string_member(row, "error", job->error_message);
        }
        json_array_add_object_element(json_rows, row);
    }
    if (json) {
        g_autoptr(JsonNode) root = json_node_new(JSON_NODE_ARRAY);
        json_node_set_array(root, json_rows);
        probe_print_json(root, TRUE);
    } else if (all->len) {
        probe_table_print(table, "");
    } else if (!status) {
        printf("no active domains\n");
    }
    return failed;
}

int probe_cmd_fleet(int argc, char **argv)
{
    g_auto(ProbeOptions) opts = { 0 };
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) uris = NULL;
    gint jobs = 4;
    const GOptionEntry entries[] = {
        { "uri", 'u', 0, G_OPTION_ARG_STRING_ARRAY, &uris,
          "libvirt URI to cover (repeatable; default: --connect or libvirt's default)", "URI" },
        { "jobs", 'J', 0, G_OPTION_ARG_INT, &jobs, "Domains queried at the same time (default 4)",
          "N" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)probe_fleet_job_free);
    g_autoptr(GPtrArray) uri_list = g_ptr_array_new();
    ProbeFleetQuery q = { 0 };
    int status, failed;

    if (!probe_options_parse(
            &opts, "fleet", "[ping|version|hostname|os|time|call CMD [ARGS-JSON]]",
            "Run one query against every active domain of the given libvirt URIs and print a "
            "table (one row per domain). The per-domain timeout is --timeout (default 5 s). Exit "
            "status 0 when every domain answered, 1 when some did not, 3 when a URI could not be "
            "opened.",
            entries, FALSE, &argc, &argv, &error) ||
        !probe_fleet_parse_query(argc, argv, &q, &error))
        return probe_error_report(error, opts.json);
    if (opts.domain || opts.socket_path || opts.channel) {
        g_set_error_literal(&error, PROBE_ERROR, PROBE_ERROR_USAGE,
                            "fleet covers every domain: no --domain, --socket or --channel");
        return probe_error_report(error, opts.json);
    }
    /* NULL stands for libvirt's default URI. */
    for (char **u = uris; u && *u; u++)
        g_ptr_array_add(uri_list, *u);
    if (!uri_list->len)
        g_ptr_array_add(uri_list, opts.uri);

    status = probe_fleet_collect(uri_list, &opts, &q, all);
    probe_fleet_run_all(all, CLAMP(jobs, 1, 64));
    failed = probe_fleet_print(all, uri_list->len > 1, opts.json, status);
    if (status)
        return status;
    return failed ? PROBE_ERROR_FAILED : 0;
}

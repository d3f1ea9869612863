/* `qga-probe exec -- PROGRAM ARGS...`: guest-exec, then guest-exec-status with back-off; output streamed, the guest's exit code returned. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "errors.h"
#include "options.h"
#include "render.h"
#include "reply.h"
#include "transport.h"

#define PROBE_EXEC_STDIN_MAX (2 * 1024 * 1024)   /* more is refused by the transport's request cap */
#define PROBE_EXEC_OUTPUT_MAX (16 * 1024 * 1024) /* qemu-ga caps captured output at 16 MiB per stream */
#define PROBE_EXEC_POLL_FIRST_US 10000
#define PROBE_EXEC_POLL_MAX_US 500000

typedef struct ProbeExecResult {
    GByteArray *out, *err;     /* only kept for --json; otherwise written as they come */
    gboolean out_truncated, err_truncated;
    gint64 exitcode, signal;   /* -1 when absent */
} ProbeExecResult;

static gboolean probe_read_stdin(GBytes **ret, GError **error)
{
    g_autoptr(GByteArray) data = g_byte_array_new();
    guint8 chunk[65536];
    ssize_t n;

    while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) > 0) {
        g_byte_array_append(data, chunk, (guint)n);
        if (data->len > PROBE_EXEC_STDIN_MAX) {
            g_set_error(error, PROBE_ERROR, PROBE_ERROR_USAGE, "exec: --stdin takes at most %d bytes",
                        PROBE_EXEC_STDIN_MAX);
            return FALSE;
        }
    }
    if (n < 0) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_IO, "exec: reading stdin: %s", g_strerror(errno));
        return FALSE;
    }
    *ret = g_byte_array_free_to_bytes(g_steal_pointer(&data));
    return TRUE;
}

/* Decode one stream's chunk from a status reply and pass it on (or keep it for --json). */
static gboolean probe_exec_stream(JsonObject *status, const char *member, GByteArray *keep, FILE *out,
                                  gsize *total, GError **error)
{
    const char *b64 = NULL;
    JsonNode *node = json_object_get_member(status, member);
    g_autoptr(GBytes) data = NULL;
    gsize len;
    const guint8 *bytes;

    /* Base64 text can be long: check the type here rather than with the 4 KiB string cap. */
    if (!node)
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "member '%s' is not a string", member);
        return FALSE;
    }
    b64 = json_node_get_string(node);
    if (!(data = probe_base64_decode(b64, PROBE_EXEC_OUTPUT_MAX - *total, error)))
        return FALSE;
    bytes = g_bytes_get_data(data, &len);
    *total += len;
    if (keep)
        g_byte_array_append(keep, bytes, (guint)len);
    else if (len && (fwrite(bytes, 1, len, out) != len || fflush(out) != 0)) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_IO, "exec: writing the guest's output: %s",
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

static gboolean probe_exec_wait(ProbeTransport *t, gint64 pid, double wait_seconds, gboolean json,
                                ProbeExecResult *res, GError **error)
{
    gint64 deadline = wait_seconds > 0 ? g_get_monotonic_time() + (gint64)(wait_seconds * G_USEC_PER_SEC) : -1;
    gulong delay = PROBE_EXEC_POLL_FIRST_US;
    gsize out_total = 0, err_total = 0;

    for (;;) {
        g_autoptr(JsonObject) args = json_object_new();
        g_autoptr(JsonNode) ret = NULL;
        JsonObject *st;
        gboolean exited = FALSE, trunc = FALSE;

        json_object_set_int_member(args, "pid", pid);
        if (!(ret = probe_agent_call(t, "guest-exec-status", args, error)))
            return FALSE;
        if (!(st = probe_node_object(ret, "guest-exec-status return", error)) ||
            !probe_get_bool(st, "exited", TRUE, &exited, error) ||
            !probe_exec_stream(st, "out-data", json ? res->out : NULL, stdout, &out_total, error) ||
            !probe_exec_stream(st, "err-data", json ? res->err : NULL, stderr, &err_total, error))
            return FALSE;
        if (probe_get_bool(st, "out-truncated", FALSE, &trunc, error) && trunc)
            res->out_truncated = TRUE;
        if (probe_get_bool(st, "err-truncated", FALSE, &trunc, error) && trunc)
            res->err_truncated = TRUE;
        if (exited) {
            if (!probe_get_int(st, "exitcode", FALSE, G_MININT64, G_MAXINT64, &res->exitcode, error) ||
                !probe_get_int(st, "signal", FALSE, 0, 1024, &res->signal, error))
                return FALSE;
            return TRUE;
        }
        if (deadline >= 0 && g_get_monotonic_time() + (gint64)delay > deadline) {
            g_set_error(error, PROBE_ERROR, PROBE_ERROR_TIMEOUT,
                        "exec: guest process %" G_GINT64_FORMAT " still running after %.1f s "
                        "(guest-exec-status '{\"pid\": %" G_GINT64_FORMAT "}' shows it later)",
                        pid, wait_seconds, pid);
            return FALSE;
        }
        /* A quick program is seen at once; a slow one costs a status call per half second. */
        g_usleep(delay);
        delay = MIN(delay * 2, PROBE_EXEC_POLL_MAX_US);
    }
}

static void probe_exec_json_stream(JsonObject *obj, const char *name, GByteArray *data)
{
    g_autofree char *key = NULL;

    if (g_utf8_validate((const char *)data->data, data->len, NULL) && !memchr(data->data, 0, data->len)) {
        g_autofree char *text = g_strndup(data->len ? (const char *)data->data : "", data->len);
        json_object_set_string_member(obj, name, text);
    } else {
        g_autofree char *b64 = g_base64_encode(data->data, data->len);
        key = g_strconcat(name, "-base64", NULL);
        json_object_set_string_member(obj, key, b64);
    }
}

/* The guest program's status as ours: its code, 128+N for signal N (like a shell). */
static int probe_exec_exit_status(const ProbeExecResult *res)
{
    if (res->signal > 0)
        return (int)MIN(128 + res->signal, 254);
    if (res->exitcode < 0 || res->exitcode > 254) {
        fprintf(stderr, "qga-probe: guest exit code %" G_GINT64_FORMAT " does not fit an exit status; "
                "exiting with 254\n", res->exitcode);
        return 254;
    }
    return (int)res->exitcode;
}

/* guest-exec's arguments: PROGRAM ARGS... as path and arg, then env, input and capture. */
static JsonObject *probe_exec_args(int argc, char **argv, char **env, GBytes *input,
                                   gboolean capture)
{
    JsonObject *args = json_object_new();

    json_object_set_string_member(args, "path", argv[1]);
    if (argc > 2) {
        JsonArray *arr = json_array_new();
        for (int i = 2; i < argc; i++)
            json_array_add_string_element(arr, argv[i]);
        json_object_set_array_member(args, "arg", arr);
    }
    if (env) {
        JsonArray *arr = json_array_new();
        for (char **e = env; *e; e++)
            json_array_add_string_element(arr, *e);
        json_object_set_array_member(args, "env", arr);
    }
    if (input) {
        g_autofree char *b64 =
            g_base64_encode(g_bytes_get_data(input, NULL), g_bytes_get_size(input));
        json_object_set_string_member(args, "input-data", b64);
    }
    json_object_set_boolean_member(args, "capture-output", capture);
    return args;
}

/* --json: the whole run as one object once the program has ended. */
static void probe_exec_print_json(gint64 pid, const ProbeExecResult *res)
{
    g_autoptr(JsonObject) obj = json_object_new();
    g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);

    json_object_set_int_member(obj, "pid", pid);
    if (res->exitcode >= 0 || res->signal < 0)
        json_object_set_int_member(obj, "exitcode", res->exitcode);
    if (res->signal >= 0)
        json_object_set_int_member(obj, "signal", res->signal);
    probe_exec_json_stream(obj, "stdout", res->out);
    probe_exec_json_stream(obj, "stderr", res->err);
    json_object_set_boolean_member(obj, "out-truncated", res->out_truncated);
    json_object_set_boolean_member(obj, "err-truncated", res->err_truncated);
    json_node_set_object(root, obj);
    probe_print_json(root, FALSE);
}

int probe_cmd_exec(int argc, char **argv)
{
    g_auto(ProbeOptions) opts = { 0 };
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) env = NULL;
    gboolean no_capture = FALSE, use_stdin = FALSE;
    double wait_seconds = 0;
    const GOptionEntry entries[] = {
        { "env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &env, "Environment for the program (repeatable)", "NAME=VALUE" },
        { "stdin", 'i', 0, G_OPTION_ARG_NONE, &use_stdin, "Send this process's stdin as the program's input (through libvirt up to ~90 KiB)", NULL },
        { "no-capture", 0, 0, G_OPTION_ARG_NONE, &no_capture, "Do not capture the program's output", NULL },
        { "wait", 'w', 0, G_OPTION_ARG_DOUBLE, &wait_seconds, "Give up waiting after S seconds (default: wait as long as it runs)", "S" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(ProbeTransport) t = NULL;
    g_autoptr(JsonObject) args = NULL;
    g_autoptr(JsonNode) ret = NULL;
    g_autoptr(GBytes) input = NULL;
    g_autoptr(GByteArray) out_keep = NULL;
    g_autoptr(GByteArray) err_keep = NULL;
    ProbeExecResult res = { .exitcode = -1, .signal = -1 };
    JsonObject *started;
    gint64 pid = 0;
    int status;

    if (!probe_options_parse(&opts, "exec", "[--] PROGRAM [ARGS...]",
            "Run PROGRAM in the guest (guest-exec), stream its stdout and stderr, and exit with its "
            "exit code (128+N if signal N ended it). The probe's own failures exit with 255; the "
            "message on stderr says why.", entries, TRUE, &argc, &argv, &error))
        goto fail;
    if (argc > 1 && g_str_equal(argv[1], "--")) {
        argv++;
        argc--;
    }
    if (argc < 2) {
        g_set_error_literal(&error, PROBE_ERROR, PROBE_ERROR_USAGE, "exec: which program? (exec -- PROGRAM ARGS...)");
        goto fail;
    }
    if (use_stdin && !probe_read_stdin(&input, &error))
        goto fail;
    if (!(t = probe_transport_open(&opts, &error)))
        goto fail;

    args = probe_exec_args(argc, argv, env, input, !no_capture);
    if (!(ret = probe_agent_call(t, "guest-exec", args, &error)) ||
        !(started = probe_node_object(ret, "guest-exec return", &error)) ||
        !probe_get_int(started, "pid", TRUE, 0, G_MAXINT64, &pid, &error))
        goto fail;
    if (opts.json) {
        res.out = out_keep = g_byte_array_new();
        res.err = err_keep = g_byte_array_new();
    }
    if (!probe_exec_wait(t, pid, wait_seconds, opts.json, &res, &error))
        goto fail;
    if (res.out_truncated || res.err_truncated)
        fprintf(stderr, "qga-probe: the agent truncated the program's %s\n",
                res.out_truncated && res.err_truncated ? "stdout and stderr"
                : res.out_truncated                  ? "stdout" : "stderr");
    status = probe_exec_exit_status(&res);
    if (opts.json)
        probe_exec_print_json(pid, &res);
    return status;

fail:
    probe_error_report(error, opts.json);
    return PROBE_EXEC_EXIT_PROBE_FAILED;
}

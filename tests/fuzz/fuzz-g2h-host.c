/* libFuzzer target: guest bytes through qga-probe listen's policy (size, UTF-8, depth, shape, rate, key/value store), every answer checked. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "g2h-host.h"

/*
 * The input is what a hostile guest writes on its g2h port, cut into lines as the listener
 * cuts it. One host for the whole run, as one listener serves a guest for days: its key/value
 * store (a temporary directory) fills up and stays bounded. The clock advances a second per
 * line, so the rate limit lets lines through and the schema and request paths are reached.
 */

static G2hHost *host;
static gint64 now_us;

static void die(const char *what, const char *data, size_t len)
{
    fprintf(stderr, "fuzz-g2h-host: %s: \"%.*s\"\n", what, (int)(len > 400 ? 400 : len), data);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    GError *err = NULL;
    char *dir = g_dir_make_tmp("fuzz-g2h-host-XXXXXX", &err);
    if (!dir)
        die("g_dir_make_tmp", err->message, strlen(err->message));
    host = g2h_host_new(dir, "fuzz", &err);
    if (!host)
        die("g2h_host_new", err->message, strlen(err->message));
    g_free(dir);
    return 0;
}

/* A reply must be one JSON object with exactly "return" or "error" (+ "id"); a record one object. */
static void check_json(const char *what, const char *text, gboolean is_reply)
{
    if (strchr(text, '\n'))
        die("a line holds a newline", text, strlen(text));
    g_autoptr(JsonParser) p = json_parser_new();
    if (!json_parser_load_from_data(p, text, -1, NULL))
        die(what, text, strlen(text));
    JsonNode *root = json_parser_get_root(p);
    if (!JSON_NODE_HOLDS_OBJECT(root))
        die(what, text, strlen(text));
    JsonObject *o = json_node_get_object(root);
    if (is_reply && json_object_has_member(o, "return") == json_object_has_member(o, "error"))
        die("reply with neither or both of return and error", text, strlen(text));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *reply = NULL, *record = NULL;
        now_us += G_USEC_PER_SEC;
        G2hHostVerdict v = g2h_host_handle(host, p, len, now_us, &reply, &record);
        if (v == G2H_HOST_REQUEST && !reply)
            die("a request without a reply", p, len);
        if ((v == G2H_HOST_EVENT || v == G2H_HOST_REQUEST) && !record)
            die("an accepted message without a record", p, len);
        if (reply)
            check_json("reply does not parse", reply, TRUE);
        if (record)
            check_json("record does not parse", record, FALSE);
        g_free(reply);
        g_free(record);
        p += len + (nl ? 1 : 0);
    }
    return 0;
}

/* Checks on everything the guest sends: size, encoding, nesting, reply shape and every member's type. */
#include <string.h>

#include "errors.h"
#include "reply.h"

/* json-glib recurses once per nesting level; a hostile guest could send a million '['. Measure
 * the depth first, outside strings, and refuse before the parser ever sees the text. */
gboolean probe_json_depth_ok(const char *text, gsize len, guint max_depth)
{
    guint depth = 0;
    gboolean in_string = FALSE, escaped = FALSE;

    for (gsize i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (escaped)
                escaped = FALSE;
            else if (c == '\\')
                escaped = TRUE;
            else if (c == '"')
                in_string = FALSE;
        } else if (c == '"') {
            in_string = TRUE;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return FALSE;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return TRUE;
}

JsonNode *probe_json_parse_reply(const char *text, gsize len, GError **error)
{
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(GError) local = NULL;
    JsonNode *root;

    if (len > PROBE_MAX_REPLY_BYTES) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "reply of %" G_GSIZE_FORMAT
                    " bytes is over the %d byte limit", len, PROBE_MAX_REPLY_BYTES);
        return NULL;
    }
    if (memchr(text, '\0', len) || !g_utf8_validate(text, (gssize)len, NULL)) {
        g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "reply is not valid UTF-8 text");
        return NULL;
    }
    if (!probe_json_depth_ok(text, len, PROBE_MAX_JSON_DEPTH)) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "reply nests deeper than %d levels",
                    PROBE_MAX_JSON_DEPTH);
        return NULL;
    }
    parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, text, (gssize)len, &local)) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "reply is not JSON: %s", local->message);
        return NULL;
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "reply is not a JSON object");
        return NULL;
    }
    return json_node_ref(root);
}

JsonNode *probe_reply_unwrap(JsonNode *reply, const char *command, GError **error)
{
    JsonObject *obj = probe_node_object(reply, "reply", error);
    JsonObject *err = NULL;
    const char *klass = NULL, *desc = NULL;

    if (!obj)
        return NULL;
    if (json_object_has_member(obj, "return"))
        return json_node_ref(json_object_get_member(obj, "return"));
    if (!json_object_has_member(obj, "error")) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                    "reply to %s has neither 'return' nor 'error'", command);
        return NULL;
    }
    if (!probe_get_object(obj, "error", TRUE, &err, error) ||
        !probe_get_string(err, "class", FALSE, &klass, error) ||
        !probe_get_string(err, "desc", FALSE, &desc, error))
        return NULL;
    probe_error_from_agent(error, command, klass, desc);
    return NULL;
}

static JsonNode *probe_member(JsonObject *obj, const char *member, gboolean required, GError **error)
{
    JsonNode *node = json_object_get_member(obj, member);

    if (!node && required)
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "reply lacks member '%s'", member);
    return node;
}

static gboolean probe_wrong_type(const char *member, const char *want, GError **error)
{
    g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "member '%s' is not %s", member, want);
    return FALSE;
}

gboolean probe_get_string(JsonObject *obj, const char *member, gboolean required, const char **ret,
                          GError **error)
{
    JsonNode *node = probe_member(obj, member, required, error);
    const char *s;

    if (!node)
        return !required;
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
        return probe_wrong_type(member, "a string", error);
    s = json_node_get_string(node);
    if (strlen(s) > PROBE_MAX_STRING) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "member '%s' is longer than %d bytes",
                    member, PROBE_MAX_STRING);
        return FALSE;
    }
    *ret = s;
    return TRUE;
}

gboolean probe_get_int(JsonObject *obj, const char *member, gboolean required, gint64 min, gint64 max,
                       gint64 *ret, GError **error)
{
    JsonNode *node = probe_member(obj, member, required, error);
    gint64 v;

    if (!node)
        return !required;
    /* json-glib keeps integers as gint64 and anything with a fraction or exponent as double;
     * qemu-ga prints integers as plain digits, so a double here is a broken reply. */
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
        return probe_wrong_type(member, "an integer", error);
    v = json_node_get_int(node);
    if (v < min || v > max) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                    "member '%s' = %" G_GINT64_FORMAT " is out of range", member, v);
        return FALSE;
    }
    *ret = v;
    return TRUE;
}

gboolean probe_get_bool(JsonObject *obj, const char *member, gboolean required, gboolean *ret,
                        GError **error)
{
    JsonNode *node = probe_member(obj, member, required, error);

    if (!node)
        return !required;
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN)
        return probe_wrong_type(member, "a boolean", error);
    *ret = json_node_get_boolean(node);
    return TRUE;
}

gboolean probe_get_number(JsonObject *obj, const char *member, gboolean required, double *ret,
                          GError **error)
{
    JsonNode *node = probe_member(obj, member, required, error);
    GType type;

    if (!node)
        return !required;
    type = JSON_NODE_HOLDS_VALUE(node) ? json_node_get_value_type(node) : G_TYPE_INVALID;
    if (type == G_TYPE_INT64)
        *ret = (double)json_node_get_int(node);
    else if (type == G_TYPE_DOUBLE)
        *ret = json_node_get_double(node);
    else
        return probe_wrong_type(member, "a number", error);
    return TRUE;
}

gboolean probe_get_array(JsonObject *obj, const char *member, gboolean required, JsonArray **ret,
                         GError **error)
{
    JsonNode *node = probe_member(obj, member, required, error);
    JsonArray *arr;

    if (!node)
        return !required;
    if (!(arr = probe_node_array(node, member, error)))
        return FALSE;
    *ret = arr;
    return TRUE;
}

gboolean probe_get_object(JsonObject *obj, const char *member, gboolean required, JsonObject **ret,
                          GError **error)
{
    JsonNode *node = probe_member(obj, member, required, error);
    JsonObject *o;

    if (!node)
        return !required;
    if (!(o = probe_node_object(node, member, error)))
        return FALSE;
    *ret = o;
    return TRUE;
}

JsonObject *probe_node_object(JsonNode *node, const char *what, GError **error)
{
    if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "%s is not a JSON object", what);
        return NULL;
    }
    return json_node_get_object(node);
}

JsonArray *probe_node_array(JsonNode *node, const char *what, GError **error)
{
    JsonArray *arr;

    if (!node || !JSON_NODE_HOLDS_ARRAY(node)) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "%s is not a JSON array", what);
        return NULL;
    }
    arr = json_node_get_array(node);
    if (json_array_get_length(arr) > PROBE_MAX_ITEMS) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "%s has more than %d entries", what,
                    PROBE_MAX_ITEMS);
        return NULL;
    }
    return arr;
}

/* g_base64_decode() skips characters it does not know and never fails; the guest's text must
 * be checked first so that a corrupt chunk is an error rather than silently different bytes. */
GBytes *probe_base64_decode(const char *text, gsize max_decoded, GError **error)
{
    gsize len = strlen(text), pad = 0, decoded_len;
    guchar *data;

    if (len % 4 != 0)
        goto bad;
    for (gsize i = 0; i < len; i++) {
        char c = text[i];
        if (c == '=') {
            if (i < len - 2)
                goto bad;
            pad++;
        } else if (pad || !(g_ascii_isalnum(c) || c == '+' || c == '/')) {
            goto bad;
        }
    }
    if (len / 4 * 3 - pad > max_decoded) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                    "base64 data decodes to more than %" G_GSIZE_FORMAT " bytes", max_decoded);
        return NULL;
    }
    if (len == 0)
        return g_bytes_new(NULL, 0);
    data = g_base64_decode(text, &decoded_len);
    return g_bytes_new_take(data, decoded_len);
bad:
    g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL, "invalid base64 data in the reply");
    return NULL;
}

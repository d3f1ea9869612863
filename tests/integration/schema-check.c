/* Checks JSON values against schema/qga-compat.json types, read independently with json-glib. */
#include "schema-check.h"

#include <string.h>

#define SCHEMA_ERROR (g_quark_from_static_string("qga-test-schema"))

static JsonParser *schema_parser;
static GHashTable *types;      /* name -> JsonObject (borrowed from the parser) */
static GHashTable *commands;   /* name -> JsonObject */
static JsonArray *command_list;

static void schema_load(void)
{
    g_autoptr(GError) error = NULL;
    const char *path = g_getenv("QGA_SCHEMA");

    if (schema_parser) {
        return;
    }
    if (!path) {
        g_error("QGA_SCHEMA is not set: run the tests through `meson test`");
    }
    schema_parser = json_parser_new();
    if (!json_parser_load_from_file(schema_parser, path, &error)) {
        g_error("cannot read the schema %s: %s", path, error->message);
    }
    JsonObject *root = json_node_get_object(json_parser_get_root(schema_parser));
    JsonArray *type_list = json_object_get_array_member(root, "types");
    command_list = json_object_get_array_member(root, "commands");

    types = g_hash_table_new(g_str_hash, g_str_equal);
    commands = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < json_array_get_length(type_list); i++) {
        JsonObject *t = json_array_get_object_element(type_list, i);
        g_hash_table_insert(types, (gpointer)json_object_get_string_member(t, "name"), t);
    }
    for (guint i = 0; i < json_array_get_length(command_list); i++) {
        JsonObject *c = json_array_get_object_element(command_list, i);
        g_hash_table_insert(commands, (gpointer)json_object_get_string_member(c, "name"), c);
    }
}

static const char *node_kind(JsonNode *v)
{
    if (JSON_NODE_HOLDS_OBJECT(v)) {
        return "object";
    }
    if (JSON_NODE_HOLDS_ARRAY(v)) {
        return "array";
    }
    if (JSON_NODE_HOLDS_NULL(v)) {
        return "null";
    }
    switch (json_node_get_value_type(v)) {
    case G_TYPE_INT64:
        return "integer";
    case G_TYPE_DOUBLE:
        return "number";
    case G_TYPE_BOOLEAN:
        return "boolean";
    case G_TYPE_STRING:
        return "string";
    default:
        return "unknown";
    }
}

static bool is_integer(JsonNode *v)
{
    return JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_INT64;
}

/* Built-in scalar types: FALSE + error on mismatch, TRUE on match, -1 when name is not built in. */
static int check_builtin(const char *name, JsonNode *v, const char *path, GError **error)
{
    static const struct {
        const char *name;
        gint64 min;
        guint64 max;
    } ints[] = {
        { "int", G_MININT64, G_MAXINT64 },   { "int64", G_MININT64, G_MAXINT64 },
        { "int32", G_MININT32, G_MAXINT32 }, { "int16", G_MININT16, G_MAXINT16 },
        { "int8", G_MININT8, G_MAXINT8 },    { "uint64", 0, G_MAXUINT64 },
        { "size", 0, G_MAXUINT64 },          { "uint32", 0, G_MAXUINT32 },
        { "uint16", 0, G_MAXUINT16 },        { "uint8", 0, G_MAXUINT8 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ints); i++) {
        if (!g_str_equal(name, ints[i].name)) {
            continue;
        }
        if (!is_integer(v)) {
            /* json-glib reads integers beyond int64 as doubles: accept an integral one for uint64. */
            if (ints[i].max == G_MAXUINT64 && JSON_NODE_HOLDS_VALUE(v)
                && json_node_get_value_type(v) == G_TYPE_DOUBLE && json_node_get_double(v) >= 9.2e18
                && json_node_get_double(v) <= 1.8446744073709552e19) {
                return TRUE;
            }
            g_set_error(error, SCHEMA_ERROR, 1, "%s: expected %s (integer), got %s", path, name, node_kind(v));
            return FALSE;
        }
        gint64 x = json_node_get_int(v);
        if (x < ints[i].min || (x > 0 && (guint64)x > ints[i].max)) {
            g_set_error(error, SCHEMA_ERROR, 1, "%s: %" G_GINT64_FORMAT " is out of range for %s", path, x, name);
            return FALSE;
        }
        return TRUE;
    }
    if (g_str_equal(name, "number")) {
        if (!is_integer(v) && !(JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_DOUBLE)) {
            g_set_error(error, SCHEMA_ERROR, 1, "%s: expected number, got %s", path, node_kind(v));
            return FALSE;
        }
        return TRUE;
    }
    if (g_str_equal(name, "str") || g_str_equal(name, "bool") || g_str_equal(name, "null")) {
        const char *want = name[0] == 's' ? "string" : name[0] == 'b' ? "boolean" : "null";
        if (!g_str_equal(node_kind(v), want)) {
            g_set_error(error, SCHEMA_ERROR, 1, "%s: expected %s, got %s", path, want, node_kind(v));
            return FALSE;
        }
        return TRUE;
    }
    if (g_str_equal(name, "any")) {
        return TRUE;
    }
    return -1;
}

static gboolean check_type(JsonNode *type_expr, JsonNode *v, const char *path, GError **error);

/* Members of a struct (or a union's base/variant) found in obj; seen collects the member names. */
static gboolean check_members(JsonArray *members, JsonObject *obj, GHashTable *seen, const char *path,
                              GError **error)
{
    for (guint i = 0; i < json_array_get_length(members); i++) {
        JsonObject *m = json_array_get_object_element(members, i);
        const char *name = json_object_get_string_member(m, "name");
        gboolean optional = json_object_get_boolean_member_with_default(m, "optional", FALSE);
        g_autofree char *sub = g_strdup_printf("%s.%s", path, name);
        JsonNode *mv = json_object_get_member(obj, name);

        g_hash_table_add(seen, (gpointer)name);
        if (!mv) {
            if (!optional) {
                g_set_error(error, SCHEMA_ERROR, 1, "%s: required member missing", sub);
                return FALSE;
            }
            continue;
        }
        if (!check_type(json_object_get_member(m, "type"), mv, sub, error)) {
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean check_no_extra(JsonObject *obj, GHashTable *seen, const char *path, GError **error)
{
    g_autoptr(GList) names = json_object_get_members(obj);
    for (GList *l = names; l; l = l->next) {
        if (!g_hash_table_contains(seen, l->data)) {
            g_set_error(error, SCHEMA_ERROR, 1, "%s: member '%s' is not in the schema", path,
                        (const char *)l->data);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean check_named(JsonObject *t, JsonNode *v, const char *path, GError **error)
{
    const char *kind = json_object_get_string_member(t, "kind");
    const char *tname = json_object_get_string_member(t, "name");

    if (g_str_equal(kind, "enum")) {
        if (!g_str_equal(node_kind(v), "string")) {
            g_set_error(error, SCHEMA_ERROR, 1, "%s: expected %s (string), got %s", path, tname, node_kind(v));
            return FALSE;
        }
        JsonArray *values = json_object_get_array_member(t, "values");
        for (guint i = 0; i < json_array_get_length(values); i++) {
            JsonNode *e = json_array_get_element(values, i);
            const char *ename = JSON_NODE_HOLDS_OBJECT(e)
                ? json_object_get_string_member(json_node_get_object(e), "name") : json_node_get_string(e);
            if (g_str_equal(ename, json_node_get_string(v))) {
                return TRUE;
            }
        }
        g_set_error(error, SCHEMA_ERROR, 1, "%s: '%s' is not a value of %s", path, json_node_get_string(v), tname);
        return FALSE;
    }
    if (g_str_equal(kind, "alternate")) {
        JsonArray *alts = json_object_get_array_member(t, "alternatives");
        for (guint i = 0; i < json_array_get_length(alts); i++) {
            JsonNode *at = json_object_get_member(json_array_get_object_element(alts, i), "type");
            if (check_type(at, v, path, NULL)) {
                return TRUE;
            }
        }
        g_set_error(error, SCHEMA_ERROR, 1, "%s: %s matches no alternative of %s", path, node_kind(v), tname);
        return FALSE;
    }
    if (!JSON_NODE_HOLDS_OBJECT(v)) {
        g_set_error(error, SCHEMA_ERROR, 1, "%s: expected %s (object), got %s", path, tname, node_kind(v));
        return FALSE;
    }
    JsonObject *obj = json_node_get_object(v);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    if (g_str_equal(kind, "struct")) {
        return check_members(json_object_get_array_member(t, "members"), obj, seen, path, error)
            && check_no_extra(obj, seen, path, error);
    }
    if (g_str_equal(kind, "union")) {
        if (!check_members(json_object_get_array_member(t, "base"), obj, seen, path, error)) {
            return FALSE;
        }
        const char *disc = json_object_get_string_member(t, "discriminator");
        const char *value = json_object_get_string_member(obj, disc);
        JsonArray *variants = json_object_get_array_member(t, "variants");
        for (guint i = 0; value && i < json_array_get_length(variants); i++) {
            JsonObject *var = json_array_get_object_element(variants, i);
            if (!g_str_equal(json_object_get_string_member(var, "value"), value)) {
                continue;
            }
            JsonObject *vt = g_hash_table_lookup(types, json_object_get_string_member(var, "type"));
            g_assert_nonnull(vt);
            if (!check_members(json_object_get_array_member(vt, "members"), obj, seen, path, error)) {
                return FALSE;
            }
        }
        return check_no_extra(obj, seen, path, error);
    }
    g_set_error(error, SCHEMA_ERROR, 1, "%s: schema type %s has unknown kind %s", path, tname, kind);
    return FALSE;
}

static gboolean check_type(JsonNode *type_expr, JsonNode *v, const char *path, GError **error)
{
    if (JSON_NODE_HOLDS_ARRAY(type_expr)) {
        JsonNode *elem = json_array_get_element(json_node_get_array(type_expr), 0);
        if (!JSON_NODE_HOLDS_ARRAY(v)) {
            g_set_error(error, SCHEMA_ERROR, 1, "%s: expected array, got %s", path, node_kind(v));
            return FALSE;
        }
        JsonArray *a = json_node_get_array(v);
        for (guint i = 0; i < json_array_get_length(a); i++) {
            g_autofree char *sub = g_strdup_printf("%s[%u]", path, i);
            if (!check_type(elem, json_array_get_element(a, i), sub, error)) {
                return FALSE;
            }
        }
        return TRUE;
    }
    const char *name = json_node_get_string(type_expr);
    int r = check_builtin(name, v, path, error);
    if (r >= 0) {
        return r;
    }
    JsonObject *t = g_hash_table_lookup(types, name);
    if (!t) {
        g_set_error(error, SCHEMA_ERROR, 1, "%s: the schema has no type %s", path, name);
        return FALSE;
    }
    return check_named(t, v, path, error);
}

gboolean qga_test_schema_check_return(const char *command, JsonNode *value, GError **error)
{
    schema_load();
    JsonObject *c = g_hash_table_lookup(commands, command);
    if (!c) {
        g_set_error(error, SCHEMA_ERROR, 1, "command %s is not in the schema", command);
        return FALSE;
    }
    JsonNode *returns = json_object_get_member(c, "returns");
    if (!returns || JSON_NODE_HOLDS_NULL(returns)) {
        /* No declared return type: qemu-ga answers {"return": {}}. */
        if (!JSON_NODE_HOLDS_OBJECT(value) || json_object_get_size(json_node_get_object(value)) != 0) {
            g_set_error(error, SCHEMA_ERROR, 1, "return: expected {} (no declared return type), got %s",
                        node_kind(value));
            return FALSE;
        }
        return TRUE;
    }
    return check_type(returns, value, "return", error);
}

gboolean qga_test_schema_command(const char *name, QgaTestSchemaCommand *ret)
{
    schema_load();
    JsonObject *c = g_hash_table_lookup(commands, name);
    if (!c) {
        return FALSE;
    }
    JsonArray *args = json_object_get_array_member(c, "args");
    ret->name = json_object_get_string_member(c, "name");
    ret->privileged = json_object_get_boolean_member_with_default(c, "privileged", FALSE);
    ret->success_response = json_object_get_boolean_member_with_default(c, "success-response", TRUE);
    ret->has_required_args = FALSE;
    for (guint i = 0; args && i < json_array_get_length(args); i++) {
        if (!json_object_get_boolean_member_with_default(json_array_get_object_element(args, i), "optional",
                                                         FALSE)) {
            ret->has_required_args = TRUE;
        }
    }
    JsonNode *returns = json_object_get_member(c, "returns");
    ret->returns_value = returns && !JSON_NODE_HOLDS_NULL(returns);
    return TRUE;
}

GPtrArray *qga_test_schema_commands(const char *platform)
{
    GPtrArray *names = g_ptr_array_new();

    schema_load();
    for (guint i = 0; i < json_array_get_length(command_list); i++) {
        JsonObject *c = json_array_get_object_element(command_list, i);
        JsonArray *platforms = json_object_get_array_member(c, "platforms");
        for (guint j = 0; platforms && j < json_array_get_length(platforms); j++) {
            if (g_str_equal(json_array_get_string_element(platforms, j), platform)) {
                g_ptr_array_add(names, (gpointer)json_object_get_string_member(c, "name"));
            }
        }
    }
    return names;
}

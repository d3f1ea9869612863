/* The host's side of the guest-driven channel: size, UTF-8, depth, rate and schema checks, then answers by policy. */
#include "g2h-host.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "reply.h"

/* G2H_HOST_MESSAGES, every message of "guest-driven" in schema/qga-compat.json, is generated
 * from it (gen-schema.py --probe-out: probe-schema.c in the build directory). */

struct G2hKv {
    gint refcount;
    char *path;
    GKeyFile *file;
};

struct G2hHost {
    char *name;
    char *uuid;         /* NULL outside libvirt mode */
    G2hKv *kv;
    GStrv denied;
    G2hHostIdentityFunc identity;
    gpointer identity_data;
    const char *last_name;
    double tokens;
    gint64 last_us;
    guint64 dropped, throttled;
};

#define KV_GROUP "kv"

/* The name becomes a file name: keep it one plain component. */
static gboolean stem_ok(const char *stem)
{
    return *stem && !strchr(stem, '/') && strcmp(stem, ".") && strcmp(stem, "..") && stem[0] != '.';
}

G2hKv *g2h_kv_open(const char *state_dir, const char *stem, GError **error)
{
    if (!stem_ok(stem)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "invalid guest name '%s'", stem);
        return NULL;
    }
    g_autoptr(G2hKv) kv = g_new0(G2hKv, 1);
    kv->refcount = 1;
    kv->path = g_strdup_printf("%s/%s.kv", state_dir, stem);
    kv->file = g_key_file_new();
    g_autoptr(GError) local = NULL;
    if (!g_key_file_load_from_file(kv->file, kv->path, G_KEY_FILE_NONE, &local) &&
        !g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
        g_propagate_prefixed_error(error, g_steal_pointer(&local), "%s: ", kv->path);
        return NULL;
    }
    return g_steal_pointer(&kv);
}

static G2hKv *g2h_kv_ref(G2hKv *kv)
{
    kv->refcount++;
    return kv;
}

void g2h_kv_unref(G2hKv *kv)
{
    if (!kv || --kv->refcount > 0)
        return;
    g_free(kv->path);
    g_key_file_free(kv->file);
    g_free(kv);
}

G2hHost *g2h_host_new_with_kv(G2hKv *kv, const char *name, const char *uuid)
{
    G2hHost *host = g_new0(G2hHost, 1);
    host->name = g_strdup(name);
    host->uuid = g_strdup(uuid);
    host->kv = g2h_kv_ref(kv);
    host->tokens = G2H_HOST_BUCKET;
    host->last_us = G_MININT64;
    return host;
}

G2hHost *g2h_host_new(const char *state_dir, const char *guest, GError **error)
{
    g_autoptr(G2hKv) kv = g2h_kv_open(state_dir, guest, error);
    return kv ? g2h_host_new_with_kv(kv, guest, NULL) : NULL;
}

void g2h_host_free(G2hHost *host)
{
    if (!host)
        return;
    g_free(host->name);
    g_free(host->uuid);
    g2h_kv_unref(host->kv);
    g_strfreev(host->denied);
    g_free(host);
}

void g2h_host_set_name(G2hHost *host, const char *name)
{
    g_free(host->name);
    host->name = g_strdup(name);
}

const char *g2h_host_name(const G2hHost *host) { return host->name; }
const char *g2h_host_uuid(const G2hHost *host) { return host->uuid; }
const char *g2h_host_last_name(const G2hHost *host) { return host->last_name; }

void g2h_host_set_denied(G2hHost *host, const char *const *requests)
{
    g_strfreev(host->denied);
    host->denied = requests ? g_strdupv((char **)requests) : NULL;
}

void g2h_host_set_identity_func(G2hHost *host, G2hHostIdentityFunc func, gpointer data)
{
    host->identity = func;
    host->identity_data = data;
}

static gboolean is_denied(const G2hHost *host, const char *name)
{
    return host->denied && g_strv_contains((const char *const *)host->denied, name);
}

const char *g2h_host_request_name(const char *name)
{
    for (const G2hHostMessage *m = G2H_HOST_MESSAGES; m->name; m++)
        if (!m->is_event && !strcmp(m->name, name))
            return m->name;
    return NULL;
}

guint64 g2h_host_dropped(const G2hHost *host) { return host->dropped; }
guint64 g2h_host_throttled(const G2hHost *host) { return host->throttled; }

static gboolean take_token(G2hHost *host, gint64 now_us)
{
    if (host->last_us != G_MININT64 && now_us > host->last_us)
        host->tokens = MIN((double)G2H_HOST_BUCKET,
                           host->tokens + (double)(now_us - host->last_us) * G2H_HOST_RATE / G_USEC_PER_SEC);
    host->last_us = now_us;
    if (host->tokens < 1)
        return FALSE;
    host->tokens -= 1;
    return TRUE;
}

static const G2hHostMessage *find_message(const char *name, gboolean is_event)
{
    for (const G2hHostMessage *m = G2H_HOST_MESSAGES; m->name; m++)
        if (m->is_event == is_event && !strcmp(m->name, name))
            return m;
    return NULL;
}

static gboolean node_is_string(JsonNode *node)
{
    return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING;
}

static gboolean type_ok(JsonNode *node, const char *type)
{
    if (!strcmp(type, "str"))
        return node_is_string(node);
    if (!strcmp(type, "int"))
        return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64;
    if (!strcmp(type, "uint64"))
        return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64 &&
               json_node_get_int(node) >= 0;
    JsonArray *array = JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
    if (!array)
        return FALSE;
    for (guint i = 0; i < json_array_get_length(array); i++)
        if (!node_is_string(json_array_get_element(array, i)))
            return FALSE;
    return TRUE;
}

/* NULL when the members match; otherwise the error text, worded like qemu-ga's input visitor. */
static char *check_members(const G2hHostMessage *m, JsonObject *obj)
{
    for (const G2hHostMember *mem = m->members; mem->name; mem++) {
        JsonNode *node = obj ? json_object_get_member(obj, mem->name) : NULL;
        if (!node && mem->optional)
            continue;
        if (!node)
            return g_strdup_printf("Parameter '%s' missing", mem->name);
        if (!type_ok(node, mem->type))
            return g_strdup_printf("Invalid parameter type for '%s', expected: %s", mem->name,
                                   !strcmp(mem->type, "str") ? "string" : !strcmp(mem->type, "[str]") ? "array" : "integer");
    }
    g_autoptr(GList) names = obj ? json_object_get_members(obj) : NULL;
    for (GList *l = names; l; l = l->next) {
        gboolean known = FALSE;
        for (const G2hHostMember *mem = m->members; mem->name && !known; mem++)
            known = !strcmp(mem->name, l->data);
        if (!known)
            return g_strdup_printf("Parameter '%s' is unexpected", (const char *)l->data);
    }
    return NULL;
}

static char *node_to_line(JsonNode *node)
{
    return json_to_string(node, FALSE);
}

static void add_labels(const G2hHost *host, JsonBuilder *b)
{
    json_builder_set_member_name(b, host->uuid ? "domain" : "guest");
    json_builder_add_string_value(b, host->name);
    if (host->uuid) {
        json_builder_set_member_name(b, "uuid");
        json_builder_add_string_value(b, host->uuid);
    }
}

static char *record_line(G2hHost *host, const char *kind, JsonNode *msg)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_labels(host, b);
    json_builder_set_member_name(b, kind);
    json_builder_add_value(b, json_node_copy(msg));
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    return node_to_line(root);
}

char *g2h_host_status_line(const G2hHost *host, const char *key, const char *value)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_labels(host, b);
    json_builder_set_member_name(b, key);
    json_builder_add_string_value(b, value);
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    return node_to_line(root);
}

static char *error_reply(JsonNode *id, const char *cls, const char *desc)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "error");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "class");
    json_builder_add_string_value(b, cls);
    json_builder_set_member_name(b, "desc");
    json_builder_add_string_value(b, desc);
    json_builder_end_object(b);
    if (id) {
        json_builder_set_member_name(b, "id");
        json_builder_add_value(b, json_node_copy(id));
    }
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    return node_to_line(root);
}

static char *return_reply(JsonNode *id, JsonNode *value /* taken */)
{
    g_autoptr(JsonObject) obj = json_object_new();
    json_object_set_member(obj, "return", value);
    if (id)
        json_object_set_member(obj, "id", json_node_copy(id));
    g_autoptr(JsonNode) root = json_node_init_object(json_node_alloc(), obj);
    return node_to_line(root);
}

static gboolean kv_key_ok(const char *key)
{
    gsize n = strlen(key);
    if (n == 0 || n > G2H_HOST_KV_MAX_KEY)
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_isalnum(key[i]) && !strchr("._-", key[i]))
            return FALSE;
    return TRUE;
}

static JsonNode *empty_object(void)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, json_object_new());
    return node;
}

static gint compare_keys(gconstpointer a, gconstpointer b, gpointer data)
{
    (void)data;
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* name, uuid (libvirt mode) and the operator's metadata entries, read when asked: the operator
 * may change them while the guest runs (virsh metadata --live). */
static JsonNode *identity(G2hHost *host, char **ret_error)
{
    g_autoptr(GPtrArray) metadata = NULL;
    g_autoptr(GError) err = NULL;
    if (host->identity && !host->identity(host->identity_data, &metadata, &err)) {
        *ret_error = g_strdup_printf("the host cannot read the domain's identity: %s", err->message);
        return NULL;
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, host->name);
    if (host->uuid) {
        json_builder_set_member_name(b, "uuid");
        json_builder_add_string_value(b, host->uuid);
    }
    json_builder_set_member_name(b, "metadata");
    json_builder_begin_array(b);
    for (guint i = 0; metadata && i < metadata->len; i++) {
        G2hKeyValue *kv = g_ptr_array_index(metadata, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "key");
        json_builder_add_string_value(b, kv->key);
        json_builder_set_member_name(b, "value");
        json_builder_add_string_value(b, kv->value);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* The answer to a checked request: a return value, or NULL with *ret_error set. */
static JsonNode *answer(G2hHost *host, const char *name, JsonObject *args, char **ret_error)
{
    const char *key = args && json_object_has_member(args, "key") ? json_object_get_string_member(args, "key") : NULL;
    if (key && !kv_key_ok(key)) {
        *ret_error = g_strdup_printf("key must be 1 to %d characters of A-Z a-z 0-9 . _ -", G2H_HOST_KV_MAX_KEY);
        return NULL;
    }
    if (!strcmp(name, "host-hello")) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "host");
        json_builder_add_string_value(b, "qga-probe " PROBE_VERSION);
        json_builder_set_member_name(b, "time");
        json_builder_add_int_value(b, g_get_real_time() * 1000);
        json_builder_set_member_name(b, "requests");
        json_builder_begin_array(b);
        for (const G2hHostMessage *m = G2H_HOST_MESSAGES; m->name; m++)
            if (!m->is_event && !is_denied(host, m->name))
                json_builder_add_string_value(b, m->name);
        json_builder_end_array(b);
        json_builder_end_object(b);
        return json_builder_get_root(b);
    }
    if (!strcmp(name, "host-get-identity"))
        return identity(host, ret_error);
    if (!strcmp(name, "host-get-time"))
        return json_node_init_int(json_node_alloc(), g_get_real_time() * 1000);
    if (!strcmp(name, "host-kv-get")) {
        g_autofree char *value = g_key_file_get_string(host->kv->file, KV_GROUP, key, NULL);
        if (!value) {
            *ret_error = g_strdup_printf("no such key: %s", key);
            return NULL;
        }
        return json_node_init_string(json_node_alloc(), value);
    }
    if (!strcmp(name, "host-kv-list")) {
        g_auto(GStrv) keys = g_key_file_get_keys(host->kv->file, KV_GROUP, NULL, NULL);
        JsonArray *array = json_array_new();
        if (keys) {
            g_qsort_with_data(keys, (gint)g_strv_length(keys), sizeof(char *), compare_keys, NULL);
            for (char **k = keys; *k; k++)
                json_array_add_string_element(array, *k);
        }
        JsonNode *node = json_node_new(JSON_NODE_ARRAY);
        json_node_take_array(node, array);
        return node;
    }
    if (!strcmp(name, "host-kv-set")) {
        const char *value = json_object_get_string_member(args, "value");
        if (strlen(value) > G2H_HOST_KV_MAX_VALUE) {
            *ret_error = g_strdup_printf("value longer than %d bytes", G2H_HOST_KV_MAX_VALUE);
            return NULL;
        }
        gsize n_keys = 0;
        g_strfreev(g_key_file_get_keys(host->kv->file, KV_GROUP, &n_keys, NULL));
        if (!g_key_file_has_key(host->kv->file, KV_GROUP, key, NULL) && n_keys >= G2H_HOST_KV_MAX_KEYS) {
            *ret_error = g_strdup_printf("the host keeps at most %d keys per guest", G2H_HOST_KV_MAX_KEYS);
            return NULL;
        }
        g_key_file_set_string(host->kv->file, KV_GROUP, key, value);
        g_autoptr(GError) err = NULL;
        if (!g_key_file_save_to_file(host->kv->file, host->kv->path, &err)) {
            g_key_file_remove_key(host->kv->file, KV_GROUP, key, NULL);
            *ret_error = g_strdup_printf("host could not store the key: %s", err->message);
            return NULL;
        }
        return empty_object();
    }
    /* host-log: the caller prints the record; nothing is run or interpreted. */
    if (strlen(json_object_get_string_member(args, "message")) > G2H_HOST_KV_MAX_VALUE) {
        *ret_error = g_strdup_printf("message longer than %d bytes", G2H_HOST_KV_MAX_VALUE);
        return NULL;
    }
    return empty_object();
}

static G2hHostVerdict drop(G2hHost *host)
{
    host->dropped++;
    return G2H_HOST_DROPPED;
}

G2hHostVerdict g2h_host_handle(G2hHost *host, const char *text, gsize len, gint64 now_us,
                               char **ret_reply, char **ret_record)
{
    *ret_reply = *ret_record = NULL;
    host->last_name = NULL;
    if (!take_token(host, now_us)) {
        host->throttled++;
        return G2H_HOST_THROTTLED;
    }
    if (len > G2H_HOST_MAX_MESSAGE || !g_utf8_validate(text, (gssize)len, NULL) || !probe_json_depth_ok(text, len, G2H_HOST_MAX_DEPTH))
        return drop(host);
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_data(parser, text, (gssize)len, NULL))
        return drop(host);
    JsonNode *root = json_parser_get_root(parser);
    JsonObject *obj = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
    if (!obj)
        return drop(host);
    JsonNode *execute = json_object_get_member(obj, "execute");
    JsonNode *event = json_object_get_member(obj, "event");
    if (event && !execute) {
        /* Events get no answer, so anything wrong with one can only be dropped and counted. */
        JsonNode *data = json_object_get_member(obj, "data");
        JsonNode *ts = json_object_get_member(obj, "timestamp");
        const G2hHostMessage *m = node_is_string(event) ? find_message(json_node_get_string(event), TRUE) : NULL;
        if (!m || json_object_get_size(obj) != 3 || !data || !JSON_NODE_HOLDS_OBJECT(data) || !ts || !JSON_NODE_HOLDS_OBJECT(ts))
            return drop(host);
        static const G2hHostMessage stamp = { "timestamp", TRUE, { { "seconds", "uint64", FALSE }, { "microseconds", "uint64", FALSE } } };
        g_autofree char *bad_data = check_members(m, json_node_get_object(data));
        g_autofree char *bad_ts = check_members(&stamp, json_node_get_object(ts));
        if (bad_data || bad_ts)
            return drop(host);
        *ret_record = record_line(host, "event", root);
        host->last_name = m->name;
        return G2H_HOST_EVENT;
    }
    if (!execute || !node_is_string(execute))
        return drop(host);
    JsonNode *id = json_object_get_member(obj, "id");
    JsonNode *args_node = json_object_get_member(obj, "arguments");
    g_autoptr(GList) names = json_object_get_members(obj);
    for (GList *l = names; l; l = l->next)
        if (strcmp(l->data, "execute") && strcmp(l->data, "arguments") && strcmp(l->data, "id"))
            return drop(host);
    *ret_record = record_line(host, "request", root);
    const char *name = json_node_get_string(execute);
    const G2hHostMessage *m = find_message(name, FALSE);
    if (!m) {
        g_autofree char *desc = g_strdup_printf("The command %s has not been found", name);
        *ret_reply = error_reply(id, "CommandNotFound", desc);
        return G2H_HOST_REQUEST;
    }
    if (args_node && !JSON_NODE_HOLDS_OBJECT(args_node)) {
        *ret_reply = error_reply(id, "GenericError", "QMP input member 'arguments' must be an object");
        return G2H_HOST_REQUEST;
    }
    host->last_name = m->name;
    if (is_denied(host, m->name)) {
        *ret_reply = error_reply(id, "GenericError", "denied by the host's policy");
        return G2H_HOST_REQUEST;
    }
    JsonObject *args = args_node ? json_node_get_object(args_node) : NULL;
    g_autofree char *bad = check_members(m, args);
    if (bad) {
        *ret_reply = error_reply(id, "GenericError", bad);
        return G2H_HOST_REQUEST;
    }
    g_autofree char *why = NULL;
    JsonNode *value = answer(host, name, args, &why);
    *ret_reply = value ? return_reply(id, value) : error_reply(id, "GenericError", why);
    return G2H_HOST_REQUEST;
}

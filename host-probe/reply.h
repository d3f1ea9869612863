/* Checks of everything that comes from the guest (it is hostile) before anything uses it. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

#define PROBE_MAX_REPLY_BYTES (10 * 1024 * 1024) /* libvirt's QEMU_AGENT_MAX_RESPONSE */
#define PROBE_MAX_JSON_DEPTH 32
#define PROBE_MAX_STRING 4096 /* names, paths, descriptions */
#define PROBE_MAX_ITEMS 4096  /* list entries (interfaces, filesystems) */

/* Nesting of arrays and objects (outside strings) stays within max_depth: checked before
 * json-glib, which recurses once per level, ever sees guest text. */
gboolean probe_json_depth_ok(const char *text, gsize len, guint max_depth);
/* Parse one reply text: valid UTF-8, size and depth capped, a JSON object. */
JsonNode *probe_json_parse_reply(const char *text, gsize len, GError **error);
/* Check {"return": ...} / {"error": {...}} and return the return value (a new reference). */
JsonNode *probe_reply_unwrap(JsonNode *reply, const char *command, GError **error);

/* Member accessors: a missing member is an error only when required (then *ret is untouched);
 * a present member of the wrong type or out of range always is. Errors are PROBE_ERROR_PROTOCOL
 * and name the member. */
gboolean probe_get_string(JsonObject *obj, const char *member, gboolean required, const char **ret,
                          GError **error);
gboolean probe_get_int(JsonObject *obj, const char *member, gboolean required, gint64 min,
                       gint64 max, gint64 *ret, GError **error);
gboolean probe_get_bool(JsonObject *obj, const char *member, gboolean required, gboolean *ret,
                        GError **error);
gboolean probe_get_number(JsonObject *obj, const char *member, gboolean required, double *ret,
                          GError **error);
gboolean probe_get_array(JsonObject *obj, const char *member, gboolean required, JsonArray **ret,
                         GError **error);
gboolean probe_get_object(JsonObject *obj, const char *member, gboolean required, JsonObject **ret,
                          GError **error);
/* The node as an object/array (reply roots, array elements), or a protocol error naming what. */
JsonObject *probe_node_object(JsonNode *node, const char *what, GError **error);
JsonArray *probe_node_array(JsonNode *node, const char *what, GError **error);
/* Decode base64 from the guest strictly (alphabet, padding, length); NULL + error otherwise. */
GBytes *probe_base64_decode(const char *text, gsize max_decoded, GError **error);

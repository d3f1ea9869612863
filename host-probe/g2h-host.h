/* The host's side of the guest-driven channel: checks each guest message and answers requests by policy (no I/O here). */
#pragma once
#include <glib.h>

/*
 * Everything the guest sends is hostile input (docs/G2H.md, "The guest-driven
 * channel"): g2h_host_handle() caps its size, rejects invalid UTF-8 and deep nesting before
 * json-glib sees it (json-glib recurses without a depth limit), rate-limits with a token bucket,
 * checks it against the guest-driven part of schema/qga-compat.json (G2H_HOST_MESSAGES mirrors
 * it; tests/probe/test-g2h-host.c checks they agree) and never runs anything the guest names.
 */

#define G2H_HOST_MAX_MESSAGE (64 * 1024)   /* bytes in one guest JSON text */
#define G2H_HOST_MAX_DEPTH 16              /* nesting of arrays + objects */
#define G2H_HOST_BUCKET 50                 /* burst of messages accepted at once */
#define G2H_HOST_RATE 20                   /* messages per second sustained */
#define G2H_HOST_KV_MAX_KEYS 256
#define G2H_HOST_KV_MAX_KEY 256
#define G2H_HOST_KV_MAX_VALUE 4096
#define G2H_HOST_MAX_MEMBERS 6

/* The namespace of the domain metadata element host-get-identity exposes (docs/PROBE.md). */
#define G2H_IDENTITY_NS "https://qga-compat.org/xmlns/identity/1"
#define G2H_IDENTITY_MAX_ENTRIES 64
#define G2H_IDENTITY_MAX_KEY 256
#define G2H_IDENTITY_MAX_VALUE 4096

typedef enum G2hHostVerdict {
    G2H_HOST_EVENT,       /* a valid event: *ret_record is set */
    G2H_HOST_REQUEST,     /* a request: *ret_reply is set (a return or an error), *ret_record too */
    G2H_HOST_DROPPED,     /* malformed, oversized or an unknown/ill-formed event: counted, no reply */
    G2H_HOST_THROTTLED,   /* over the rate: counted, no reply; the caller may disconnect */
} G2hHostVerdict;

/* One member of a message's arguments or data: type is "str", "int", "uint64" or "[str]". */
typedef struct G2hHostMember {
    const char *name;
    const char *type;
    gboolean optional;
} G2hHostMember;

typedef struct G2hHostMessage {
    const char *name;                 /* host-* request or EVENT name */
    gboolean is_event;
    G2hHostMember members[G2H_HOST_MAX_MEMBERS];   /* ends at name == NULL */
} G2hHostMessage;

extern const G2hHostMessage G2H_HOST_MESSAGES[];   /* ends at name == NULL */

/* The schema name of a host-* request the host knows, or NULL. */
const char *g2h_host_request_name(const char *name);

/* One metadata entry host-get-identity returns. */
typedef struct G2hKeyValue {
    char *key;
    char *value;
} G2hKeyValue;

void g2h_key_value_free(G2hKeyValue *kv);

/* Entries of an <identity> element (any prefix, G2H_IDENTITY_NS): <entry key="K">VALUE</entry>.
 * Keeps the first G2H_IDENTITY_MAX_ENTRIES entries within the key/value caps; the others are
 * counted in *ret_ignored. Element type G2hKeyValue*. */
GPtrArray *g2h_identity_parse(const char *xml, guint *ret_ignored, GError **error);

/* The key/value pairs of one guest, in state_dir/<stem>.kv, shared by its connections. */
typedef struct G2hKv G2hKv;

G2hKv *g2h_kv_open(const char *state_dir, const char *stem, GError **error);
void g2h_kv_unref(G2hKv *kv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(G2hKv, g2h_kv_unref)

typedef struct G2hHost G2hHost;

/* Fills *ret_metadata (G2hKeyValue*) with the entries host-get-identity exposes right now. */
typedef gboolean (*G2hHostIdentityFunc)(gpointer data, GPtrArray **ret_metadata, GError **error);

/* guest: the operator's name for the guest (a domain name); its key/value pairs live in
 * state_dir/<guest>.kv, created on the first host-kv-set and reloaded here. */
G2hHost *g2h_host_new(const char *state_dir, const char *guest, GError **error);
/* With a shared key/value store. With a uuid (libvirt mode) records carry "domain" and "uuid"
 * instead of "guest". */
G2hHost *g2h_host_new_with_kv(G2hKv *kv, const char *name, const char *uuid);
void g2h_host_free(G2hHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(G2hHost, g2h_host_free)

/* A domain can be renamed while it runs; the uuid is its key. */
void g2h_host_set_name(G2hHost *host, const char *name);
const char *g2h_host_name(const G2hHost *host);
const char *g2h_host_uuid(const G2hHost *host);
/* Requests answered with GenericError "denied by the host's policy" (names checked by the caller). */
void g2h_host_set_denied(G2hHost *host, const char *const *requests);
/* Without one host-get-identity answers the name alone (and no metadata). */
void g2h_host_set_identity_func(G2hHost *host, G2hHostIdentityFunc func, gpointer data);

/* One whole JSON text from the guest; now_us is g_get_monotonic_time() (a parameter so tests
 * can drive the rate limit). Replies and records are single-line JSON without a newline. */
G2hHostVerdict g2h_host_handle(G2hHost *host, const char *text, gsize len, gint64 now_us,
                               char **ret_reply, char **ret_record);
/* The schema name of the message the last G2H_HOST_EVENT / G2H_HOST_REQUEST verdict was about
 * (a static string; NULL for an unknown request). */
const char *g2h_host_last_name(const G2hHost *host);

/* A line about the connection in the records' shape: {"guest"|"domain"+"uuid", key: value}. */
char *g2h_host_status_line(const G2hHost *host, const char *key, const char *value);

guint64 g2h_host_dropped(const G2hHost *host);
guint64 g2h_host_throttled(const G2hHost *host);

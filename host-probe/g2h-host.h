/* The host's side of the guest-driven channel: checks each guest message and answers requests by policy (no I/O loop yet). */
#pragma once
#include <glib.h>

/*
 * Everything the guest sends is hostile input (issue 7, ARCHITECTURE.md "The guest-driven
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

typedef enum G2hHostVerdict {
    G2H_HOST_EVENT,       /* a valid event: *ret_record is set */
    G2H_HOST_REQUEST,     /* a request: *ret_reply is set (a return or an error), *ret_record too */
    G2H_HOST_DROPPED,     /* malformed, oversized or an unknown/ill-formed event: counted, no reply */
    G2H_HOST_THROTTLED,   /* over the rate: counted, no reply; the caller may disconnect */
} G2hHostVerdict;

/* One member of a message's arguments or data: type is "str", "uint64" or "[str]". */
typedef struct G2hHostMember {
    const char *name;
    const char *type;
} G2hHostMember;

typedef struct G2hHostMessage {
    const char *name;                 /* host-* request or EVENT name */
    gboolean is_event;
    G2hHostMember members[4];         /* all required; ends at name == NULL */
} G2hHostMessage;

extern const G2hHostMessage G2H_HOST_MESSAGES[];   /* ends at name == NULL */

typedef struct G2hHost G2hHost;

/* guest: the operator's name for the guest (a domain name); its key/value pairs live in
 * state_dir/<guest>.kv, created on the first host-kv-set and reloaded here. */
G2hHost *g2h_host_new(const char *state_dir, const char *guest, GError **error);
void g2h_host_free(G2hHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(G2hHost, g2h_host_free)

/* One whole JSON text from the guest; now_us is g_get_monotonic_time() (a parameter so tests
 * can drive the rate limit). Replies and records are single-line JSON without a newline. */
G2hHostVerdict g2h_host_handle(G2hHost *host, const char *text, gsize len, gint64 now_us,
                               char **ret_reply, char **ret_record);

guint64 g2h_host_dropped(const G2hHost *host);
guint64 g2h_host_throttled(const G2hHost *host);

/* One agent, reached through libvirt or a channel socket: the transport interface and the calls. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

#include "options.h"

typedef struct ProbeTransport ProbeTransport;

typedef struct ProbeTransportOps {
    /* Send one request (compact JSON object, no newline) and return the reply text in
     * *ret_reply. With want_reply FALSE (shutdown/suspend answer nothing on success) a missing
     * reply is success with *ret_reply NULL. */
    gboolean (*execute)(ProbeTransport *t, const char *request, gboolean want_reply,
                        char **ret_reply, GError **error);
    void (*free)(ProbeTransport *t);
} ProbeTransportOps;

struct ProbeTransport {
    const ProbeTransportOps *ops;
    gsize max_request; /* the largest request text this transport delivers intact */
    int timeout;       /* libvirt's convention, see ProbeOptions */
    gboolean verbose;
    char *description; /* "domain web01" / "socket /path" for messages */
};

void probe_transport_free(ProbeTransport *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProbeTransport, probe_transport_free)

/* Open what the options name: --socket, --domain + --channel, or --domain (libvirt). */
ProbeTransport *probe_transport_open(const ProbeOptions *opts, GError **error);

/* Run one command and return its validated "return" value (never NULL on success; a JSON null
 * node for the commands that answer nothing on success). args may be NULL. */
JsonNode *probe_agent_call(ProbeTransport *t, const char *command, JsonObject *args,
                           GError **error);
/* Same with a full request object given as text (for `call '{"execute":...}'`). */
JsonNode *probe_agent_call_raw(ProbeTransport *t, const char *request, GError **error);
/* TRUE for commands that send no reply on success (qemu-ga: success-response false). */
gboolean probe_command_is_silent(const char *command);

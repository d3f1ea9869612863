/* The socket of a named channel, from the live domain XML. */
#pragma once
#include <glib.h>

typedef struct ProbeChannel {
    char *name;  /* target name, e.g. org.qgacompat.g2h.0 */
    char *path;  /* source path of the unix socket */
    char *mode;  /* source mode: bind (QEMU listens) or connect */
    char *state; /* target state in the live XML: connected / disconnected / NULL */
} ProbeChannel;

void probe_channel_free(ProbeChannel *ch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProbeChannel, probe_channel_free)
/* All virtio unix channels of the domain XML, in document order (element type ProbeChannel*). */
GPtrArray *probe_channel_parse_all(const char *xml, GError **error);
/* The channel with that target name; errors say what is missing and how to add it. */
ProbeChannel *probe_channel_find(const char *xml, const char *name, GError **error);

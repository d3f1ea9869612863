/* The agent through libvirt (virDomainQemuAgentCommand), and the libvirt connection it needs. */
#pragma once
#include <glib.h>

#include "transport.h"

/* Through libvirt a request must fit the agent socket's send buffer (Linux default 208 KiB):
 * libvirt's agent writer (qemuAgentIOWrite with safewrite on a non-blocking socket) forgets a
 * partial write and sends those bytes again, which corrupts the stream. Measured with libvirt
 * 9.0: 213 KB requests went through, 240 KB ones made qemu-ga see "JSON parse error". */
#define PROBE_LIBVIRT_MAX_REQUEST (128 * 1024)

/* Opaque libvirt handles keep libvirt's headers out of the other modules. */
typedef struct ProbeLibvirt ProbeLibvirt;

ProbeLibvirt *probe_libvirt_open(const char *uri, gboolean read_only, GError **error);
ProbeLibvirt *probe_libvirt_ref(ProbeLibvirt *lv);
void probe_libvirt_close(ProbeLibvirt *lv); /* drops one reference */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProbeLibvirt, probe_libvirt_close)
const char *probe_libvirt_uri(ProbeLibvirt *lv);
/* The underlying virConnectPtr (for event registration in watch). */
struct _virConnect *probe_libvirt_connection(ProbeLibvirt *lv);
/* Names of the active (running or paused) domains, sorted. */
GPtrArray *probe_libvirt_list_active(ProbeLibvirt *lv, GError **error);
/* A transport through virDomainQemuAgentCommand; keeps lv referenced. */
ProbeTransport *probe_libvirt_transport_new(ProbeLibvirt *lv, const char *domain, int timeout,
                                            gboolean verbose, GError **error);
/* The live domain XML. */
char *probe_libvirt_domain_xml(ProbeLibvirt *lv, const char *domain, GError **error);
/* Turn the thread's last libvirt error into a GError; context prefixes the message. */
void probe_libvirt_set_error(GError **error, const char *context);
/* The mapping itself: a libvirt error code (virErrorNumber) and message to our error kinds. */
void probe_libvirt_map_error(int code, const char *msg, const char *context, GError **error);
/* Install the silent error handler (once per process); libvirt otherwise prints to stderr. */
void probe_libvirt_init(void);

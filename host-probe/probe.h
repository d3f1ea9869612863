/* qga-probe: the declarations its modules share (errors, options, transports, reply checks, output). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* ---- errors.c: one error domain; each code is also the process exit status -------------- */

#define PROBE_ERROR (probe_error_quark())
GQuark probe_error_quark(void);

/* Documented in docs/PROBE.md ("Exit status"); keep the two in step. */
typedef enum ProbeErrorCode {
    PROBE_ERROR_FAILED = 1,             /* anything not below; fleet: some domain failed */
    PROBE_ERROR_USAGE = 2,              /* bad command line */
    PROBE_ERROR_CONNECT = 3,            /* libvirt connection or channel socket unreachable */
    PROBE_ERROR_DOMAIN = 4,             /* domain not found or not running */
    PROBE_ERROR_NOT_CONFIGURED = 5,     /* the domain has no agent channel */
    PROBE_ERROR_NOT_CONNECTED = 6,      /* no agent on the channel, or libvirt's sticky agent error */
    PROBE_ERROR_TIMEOUT = 7,            /* the agent did not answer in time */
    PROBE_ERROR_COMMAND_NOT_FOUND = 8,  /* the agent does not have the command */
    PROBE_ERROR_COMMAND_DISABLED = 9,   /* the agent has it but it is disabled (allow/block list, frozen) */
    PROBE_ERROR_COMMAND_FAILED = 10,    /* the agent ran the command and answered an error */
    PROBE_ERROR_PROTOCOL = 11,          /* the reply broke the protocol or failed validation */
    PROBE_ERROR_IO = 12,                /* a local file could not be read or written */
} ProbeErrorCode;

/* What `exec` exits with when the probe itself failed (the guest program's code otherwise). */
#define PROBE_EXEC_EXIT_PROBE_FAILED 255

/* Short stable names for --json output ("not-connected", ...). */
const char *probe_error_kind(int code);
/* The exit status for an error (PROBE_ERROR_FAILED for foreign domains). */
int probe_error_exit_code(const GError *error);
/* Map an agent error reply ({"class","desc"}) to a GError. command names the request. */
void probe_error_from_agent(GError **error, const char *command, const char *klass, const char *desc);
/* Print "qga-probe: MESSAGE" (or a JSON error object with json) and return the exit status. */
int probe_error_report(const GError *error, gboolean json);

/* ---- options.c: the global options every subcommand accepts ------------------------------ */

typedef struct ProbeOptions {
    char *uri;          /* --connect: libvirt URI (NULL = libvirt's default) */
    char *domain;       /* --domain (the last one given) */
    char **domains;     /* every --domain given, in order (listen serves several) */
    char *socket_path;  /* --socket */
    char *channel;      /* --channel: with --domain, use this named channel's socket */
    char *timeout_arg;  /* --timeout as given */
    int timeout;        /* libvirt's convention: >0 seconds, -2 block, -1 default (5 s), 0 nowait */
    gboolean json;      /* --json */
    gboolean verbose;   /* --verbose: log protocol traffic to stderr */
} ProbeOptions;

#define PROBE_TIMEOUT_BLOCK (-2)
#define PROBE_TIMEOUT_DEFAULT (-1)
#define PROBE_TIMEOUT_NOWAIT 0
#define PROBE_DEFAULT_TIMEOUT_SECONDS 5   /* libvirt's QEMU_AGENT_WAIT_TIME */

void probe_options_clear(ProbeOptions *opts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ProbeOptions, probe_options_clear)
/* Parse argv with the subcommand's entries plus the global group; leaves the rest in argv. */
gboolean probe_options_parse(ProbeOptions *opts, const char *command, const char *parameter_string,
                             const char *summary, const GOptionEntry *entries, gboolean stop_at_first,
                             int *argc, char ***argv, GError **error);
/* "5", "block", "default", "nowait" (or -2/-1/0) -> libvirt's timeout convention. */
gboolean probe_timeout_parse(const char *text, int *ret_timeout, GError **error);

/* ---- transport.c: one agent, reached through libvirt or a channel socket ------------------- */

typedef struct ProbeTransport ProbeTransport;

typedef struct ProbeTransportOps {
    /* Send one request (compact JSON object, no newline) and return the reply text in
     * *ret_reply. With want_reply FALSE (shutdown/suspend answer nothing on success) a missing
     * reply is success with *ret_reply NULL. */
    gboolean (*execute)(ProbeTransport *t, const char *request, gboolean want_reply, char **ret_reply,
                        GError **error);
    void (*free)(ProbeTransport *t);
} ProbeTransportOps;

/* Through libvirt a request must fit the agent socket's send buffer (Linux default 208 KiB):
 * libvirt's agent writer (qemuAgentIOWrite with safewrite on a non-blocking socket) forgets a
 * partial write and sends those bytes again, which corrupts the stream. Measured with libvirt
 * 9.0: 213 KB requests went through, 240 KB ones made qemu-ga see "JSON parse error". */
#define PROBE_LIBVIRT_MAX_REQUEST (128 * 1024)
#define PROBE_SOCKET_MAX_REQUEST (8 * 1024 * 1024)

struct ProbeTransport {
    const ProbeTransportOps *ops;
    gsize max_request;  /* the largest request text this transport delivers intact */
    int timeout;        /* libvirt's convention, see ProbeOptions */
    gboolean verbose;
    char *description;  /* "domain web01" / "socket /path" for messages */
};

void probe_transport_free(ProbeTransport *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProbeTransport, probe_transport_free)

/* Open what the options name: --socket, --domain + --channel, or --domain (libvirt). */
ProbeTransport *probe_transport_open(const ProbeOptions *opts, GError **error);

/* Run one command and return its validated "return" value (never NULL on success; a JSON null
 * node for the commands that answer nothing on success). args may be NULL. */
JsonNode *probe_agent_call(ProbeTransport *t, const char *command, JsonObject *args, GError **error);
/* Same with a full request object given as text (for `call '{"execute":...}'`). */
JsonNode *probe_agent_call_raw(ProbeTransport *t, const char *request, GError **error);
/* TRUE for commands that send no reply on success (qemu-ga: success-response false). */
gboolean probe_command_is_silent(const char *command);

/* ---- transport-socket.c ------------------------------------------------------------------ */

ProbeTransport *probe_socket_transport_new(const char *path, int timeout, gboolean verbose,
                                           GError **error);

/* ---- transport-libvirt.c ----------------------------------------------------------------- */

/* Opaque libvirt handles keep libvirt's headers out of the other modules. */
typedef struct ProbeLibvirt ProbeLibvirt;

ProbeLibvirt *probe_libvirt_open(const char *uri, gboolean read_only, GError **error);
ProbeLibvirt *probe_libvirt_ref(ProbeLibvirt *lv);
void probe_libvirt_close(ProbeLibvirt *lv);   /* drops one reference */
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

/* ---- channel-xml.c: the socket of a named channel, from the live domain XML -------------- */

typedef struct ProbeChannel {
    char *name;         /* target name, e.g. org.qgacompat.g2h.0 */
    char *path;         /* source path of the unix socket */
    char *mode;         /* source mode: bind (QEMU listens) or connect */
    char *state;        /* target state in the live XML: connected / disconnected / NULL */
} ProbeChannel;

void probe_channel_free(ProbeChannel *ch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProbeChannel, probe_channel_free)
/* All virtio unix channels of the domain XML, in document order (element type ProbeChannel*). */
GPtrArray *probe_channel_parse_all(const char *xml, GError **error);
/* The channel with that target name; errors say what is missing and how to add it. */
ProbeChannel *probe_channel_find(const char *xml, const char *name, GError **error);

/* ---- reply.c: everything from the guest is hostile; check it before use ------------------- */

#define PROBE_MAX_REPLY_BYTES (10 * 1024 * 1024)  /* libvirt's QEMU_AGENT_MAX_RESPONSE */
#define PROBE_MAX_JSON_DEPTH 32
#define PROBE_MAX_STRING 4096                       /* names, paths, descriptions */
#define PROBE_MAX_ITEMS 4096                        /* entries in a list (interfaces, filesystems) */

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
gboolean probe_get_int(JsonObject *obj, const char *member, gboolean required, gint64 min, gint64 max,
                       gint64 *ret, GError **error);
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

/* ---- render.c: output for people and for machines ---------------------------------------- */

/* A copy safe to print on a terminal: control characters and invalid UTF-8 escaped, capped. */
char *probe_sanitize(const char *text);
/* "1.1 GB" (decimal units, ASCII space). */
char *probe_format_bytes(guint64 bytes);
/* Print a JSON node on stdout (pretty or compact) followed by a newline. */
void probe_print_json(JsonNode *node, gboolean pretty);
/* Simple column table: add rows of strings (sanitized when printed), then print. */
typedef struct ProbeTable ProbeTable;
ProbeTable *probe_table_new(guint n_columns, ...);
void probe_table_add(ProbeTable *table, ...);   /* n_columns strings (NULL prints "-") */
void probe_table_print(ProbeTable *table, const char *indent);
/* The table as text, every line starting with indent and ending with a newline. */
char *probe_table_format(ProbeTable *table, const char *indent);
void probe_table_free(ProbeTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProbeTable, probe_table_free)

/* ---- cmd-info.c: guest-info, parsed once and shared with report ------------------------- */

typedef struct ProbeAgentInfo {
    char *version;
    GPtrArray *names;        /* command names (char *) in the agent's order */
    GHashTable *enabled;     /* name -> GINT_TO_POINTER(1 enabled / 2 disabled) */
} ProbeAgentInfo;

void probe_agent_info_free(ProbeAgentInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProbeAgentInfo, probe_agent_info_free)
/* Validate a guest-info return value. */
ProbeAgentInfo *probe_agent_info_parse(JsonNode *ret, GError **error);
/* Fill *error with the reason the agent cannot run command (not listed / disabled); FALSE then. */
gboolean probe_agent_info_check(const ProbeAgentInfo *info, const char *command, GError **error);

/* ---- subcommands (cmd-*.c); each returns the process exit status ----------------------- */

/* Parse the options of a subcommand that takes no positional arguments beyond max_args and
 * open its transport; on failure prints the error and sets *ret_exit. */
ProbeTransport *probe_cmd_setup(ProbeOptions *opts, const char *command, const char *params,
                                const char *summary, const GOptionEntry *entries, guint max_args,
                                int *argc, char ***argv, int *ret_exit);

int probe_cmd_call(int argc, char **argv);
int probe_cmd_ping(int argc, char **argv);
int probe_cmd_info(int argc, char **argv);
int probe_cmd_report(int argc, char **argv);
int probe_cmd_exec(int argc, char **argv);
int probe_cmd_cp(int argc, char **argv);
int probe_cmd_fleet(int argc, char **argv);
int probe_cmd_watch(int argc, char **argv);
int probe_cmd_listen(int argc, char **argv);

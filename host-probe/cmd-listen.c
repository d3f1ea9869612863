/* `qga-probe listen`: serves guests' guest-driven channels (org.qgacompat.g2h.0): one socket, a socket guests connect to, or every libvirt domain. */
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "errors.h"
#include "g2h-host.h"
#include "listen-conn.h"
#include "listen-hooks.h"
#include "listen-libvirt.h"
#include "listen-log.h"
#include "options.h"

#define LISTEN_MAX_CONNECTIONS 256 /* --listen: accepted guests at once */
#define LISTEN_DEFAULT_READ_TIMEOUT 10
#define LISTEN_DEFAULT_HOOK_TIMEOUT 30

typedef struct ListenMain {
    GMainLoop *loop;
    ListenConfig cfg;
    gboolean once;
    char *guest;
    char **deny;
    G2hKv *kv;               /* --socket / --listen: the one guest's store, shared by its connections */
    /* --socket */
    GSocketAddress *addr;
    G2hHost *host;
    ListenConn *conn;
    guint retry;
    guint retry_ms;
    /* --listen */
    GSocket *server;
    GSource *accept_src;
    GPtrArray *accepted;     /* ListenAccepted* */
    /* --connect */
    ListenLibvirt *lv;
} ListenMain;

typedef struct ListenAccepted {
    ListenMain *m;
    G2hHost *host;           /* per connection: one guest cannot spend another's rate */
    ListenConn *conn;
} ListenAccepted;

static gboolean listen_quit(gpointer data)
{
    g_main_loop_quit(((ListenMain *)data)->loop);
    return G_SOURCE_CONTINUE;
}

/* ---- --socket PATH: connect to one channel socket, reconnect with back-off ---- */

static gboolean socket_connect(ListenMain *m, GError **error);

static gboolean socket_retry_cb(gpointer data)
{
    ListenMain *m = data;
    g_autoptr(GError) err = NULL;
    m->retry = 0;
    if (!socket_connect(m, &err)) {
        listen_log("%s; retrying in %u ms", err->message, m->retry_ms);
        m->retry = g_timeout_add(m->retry_ms, socket_retry_cb, m);
        m->retry_ms = MIN(m->retry_ms * 2, 30000u);
    }
    return G_SOURCE_REMOVE;
}

static void socket_closed(ListenConn *conn, ListenClose why, gpointer data)
{
    ListenMain *m = data;
    listen_conn_free(conn);
    m->conn = NULL;
    if (m->once || why == LISTEN_CLOSE_OWNER) {
        g_main_loop_quit(m->loop);
        return;
    }
    m->retry_ms = why == LISTEN_CLOSE_POLICY ? 30000 : 500;
    m->retry = g_timeout_add(m->retry_ms, socket_retry_cb, m);
}

static gboolean socket_connect(ListenMain *m, GError **error)
{
    g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
    if (!sock || !g_socket_connect(sock, m->addr, NULL, error)) {
        g_prefix_error(error, "listen: %s: ", g_unix_socket_address_get_path(G_UNIX_SOCKET_ADDRESS(m->addr)));
        return FALSE;
    }
    m->retry_ms = 500;
    m->conn = listen_conn_new(&m->cfg, g_steal_pointer(&sock), m->host, socket_closed, m);
    return TRUE;
}

/* ---- --listen PATH: guests connect to us, several at once ---- */

static void accepted_free(ListenAccepted *a)
{
    listen_conn_free(a->conn);
    g2h_host_free(a->host);
    g_free(a);
}

static void accepted_closed(ListenConn *conn, ListenClose why, gpointer data)
{
    (void)conn;
    (void)why;
    ListenAccepted *a = data;
    ListenMain *m = a->m;
    g_ptr_array_remove(m->accepted, a);   /* frees a and its connection */
    if (m->once && why != LISTEN_CLOSE_OWNER)
        g_main_loop_quit(m->loop);
}

static gboolean server_accept(GSocket *server, GIOCondition cond, gpointer data)
{
    (void)cond;
    ListenMain *m = data;
    for (;;) {
        g_autoptr(GError) err = NULL;
        g_autoptr(GSocket) sock = g_socket_accept(server, NULL, &err);
        if (!sock) {
            if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                listen_log("accept: %s", err->message);
            break;
        }
        if (m->accepted->len >= LISTEN_MAX_CONNECTIONS) {
            listen_log("%d guests connected already; one more refused", LISTEN_MAX_CONNECTIONS);
            continue;
        }
        ListenAccepted *a = g_new0(ListenAccepted, 1);
        a->m = m;
        a->host = g2h_host_new_with_kv(m->kv, m->guest, NULL);
        g2h_host_set_denied(a->host, (const char *const *)m->deny);
        g_ptr_array_add(m->accepted, a);
        a->conn = listen_conn_new(&m->cfg, g_steal_pointer(&sock), a->host, accepted_closed, a);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean server_start(ListenMain *m, const char *path, GError **error)
{
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    m->server = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
    if (!m->server || !g_socket_bind(m->server, addr, TRUE, error) || !g_socket_listen(m->server, error)) {
        g_prefix_error(error, "listen: %s: ", path);
        return FALSE;
    }
    g_socket_set_blocking(m->server, FALSE);
    m->accepted = g_ptr_array_new_with_free_func((GDestroyNotify)accepted_free);
    m->accept_src = g_socket_create_source(m->server, G_IO_IN, NULL);
    g_source_set_callback(m->accept_src, G_SOURCE_FUNC(server_accept), m, NULL);
    g_source_attach(m->accept_src, NULL);
    return TRUE;
}

/* ---- options ---- */

/* What the command line says (global options included). */
typedef struct ListenArgs {
    ProbeOptions opts;
    char *listen_path, *state_dir, *guest, *hooks_dir, *log_path;
    char **deny_args;
    gboolean once;
    int read_timeout, hook_timeout;
} ListenArgs;

static void listen_args_clear(ListenArgs *a)
{
    probe_options_clear(&a->opts);
    g_free(a->listen_path);
    g_free(a->state_dir);
    g_free(a->guest);
    g_free(a->hooks_dir);
    g_free(a->log_path);
    g_strfreev(a->deny_args);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ListenArgs, listen_args_clear)

/* The error of a step that failed for its own reason, as the exit status the user sees. */
static void listen_recode(GError *error, int code)
{
    error->domain = PROBE_ERROR;
    error->code = code;
}

static gboolean listen_fail(GError **error, int code, const char *msg)
{
    g_set_error_literal(error, PROBE_ERROR, code, msg);
    return FALSE;
}

/* --deny host-kv-set,host-log --deny host-get-identity */
static char **listen_parse_deny(char **args, GError **error)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    for (char **a = args; a && *a; a++) {
        g_auto(GStrv) parts = g_strsplit(*a, ",", -1);
        for (char **p = parts; *p; p++) {
            g_strstrip(*p);
            if (!**p)
                continue;
            if (!g_str_has_prefix(*p, "host-") || !g2h_host_request_name(*p)) {
                g_set_error(error, PROBE_ERROR, PROBE_ERROR_USAGE,
                            "listen: --deny %s: not a host-* request of the schema (see docs/COMMANDS.md)", *p);
                return NULL;
            }
            g_ptr_array_add(names, g_strdup(*p));
        }
    }
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

static const char listen_summary[] =
    "Serve guests' guest-driven channel (org.qgacompat.g2h.0): print their events and requests as JSON lines "
    "on stdout, answer host-hello, host-get-time, host-get-identity, host-kv-set/get/list and host-log, run "
    "the admin's hooks for events. Nothing the guest sends is ever run.\n\n"
    "Where the guests are (one of):\n"
    "  --connect URI [--domain NAME]...  every running domain of URI (or the named ones, by name or UUID):\n"
    "                                    each domain's org.qgacompat.g2h.0 socket (source mode='bind') from\n"
    "                                    its live XML, followed through start/stop/migration events; key/value\n"
    "                                    pairs in DIR/UUID.kv; output lines carry \"domain\" and \"uuid\"\n"
    "  --socket PATH                     one channel socket (a QEMU chardev in server mode); reconnects\n"
    "  --listen PATH                     create PATH and accept guests on it (several at once)\n"
    "With --socket/--listen the guest is --guest NAME (default: --domain, else \"guest\"), its pairs in DIR/NAME.kv\n"
    "and output lines carry \"guest\".\n\n"
    "Output (stdout, one JSON object per line): {\"guest\"|\"domain\"+\"uuid\", \"event\": EVENT} for each accepted\n"
    "event, {..., \"request\": REQUEST} for each request, {..., \"connection\": \"open\"|\"closed\"|\"closed: REASON\"}.\n"
    "Diagnostics (skipped hooks, hook output, retries) go to stderr.\n\n"
    "Limits per guest: a message is one line of at most 64 KiB, valid UTF-8, nested at most 16 deep, of a\n"
    "declared shape (else dropped); 20 messages/s with bursts of 50 (over it: dropped; 1000 over-runs in one\n"
    "connection: disconnected); a message not complete within --read-timeout: disconnected; replies the\n"
    "guest does not read (256 KiB): disconnected.\n\n"
    "Hooks (--hooks-dir): for every accepted event, each executable regular file directly in DIR, sorted\n"
    "by name (dot-files, symlinks, files not owned by root or us, group/world-writable files skipped), runs\n"
    "with argv [PATH], environment QGA_DOMAIN, QGA_DOMAIN_UUID (with --connect), QGA_EVENT and a fixed PATH,\n"
    "stdin the event's output line; its output goes to stderr as \"hook NAME: ...\". At most 4 run at once, 64\n"
    "wait (16 per guest; overflow dropped and reported), each killed after --hook-timeout seconds.";

static gboolean listen_reopen_log(gpointer data)
{
    listen_log_reopen();
    return G_SOURCE_CONTINUE;
}

static gboolean listen_parse_args(ListenArgs *a, int *argc, char ***argv, GError **error)
{
    GOptionEntry entries[] = {
        { "listen", 0, 0, G_OPTION_ARG_FILENAME, &a->listen_path,
          "Create this UNIX socket and accept guests on it", "PATH" },
        { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &a->state_dir,
          "Keep each guest's key/value pairs in DIR (required)", "DIR" },
        { "guest", 0, 0, G_OPTION_ARG_STRING, &a->guest,
          "With --socket/--listen: the guest's name in output and state "
          "(default: --domain, else \"guest\")",
          "NAME" },
        { "once", 0, 0, G_OPTION_ARG_NONE, &a->once,
          "With --socket/--listen: exit when the first connection ends", NULL },
        { "deny", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a->deny_args,
          "Answer these host-* requests with \"denied by the host's policy\" "
          "(repeatable, comma-separated)",
          "REQ[,REQ]" },
        { "hooks-dir", 0, 0, G_OPTION_ARG_FILENAME, &a->hooks_dir,
          "Run the executables in DIR for every accepted event (see below)", "DIR" },
        { "hook-timeout", 0, 0, G_OPTION_ARG_INT, &a->hook_timeout,
          "Kill a hook still running after S seconds (default 30)", "S" },
        { "log", 0, 0, G_OPTION_ARG_FILENAME, &a->log_path,
          "Also append every output and diagnostic line, timestamped, to FILE "
          "(reopened on SIGHUP)",
          "FILE" },
        { "read-timeout", 0, 0, G_OPTION_ARG_INT, &a->read_timeout,
          "Disconnect a guest whose message stays incomplete for S seconds "
          "(default 10; 0: never)",
          "S" },
        G_OPTION_ENTRY_NULL,
    };
    return probe_options_parse(&a->opts, "listen", "", listen_summary, entries, FALSE, argc, argv,
                               error);
}

/* --connect or --domain without --socket/--listen: serve libvirt's domains. */
static gboolean listen_libvirt_mode(const ListenArgs *a)
{
    return !a->listen_path && !a->opts.socket_path && (a->opts.uri || a->opts.domains);
}

/* The combinations and ranges the options allow; argc: what is left after them. */
static gboolean listen_check_args(const ListenArgs *a, int argc, GError **error)
{
    const ProbeOptions *o = &a->opts;
    gboolean libvirt_mode = listen_libvirt_mode(a);

    if (argc > 1)
        return listen_fail(error, PROBE_ERROR_USAGE,
                           "listen: takes no arguments (see qga-probe listen --help)");
    if (!a->state_dir)
        return listen_fail(error, PROBE_ERROR_USAGE,
                           "listen: needs --state-dir DIR (see qga-probe listen --help)");
    if ((a->listen_path && o->socket_path) || (o->uri && (a->listen_path || o->socket_path)) ||
        (!libvirt_mode && !a->listen_path && !o->socket_path))
        return listen_fail(error, PROBE_ERROR_USAGE,
                           "listen: needs exactly one of --connect URI, --socket PATH or "
                           "--listen PATH (see qga-probe listen --help)");
    if (libvirt_mode && (a->once || a->guest))
        return listen_fail(error, PROBE_ERROR_USAGE,
                           "listen: --once and --guest go with --socket "
                           "or --listen, not --connect");
    if (a->read_timeout < 0 || a->read_timeout > 3600 || a->hook_timeout < 1 ||
        a->hook_timeout > 3600)
        return listen_fail(error, PROBE_ERROR_USAGE,
                           "listen: --read-timeout wants 0..3600 seconds, --hook-timeout 1..3600");
    if (o->channel)
        return listen_fail(error, PROBE_ERROR_USAGE,
                           "listen: --channel does not apply (the channel is " LISTEN_CHANNEL ")");
    return TRUE;
}

/* The state directory and the --log file, before anything is served. */
static gboolean listen_prepare_files(const ListenArgs *a, GError **error)
{
    if (g_mkdir_with_parents(a->state_dir, 0700) < 0) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_IO, "listen: cannot create %s", a->state_dir);
        return FALSE;
    }
    if (a->log_path && listen_log_open(a->log_path, error) < 0) {
        g_prefix_error(error, "listen: --log: ");
        listen_recode(*error, PROBE_ERROR_IO);
        return FALSE;
    }
    return TRUE;
}

/* ---- running ---- */

static gboolean listen_start_libvirt(ListenMain *m, const ListenArgs *a, GError **error)
{
    ListenLibvirtConfig lcfg = {
        .uri = a->opts.uri,
        .domains = (const char *const *)a->opts.domains,
        .state_dir = a->state_dir,
        .deny = (const char *const *)m->deny,
        .conn = m->cfg,
    };
    m->lv = listen_libvirt_start(&lcfg, error);
    if (!m->lv && (*error)->domain == PROBE_ERROR && (*error)->code == PROBE_ERROR_FAILED)
        (*error)->code = PROBE_ERROR_CONNECT;
    return m->lv != NULL;
}

/* --socket or --listen: one guest, named by --guest (or --domain). */
static gboolean listen_start_guest(ListenMain *m, const ListenArgs *a, GError **error)
{
    m->guest = g_strdup(a->guest ? a->guest : a->opts.domain ? a->opts.domain : "guest");
    m->kv = g2h_kv_open(a->state_dir, m->guest, error);
    if (!m->kv) {
        g_prefix_error(error, "listen: ");
        listen_recode(*error, PROBE_ERROR_IO);
        return FALSE;
    }
    if (a->listen_path) {
        if (!server_start(m, a->listen_path, error)) {
            listen_recode(*error, PROBE_ERROR_CONNECT);
            return FALSE;
        }
        return TRUE;
    }
    m->addr = g_unix_socket_address_new(a->opts.socket_path);
    m->host = g2h_host_new_with_kv(m->kv, m->guest, NULL);
    g2h_host_set_denied(m->host, (const char *const *)m->deny);
    if (!socket_connect(m, error)) {
        listen_recode(*error, PROBE_ERROR_CONNECT);
        return FALSE;
    }
    return TRUE;
}

/* Shutting down: every open guest gets its "closed" line. */
static void listen_stop(ListenMain *m, const char *listen_path)
{
    listen_libvirt_free(m->lv);
    if (m->accept_src) {
        g_source_destroy(m->accept_src);
        g_source_unref(m->accept_src);
    }
    if (m->accepted) {
        m->once = FALSE;
        while (m->accepted->len) {
            ListenAccepted *a = g_ptr_array_index(m->accepted, m->accepted->len - 1);
            listen_conn_close(a->conn, LISTEN_CLOSE_OWNER, "closed: listener stopping");
        }
        g_ptr_array_unref(m->accepted);
    }
    if (m->server) {
        g_socket_close(m->server, NULL);
        g_object_unref(m->server);
        unlink(listen_path);
    }
    if (m->retry)
        g_source_remove(m->retry);
    if (m->conn) {
        ListenConn *c = m->conn;
        m->once = TRUE;
        listen_conn_close(c, LISTEN_CLOSE_OWNER, "closed: listener stopping");
    }
    g2h_host_free(m->host);
    g_clear_object(&m->addr);
    g2h_kv_unref(m->kv);
    g_free(m->guest);
    listen_hooks_free(m->cfg.hooks);
}

int probe_cmd_listen(int argc, char **argv)
{
    g_auto(ListenArgs) a = { .read_timeout = LISTEN_DEFAULT_READ_TIMEOUT,
                             .hook_timeout = LISTEN_DEFAULT_HOOK_TIMEOUT };
    g_auto(GStrv) deny = NULL;
    g_autoptr(GError) error = NULL;

    if (!listen_parse_args(&a, &argc, &argv, &error) || !listen_check_args(&a, argc, &error) ||
        !(deny = listen_parse_deny(a.deny_args, &error)) || !listen_prepare_files(&a, &error))
        return probe_error_report(error, a.opts.json);

    signal(SIGPIPE, SIG_IGN);
    ListenMain m = { .once = a.once, .deny = deny };
    m.cfg.read_timeout_s = (guint)a.read_timeout;
    if (a.hooks_dir &&
        !(m.cfg.hooks = listen_hooks_new(a.hooks_dir, (guint)a.hook_timeout, &error)))
        return probe_error_report(error, a.opts.json);
    m.loop = g_main_loop_new(NULL, FALSE);
    guint sig_int = g_unix_signal_add(SIGINT, listen_quit, &m);
    guint sig_term = g_unix_signal_add(SIGTERM, listen_quit, &m);
    guint sig_hup = g_unix_signal_add(SIGHUP, listen_reopen_log, NULL);
    gboolean started = listen_libvirt_mode(&a) ? listen_start_libvirt(&m, &a, &error)
                                               : listen_start_guest(&m, &a, &error);
    int code = 0;

    if (started)
        g_main_loop_run(m.loop);
    else
        code = probe_error_report(error, a.opts.json);
    listen_stop(&m, a.listen_path);
    g_source_remove(sig_int);
    g_source_remove(sig_term);
    g_source_remove(sig_hup);
    g_main_loop_unref(m.loop);
    listen_log_close();
    return code;
}

/* `qga-probe listen`: serves one guest's guest-driven channel (org.qgacompat.g2h.0) on a UNIX socket. */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <stdio.h>
#include <string.h>

#include "g2h-host.h"
#include "probe.h"

/* A guest that over-runs the bucket this many times in one connection is cut off: dropping
 * alone would still cost the listener a read per message. */
#define LISTEN_FLOOD_DISCONNECT 1000

typedef struct Listen {
    G2hHost *host;
    const char *guest;
} Listen;

static void listen_print(const char *guest, const char *what, const char *detail)
{
    g_autofree char *g = g_strescape(guest, NULL);
    printf("{\"guest\":\"%s\",\"%s\":\"%s\"}\n", g, what, detail);
    fflush(stdout);
}

/* GSocket has no send-all; a short write on a blocking socket just continues. */
static gboolean listen_send_all(GSocket *sock, const char *data, gsize len)
{
    while (len) {
        gssize n = g_socket_send(sock, data, len, NULL, NULL);
        if (n <= 0)
            return FALSE;
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* Serves one connection until EOF, an I/O error or a flood. Messages end with "\n" (the agent
 * writes one after each); a line longer than the cap is discarded up to its end and counted. */
static void listen_serve(Listen *l, GSocket *sock)
{
    g_autoptr(GByteArray) line = g_byte_array_new();
    gboolean skipping = FALSE;
    guint throttled = 0;
    char chunk[4096];

    listen_print(l->guest, "connection", "open");
    for (;;) {
        gssize n = g_socket_receive(sock, chunk, sizeof(chunk), NULL, NULL);
        if (n <= 0)
            break;
        for (gssize i = 0; i < n; i++) {
            if (chunk[i] != '\n') {
                if (skipping)
                    continue;
                if (line->len >= G2H_HOST_MAX_MESSAGE) {
                    /* Feeding an oversized text lets the policy count it as dropped. */
                    skipping = TRUE;
                    continue;
                }
                g_byte_array_append(line, (const guint8 *)&chunk[i], 1);
                continue;
            }
            if (skipping)
                g_byte_array_append(line, (const guint8 *)"x", 1);   /* over the cap: dropped */
            skipping = FALSE;
            if (line->len == 0)
                continue;
            g_autofree char *reply = NULL, *record = NULL;
            G2hHostVerdict v = g2h_host_handle(l->host, (const char *)line->data, line->len,
                                               g_get_monotonic_time(), &reply, &record);
            g_byte_array_set_size(line, 0);
            throttled += v == G2H_HOST_THROTTLED;
            if (throttled >= LISTEN_FLOOD_DISCONNECT) {
                listen_print(l->guest, "connection", "closed: flood");
                return;
            }
            if (record) {
                printf("%s\n", record);
                fflush(stdout);
            }
            if (reply) {
                g_autofree char *out = g_strconcat(reply, "\n", NULL);
                if (!listen_send_all(sock, out, strlen(out))) {
                    listen_print(l->guest, "connection", "closed: write failed");
                    return;
                }
            }
        }
    }
    listen_print(l->guest, "connection", "closed");
}


int probe_cmd_listen(int argc, char **argv)
{
    g_auto(ProbeOptions) opts = { 0 };
    g_autofree char *listen_path = NULL, *state_dir = NULL, *guest = NULL;
    gboolean once = FALSE;
    g_autoptr(GError) error = NULL;
    GOptionEntry entries[] = {
        { "listen", 0, 0, G_OPTION_ARG_FILENAME, &listen_path, "Create this UNIX socket and wait for the guest on it", "PATH" },
        { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "Keep the guest's key/value pairs in DIR/GUEST.kv (required)", "DIR" },
        { "guest", 0, 0, G_OPTION_ARG_STRING, &guest, "The guest's name in output and state (default: --domain, else \"guest\")", "NAME" },
        { "once", 0, 0, G_OPTION_ARG_NONE, &once, "Exit when the first connection ends", NULL },
        G_OPTION_ENTRY_NULL,
    };

    if (!probe_options_parse(&opts, "listen", "",
            "Serve one guest's guest-driven channel (org.qgacompat.g2h.0): print its events and requests as "
            "JSON lines, answer host-hello, host-get-time, host-kv-set/get/list and host-log. --socket PATH "
            "connects to the channel's socket (a QEMU chardev in server mode); --listen PATH creates one for "
            "the guest to connect to. Nothing the guest sends is ever run.",
            entries, FALSE, &argc, &argv, &error))
        return probe_error_report(error, opts.json);
    if (argc > 1 || !state_dir || (!listen_path) == (!opts.socket_path)) {
        g_set_error(&error, PROBE_ERROR, PROBE_ERROR_USAGE,
                    "listen: needs --state-dir and exactly one of --socket or --listen (see qga-probe listen --help)");
        return probe_error_report(error, opts.json);
    }
    Listen l = { .guest = guest ? guest : opts.domain ? opts.domain : "guest" };
    if (g_mkdir_with_parents(state_dir, 0700) < 0) {
        g_set_error(&error, PROBE_ERROR, PROBE_ERROR_IO, "listen: cannot create %s", state_dir);
        return probe_error_report(error, opts.json);
    }
    l.host = g2h_host_new(state_dir, l.guest, &error);
    if (!l.host) {
        g_prefix_error(&error, "listen: ");
        error->domain = PROBE_ERROR;
        error->code = PROBE_ERROR_IO;
        return probe_error_report(error, opts.json);
    }
    g_autoptr(G2hHost) host = l.host;
    g_autoptr(GSocket) server = NULL;
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(listen_path ? listen_path : opts.socket_path);
    if (listen_path) {
        server = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
        if (!server || !g_socket_bind(server, addr, TRUE, &error) || !g_socket_listen(server, &error)) {
            g_prefix_error(&error, "listen: %s: ", listen_path);
            error->domain = PROBE_ERROR;
            error->code = PROBE_ERROR_CONNECT;
            return probe_error_report(error, opts.json);
        }
    }
    do {
        g_autoptr(GSocket) conn = NULL;
        if (server) {
            conn = g_socket_accept(server, NULL, &error);
        } else {
            conn = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
            if (conn && !g_socket_connect(conn, addr, NULL, &error))
                g_clear_object(&conn);
        }
        if (!conn) {
            g_prefix_error(&error, "listen: ");
            error->domain = PROBE_ERROR;
            error->code = PROBE_ERROR_CONNECT;
            return probe_error_report(error, opts.json);
        }
        listen_serve(&l, conn);
    } while (!once);
    return 0;
}

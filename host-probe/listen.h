/* `qga-probe listen`'s parts: one event loop (GMainLoop) serving many guests' g2h channels, hooks, libvirt domains. */
#pragma once
#include <gio/gio.h>

#include "g2h-host.h"

#define LISTEN_CHANNEL "org.qgacompat.g2h.0"
/* A guest that over-runs the bucket this many times in one connection is cut off: dropping
 * alone would still cost the listener a read per message. */
#define LISTEN_FLOOD_DISCONNECT 1000
/* Replies waiting for a guest that does not read: past this it is cut off. */
#define LISTEN_MAX_OUTPUT (256 * 1024)
/* Bytes read from one guest per turn of the loop, so a fast writer cannot starve the others. */
#define LISTEN_READ_BUDGET (64 * 1024)
#define LISTEN_MAX_CONNECTIONS 256   /* --listen: accepted guests at once */
#define LISTEN_DEFAULT_READ_TIMEOUT 10
#define LISTEN_DEFAULT_HOOK_TIMEOUT 30

typedef struct ListenHooks ListenHooks;
typedef struct ListenConn ListenConn;

/* Why a connection ended; the owner decides whether to reconnect and how soon. */
typedef enum ListenClose {
    LISTEN_CLOSE_EOF,        /* the peer hung up or an I/O error */
    LISTEN_CLOSE_POLICY,     /* we cut a hostile guest off (flood, slow writer, not reading) */
    LISTEN_CLOSE_OWNER,      /* listen_conn_close() by the owner */
} ListenClose;

typedef void (*ListenConnClosed)(ListenConn *conn, ListenClose why, gpointer data);

typedef struct ListenConfig {
    guint read_timeout_s;    /* a partial message older than this: disconnect */
    ListenHooks *hooks;      /* NULL without --hooks-dir */
} ListenConfig;

/* ---- listen-conn.c: one guest's connection, non-blocking, on the default main context ---- */

/* Takes the connected socket; host is borrowed (it outlives the connection: its rate bucket and
 * counters are the domain's). Prints the "open" line. */
ListenConn *listen_conn_new(const ListenConfig *cfg, GSocket *sock, G2hHost *host, ListenConnClosed closed,
                            gpointer data);
/* Prints the "closed: reason" line, stops all I/O and calls the closed callback (which may free
 * the connection); never call twice. */
void listen_conn_close(ListenConn *conn, ListenClose why, const char *reason);
void listen_conn_free(ListenConn *conn);

/* ---- listen-hooks.c: the admin's executables run per event, bounded, never blocking ---- */

ListenHooks *listen_hooks_new(const char *dir, guint timeout_s, GError **error);
void listen_hooks_free(ListenHooks *hooks);
/* Queues one run of every eligible hook for an accepted event. line: the printed record. */
void listen_hooks_event(ListenHooks *hooks, const char *domain, const char *uuid, const char *event,
                        const char *line);
guint listen_hooks_running(const ListenHooks *hooks);
guint64 listen_hooks_overflow(const ListenHooks *hooks);

/* ---- listen-events.c: libvirt's event callbacks dispatched by GLib's main loop ---- */

/* Installs it once (virEventRegisterImpl), before the first libvirt connection. */
void listen_libvirt_events_register(void);

/* ---- listen-libvirt.c: --connect: every (or the named) running domain's g2h channel ---- */

typedef struct ListenLibvirt ListenLibvirt;

typedef struct ListenLibvirtConfig {
    const char *uri;                 /* NULL: libvirt's default */
    const char *const *domains;      /* names or UUIDs; NULL: every running domain */
    const char *state_dir;
    const char *const *deny;
    ListenConfig conn;
} ListenLibvirtConfig;

ListenLibvirt *listen_libvirt_start(const ListenLibvirtConfig *cfg, GError **error);
void listen_libvirt_free(ListenLibvirt *lv);

/* One guest's g2h connection, non-blocking, on the default main context. */
#pragma once
#include <gio/gio.h>

#include "g2h-host.h"
#include "listen-hooks.h"

typedef struct ListenConn ListenConn;

/* Why a connection ended; the owner decides whether to reconnect and how soon. */
typedef enum ListenClose {
    LISTEN_CLOSE_EOF,    /* the peer hung up or an I/O error */
    LISTEN_CLOSE_POLICY, /* we cut a hostile guest off (flood, slow writer, not reading) */
    LISTEN_CLOSE_OWNER,  /* listen_conn_close() by the owner */
} ListenClose;

typedef void (*ListenConnClosed)(ListenConn *conn, ListenClose why, gpointer data);

typedef struct ListenConfig {
    guint read_timeout_s; /* a partial message older than this: disconnect */
    ListenHooks *hooks;   /* NULL without --hooks-dir */
} ListenConfig;

/* Takes the connected socket; host is borrowed (it outlives the connection: its rate bucket and
 * counters are the domain's). Prints the "open" line. */
ListenConn *listen_conn_new(const ListenConfig *cfg, GSocket *sock, G2hHost *host,
                            ListenConnClosed closed, gpointer data);
/* Prints the "closed: reason" line, stops all I/O and calls the closed callback (which may free
 * the connection); never call twice. */
void listen_conn_close(ListenConn *conn, ListenClose why, const char *reason);
void listen_conn_free(ListenConn *conn);

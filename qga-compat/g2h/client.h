/* The agent's side of the guest-driven channel (org.qgacompat.g2h.0), free of any OS: request ids, reply matching, the bounded event queue. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/config-g2h.h"
#include "core/error.h"
#include "core/json.h"

/*
 * The channel reverses QGA's roles (docs/G2H.md): the guest
 * writes {"execute":"host-...","arguments":{...},"id":N} and the host answers
 * {"return":...,"id":N} or {"error":{"class":..,"desc":..},"id":N}; events are QMP-shaped
 * {"event":..,"data":..,"timestamp":{"seconds":..,"microseconds":..}} and never answered.
 *
 * This module only turns calls into bytes and bytes into callbacks; the platform glue owns the
 * descriptor, the framer and the timers. Output is appended to a QgaBuf the glue drains, so
 * nothing here can block the main QGA channel.
 */

typedef struct QgaG2hClient QgaG2hClient;

/* Called exactly once per request: with the "return" value (borrowed) and error NULL, or with
 * result NULL and the host's error / a local one ("host disconnected"). */
typedef void (*QgaG2hReplyFunc)(void *opaque, const QgaJson *result, const QgaError *error);

#define QGA_G2H_PENDING_MAX 16       /* requests awaiting a reply at once */

/* queue_max: events kept while disconnected (0 = QGA_G2H_QUEUE_DEFAULT). */
QgaG2hClient *qga_g2h_client_new(size_t queue_max);
/* Pending requests are failed ("agent stopping") before the client goes. */
void qga_g2h_client_free(QgaG2hClient *client);

/* The host end is open: writes host-hello (version, os, capabilities) to out, then
 * EVENTS_DROPPED if events were lost, then every queued event, oldest first. The hello's reply
 * goes to reply_func. seconds/microseconds stamp the EVENTS_DROPPED event. */
int qga_g2h_client_connected(QgaG2hClient *client, QgaBuf *out, const char *version, const char *os,
                             const char *const *capabilities, QgaG2hReplyFunc reply_func, void *opaque,
                             int64_t seconds, int64_t microseconds, QgaError **error);
/* The host end went away: every pending request fails with "host disconnected"; events queue
 * again until the next qga_g2h_client_connected(). */
void qga_g2h_client_disconnected(QgaG2hClient *client);
bool qga_g2h_client_is_connected(const QgaG2hClient *client);

/* Sends a request (args: object taken, NULL for none). Fails when disconnected or when
 * QGA_G2H_PENDING_MAX requests already wait; reply_func is then not called. */
int qga_g2h_client_request(QgaG2hClient *client, QgaBuf *out, const char *name, QgaJson *args,
                           QgaG2hReplyFunc reply_func, void *opaque, uint64_t *ret_id, QgaError **error);

/* Emits an event (data: object taken, NULL for {}): written to out when connected, queued
 * otherwise; a full queue drops its oldest event and counts it. */
void qga_g2h_client_event(QgaG2hClient *client, QgaBuf *out, const char *name, QgaJson *data,
                          int64_t seconds, int64_t microseconds);

/* Hold events in the queue even while connected (the host stopped reading: the caller's output
 * is full), or release them: releasing appends the queued events (after EVENTS_DROPPED, if any
 * were lost) to out. */
void qga_g2h_client_hold(QgaG2hClient *client, bool hold, QgaBuf *out, int64_t seconds, int64_t microseconds);
bool qga_g2h_client_is_held(const QgaG2hClient *client);

/* One whole JSON text from the host (the glue's framer splits the stream). A reply to a pending
 * id calls its function; anything else is an error (the glue logs it and carries on). */
int qga_g2h_client_receive(QgaG2hClient *client, const char *text, size_t len, QgaError **error);

size_t qga_g2h_client_queued(const QgaG2hClient *client);
uint64_t qga_g2h_client_dropped(const QgaG2hClient *client);   /* not yet reported */
size_t qga_g2h_client_pending(const QgaG2hClient *client);

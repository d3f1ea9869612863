/* One host connection's protocol state: bytes in, reply bytes out. No I/O here. */
#pragma once

#include <stddef.h>

#include "dispatch.h"
#include "framer.h"

typedef struct QgaSession QgaSession;

QgaSession *qga_session_new(QgaDispatcher *dispatcher, const QgaFramerLimits *limits);
void qga_session_free(QgaSession *s);

/* Feed bytes read from the channel; replies are appended to the pending output, in request order. */
void qga_session_feed(QgaSession *s, const void *data, size_t len);
/* Bytes waiting to be written (pointer valid until the next feed/consume/reset). */
size_t qga_session_pending(const QgaSession *s, const void **ret_data);
void qga_session_consume(QgaSession *s, size_t n);
/* The host went away: drop the partial message and unsent replies. */
void qga_session_reset(QgaSession *s);

/* Test helper shared by the probe tests that drive the agent's g2h client: a reply callback that keeps what it was given. */
#pragma once
#include <glib.h>
#include <string.h>

#include "g2h/client.h"

typedef struct Reply {
    int calls;
    char *result;   /* the "return" value as JSON text, or NULL */
    char *error;    /* the error's desc, or NULL */
} Reply;

/* A QgaG2hReplyFunc; opaque is a Reply. */
static inline void on_reply(void *opaque, const QgaJson *result, const QgaError *error)
{
    Reply *r = opaque;
    r->calls++;
    g_free(r->result);
    g_free(r->error);
    r->result = result ? qga_json_to_string(result) : NULL;
    r->error = error ? g_strdup(error->desc) : NULL;
}

static inline void reply_clear(Reply *r)
{
    g_free(r->result);
    g_free(r->error);
    memset(r, 0, sizeof(*r));
}

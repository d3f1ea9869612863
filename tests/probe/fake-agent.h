/* A scripted fake guest agent on a UNIX socket, served from a thread, for the probe's error-path tests. */
#pragma once

#include <glib.h>

typedef enum FakeScenario {
    FAKE_GOOD,                   /* a small correct agent (qemu-ga's 0xFF parse-error noise included) */
    FAKE_GARBAGE_BEFORE_SYNC,    /* noise and an old 0xFF-less reply before the sentinel, then correct */
    FAKE_GARBAGE_AFTER_SENTINEL, /* the first sync answered with 0xFF + a non-JSON line, later ones right */
    FAKE_GARBAGE_ALWAYS,         /* every sync answered with 0xFF + a non-JSON line */
    FAKE_STALE_ID,               /* a delimited reply with an old id before the right one */
    FAKE_SPLIT,                  /* every reply written a few bytes at a time, with pauses */
    FAKE_HANG,                   /* reads everything, answers nothing */
    FAKE_HANG_AFTER_SYNC,        /* syncs, then never answers the first command (answers later ones) */
    FAKE_LATE,                   /* answers the first command 1.5 s late (after a 1 s client timeout) */
    FAKE_DISCONNECT,             /* syncs, then closes the connection on the first command */
    FAKE_LIMITED,                /* few commands; guest-get-users disabled; the rest CommandNotFound */
    FAKE_HOSTILE,                /* replies of the wrong type, escapes, huge or deeply nested */
} FakeScenario;

typedef struct FakeAgent FakeAgent;

/* Listen on a fresh socket in a temporary directory and serve clients one after the other. */
FakeAgent *fake_agent_start(FakeScenario scenario);
const char *fake_agent_socket(FakeAgent *fa);
/* Number of guest-sync-delimited requests seen, and of other commands seen, so far. */
guint fake_agent_syncs(FakeAgent *fa);
guint fake_agent_commands(FakeAgent *fa);
/* The bytes a pushed file holds in the fake guest (NULL if none). */
GBytes *fake_agent_file(FakeAgent *fa, const char *path);
void fake_agent_set_file(FakeAgent *fa, const char *path, const void *data, gsize len);
void fake_agent_stop(FakeAgent *fa);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeAgent, fake_agent_stop)

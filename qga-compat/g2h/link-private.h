/* What the files of the guest-driven channel's policy (link*.c) share: the link's state and the helpers each job calls. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "core/json.h"
#include "link.h"
#include "core/mem.h"

/*
 * One job per file, all on this one struct (the link is single-threaded, driven by the glue):
 *
 *   link.c        lifecycle, hello and intrinsic keys, output and its cap, heartbeats, timers
 *   link-kv.c     the host's view (host-get-identity, host-kv-*) mirrored into the state directory
 *   link-log.c    the agent's own log lines forwarded as host-log
 *   link-watch.c  the address (IP_ADDRESS_CHANGED) and free-space (FILESYSTEM_SPACE) watches
 *   link-time.c   suspend, resume and the resume time sync (host-get-time, CLOCK_CORRECTED)
 */

typedef struct G2hFsWatch {
    char *mountpoint;
    bool low;
} G2hFsWatch;

struct QgaG2hLink {
    QgaAgent *agent;
    QgaG2hClient *client;
    char *os;
    const char **capabilities; /* host-hello's list: the platform's OS events and ours */
    QgaBuf out, in;
    int64_t (*monotonic_ms)(void); /* the config's clocks, or the platform's */
    int64_t (*now_ns)(void);

    int64_t heartbeat_ms;
    int64_t heartbeat_due; /* -1: not armed (only while connected) */
    uint64_t heartbeat_sequence;

    /* link-watch.c */
    unsigned fs_threshold;
    int64_t fs_due; /* -1 when the watch is off */
    G2hFsWatch *fs;
    size_t n_fs;
    int64_t addresses_due; /* -1: no change waiting to settle */
    char *addresses_sent;  /* the list the host last learned, "\n"-joined */

    /* link-time.c */
    bool time_sync_on_resume;
    bool time_sync_wanted; /* resumed while the host was away: ask when it returns */
    int64_t time_asked_ms;

    /* link-kv.c: the host's view, mirrored into the state directory for guest software: the keys
     * still to read (host-kv-get, one at a time) and what was read so far. */
    QgaJson *kv_keys;
    size_t kv_next;
    QgaJson *kv_values;

    /* link-log.c: the agent's own log lines forwarded as host-log: only from the loop's thread
     * (the link is not thread-safe), never from inside a forward (a failure there logs too),
     * rate-limited. */
    uint64_t thread;
    bool forwarding;
    double log_tokens;
    int64_t log_refill_ms;
    uint64_t log_skipped;
};

/* ---- link.c: helpers for every job ---- */

/* The earlier of two deadlines, -1 being none. */
static inline int64_t g2h_link_earliest(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

/* The result of one of the agent's commands, through its dispatcher (NULL, logged at debug
 * level, when it fails or the allow/block lists disable it). */
QgaJson *g2h_link_run_command(QgaG2hLink *l, const char *name);
/* A string or unsigned member of an object, or NULL / false. */
const char *g2h_member_str(const QgaJson *obj, const char *key);
bool g2h_member_uint(const QgaJson *obj, const char *key, uint64_t *ret);
/* A request to the host (args: object taken, NULL for none); a refusal is logged. */
void g2h_link_request(QgaG2hLink *l, const char *name, QgaJson *args, QgaG2hReplyFunc func,
                      void *opaque);
void g2h_link_kv_set(QgaG2hLink *l, const char *key, const char *value);

/* ---- link-kv.c ---- */

/* After host-hello's reply: ask for what the host offers (identity, its keys). */
void g2h_link_kv_mirror_start(QgaG2hLink *l, const QgaJson *hello_reply);
/* Forgets a half-read mirror (disconnected, or the link goes). */
void g2h_link_kv_mirror_stop(QgaG2hLink *l);

/* ---- link-log.c ---- */

void g2h_link_log_start(QgaG2hLink *l, const QgaG2hLinkConfig *config);
void g2h_link_log_stop(QgaG2hLink *l);

/* ---- link-watch.c ---- */

void g2h_link_watch_init(QgaG2hLink *l, const QgaG2hLinkConfig *config);
void g2h_link_watch_free(QgaG2hLink *l);
/* On connect: guest.ip-addresses, which the host also learns IP_ADDRESS_CHANGED against. */
void g2h_link_watch_publish_addresses(QgaG2hLink *l);
/* The watches' timers, when due at now_ms (run_timers calls them around the heartbeat). */
void g2h_link_watch_run_addresses(QgaG2hLink *l, int64_t now_ms);
void g2h_link_watch_run_free_space(QgaG2hLink *l, int64_t now_ms);
/* The earlier of the two watches' deadlines, or -1. */
int64_t g2h_link_watch_deadline(const QgaG2hLink *l);

/* ---- link-time.c ---- */

/* On connect: a resume while the host was away asks the time now. */
void g2h_link_time_connected(QgaG2hLink *l);

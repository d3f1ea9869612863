/* The guest-driven channel's policy, free of any OS: what is sent when, on top of the client (hello, heartbeat, intrinsic keys, debounced address changes, resume time sync, free-space watch). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/agent.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "os/os.h"

/*
 * The platform glue (host/<os>/g2h-port.c) owns the port: it opens it, waits for the
 * host, moves bytes and keeps one timer. Everything else lives here, so both platforms behave
 * alike and the policy is tested once:
 *
 *   glue                                   link
 *   host end opened           ──────────▶  qga_g2h_link_connected()
 *   bytes read                ──────────▶  qga_g2h_link_feed()
 *   host end gone             ──────────▶  qga_g2h_link_disconnected()
 *   an OS event               ──────────▶  qga_g2h_link_event() / _addresses_changed() / _resumed()
 *   output buffer             ◀──────────  qga_g2h_link_output(): write it, consume what was taken
 *   one timer                 ◀──────────  qga_g2h_link_deadline_ms(): re-arm after every call
 *   timer fired               ──────────▶  qga_g2h_link_run_timers()
 *
 * Nothing here blocks: output only accumulates in a buffer the glue drains, and is capped
 * (QGA_G2H_LINK_OUTPUT_MAX) so a host that stops reading costs bounded memory.
 */

typedef struct QgaG2hLink QgaG2hLink;

#define QGA_G2H_LINK_MAX_LINE (64 * 1024)          /* a host reply longer than this is junk */
#define QGA_G2H_LINK_OUTPUT_MAX ((size_t)1 << 20)  /* unsent bytes kept for a slow host */
#define QGA_G2H_ADDRESS_SETTLE_MS 1000             /* address changes come in bursts */

typedef struct QgaG2hLinkConfig {
    const char *os;                      /* "linux" or "windows", sent in host-hello */
    const char *const *os_events;        /* NULL-terminated: the OS events this platform reports,
                                          * qga_g2h_os_events (messages.h) less those whose watch
                                          * failed; names the schema does not give this platform
                                          * as origin "os" are not announced. The link adds its
                                          * own events and requests. */
    int64_t heartbeat_ms;                /* HEARTBEAT period while connected; 0 = none */
    size_t queue_max;                    /* events kept while the host is away; 0 = default */
    unsigned fs_free_threshold;          /* percent; 0 = no FILESYSTEM_SPACE watch */
    bool time_sync_on_resume;            /* after RESUMED: host-get-time, then set the clock */
    bool forward_log;                    /* the agent's log lines at forward_level or worse go */
    QgaLogLevel forward_level;           /* to the host as host-log (rate-limited) */
    /* The clocks the link reads (required): the glue passes qga_os_monotonic_ms and
     * qga_os_now_ns, tests a fake. */
    int64_t (*monotonic_ms)(void); /* timers: the clock of deadline_ms and run_timers */
    int64_t (*now_ns)(void);       /* wall clock: event timestamps, resume time sync */
} QgaG2hLinkConfig;

#define QGA_G2H_LOG_BURST 10             /* host-log lines at once ... */
#define QGA_G2H_LOG_PER_MINUTE 10        /* ... and sustained; the rest counted, then reported */
#define QGA_G2H_LOG_MAX 4000             /* bytes of one forwarded line (the host takes 4096) */

/* Queues AGENT_STARTED; with forward_log, takes the log's forward hook (one link per process).
 * agent is used to run the agent's own commands (host name, OS, addresses,
 * file systems) through its dispatcher, so allow/block lists apply to what the link reports. */
QgaG2hLink *qga_g2h_link_new(QgaAgent *agent, const QgaG2hLinkConfig *config);
void qga_g2h_link_free(QgaG2hLink *link);

/* The host end is open: host-hello, EVENTS_DROPPED if any were lost, the queued events, then the
 * guest's intrinsic keys (guest.hostname, guest.os, guest.agent-version) through host-kv-set. */
void qga_g2h_link_connected(QgaG2hLink *link);
/* The host end went away: pending requests fail, events queue again. Unsent output is dropped. */
void qga_g2h_link_disconnected(QgaG2hLink *link);
bool qga_g2h_link_is_connected(const QgaG2hLink *link);

/* Bytes from the host (newline-delimited replies). -1: the host broke the protocol (a line over
 * QGA_G2H_LINK_MAX_LINE); the glue should drop the connection (and call _disconnected). */
int qga_g2h_link_feed(QgaG2hLink *link, const char *data, size_t len);

/* What to write to the host now; the glue qga_buf_consume()s what the port took. */
QgaBuf *qga_g2h_link_output(QgaG2hLink *link);

/* The next time (the config's monotonic_ms clock) qga_g2h_link_run_timers wants to run, or -1. */
int64_t qga_g2h_link_deadline_ms(const QgaG2hLink *link);
void qga_g2h_link_run_timers(QgaG2hLink *link, int64_t now_ms);

/* An OS event (data: object taken, NULL for {}), stamped now: sent, or queued while away. */
void qga_g2h_link_event(QgaG2hLink *link, const char *name, QgaJson *data);
/* The OS reported an address change: IP_ADDRESS_CHANGED once they settle (and only if the
 * address list differs from the last one sent). */
void qga_g2h_link_addresses_changed(QgaG2hLink *link);
/* SUSPENDING / RESUMED; after a resume, with time_sync_on_resume, ask the host the time (now, or
 * as soon as it is connected) and set the clock, then CLOCK_CORRECTED. */
void qga_g2h_link_suspending(QgaG2hLink *link);
void qga_g2h_link_resumed(QgaG2hLink *link);
/* The agent is stopping: AGENT_STOPPING into the output if connected (the glue flushes it). */
void qga_g2h_link_stopping(QgaG2hLink *link);

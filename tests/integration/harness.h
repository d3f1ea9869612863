/* Integration harness: runs the real agent on a UNIX socket and speaks raw bytes to it. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * How the agent is started
 * ------------------------
 * Like QEMU's tests/unit/test-qga.c, every agent runs as
 *
 *     [LAUNCHER...] AGENT -m unix-listen -p DIR/sock -t DIR [EXTRA...]
 *
 * with cwd = DIR, a fresh temporary directory. AGENT is $QGA_AGENT (set by
 * meson to the Linux build's qga-compat), or $QGA_TESTSEAM for the tests that
 * need the test-seam binary (guest-set-time recorded, never applied).
 *
 * Launcher contract (the Wine tier substitutes the Windows .exe this way):
 * when $QGA_AGENT_LAUNCHER is set, it is split like a shell command line and
 * put in front of the argv above. The launcher must then:
 *   - start the agent it stands for (it may ignore AGENT and run its own, e.g.
 *     `wine qga-compat.exe -m isa-serial -p COM5 ...`), passing EXTRA through
 *     and translating -m/-p to its own channel;
 *   - expose that agent's channel as a listening UNIX stream socket at the -p
 *     path (a bridge), serving one client connection at a time, and forward
 *     bytes both ways unchanged;
 *   - pass the environment through (QGA_CONF, QGA_OS_RELEASE, TZ, QGA_TEST_RECORD);
 *   - on SIGTERM, stop the agent the way its platform stops it (the service
 *     stop control), remove the socket file, and exit with the agent's exit
 *     status (0 for a clean stop);
 *   - die with its parent (the harness sets PR_SET_PDEATHSIG on it) and take
 *     the agent down too;
 *   - optionally write the agent's Linux PID (decimal) to $QGA_AGENT_PID_FILE
 *     (set by the harness) so the resource checks (/proc/PID/status VmHWM,
 *     /proc/PID/stat CPU time) measure the agent, not the launcher.
 * $QGA_AGENT_PLATFORM ("posix" by default, "win32" under the launcher) lets a
 * test skip what only a POSIX agent can do (os-release fixtures, uname
 * comparisons); such a skip is reported in the TAP output, never silent.
 */

typedef struct QgaTestAgentOptions {
    const char *binary;              /* NULL = $QGA_AGENT */
    const char *const *extra_args;   /* NULL-terminated, may be NULL */
    const char *const *env;          /* "NAME=VALUE" added to the environment, NULL-terminated */
} QgaTestAgentOptions;

typedef struct QgaTestAgent {
    char *dir;            /* temporary directory (cwd and statedir of the agent) */
    char *sock_path;      /* DIR/sock */
    char *record_path;    /* DIR/record: QGA_TEST_RECORD for the test-seam binary */
    GPid pid;             /* the spawned process (agent or launcher) */
    int status;           /* wait status once reaped */
    bool reaped;
} QgaTestAgent;

typedef struct QgaTestClient {
    int fd;
    GByteArray *rx;       /* received bytes; those from rx_off on are not consumed yet */
    size_t rx_off;
    bool eof;             /* the agent closed the connection */
} QgaTestClient;

/* Default timeout for one expected reply, in milliseconds. */
#define QGA_TEST_TIMEOUT_MS 20000

/* Start an agent and wait until its socket accepts connections (asserts). */
QgaTestAgent *qga_test_agent_start(const QgaTestAgentOptions *opts);
/* Same with defaults and optional extra arguments (NULL-terminated list). */
QgaTestAgent *qga_test_agent_start_args(const char *first_arg, ...) G_GNUC_NULL_TERMINATED;
/*
 * SIGTERM the agent, require exit status 0 within 10 s and the socket file
 * removed (upstream's teardown rule), then delete the directory.
 */
void qga_test_agent_stop(QgaTestAgent *agent);
/* PID whose resources the tests measure (the agent's, see the launcher contract). */
pid_t qga_test_agent_measured_pid(const QgaTestAgent *agent);
/* True when the agent process is still running (reaps it if it exited). */
bool qga_test_agent_alive(QgaTestAgent *agent);
bool qga_test_agent_is_posix(void);
/*
 * True when reply is the error a Windows agent gives under Wine for a command Wine cannot back
 * (tests/wine/UNSUPPORTED.md), e.g. guest-get-load without PDH counters: a GenericError, never a
 * faked result. Always false for a POSIX agent. The test then logs it and checks nothing more.
 */
bool qga_test_wine_cannot(const char *command, JsonObject *reply);

QgaTestClient *qga_test_connect(const QgaTestAgent *agent);
void qga_test_client_close(QgaTestClient *client);

/* Write everything (blocking, with a timeout; asserts). */
void qga_test_send(QgaTestClient *client, const void *data, size_t len);
void qga_test_send_str(QgaTestClient *client, const char *text);
/*
 * Non-blocking write of as much as fits within timeout_ms while draining
 * whatever the agent sends into client->rx (so a full reply pipe never
 * deadlocks the test). Returns the number of bytes written.
 */
size_t qga_test_send_draining(QgaTestClient *client, const void *data, size_t len, int timeout_ms);

/* Received bytes not consumed yet. */
const guint8 *qga_test_pending(const QgaTestClient *client, size_t *ret_len);
/* Read more bytes into rx: > 0 bytes read, 0 at EOF, -1 on timeout (asserts on errors). */
gssize qga_test_fill(QgaTestClient *client, int timeout_ms);
/* Next "\n"-terminated line without the "\n" (raw bytes, may start with 0xFF); NULL on timeout/EOF. */
char *qga_test_read_line(QgaTestClient *client, int timeout_ms, size_t *ret_len);
/* Discard bytes up to and including the next 0xFF; returns the discarded bytes before it. */
GByteArray *qga_test_skip_to_ff(QgaTestClient *client, int timeout_ms);
/* Assert that nothing arrives within timeout_ms (no stray reply, no empty line). */
void qga_test_expect_silence(QgaTestClient *client, int timeout_ms);

/*
 * Check one reply line as a strict client would (libvirt's rules plus
 * qemu-ga's output format): pure printable ASCII, one JSON object holding
 * exactly one of "return"/"error" (plus "id" when given), an error holding
 * exactly "class" and "desc" strings. Returns the parsed object (owned).
 */
JsonObject *qga_test_parse_reply(const char *line, size_t len);
/* Read one line and parse it as a reply (asserts a line arrives). */
JsonObject *qga_test_recv(QgaTestClient *client);
/*
 * Send one request (a JSON text; "\n" appended) and read its reply. A
 * successful reply to a known command is checked against the schema's
 * declared return type (schema-check.h).
 */
JsonObject *qga_test_cmd(QgaTestClient *client, const char *request);
JsonObject *qga_test_cmdf(QgaTestClient *client, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Reply accessors (assert the shape). */
JsonNode *qga_test_reply_return(JsonObject *reply);
void qga_test_assert_error(JsonObject *reply, const char *error_class, const char *desc);
/* Like qga_test_assert_error, but desc only has to start with desc_prefix. */
void qga_test_assert_error_prefix(JsonObject *reply, const char *error_class, const char *desc_prefix);

/* /proc readers for the resource checks. */
long qga_test_proc_vmhwm_kb(pid_t pid);
long qga_test_proc_cpu_ticks(pid_t pid);

/*
 * A fixture file (os-release, config) in a per-process temporary directory
 * that is removed at exit; returns its path (owned).
 */
char *qga_test_fixture_file(const char *name, const char *content, gssize len);

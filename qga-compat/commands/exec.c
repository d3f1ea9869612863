/* Exec commands: guest-exec starts a child, guest-exec-status reports it (and forgets it once it ended). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "families.h"
#include "core/agent.h"
#include "core/base64.h"
#include "os/exec.h"
#include "core/log.h"
#include "core/mem.h"
#include "qga-commands.h"

/*
 * Children whose status the host has not collected yet. qemu-ga keeps every entry until
 * guest-exec-status reports it exited, without bound: a host that starts programs and never
 * asks (fire-and-forget scripts) makes it grow forever. Here a full table first drops the
 * oldest entry whose child has already ended (logged); only when all 64 are still running does
 * guest-exec fail.
 */
#define EXEC_ENTRIES_MAX 64

typedef struct ExecEntry {
    int64_t pid;
    QgaOsChild *child;
} ExecEntry;

struct QgaExecTable {
    ExecEntry entries[EXEC_ENTRIES_MAX];   /* oldest first */
    size_t n;
};

void qga_exec_table_free(QgaExecTable *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        qga_os_exec_free(t->entries[i].child);
    free(t);
}

static QgaExecTable *exec_table(QgaAgent *agent)
{
    if (!agent->execs)
        agent->execs = qga_calloc(1, sizeof(QgaExecTable));
    return agent->execs;
}

static void remove_entry(QgaExecTable *t, size_t i)
{
    qga_os_exec_free(t->entries[i].child);
    memmove(&t->entries[i], &t->entries[i + 1], (t->n - i - 1) * sizeof(t->entries[0]));
    t->n--;
}

/* Room for one more entry: drop the oldest ended child nobody asked about. */
static int make_room(QgaExecTable *t, QgaError **error)
{
    if (t->n < EXEC_ENTRIES_MAX)
        return 0;
    for (size_t i = 0; i < t->n; i++) {
        QgaExecStatus st;
        qga_os_exec_status(t->entries[i].child, &st);
        if (st.exited) {
            qga_log_warning("guest-exec: dropping the uncollected status of pid %" PRId64
                            " (%d entries at most)", t->entries[i].pid, EXEC_ENTRIES_MAX);
            remove_entry(t, i);
            return 0;
        }
    }
    qga_error_generic(error, "too many guest-exec processes: %d are running and their status has not "
                      "been read with guest-exec-status", EXEC_ENTRIES_MAX);
    return -1;
}

/* A JSON array of strings as a NULL-terminated vector (pointers into the JSON), with first prepended. */
static const char **string_vector(const QgaJson *array, const char *first)
{
    size_t n = array ? qga_json_array_length(array) : 0;
    size_t skip = first ? 1 : 0;
    const char **v = qga_calloc(n + skip + 1, sizeof(*v));
    if (first)
        v[0] = first;
    for (size_t i = 0; i < n; i++)
        v[i + skip] = qga_json_get_string(qga_json_array_get(array, i), NULL);
    return v;
}

int qga_cmd_guest_exec(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    const char *path = qga_json_get_string(qga_json_object_get(args, "path"), NULL);
    const QgaJson *arg = qga_json_object_get(args, "arg");
    const QgaJson *env = qga_json_object_get(args, "env");
    const QgaJson *input = qga_json_object_get(args, "input-data");
    const QgaJson *capture = qga_json_object_get(args, "capture-output");

    QgaExecSpec spec = { .path = path, .capture = QGA_EXEC_CAPTURE_NONE };
    if (capture && qga_json_type(capture) == QGA_JSON_BOOL) {
        /* The original boolean form: true is both streams, separately. */
        spec.capture = qga_json_get_bool(capture) ? QGA_EXEC_CAPTURE_SEPARATED : QGA_EXEC_CAPTURE_NONE;
    } else if (capture && qga_exec_capture_parse(qga_json_get_string(capture, NULL), &spec.capture) < 0) {
        qga_error_generic(error, "Parameter 'capture-output' does not accept value '%s'",
                          qga_json_get_string(capture, NULL));
        return -1;
    }
    if (input) {
        size_t b64_len = 0;
        const char *b64 = qga_json_get_string(input, &b64_len);
        if (qga_base64_decode(b64, b64_len, &spec.input, &spec.input_len, error) < 0)
            return -1;
    }

    QgaExecTable *t = exec_table(agent);
    if (make_room(t, error) < 0) {
        free(spec.input);
        return -1;
    }
    _qga_cleanup_free_ const char **argv = string_vector(arg, path);
    _qga_cleanup_free_ const char **envp = env ? string_vector(env, NULL) : NULL;
    spec.argv = argv;
    spec.envp = envp;

    QgaOsChild *child = NULL;
    int64_t pid = 0;
    QgaError *err = NULL;
    if (qga_os_exec_start(&spec, &child, &pid, &err) < 0) {
        /* GLib's message inside qemu-ga's wrapper, as hosts have always seen it. */
        qga_error_generic(error, "Guest agent command failed, error was '%s'", err->desc);
        qga_error_free(err);
        return -1;
    }
    /* POSIX children are reaped as soon as they end, so the system may hand an uncollected
     * child's pid to this new one: the old entry can only be stale then. */
    for (size_t i = 0; i < t->n; i++) {
        if (t->entries[i].pid == pid) {
            qga_log_warning("guest-exec: pid %" PRId64 " was reused; dropping the old uncollected status", pid);
            remove_entry(t, i);
            break;
        }
    }
    t->entries[t->n++] = (ExecEntry){ pid, child };
    qga_log_info("guest-exec: '%s' started as pid %" PRId64 " (%zu arguments, capture %s)", path,
                 pid, arg ? qga_json_array_length(arg) : 0, qga_exec_capture_name(spec.capture));

    QgaJson *result = qga_json_object();
    qga_json_object_set_int(result, "pid", pid);
    *ret_result = result;
    return 0;
}

static QgaJson *base64_string(const char *data, size_t len)
{
    QgaBuf b = QGA_BUF_INIT;
    qga_base64_encode_append(&b, data, len);
    size_t n = 0;
    char *s = qga_buf_steal(&b, &n);
    return qga_json_string_take(s, n);
}

int qga_cmd_guest_exec_status(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    int64_t pid = qga_json_get_int(qga_json_object_get(args, "pid"));
    QgaExecTable *t = exec_table(agent);
    size_t i = 0;
    while (i < t->n && t->entries[i].pid != pid)
        i++;
    if (i == t->n) {
        /* qemu-ga means this text but prints "PID ld does not exist" (a lost '%'). */
        qga_error_generic(error, "PID %" PRId64 " does not exist", pid);
        return -1;
    }

    QgaExecStatus st;
    qga_os_exec_status(t->entries[i].child, &st);
    QgaJson *result = qga_json_object();
    qga_json_object_set_bool(result, "exited", st.exited);
    if (st.exited) {
        if (st.has_exitcode)
            qga_json_object_set_int(result, "exitcode", st.exitcode);
        if (st.has_signal)
            qga_json_object_set_int(result, "signal", st.signal);
        /* Data and its truncation flag only for a stream that produced bytes. qemu-ga pairs them
         * since its fix 28c5d27dd4 (10.1, 10.0.4); before, the flag appeared only when output was
         * truncated, and then said false. */
        if (st.out_len > 0) {
            qga_json_object_set(result, "out-data", base64_string(st.out, st.out_len));
            qga_json_object_set_bool(result, "out-truncated", st.out_truncated);
        }
        if (st.err_len > 0) {
            qga_json_object_set(result, "err-data", base64_string(st.err, st.err_len));
            qga_json_object_set_bool(result, "err-truncated", st.err_truncated);
        }
        remove_entry(t, i);
    }
    *ret_result = result;
    return 0;
}

/* Request handling: qemu-ga's request checks, command filters, error texts and reply framing. */
#include "dispatch.h"

#include <stdint.h>
#include <string.h>

#include "log.h"
#include "mem.h"

enum {
    LISTED_ALLOW = 1u << 0,
    LISTED_BLOCK = 1u << 1,
};

struct QgaDispatcher {
    const QgaCommandTable *table;
    QgaAgent *agent;
    bool have_allow_list;
    bool frozen;
    unsigned char *listed;      /* per command: LISTED_* */
    uint32_t *index;            /* open addressing: command index + 1, 0 = empty */
    size_t index_mask;
    QgaJson *empty_args;        /* handed to handlers when "arguments" is absent */
};

/* The sentinel that precedes a successful guest-sync-delimited reply (docs/PROTOCOL.md, "Resynchronisation"). */
#define QGA_SENTINEL_BYTE 0xFF

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

#define NOT_FOUND SIZE_MAX

/* Index of the command called `name`, or NOT_FOUND. */
static size_t find_command(const QgaDispatcher *d, const char *name)
{
    for (size_t slot = name_hash(name) & d->index_mask;; slot = (slot + 1) & d->index_mask) {
        uint32_t v = d->index[slot];
        if (v == 0)
            return NOT_FOUND;
        if (strcmp(d->table->commands[v - 1].name, name) == 0)
            return v - 1;
    }
}

QgaDispatcher *qga_dispatcher_new(const QgaCommandTable *table, QgaAgent *agent)
{
    QgaDispatcher *d = qga_calloc(1, sizeof(*d));
    d->table = table;
    d->agent = agent;
    d->listed = qga_calloc(table->n_commands ? table->n_commands : 1, 1);

    size_t slots = 16;
    while (slots < table->n_commands * 2)
        slots *= 2;
    d->index = qga_calloc(slots, sizeof(*d->index));
    d->index_mask = slots - 1;
    for (size_t i = 0; i < table->n_commands; i++) {
        size_t slot = name_hash(table->commands[i].name) & d->index_mask;
        while (d->index[slot] != 0)
            slot = (slot + 1) & d->index_mask;
        d->index[slot] = (uint32_t)(i + 1);
    }
    d->empty_args = qga_json_object();
    return d;
}

void qga_dispatcher_free(QgaDispatcher *d)
{
    if (!d)
        return;
    qga_json_free(d->empty_args);
    free(d->index);
    free(d->listed);
    free(d);
}

static void mark(QgaDispatcher *d, const char *const *names, size_t n, unsigned char flag)
{
    for (size_t i = 0; i < n; i++) {
        size_t idx = find_command(d, names[i]);
        if (idx != NOT_FOUND)   /* qemu-ga silently ignores names it does not know */
            d->listed[idx] |= flag;
    }
}

void qga_dispatcher_allow(QgaDispatcher *d, const char *const *names, size_t n)
{
    /* Any allow list, even one naming only unknown commands, turns the default to "deny". */
    if (n > 0)
        d->have_allow_list = true;
    mark(d, names, n, LISTED_ALLOW);
}

void qga_dispatcher_block(QgaDispatcher *d, const char *const *names, size_t n)
{
    mark(d, names, n, LISTED_BLOCK);
}

void qga_dispatcher_set_frozen(QgaDispatcher *d, bool frozen) { d->frozen = frozen; }

const QgaCommandTable *qga_dispatcher_table(const QgaDispatcher *d) { return d->table; }

bool qga_dispatcher_has(const QgaDispatcher *d, const char *name)
{
    return find_command(d, name) != NOT_FOUND;
}

static bool index_enabled(const QgaDispatcher *d, size_t idx)
{
    /*
     * qemu-ga (ga_command_is_allowed): frozen state decides alone, so a
     * blocked guest-ping is callable while frozen; otherwise an allow list
     * denies what it does not name and the block list wins over it.
     */
    if (d->frozen)
        return (d->table->commands[idx].flags & QGA_CMD_ALLOWED_WHILE_FROZEN) != 0;
    if (d->have_allow_list && !(d->listed[idx] & LISTED_ALLOW))
        return false;
    return !(d->listed[idx] & LISTED_BLOCK);
}

bool qga_dispatcher_is_enabled(const QgaDispatcher *d, const QgaCommandSpec *cmd)
{
    uintptr_t first = (uintptr_t)d->table->commands, p = (uintptr_t)cmd;
    if (p >= first && p < first + d->table->n_commands * sizeof(*cmd) && (p - first) % sizeof(*cmd) == 0)
        return index_enabled(d, (p - first) / sizeof(*cmd));
    size_t idx = find_command(d, cmd->name);
    return idx != NOT_FOUND && index_enabled(d, idx);
}

/*
 * Replies are written straight into the output buffer. Member order is what
 * qemu-ga's writer produces: it walks its QDict hash buckets, which puts
 * "return" before "id" but "id" before "error", and "class" before "desc".
 */
static void write_error(QgaBuf *out, const QgaJson *id, QgaErrorClass cls, const char *desc)
{
    qga_buf_append_byte(out, '{');
    if (id) {
        qga_buf_append(out, "\"id\": ", 6);
        qga_json_write(out, id);
        qga_buf_append(out, ", ", 2);
    }
    qga_buf_append_str(out, "\"error\": {\"class\": \"");
    qga_buf_append_str(out, qga_error_class_name(cls));
    qga_buf_append_str(out, "\", \"desc\": ");
    qga_json_write_string(out, desc, strlen(desc));
    qga_buf_append(out, "}}\n", 3);
}

static void write_return(QgaBuf *out, const QgaJson *id, const QgaJson *result)
{
    qga_buf_append(out, "{\"return\": ", 11);
    if (result)
        qga_json_write(out, result);
    else
        qga_buf_append(out, "{}", 2);   /* commands without a return type answer {} */
    if (id) {
        qga_buf_append(out, ", \"id\": ", 8);
        qga_json_write(out, id);
    }
    qga_buf_append(out, "}\n", 2);
}

/*
 * The bucket QEMU's QDict files a key under (its tdb-derived string hash
 * modulo 512 buckets). qmp-dispatch checks request members in bucket order,
 * so when a request has several bad members this decides which one is
 * reported.
 */
static unsigned qdict_bucket(const char *key)
{
    size_t len = strlen(key);
    uint32_t v = 0x238F13AFu * (uint32_t)len;
    for (size_t i = 0; i < len; i++)
        v += (uint32_t)(unsigned char)key[i] << (i * 5 % 24);
    return (1103515243u * v + 12345u) % 512u;
}

/*
 * qmp_dispatch_check_obj: only "execute" (a string), "arguments" (an
 * object) and "id" (anything) may appear; qemu-ga runs without OOB, so
 * "exec-oob" is just an unexpected member. The first offence in QDict
 * iteration order wins: lower bucket first, and within a bucket the later
 * member first (QDict prepends).
 */
static int check_request(const QgaJson *req, const char **ret_execute, const QgaJson **ret_args, QgaError **error)
{
    size_t n = qga_json_object_size(req);
    const char *execute = NULL;
    const QgaJson *args = NULL;
    size_t bad = SIZE_MAX;
    uint64_t bad_rank = UINT64_MAX;

    for (size_t k = 0; k < n; k++) {
        const char *key = qga_json_object_key_at(req, k);
        const QgaJson *value = qga_json_object_value_at(req, k);
        bool ok;
        if (strcmp(key, "execute") == 0) {
            ok = qga_json_type(value) == QGA_JSON_STRING;
            if (ok)
                execute = qga_json_get_string(value, NULL);
        } else if (strcmp(key, "arguments") == 0) {
            ok = qga_json_type(value) == QGA_JSON_OBJECT;
            if (ok)
                args = value;
        } else {
            ok = strcmp(key, "id") == 0;
        }
        if (!ok) {
            uint64_t rank = (uint64_t)qdict_bucket(key) * ((uint64_t)n + 1) + (n - k);
            if (rank < bad_rank) {
                bad_rank = rank;
                bad = k;
            }
        }
    }

    if (bad != SIZE_MAX) {
        const char *key = qga_json_object_key_at(req, bad);
        if (strcmp(key, "execute") == 0)
            qga_error_generic(error, "QMP input member 'execute' must be a string");
        else if (strcmp(key, "arguments") == 0)
            qga_error_generic(error, "QMP input member 'arguments' must be an object");
        else
            qga_error_generic(error, "QMP input member '%s' is unexpected", key);
        return -1;
    }
    if (!execute) {
        qga_error_generic(error, "QMP input lacks member 'execute'");
        return -1;
    }
    *ret_execute = execute;
    *ret_args = args;
    return 0;
}

/*
 * Find, check and run one command: what a request and an in-process call share. On success
 * *ret_cmd is the command's spec and *ret_result its handler's result (NULL: no return type).
 */
static int run_command(QgaDispatcher *d, const char *name, const QgaJson *args,
                       const QgaCommandSpec **ret_cmd, QgaJson **ret_result, QgaError **error)
{
    size_t idx = find_command(d, name);
    if (idx == NOT_FOUND) {
        qga_error_set(error, QGA_ERROR_COMMAND_NOT_FOUND, "The command %s has not been found", name);
        return -1;
    }
    const QgaCommandSpec *cmd = &d->table->commands[idx];
    if (!index_enabled(d, idx)) {
        /* Since 9.1 qemu-ga gives every disabled command (lists and frozen) this one reason. */
        qga_error_set(error, QGA_ERROR_COMMAND_NOT_FOUND,
                      "Command %s has been disabled: the command is not allowed", name);
        return -1;
    }

    if (!args)
        args = d->empty_args;   /* a missing "arguments" is the same as {} */
    if (qga_schema_check_args(cmd, args, error) < 0)
        return -1;

    if (cmd->flags & QGA_CMD_PRIVILEGED)
        qga_log_info("audit: %s called", cmd->name);

    QgaJson *result = NULL;
    if (cmd->handler(d->agent, args, &result, error) < 0) {
        qga_json_free(result);
        if (error && !*error)   /* a handler bug must still produce a reply */
            qga_error_generic(error, "%s failed without saying why", cmd->name);
        return -1;
    }
    *ret_cmd = cmd;
    *ret_result = result;
    return 0;
}

int qga_dispatch_call(QgaDispatcher *d, const char *name, const QgaJson *args, QgaJson **ret_result,
                      QgaError **error)
{
    const QgaCommandSpec *cmd;
    QgaJson *result;
    if (run_command(d, name, args, &cmd, &result, error) < 0)
        return -1;
    *ret_result = result ? result : qga_json_object(); /* what the reply's "return" would hold */
    return 0;
}

/* Run one parsed request object; on failure *error is set and nothing was written. */
static int run_request(QgaDispatcher *d, const QgaJson *req, QgaBuf *out, QgaError **error)
{
    const char *name;
    const QgaJson *args;
    if (check_request(req, &name, &args, error) < 0)
        return -1;

    const QgaCommandSpec *cmd;
    QgaJson *result;
    if (run_command(d, name, args, &cmd, &result, error) < 0)
        return -1;

    const QgaJson *id = qga_json_object_get(req, "id");
    if (cmd->flags & QGA_CMD_NO_SUCCESS_RESPONSE) {
        /* guest-shutdown & co: hosts wait for the channel to close, not for a reply. */
        qga_json_free(result);
        return 0;
    }
    if (cmd->flags & QGA_CMD_DELIMITED_REPLY)
        qga_buf_append_byte(out, QGA_SENTINEL_BYTE);
    write_return(out, id, result);
    qga_json_free(result);
    return 0;
}

void qga_dispatch_message(QgaDispatcher *d, const char *text, size_t len, QgaBuf *out)
{
    _qga_cleanup_error_ QgaError *err = NULL;
    const QgaJsonLimits limits = { .max_depth = QGA_JSON_MAX_DEPTH_DEFAULT };
    _qga_cleanup_json_ QgaJson *req = qga_json_parse(text, len, &limits, &err);

    if (!req) {
        /* A parse error never carries an id: there is no request to take it from. */
        write_error(out, NULL, err->error_class, err->desc);
        return;
    }
    if (qga_json_type(req) != QGA_JSON_OBJECT) {
        write_error(out, NULL, QGA_ERROR_GENERIC, "QMP input must be a JSON object");
        return;
    }
    if (run_request(d, req, out, &err) < 0) {
        /* Once the input is an object its id is echoed on every error, even "lacks member 'execute'". */
        write_error(out, qga_json_object_get(req, "id"), err->error_class, err->desc);
    }
}

void qga_dispatch_frame_error(QgaDispatcher *d, const char *desc, QgaBuf *out)
{
    (void)d;
    write_error(out, NULL, QGA_ERROR_GENERIC, desc);
}

/* libFuzzer target: bytes through framer, parser and dispatch of a real session, all privileged commands blocked. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/dispatch.h"
#include "core/json.h"
#include "core/log.h"
#include "core/schema.h"
#include "core/session.h"

/*
 * Commands blocked on top of every QGA_CMD_PRIVILEGED one: anything that
 * writes files, runs programs or changes the machine, in case the schema ever
 * forgets the flag. Fuzzing must never be able to change this machine.
 */
static const char *const always_blocked[] = {
    "guest-set-time", "guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid",
    "guest-file-open", "guest-file-close", "guest-file-read", "guest-file-write", "guest-file-seek",
    "guest-file-flush", "guest-fsfreeze-freeze", "guest-fsfreeze-freeze-list", "guest-fsfreeze-thaw",
    "guest-fstrim", "guest-set-vcpus", "guest-set-memory-blocks", "guest-exec", "guest-exec-status",
    "guest-set-user-password", "guest-ssh-get-authorized-keys", "guest-ssh-add-authorized-keys",
    "guest-ssh-remove-authorized-keys",
    /* Not privileged, but a sysfs walk of ~20 ms per call that takes no argument: blocking it
     * keeps the fuzzer on the input-driven code (framer, parser, dispatch) instead of sysfs. */
    "guest-get-memory-blocks",
};

/* Small limits, so the size/token/depth paths are reached by short inputs too. */
static const QgaFramerLimits fuzz_limits = {
    .max_message_bytes = 16384,
    .max_tokens = 1024,
    .max_depth = 64,
};

static QgaConfig config;
static QgaAgent *agent;

static void die(const char *what, const char *data, size_t len)
{
    fprintf(stderr, "fuzz-session: %s: \"", what);
    for (size_t i = 0; i < len && i < 400; i++) {
        unsigned char c = (unsigned char)data[i];
        fprintf(stderr, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
    }
    fprintf(stderr, "\"\n");
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    QgaError *err = NULL;
    const char *names[256];
    size_t n = 0;

    /* Errors only (qemu-ga's default level): the audit lines of a verbose agent would flood. */
    if (qga_log_open(NULL, false, &err) < 0)
        die("qga_log_open", err->desc, strlen(err->desc));
    agent = qga_agent_new(&config, &err);
    if (!agent)
        die("qga_agent_new", err->desc, strlen(err->desc));
    for (size_t i = 0; i < qga_command_table.n_commands && n < 256; i++)
        if (qga_command_table.commands[i].flags & QGA_CMD_PRIVILEGED)
            names[n++] = qga_command_table.commands[i].name;
    qga_dispatcher_block(agent->dispatcher, names, n);
    qga_dispatcher_block(agent->dispatcher, always_blocked, sizeof(always_blocked) / sizeof(always_blocked[0]));

    /* Refuse to run at all if anything privileged stayed enabled. */
    for (size_t i = 0; i < qga_command_table.n_commands; i++) {
        const QgaCommandSpec *cmd = &qga_command_table.commands[i];
        if ((cmd->flags & QGA_CMD_PRIVILEGED) && qga_dispatcher_is_enabled(agent->dispatcher, cmd))
            die("privileged command left enabled", cmd->name, strlen(cmd->name));
    }
    return 0;
}

/* QEMU's writer prints overflowing doubles as inf/nan (not JSON); an echoed id like 1e999 does that. */
static bool has_non_finite_token(const char *line, size_t len)
{
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '"' && (i == 0 || line[i - 1] != '\\'))
            in_string = !in_string;
        else if (!in_string && (line[i] == 'i' || line[i] == 'n') && i + 2 < len
                 && (memcmp(line + i, "inf", 3) == 0 || memcmp(line + i, "nan", 3) == 0))
            return true;
    }
    return false;
}

/* Every reply line: optional 0xFF, printable ASCII, one JSON object with exactly return or error (+ id). */
static void check_line(const char *line, size_t len)
{
    if (len > 0 && (unsigned char)line[0] == 0xff) {
        line++;
        len--;
    }
    if (len == 0)
        die("empty reply line", line, len);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
            die("reply is not printable ASCII", line, len);

    QgaError *err = NULL;
    QgaJson *v = qga_json_parse(line, len, NULL, &err);
    if (!v) {
        qga_error_free(err);
        if (has_non_finite_token(line, len))
            return;
        die("reply does not parse", line, len);
    }
    if (qga_json_type(v) != QGA_JSON_OBJECT)
        die("reply is not an object", line, len);
    bool has_return = qga_json_object_get(v, "return") != NULL;
    QgaJson *e = qga_json_object_get(v, "error");
    size_t expected = 1 + (qga_json_object_get(v, "id") ? 1 : 0);
    if (has_return == (e != NULL) || qga_json_object_size(v) != expected)
        die("reply must hold exactly one of return/error (and id)", line, len);
    if (e) {
        QgaJson *cls = qga_json_type(e) == QGA_JSON_OBJECT ? qga_json_object_get(e, "class") : NULL;
        QgaJson *desc = qga_json_type(e) == QGA_JSON_OBJECT ? qga_json_object_get(e, "desc") : NULL;
        if (!cls || !desc || qga_json_type(cls) != QGA_JSON_STRING || qga_json_type(desc) != QGA_JSON_STRING
            || qga_json_object_size(e) != 2)
            die("malformed error object", line, len);
        const char *c = qga_json_get_string(cls, NULL);
        if (strcmp(c, "GenericError") != 0 && strcmp(c, "CommandNotFound") != 0)
            die("error class qemu-ga never uses", line, len);
    }
    qga_json_free(v);
}

/* Take what the session wants to write, as a channel write would. */
static void drain(QgaSession *s, QgaBuf *all)
{
    const void *data;
    size_t n = qga_session_pending(s, &data);
    if (n) {
        qga_buf_append(all, data, n);
        qga_session_consume(s, n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QgaSession *s = qga_session_new(agent->dispatcher, &fuzz_limits);
    QgaBuf out = QGA_BUF_INIT;
    /* Up to four feeds, cut at offsets derived from the input itself. */
    uint32_t seed = 2166136261u;
    for (size_t i = 0; i < size && i < 16; i++)
        seed = (seed ^ data[i]) * 16777619u;
    size_t feeds = size ? 1 + seed % 4 : 1, pos = 0;

    for (size_t f = 0; f < feeds; f++) {
        size_t left = size - pos;
        size_t n = f + 1 == feeds || left == 0 ? left : (seed >> (8 * f)) % (left + 1);
        qga_session_feed(s, data + pos, n);
        pos += n;
        drain(s, &out);
    }

    /* The output is a sequence of complete lines. */
    size_t start = 0;
    for (size_t i = 0; i < out.len; i++) {
        if (out.data[i] == '\n') {
            check_line(out.data + start, i - start);
            start = i + 1;
        }
    }
    if (start != out.len)
        die("output ends in the middle of a line", out.data + start, out.len - start);

    qga_buf_free(&out);
    qga_session_free(s);
    return 0;
}

/* The [g2h] keyfile group and --g2h* options: parsing, defaults, and the -D dump of what differs from them. */
#include "config-g2h.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "mem.h"
#include "config.h"

static void set_str(char **field, const char *value)
{
    free(*field);
    *field = qga_strdup(value);
}

/* A whole decimal number in [0, max]. */
static bool parse_count(const char *text, int64_t max, int64_t *ret)
{
    if (!*text)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || *end || v < 0 || v > max || text[0] == '+' || text[0] == ' ')
        return false;
    *ret = v;
    return true;
}

/* Shared by the keyfile and the command line: where names the setting in messages. */
static int set_value(QgaG2hConfig *g, const char *key, const char *value, const char *where, QgaError **error)
{
    if (!strcmp(key, "enabled")) {
        bool b;
        if (!qga_keyfile_parse_bool(value, &b)) {
            qga_error_generic(error, "%s: '%s' is not a boolean (true, false, 1 or 0)", where, value);
            return -1;
        }
        g->disabled = !b;
    } else if (!strcmp(key, "time-sync-on-resume")) {
        if (!qga_keyfile_parse_bool(value, &g->time_sync_on_resume)) {
            qga_error_generic(error, "%s: '%s' is not a boolean (true, false, 1 or 0)", where, value);
            return -1;
        }
    } else if (!strcmp(key, "forward-log")) {
        if (strcmp(value, "off") && strcmp(value, "error") && strcmp(value, "warning")) {
            qga_error_generic(error, "%s: '%s' is not off, error or warning", where, value);
            return -1;
        }
        set_str(&g->forward_log, value);
    } else if (!strcmp(key, "method")) {
        set_str(&g->method, value);
    } else if (!strcmp(key, "path")) {
        set_str(&g->path, value);
    } else if (!strcmp(key, "heartbeat")) {
        g->heartbeat_set = true;
        if (!parse_count(value, QGA_G2H_HEARTBEAT_MAX_S, &g->heartbeat_s)) {
            qga_error_generic(error, "%s: '%s' is not a number of seconds from 0 (none) to %d", where, value,
                              QGA_G2H_HEARTBEAT_MAX_S);
            return -1;
        }
    } else if (!strcmp(key, "queue")) {
        if (!parse_count(value, QGA_G2H_QUEUE_MAX, &g->queue) || g->queue == 0) {
            qga_error_generic(error, "%s: '%s' is not a number of events from 1 to %d", where, value,
                              QGA_G2H_QUEUE_MAX);
            g->queue = 0;
            return -1;
        }
    } else if (!strcmp(key, "fs-free-threshold")) {
        if (!parse_count(value, 99, &g->fs_free_threshold)) {
            qga_error_generic(error, "%s: '%s' is not a percentage from 0 (off) to 99", where, value);
            return -1;
        }
    } else {
        qga_error_generic(error, "%s: unknown key (enabled, method, path, heartbeat, queue, "
                                 "fs-free-threshold, time-sync-on-resume, forward-log)", where);
        return -1;
    }
    return 0;
}

int qga_config_g2h_key(QgaG2hConfig *g, const char *key, const char *raw_value, unsigned line, QgaError **error)
{
    _qga_cleanup_free_ char *value = NULL;
    _qga_cleanup_free_ char *where = qga_strdup_printf("line %u: [g2h] key '%s'", line, key);
    if (qga_keyfile_unescape(raw_value, &value, error) < 0) {
        qga_error_prefix(*error, "%s", where);
        return -1;
    }
    return set_value(g, key, value, where, error);
}

int qga_config_g2h_option(QgaG2hConfig *g, const char *name, const char *arg, QgaError **error)
{
    _qga_cleanup_free_ char *where = qga_strdup_printf("option '--%s'", name);
    if (!strcmp(name, "g2h")) {
        /* --g2h=off turns the channel off; any other value is the port or socket to use. */
        if (!strcmp(arg, "off"))
            return set_value(g, "enabled", "false", where, error);
        g->disabled = false;
        return set_value(g, "path", arg, where, error);
    }
    return set_value(g, name + strlen("g2h-"), arg, where, error);
}

int qga_config_g2h_finish(QgaG2hConfig *g, const QgaConfigDefaults *d, QgaError **error)
{
    if (!g->method)
        g->method = qga_strdup(d->g2h_methods[0]);
    bool known = false;
    for (const char *const *m = d->g2h_methods; *m; m++)
        known |= !strcmp(*m, g->method);
    if (!known) {
        QgaBuf list = QGA_BUF_INIT;
        for (const char *const *m = d->g2h_methods; *m; m++)
            qga_buf_printf(&list, "%s%s", m == d->g2h_methods ? "" : ", ", *m);
        qga_error_generic(error, "unknown g2h method '%s' (supported: %s)", g->method, list.data);
        qga_buf_free(&list);
        return -1;
    }
    if (!g->path) {
        if (strcmp(g->method, "virtio-serial") != 0) {
            qga_error_generic(error, "g2h method '%s' needs a path (--g2h=PATH or [g2h] path)", g->method);
            return -1;
        }
        g->path = qga_strdup(d->g2h_path);
    }
    if (!g->heartbeat_set) {
        g->heartbeat_s = QGA_G2H_HEARTBEAT_DEFAULT_S;
        g->heartbeat_set = true;
    }
    if (!g->queue)
        g->queue = QGA_G2H_QUEUE_DEFAULT;
    if (!g->forward_log)
        g->forward_log = qga_strdup("error");
    return 0;
}

void qga_config_g2h_dump(QgaBuf *out, const QgaG2hConfig *g, const QgaConfigDefaults *d)
{
    QgaBuf group = QGA_BUF_INIT;
    if (g->disabled)
        qga_buf_append_str(&group, "enabled=false\n");
    if (g->method && strcmp(g->method, d->g2h_methods[0]) != 0) {
        qga_buf_append_str(&group, "method=");
        qga_keyfile_escape(&group, g->method);
        qga_buf_append_byte(&group, '\n');
    }
    if (g->path && strcmp(g->path, d->g2h_path) != 0) {
        qga_buf_append_str(&group, "path=");
        qga_keyfile_escape(&group, g->path);
        qga_buf_append_byte(&group, '\n');
    }
    if (g->heartbeat_set && g->heartbeat_s != QGA_G2H_HEARTBEAT_DEFAULT_S)
        qga_buf_printf(&group, "heartbeat=%lld\n", (long long)g->heartbeat_s);
    if (g->queue && g->queue != QGA_G2H_QUEUE_DEFAULT)
        qga_buf_printf(&group, "queue=%lld\n", (long long)g->queue);
    if (g->fs_free_threshold > 0)
        qga_buf_printf(&group, "fs-free-threshold=%lld\n", (long long)g->fs_free_threshold);
    if (g->time_sync_on_resume)
        qga_buf_append_str(&group, "time-sync-on-resume=true\n");
    if (g->forward_log && strcmp(g->forward_log, "error") != 0)
        qga_buf_printf(&group, "forward-log=%s\n", g->forward_log);
    if (group.len) {
        qga_buf_append_str(out, "\n[g2h]\n");
        qga_buf_append(out, group.data, group.len);
    }
    qga_buf_free(&group);
}

bool qga_config_g2h_forward_level(const QgaG2hConfig *g, QgaLogLevel *ret_level)
{
    if (!g->forward_log || !strcmp(g->forward_log, "off"))
        return false;
    *ret_level = strcmp(g->forward_log, "warning") == 0 ? QGA_LOG_WARNING : QGA_LOG_ERROR;
    return true;
}

void qga_config_g2h_clear(QgaG2hConfig *g)
{
    free(g->method);
    free(g->path);
    free(g->forward_log);
    *g = (QgaG2hConfig){ 0 };
}

const char *qga_config_g2h_usage(void)
{
    return "      --g2h=PATH|off    the guest-driven channel's port or socket (default: its\n"
           "                        virtio-serial port, used when it exists), or off\n"
           "      --g2h-method=M    how to reach it: virtio-serial (default) or, for tests,\n"
           "                        unix-connect (POSIX) / isa-serial (Windows)\n"
           "      --g2h-heartbeat=S HEARTBEAT every S seconds while connected (default 30; 0 = none)\n"
           "                        (more settings in the config file's [g2h] group: docs/G2H.md)\n";
}

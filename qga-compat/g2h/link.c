/* The guest-driven channel's policy: the link's lifecycle, host-hello and the intrinsic keys, output and its cap, heartbeats and the one timer (the other jobs are in link-*.c). */
#include "link.h"

#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "core/dispatch.h"
#include "link-private.h"
#include "core/log.h"
#include "core/mem.h"
#include "messages.h"
#include "os/os.h"

static void stamp(const QgaG2hLink *l, int64_t *ret_s, int64_t *ret_us)
{
    int64_t ns = l->now_ns();
    *ret_s = ns / 1000000000;
    *ret_us = (ns % 1000000000) / 1000;
}

/* ---- the agent's own commands, through its dispatcher ---- */

/* A failed or disabled command gives NULL: the link then reports less, never something made up. */
QgaJson *g2h_link_run_command(QgaG2hLink *l, const char *name)
{
    QgaJson *result = NULL;
    QgaError *err = NULL;
    if (qga_dispatch_call(l->agent->dispatcher, name, NULL, &result, &err) < 0) {
        qga_log_debug("g2h: %s gave no result: %s", name, err->desc);
        qga_error_free(err);
        return NULL;
    }
    return result;
}

const char *g2h_member_str(const QgaJson *obj, const char *key)
{
    QgaJson *v = obj && qga_json_type(obj) == QGA_JSON_OBJECT ? qga_json_object_get(obj, key) : NULL;
    return v && qga_json_type(v) == QGA_JSON_STRING ? qga_json_get_string(v, NULL) : NULL;
}

bool g2h_member_uint(const QgaJson *obj, const char *key, uint64_t *ret)
{
    QgaJson *v = qga_json_object_get(obj, key);
    if (!v || qga_json_type(v) != QGA_JSON_INT || (!qga_json_int_is_unsigned(v) && qga_json_get_int(v) < 0))
        return false;
    *ret = qga_json_get_uint(v);
    return true;
}

/* ---- output and its cap ---- */

/* A host that stops reading must not grow our memory: past the cap events stay in the client's
 * bounded queue (dropping the oldest, counted); they go out once the glue has drained half. */
static void check_output(QgaG2hLink *l)
{
    int64_t s, us;
    stamp(l, &s, &us);
    if (!qga_g2h_client_is_held(l->client) && l->out.len >= QGA_G2H_LINK_OUTPUT_MAX) {
        qga_log_warning("g2h: the host is not reading (%zu bytes unsent); holding events", l->out.len);
        qga_g2h_client_hold(l->client, true, &l->out, s, us);
    } else if (qga_g2h_client_is_held(l->client) && l->out.len < QGA_G2H_LINK_OUTPUT_MAX / 2) {
        qga_g2h_client_hold(l->client, false, &l->out, s, us);
    }
}

static void on_reply_logged(void *opaque, const QgaJson *result, const QgaError *error)
{
    const char *what = opaque;
    if (error)
        qga_log_warning("g2h: %s: %s", what, error->desc);
}

void g2h_link_request(QgaG2hLink *l, const char *name, QgaJson *args, QgaG2hReplyFunc func,
                      void *opaque)
{
    QgaError *err = NULL;
    if (qga_g2h_client_request(l->client, &l->out, name, args, func, opaque, NULL, &err) < 0) {
        qga_log_warning("g2h: %s", err->desc);
        qga_error_free(err);
    }
}

void g2h_link_kv_set(QgaG2hLink *l, const char *key, const char *value)
{
    QgaJson *args = qga_json_object();
    qga_json_object_set_str(args, "key", key);
    qga_json_object_set_str(args, "value", value);
    g2h_link_request(l, "host-kv-set", args, on_reply_logged, (void *)"host-kv-set");
}

/* ---- lifecycle ---- */

static bool setting_on(const QgaG2hLinkConfig *config, QgaG2hSetting setting)
{
    switch (setting) {
    case QGA_G2H_SETTING_NONE:
        return true;
    case QGA_G2H_SETTING_FS_FREE_THRESHOLD:
        return config->fs_free_threshold != 0;
    case QGA_G2H_SETTING_TIME_SYNC_ON_RESUME:
        return config->time_sync_on_resume;
    case QGA_G2H_SETTING_FORWARD_LOG:
        return config->forward_log;
    }
    return false;
}

static bool listed(const char *const *list, const char *name)
{
    for (size_t i = 0; list && list[i]; i++)
        if (!strcmp(list[i], name))
            return true;
    return false;
}

/* What host-hello announces, in schema order: everything this agent may send with this
 * configuration: its own messages whose setting is on, and the OS events the glue reports. */
static const char **build_capabilities(const QgaG2hLinkConfig *config)
{
    size_t n = 0;
    while (qga_g2h_messages[n].name)
        n++;
    const char **caps = qga_calloc(n + 1, sizeof(char *));
    n = 0;
    for (const QgaG2hMessageSpec *m = qga_g2h_messages; m->name; m++)
        if (m->from_os ? listed(config->os_events, m->name) : setting_on(config, m->setting))
            caps[n++] = m->name;
    for (size_t i = 0; config->os_events && config->os_events[i]; i++)
        if (!listed(qga_g2h_os_events, config->os_events[i])) /* a glue/schema mismatch */
            qga_log_warning(
                "g2h: %s is not an OS event of this platform in the schema; not announced",
                config->os_events[i]);
    return caps;
}

QgaG2hLink *qga_g2h_link_new(QgaAgent *agent, const QgaG2hLinkConfig *config)
{
    QgaG2hLink *l = qga_calloc(1, sizeof(*l));
    l->agent = agent;
    l->monotonic_ms = config->monotonic_ms;
    l->now_ns = config->now_ns;
    l->client = qga_g2h_client_new(config->queue_max);
    l->os = qga_strdup(config->os);
    l->capabilities = build_capabilities(config);
    l->heartbeat_ms = config->heartbeat_ms;
    l->heartbeat_due = -1;
    g2h_link_watch_init(l, config);
    l->time_sync_on_resume = config->time_sync_on_resume;
    g2h_link_log_start(l, config);
    QgaJson *data = qga_json_object();
    qga_json_object_set_str(data, "version", agent->version);
    qga_g2h_link_event(l, "AGENT_STARTED", data);
    return l;
}

void qga_g2h_link_free(QgaG2hLink *l)
{
    if (!l)
        return;
    g2h_link_log_stop(l);
    qga_g2h_client_free(l->client);
    g2h_link_watch_free(l);
    free(l->os);
    free(l->capabilities);
    g2h_link_kv_mirror_stop(l);
    qga_buf_free(&l->out);
    qga_buf_free(&l->in);
    free(l);
}

/* ---- connection: hello, intrinsic keys ---- */

static void on_hello(void *opaque, const QgaJson *result, const QgaError *error)
{
    QgaG2hLink *l = opaque;
    if (error) {
        qga_log_warning("g2h: host-hello: %s", error->desc);
        return;
    }
    const char *host = g2h_member_str(result, "host");
    qga_log_info("g2h: host %s answered hello", host ? host : "(unnamed)");
    g2h_link_kv_mirror_start(l, result);
}

static void publish_intrinsic_keys(QgaG2hLink *l)
{
    g2h_link_kv_set(l, "guest.agent-version", l->agent->version);
    _qga_cleanup_json_ QgaJson *host = g2h_link_run_command(l, "guest-get-host-name");
    const char *name = g2h_member_str(host, "host-name");
    if (name)
        g2h_link_kv_set(l, "guest.hostname", name);
    _qga_cleanup_json_ QgaJson *os = g2h_link_run_command(l, "guest-get-osinfo");
    const char *pretty = g2h_member_str(os, "pretty-name");
    if (pretty)
        g2h_link_kv_set(l, "guest.os", pretty);
    g2h_link_watch_publish_addresses(l);
}

void qga_g2h_link_connected(QgaG2hLink *l)
{
    int64_t s, us;
    stamp(l, &s, &us);
    qga_buf_clear(&l->in);
    QgaError *err = NULL;
    if (qga_g2h_client_connected(l->client, &l->out, l->agent->version, l->os, (const char *const *)l->capabilities, on_hello, l, s, us,
                                 &err) < 0) {
        qga_log_warning("g2h: %s", err->desc);
        qga_error_free(err);
        return;
    }
    publish_intrinsic_keys(l);
    if (l->heartbeat_ms > 0)
        l->heartbeat_due = l->monotonic_ms() + l->heartbeat_ms;
    g2h_link_time_connected(l);
    check_output(l);
}

void qga_g2h_link_disconnected(QgaG2hLink *l)
{
    qga_g2h_client_disconnected(l->client);
    g2h_link_kv_mirror_stop(l); /* a half-read mirror is not written */
    qga_buf_clear(&l->out);
    qga_buf_clear(&l->in);
    l->heartbeat_due = -1;   /* no wake-ups while nobody listens */
}

bool qga_g2h_link_is_connected(const QgaG2hLink *l)
{
    return qga_g2h_client_is_connected(l->client);
}

QgaBuf *qga_g2h_link_output(QgaG2hLink *l)
{
    return &l->out;
}

int qga_g2h_link_feed(QgaG2hLink *l, const char *data, size_t len)
{
    qga_buf_append(&l->in, data, len);
    char *nl;
    while (l->in.len && (nl = memchr(l->in.data, '\n', l->in.len))) {
        size_t line = (size_t)(nl - l->in.data);
        if (line > 0 && !(line == 1 && l->in.data[0] == '\r')) {
            QgaError *err = NULL;
            if (qga_g2h_client_receive(l->client, l->in.data, line, &err) < 0) {
                qga_log_warning("g2h: ignoring a message from the host: %s", err->desc);
                qga_error_free(err);
            }
        }
        qga_buf_consume(&l->in, line + 1);
    }
    check_output(l);
    if (l->in.len > QGA_G2H_LINK_MAX_LINE) {
        qga_log_warning("g2h: the host sent a line over %d bytes", QGA_G2H_LINK_MAX_LINE);
        qga_buf_clear(&l->in);
        return -1;
    }
    return 0;
}

/* ---- events ---- */

void qga_g2h_link_event(QgaG2hLink *l, const char *name, QgaJson *data)
{
    int64_t s, us;
    stamp(l, &s, &us);
    qga_g2h_client_event(l->client, &l->out, name, data, s, us);
    check_output(l);
}

void qga_g2h_link_stopping(QgaG2hLink *l)
{
    if (qga_g2h_link_is_connected(l))
        qga_g2h_link_event(l, "AGENT_STOPPING", NULL);
}

/* ---- timers ---- */

int64_t qga_g2h_link_deadline_ms(const QgaG2hLink *l)
{
    return g2h_link_earliest(l->heartbeat_due, g2h_link_watch_deadline(l));
}

void qga_g2h_link_run_timers(QgaG2hLink *l, int64_t now_ms)
{
    g2h_link_watch_run_addresses(l, now_ms);
    if (l->heartbeat_due >= 0 && now_ms >= l->heartbeat_due) {
        /* A late timer (a busy or suspended guest) sends one heartbeat, not a burst. */
        l->heartbeat_due = now_ms + l->heartbeat_ms;
        QgaJson *data = qga_json_object();
        qga_json_object_set_uint(data, "sequence", ++l->heartbeat_sequence);
        qga_g2h_link_event(l, "HEARTBEAT", data);
    }
    g2h_link_watch_run_free_space(l, now_ms);
    check_output(l);
}

/* The guest-driven channel's policy: hello and intrinsic keys on connect, heartbeats, address and free-space watches, resume time sync. */
#include "link.h"

#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "dispatch.h"
#include "log.h"
#include "mem.h"
#include "messages.h"
#include "platform.h"
#include "file.h"
#include "system.h"

#define FS_CHECK_IDLE_MS 60000      /* free-space checks without a heartbeat to ride on */
#define FS_WATCH_MAX 256            /* mount points remembered */
#define KV_VALUE_MAX 4096           /* the host's limit for a value (schema: host-kv-set) */
#define CLOCK_CORRECT_MIN_NS 100000000LL   /* below the channel's own jitter: not worth a jump */
#define HOST_TIME_MIN_NS 946684800000000000LL   /* 2000-01-01: anything earlier is a broken host */
#define MIRROR_KEYS_MAX 256         /* the host's own per-guest limit */
#define IDENTITY_FILE "g2h-identity.json"
#define KV_FILE "g2h-kv.json"

typedef struct FsWatch {
    char *mountpoint;
    bool low;
} FsWatch;

struct QgaG2hLink {
    QgaAgent *agent;
    QgaG2hClient *client;
    char *os;
    const char **capabilities;      /* host-hello's list: the platform's OS events and ours */
    QgaBuf out, in;

    int64_t heartbeat_ms;
    int64_t heartbeat_due;          /* -1: not armed (only while connected) */
    uint64_t heartbeat_sequence;

    unsigned fs_threshold;
    int64_t fs_due;                 /* -1 when the watch is off */
    FsWatch *fs;
    size_t n_fs;

    int64_t addresses_due;          /* -1: no change waiting to settle */
    char *addresses_sent;           /* the list the host last learned, "\n"-joined */

    bool time_sync_on_resume;
    bool time_sync_wanted;          /* resumed while the host was away: ask when it returns */
    int64_t time_asked_ms;

    /* The host's view, mirrored into the state directory for guest software: the keys still to
     * read (host-kv-get, one at a time) and what was read so far. */
    QgaJson *kv_keys;
    size_t kv_next;
    QgaJson *kv_values;

    /* The agent's own log lines forwarded as host-log: only from the loop's thread (the link is
     * not thread-safe), never from inside a forward (a failure there logs too), rate-limited. */
    uint64_t thread;
    bool forwarding;
    double log_tokens;
    int64_t log_refill_ms;
    uint64_t log_skipped;

    int64_t (*monotonic_ms)(void);  /* the config's clocks, or the platform's */
    int64_t (*now_ns)(void);
};

static void stamp(const QgaG2hLink *l, int64_t *ret_s, int64_t *ret_us)
{
    int64_t ns = l->now_ns();
    *ret_s = ns / 1000000000;
    *ret_us = (ns % 1000000000) / 1000;
}

/* ---- the agent's own commands, through its dispatcher ---- */

/* The result of one of the agent's commands (NULL, logged at debug level, when it fails or
 * the allow/block lists disable it: the link then reports less, never something made up). */
static QgaJson *run_command(QgaG2hLink *l, const char *name)
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

static const char *member_str(const QgaJson *obj, const char *key)
{
    QgaJson *v = obj && qga_json_type(obj) == QGA_JSON_OBJECT ? qga_json_object_get(obj, key) : NULL;
    return v && qga_json_type(v) == QGA_JSON_STRING ? qga_json_get_string(v, NULL) : NULL;
}

static bool member_uint(const QgaJson *obj, const char *key, uint64_t *ret)
{
    QgaJson *v = qga_json_object_get(obj, key);
    if (!v || qga_json_type(v) != QGA_JSON_INT || (!qga_json_int_is_unsigned(v) && qga_json_get_int(v) < 0))
        return false;
    *ret = qga_json_get_uint(v);
    return true;
}

static bool is_loopback(const char *ip)
{
    return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1");
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every non-loopback address as "interface:address/prefix", sorted; NULL when the network
 * command gave nothing (disabled or failed). */
static QgaStrList *current_addresses(QgaG2hLink *l)
{
    _qga_cleanup_json_ QgaJson *ifaces = run_command(l, "guest-network-get-interfaces");
    if (!ifaces || qga_json_type(ifaces) != QGA_JSON_ARRAY)
        return NULL;
    QgaStrList *list = qga_calloc(1, sizeof(*list));
    for (size_t i = 0; i < qga_json_array_length(ifaces); i++) {
        QgaJson *iface = qga_json_array_get(ifaces, i);
        const char *name = member_str(iface, "name");
        QgaJson *addrs = qga_json_object_get(iface, "ip-addresses");
        if (!name || !addrs || qga_json_type(addrs) != QGA_JSON_ARRAY)
            continue;
        for (size_t j = 0; j < qga_json_array_length(addrs); j++) {
            QgaJson *a = qga_json_array_get(addrs, j);
            const char *ip = member_str(a, "ip-address");
            uint64_t prefix;
            if (!ip || is_loopback(ip) || !member_uint(a, "prefix", &prefix))
                continue;
            list->items = qga_realloc(list->items, (list->n + 1) * sizeof(char *));
            list->items[list->n++] = qga_strdup_printf("%s:%s/%llu", name, ip, (unsigned long long)prefix);
        }
    }
    if (list->n)
        qsort(list->items, list->n, sizeof(char *), compare_strings);
    return list;
}

static char *join_list(const QgaStrList *list, char sep)
{
    QgaBuf b = QGA_BUF_INIT;
    for (size_t i = 0; i < list->n; i++) {
        if (i)
            qga_buf_append_byte(&b, sep);
        qga_buf_append_str(&b, list->items[i]);
    }
    qga_buf_append_byte(&b, '\0');
    return qga_buf_steal(&b, NULL);
}

static void free_list(QgaStrList *list)
{
    if (list) {
        qga_strlist_clear(list);
        free(list);
    }
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

static void request(QgaG2hLink *l, const char *name, QgaJson *args, QgaG2hReplyFunc func, void *opaque)
{
    QgaError *err = NULL;
    if (qga_g2h_client_request(l->client, &l->out, name, args, func, opaque, NULL, &err) < 0) {
        qga_log_warning("g2h: %s", err->desc);
        qga_error_free(err);
    }
}

static void kv_set(QgaG2hLink *l, const char *key, const char *value)
{
    QgaJson *args = qga_json_object();
    qga_json_object_set_str(args, "key", key);
    qga_json_object_set_str(args, "value", value);
    request(l, "host-kv-set", args, on_reply_logged, (void *)"host-kv-set");
}

/* ---- the agent's log lines, forwarded ---- */

static void on_log_forwarded(void *opaque, const QgaJson *result, const QgaError *error)
{
    /* Nothing to do either way: a host that refuses host-log is not worth a local line each time. */
}

static void forward_log_line(void *opaque, QgaLogLevel level, const char *message)
{
    QgaG2hLink *l = opaque;
    if (l->forwarding || qga_platform_thread_id() != l->thread)
        return;
    int64_t now = l->monotonic_ms();
    l->log_tokens += (double)(now - l->log_refill_ms) * QGA_G2H_LOG_PER_MINUTE / 60000.0;
    if (l->log_tokens > QGA_G2H_LOG_BURST)
        l->log_tokens = QGA_G2H_LOG_BURST;
    l->log_refill_ms = now;
    if (!qga_g2h_client_is_connected(l->client) || qga_g2h_client_is_held(l->client) || l->log_tokens < 1) {
        l->log_skipped++;   /* lines while away are in the local log; the host learns how many */
        return;
    }
    l->log_tokens -= 1;
    l->forwarding = true;
    QgaBuf text = QGA_BUF_INIT;
    if (l->log_skipped)
        qga_buf_printf(&text, "(%llu lines not forwarded) ", (unsigned long long)l->log_skipped);
    qga_buf_printf(&text, "%s: %.*s", qga_log_level_name(level), QGA_G2H_LOG_MAX, message);
    QgaJson *args = qga_json_object();
    qga_json_object_set(args, "message", qga_json_string_len(text.data, text.len));
    qga_buf_free(&text);
    QgaError *err = NULL;
    if (qga_g2h_client_request(l->client, &l->out, "host-log", args, on_log_forwarded, l, NULL, &err) == 0)
        l->log_skipped = 0;
    else
        qga_error_free(err);   /* too many requests waiting: this line stays local */
    l->forwarding = false;
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
        if (!listed(qga_g2h_os_events, config->os_events[i]))   /* a glue/schema mismatch */
            qga_log_warning("g2h: %s is not an OS event of this platform in the schema; not announced",
                            config->os_events[i]);
    return caps;
}

static void kv_mirror_done(QgaG2hLink *l);

QgaG2hLink *qga_g2h_link_new(QgaAgent *agent, const QgaG2hLinkConfig *config)
{
    QgaG2hLink *l = qga_calloc(1, sizeof(*l));
    l->agent = agent;
    l->monotonic_ms = config->monotonic_ms ? config->monotonic_ms : qga_platform_monotonic_ms;
    l->now_ns = config->now_ns ? config->now_ns : qga_platform_now_ns;
    l->client = qga_g2h_client_new(config->queue_max);
    l->os = qga_strdup(config->os);
    l->capabilities = build_capabilities(config);
    l->heartbeat_ms = config->heartbeat_ms;
    l->heartbeat_due = -1;
    l->fs_threshold = config->fs_free_threshold;
    l->fs_due = l->fs_threshold ? l->monotonic_ms() : -1;   /* first look at once */
    l->addresses_due = -1;
    l->time_sync_on_resume = config->time_sync_on_resume;
    l->thread = qga_platform_thread_id();
    l->log_tokens = QGA_G2H_LOG_BURST;
    l->log_refill_ms = l->monotonic_ms();
    if (config->forward_log)
        qga_log_set_forward(config->forward_level, forward_log_line, l);
    QgaJson *data = qga_json_object();
    qga_json_object_set_str(data, "version", agent->version);
    qga_g2h_link_event(l, "AGENT_STARTED", data);
    return l;
}

void qga_g2h_link_free(QgaG2hLink *l)
{
    if (!l)
        return;
    qga_log_set_forward(QGA_LOG_CRITICAL, NULL, NULL);
    qga_g2h_client_free(l->client);
    for (size_t i = 0; i < l->n_fs; i++)
        free(l->fs[i].mountpoint);
    free(l->fs);
    free(l->os);
    free(l->capabilities);
    free(l->addresses_sent);
    kv_mirror_done(l);
    qga_buf_free(&l->out);
    qga_buf_free(&l->in);
    free(l);
}

/* ---- the host's view, mirrored for guest software ---- */

static void write_state_file(QgaG2hLink *l, const char *name, const QgaJson *value)
{
    /* Frozen file systems block writers: a write here would hang the agent that must thaw them.
     * The next connection after the thaw writes the files again. */
    if (l->agent->frozen)
        return;
    _qga_cleanup_free_ char *path = qga_strdup_printf("%s/%s", l->agent->config->statedir, name);
    QgaBuf text = QGA_BUF_INIT;
    qga_json_write(&text, value);
    qga_buf_append_byte(&text, '\n');
    QgaError *err = NULL;
    if (qga_os_replace_file(path, text.data, text.len, &err) < 0) {
        qga_log_warning("g2h: %s", err->desc);
        qga_error_free(err);
    }
    qga_buf_free(&text);
}

static void on_identity(void *opaque, const QgaJson *result, const QgaError *error)
{
    QgaG2hLink *l = opaque;
    if (error) {
        qga_log_info("g2h: host-get-identity: %s", error->desc);
        return;
    }
    if (qga_json_type(result) != QGA_JSON_OBJECT || !member_str(result, "name")) {
        qga_log_warning("g2h: host-get-identity: the host's answer has no name; ignored");
        return;
    }
    write_state_file(l, IDENTITY_FILE, result);
}

static void kv_mirror_done(QgaG2hLink *l)
{
    qga_json_free(l->kv_keys);
    l->kv_keys = NULL;
    qga_json_free(l->kv_values);
    l->kv_values = NULL;
}

static void kv_mirror_next(QgaG2hLink *l);

static void on_kv_value(void *opaque, const QgaJson *result, const QgaError *error)
{
    QgaG2hLink *l = opaque;
    if (!l->kv_keys)
        return;
    const char *key = qga_json_get_string(qga_json_array_get(l->kv_keys, l->kv_next), NULL);
    if (error || qga_json_type(result) != QGA_JSON_STRING) {
        /* The host forgot the key between list and get, or refuses: leave it out. */
        qga_log_debug("g2h: host-kv-get %s: %s", key, error ? error->desc : "not a string");
    } else {
        qga_json_object_set(l->kv_values, key, qga_json_copy(result));
    }
    l->kv_next++;
    kv_mirror_next(l);
}

/* One host-kv-get at a time: a host with many keys never fills the pending-request table. */
static void kv_mirror_next(QgaG2hLink *l)
{
    while (l->kv_next < qga_json_array_length(l->kv_keys) && l->kv_next < MIRROR_KEYS_MAX) {
        QgaJson *key = qga_json_array_get(l->kv_keys, l->kv_next);
        if (qga_json_type(key) == QGA_JSON_STRING && !qga_json_object_get(l->kv_values, qga_json_get_string(key, NULL))) {
            QgaJson *args = qga_json_object();
            qga_json_object_set_str(args, "key", qga_json_get_string(key, NULL));
            QgaError *err = NULL;
            if (qga_g2h_client_request(l->client, &l->out, "host-kv-get", args, on_kv_value, l, NULL, &err) == 0)
                return;
            qga_log_warning("g2h: %s", err->desc);
            qga_error_free(err);
            break;
        }
        l->kv_next++;
    }
    write_state_file(l, KV_FILE, l->kv_values);
    kv_mirror_done(l);
}

static void on_kv_list(void *opaque, const QgaJson *result, const QgaError *error)
{
    QgaG2hLink *l = opaque;
    if (error || qga_json_type(result) != QGA_JSON_ARRAY) {
        qga_log_info("g2h: host-kv-list: %s", error ? error->desc : "not a list");
        return;
    }
    kv_mirror_done(l);
    l->kv_keys = qga_json_copy(result);
    l->kv_values = qga_json_object();
    l->kv_next = 0;
    kv_mirror_next(l);
}

static bool host_answers(const QgaJson *hello_reply, const char *request)
{
    QgaJson *list = qga_json_type(hello_reply) == QGA_JSON_OBJECT ? qga_json_object_get(hello_reply, "requests") : NULL;
    for (size_t i = 0; list && qga_json_type(list) == QGA_JSON_ARRAY && i < qga_json_array_length(list); i++) {
        QgaJson *name = qga_json_array_get(list, i);
        if (qga_json_type(name) == QGA_JSON_STRING && !strcmp(qga_json_get_string(name, NULL), request))
            return true;
    }
    return false;
}

static void on_hello(void *opaque, const QgaJson *result, const QgaError *error)
{
    QgaG2hLink *l = opaque;
    if (error) {
        qga_log_warning("g2h: host-hello: %s", error->desc);
        return;
    }
    const char *host = member_str(result, "host");
    qga_log_info("g2h: host %s answered hello", host ? host : "(unnamed)");
    /* Guest software reads the VM's name and the host's keys from the state directory. */
    if (host_answers(result, "host-get-identity"))
        request(l, "host-get-identity", NULL, on_identity, l);
    if (host_answers(result, "host-kv-list"))
        request(l, "host-kv-list", NULL, on_kv_list, l);
}

static void publish_intrinsic_keys(QgaG2hLink *l)
{
    kv_set(l, "guest.agent-version", l->agent->version);
    _qga_cleanup_json_ QgaJson *host = run_command(l, "guest-get-host-name");
    const char *name = member_str(host, "host-name");
    if (name)
        kv_set(l, "guest.hostname", name);
    _qga_cleanup_json_ QgaJson *os = run_command(l, "guest-get-osinfo");
    const char *pretty = member_str(os, "pretty-name");
    if (pretty)
        kv_set(l, "guest.os", pretty);
    QgaStrList *addrs = current_addresses(l);
    if (addrs) {
        /* Whole entries only, within the host's value limit. */
        QgaStrList fit = { 0 };
        size_t len = 0;
        for (size_t i = 0; i < addrs->n && len + strlen(addrs->items[i]) + 1 <= KV_VALUE_MAX; i++) {
            fit.items = qga_realloc(fit.items, (fit.n + 1) * sizeof(char *));
            fit.items[fit.n++] = qga_strdup(addrs->items[i]);
            len += strlen(addrs->items[i]) + 1;
        }
        _qga_cleanup_free_ char *value = join_list(&fit, ' ');
        kv_set(l, "guest.ip-addresses", value);
        qga_strlist_clear(&fit);
        free(l->addresses_sent);
        l->addresses_sent = join_list(addrs, '\n');
        free_list(addrs);
    }
}

static void ask_host_time(QgaG2hLink *l);

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
    if (l->time_sync_wanted)
        ask_host_time(l);
    check_output(l);
}

void qga_g2h_link_disconnected(QgaG2hLink *l)
{
    qga_g2h_client_disconnected(l->client);
    kv_mirror_done(l);   /* a half-read mirror is not written */
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

void qga_g2h_link_addresses_changed(QgaG2hLink *l)
{
    /* Restarting the wait on every change: DHCP and IPv6 autoconfiguration come in bursts. */
    l->addresses_due = l->monotonic_ms() + QGA_G2H_ADDRESS_SETTLE_MS;
}

static void send_addresses(QgaG2hLink *l)
{
    QgaStrList *addrs = current_addresses(l);
    if (!addrs)
        return;
    _qga_cleanup_free_ char *joined = join_list(addrs, '\n');
    if (l->addresses_sent && !strcmp(joined, l->addresses_sent)) {
        free_list(addrs);   /* an address came and went, or a change we do not report (loopback) */
        return;
    }
    QgaJson *list = qga_json_array();
    for (size_t i = 0; i < addrs->n; i++)
        qga_json_array_append(list, qga_json_string(addrs->items[i]));
    QgaJson *data = qga_json_object();
    qga_json_object_set(data, "addresses", list);
    qga_g2h_link_event(l, "IP_ADDRESS_CHANGED", data);
    free(l->addresses_sent);
    l->addresses_sent = qga_steal_pointer(&joined);
    free_list(addrs);
}

void qga_g2h_link_suspending(QgaG2hLink *l)
{
    qga_g2h_link_event(l, "SUSPENDING", NULL);
}

static void on_host_time(void *opaque, const QgaJson *result, const QgaError *error)
{
    QgaG2hLink *l = opaque;
    if (error) {
        qga_log_warning("g2h: host-get-time: %s", error->desc);
        return;
    }
    if (qga_json_type(result) != QGA_JSON_INT || qga_json_int_is_unsigned(result) ||
        qga_json_get_int(result) < HOST_TIME_MIN_NS) {
        qga_log_warning("g2h: host-get-time: the host's answer is not a plausible time; clock left alone");
        return;
    }
    /* The host read its clock about half a round trip ago. */
    int64_t rtt_ms = l->monotonic_ms() - l->time_asked_ms;
    int64_t host_ns = qga_json_get_int(result) + (rtt_ms > 0 ? rtt_ms : 0) * 500000;
    int64_t offset = host_ns - l->now_ns();
    if (offset > -CLOCK_CORRECT_MIN_NS && offset < CLOCK_CORRECT_MIN_NS) {
        qga_log_debug("g2h: clock within %lld ns of the host's; left alone", (long long)offset);
        return;
    }
    QgaError *err = NULL;
    if (qga_os_set_time(host_ns, &err) < 0) {
        qga_log_warning("g2h: setting the clock from the host's time failed: %s", err->desc);
        qga_error_free(err);
        return;
    }
    qga_log_info("g2h: clock corrected by %lld ms from the host's time", (long long)(offset / 1000000));
    QgaJson *data = qga_json_object();
    qga_json_object_set_int(data, "offset-ns", offset);
    qga_g2h_link_event(l, "CLOCK_CORRECTED", data);
}

static void ask_host_time(QgaG2hLink *l)
{
    l->time_sync_wanted = false;
    l->time_asked_ms = l->monotonic_ms();
    request(l, "host-get-time", NULL, on_host_time, l);
}

void qga_g2h_link_resumed(QgaG2hLink *l)
{
    qga_g2h_link_event(l, "RESUMED", NULL);
    if (!l->time_sync_on_resume)
        return;
    if (qga_g2h_link_is_connected(l))
        ask_host_time(l);
    else
        l->time_sync_wanted = true;
}

void qga_g2h_link_stopping(QgaG2hLink *l)
{
    if (qga_g2h_link_is_connected(l))
        qga_g2h_link_event(l, "AGENT_STOPPING", NULL);
}

/* ---- timers ---- */

static FsWatch *fs_watch_find(QgaG2hLink *l, const char *mountpoint, bool *ret_new)
{
    *ret_new = false;
    for (size_t i = 0; i < l->n_fs; i++)
        if (!strcmp(l->fs[i].mountpoint, mountpoint))
            return &l->fs[i];
    if (l->n_fs == FS_WATCH_MAX)
        return NULL;
    l->fs = qga_realloc(l->fs, (l->n_fs + 1) * sizeof(*l->fs));
    l->fs[l->n_fs] = (FsWatch){ qga_strdup(mountpoint), false };
    *ret_new = true;
    return &l->fs[l->n_fs++];
}

static void check_free_space(QgaG2hLink *l)
{
    _qga_cleanup_json_ QgaJson *fsinfo = run_command(l, "guest-get-fsinfo");
    if (!fsinfo || qga_json_type(fsinfo) != QGA_JSON_ARRAY)
        return;
    for (size_t i = 0; i < qga_json_array_length(fsinfo); i++) {
        QgaJson *fs = qga_json_array_get(fsinfo, i);
        const char *mountpoint = member_str(fs, "mountpoint");
        uint64_t used, total;
        if (!mountpoint || !member_uint(fs, "used-bytes", &used) || !member_uint(fs, "total-bytes", &total) ||
            total == 0 || used > total)
            continue;
        uint64_t free_bytes = total - used;
        bool low = free_bytes * 100.0 / (double)total < l->fs_threshold;
        bool is_new;
        FsWatch *w = fs_watch_find(l, mountpoint, &is_new);
        if (!w || (w->low == low && !(is_new && low)))
            continue;   /* no crossing (a file system first seen with room is not news) */
        w->low = low;
        QgaJson *data = qga_json_object();
        qga_json_object_set_str(data, "mountpoint", mountpoint);
        qga_json_object_set_str(data, "state", low ? "low" : "ok");
        qga_json_object_set_uint(data, "free-bytes", free_bytes);
        qga_json_object_set_uint(data, "total-bytes", total);
        qga_json_object_set_uint(data, "threshold-percent", l->fs_threshold);
        qga_g2h_link_event(l, "FILESYSTEM_SPACE", data);
    }
}

static int64_t earliest(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

int64_t qga_g2h_link_deadline_ms(const QgaG2hLink *l)
{
    return earliest(earliest(l->heartbeat_due, l->fs_due), l->addresses_due);
}

void qga_g2h_link_run_timers(QgaG2hLink *l, int64_t now_ms)
{
    if (l->addresses_due >= 0 && now_ms >= l->addresses_due) {
        l->addresses_due = -1;
        send_addresses(l);
    }
    if (l->heartbeat_due >= 0 && now_ms >= l->heartbeat_due) {
        /* A late timer (a busy or suspended guest) sends one heartbeat, not a burst. */
        l->heartbeat_due = now_ms + l->heartbeat_ms;
        QgaJson *data = qga_json_object();
        qga_json_object_set_uint(data, "sequence", ++l->heartbeat_sequence);
        qga_g2h_link_event(l, "HEARTBEAT", data);
    }
    if (l->fs_due >= 0 && now_ms >= l->fs_due) {
        l->fs_due = now_ms + (l->heartbeat_ms > 0 ? l->heartbeat_ms : FS_CHECK_IDLE_MS);
        check_free_space(l);
    }
    check_output(l);
}

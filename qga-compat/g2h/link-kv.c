/* The guest-driven channel's view of the host, mirrored for guest software: host-get-identity and the host's keys (host-kv-list, host-kv-get) into the state directory. */
#include <string.h>

#include "os/file.h"
#include "link-private.h"
#include "core/log.h"

#define MIRROR_KEYS_MAX 256 /* the host's own per-guest limit */
#define IDENTITY_FILE "g2h-identity.json"
#define KV_FILE "g2h-kv.json"

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
    if (qga_json_type(result) != QGA_JSON_OBJECT || !g2h_member_str(result, "name")) {
        qga_log_warning("g2h: host-get-identity: the host's answer has no name; ignored");
        return;
    }
    write_state_file(l, IDENTITY_FILE, result);
}

void g2h_link_kv_mirror_stop(QgaG2hLink *l)
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
        if (qga_json_type(key) == QGA_JSON_STRING &&
            !qga_json_object_get(l->kv_values, qga_json_get_string(key, NULL))) {
            QgaJson *args = qga_json_object();
            qga_json_object_set_str(args, "key", qga_json_get_string(key, NULL));
            QgaError *err = NULL;
            if (qga_g2h_client_request(l->client, &l->out, "host-kv-get", args, on_kv_value, l,
                                       NULL, &err) == 0)
                return;
            qga_log_warning("g2h: %s", err->desc);
            qga_error_free(err);
            break;
        }
        l->kv_next++;
    }
    write_state_file(l, KV_FILE, l->kv_values);
    g2h_link_kv_mirror_stop(l);
}

static void on_kv_list(void *opaque, const QgaJson *result, const QgaError *error)
{
    QgaG2hLink *l = opaque;
    if (error || qga_json_type(result) != QGA_JSON_ARRAY) {
        qga_log_info("g2h: host-kv-list: %s", error ? error->desc : "not a list");
        return;
    }
    g2h_link_kv_mirror_stop(l);
    l->kv_keys = qga_json_copy(result);
    l->kv_values = qga_json_object();
    l->kv_next = 0;
    kv_mirror_next(l);
}

static bool host_answers(const QgaJson *hello_reply, const char *request)
{
    QgaJson *list = qga_json_type(hello_reply) == QGA_JSON_OBJECT
                        ? qga_json_object_get(hello_reply, "requests")
                        : NULL;
    for (size_t i = 0;
         list && qga_json_type(list) == QGA_JSON_ARRAY && i < qga_json_array_length(list); i++) {
        QgaJson *name = qga_json_array_get(list, i);
        if (qga_json_type(name) == QGA_JSON_STRING &&
            !strcmp(qga_json_get_string(name, NULL), request))
            return true;
    }
    return false;
}

void g2h_link_kv_mirror_start(QgaG2hLink *l, const QgaJson *hello_reply)
{
    /* Guest software reads the VM's name and the host's keys from the state directory. */
    if (host_answers(hello_reply, "host-get-identity"))
        g2h_link_request(l, "host-get-identity", NULL, on_identity, l);
    if (host_answers(hello_reply, "host-kv-list"))
        g2h_link_request(l, "host-kv-list", NULL, on_kv_list, l);
}

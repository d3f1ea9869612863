/* The guest-driven channel's log forwarding: the agent's own log lines, rate-limited, to the host as host-log. */
#include <string.h>

#include "link-private.h"
#include "core/log.h"
#include "os/os.h"

static void on_log_forwarded(void *opaque, const QgaJson *result, const QgaError *error)
{
    /* Nothing to do either way: a host that refuses host-log is not worth a local line each time. */
}

static void forward_log_line(void *opaque, QgaLogLevel level, const char *message)
{
    QgaG2hLink *l = opaque;
    if (l->forwarding || qga_os_thread_id() != l->thread)
        return;
    int64_t now = l->monotonic_ms();
    l->log_tokens += (double)(now - l->log_refill_ms) * QGA_G2H_LOG_PER_MINUTE / 60000.0;
    if (l->log_tokens > QGA_G2H_LOG_BURST)
        l->log_tokens = QGA_G2H_LOG_BURST;
    l->log_refill_ms = now;
    if (!qga_g2h_client_is_connected(l->client) || qga_g2h_client_is_held(l->client) ||
        l->log_tokens < 1) {
        l->log_skipped++; /* lines while away are in the local log; the host learns how many */
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
    if (qga_g2h_client_request(l->client, &l->out, "host-log", args, on_log_forwarded, l, NULL,
                               &err) == 0)
        l->log_skipped = 0;
    else
        qga_error_free(err); /* too many requests waiting: this line stays local */
    l->forwarding = false;
}

void g2h_link_log_start(QgaG2hLink *l, const QgaG2hLinkConfig *config)
{
    l->thread = qga_os_thread_id();
    l->log_tokens = QGA_G2H_LOG_BURST;
    l->log_refill_ms = l->monotonic_ms();
    if (config->forward_log)
        qga_log_set_forward(config->forward_level, forward_log_line, l);
}

void g2h_link_log_stop(QgaG2hLink *l)
{
    qga_log_set_forward(QGA_LOG_CRITICAL, NULL, NULL);
}

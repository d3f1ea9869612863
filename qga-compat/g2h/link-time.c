/* The guest-driven channel around a suspend: SUSPENDING, RESUMED and, with time-sync-on-resume, the host's time (host-get-time) set as the guest's clock, then CLOCK_CORRECTED. */
#include "link-private.h"
#include "core/log.h"
#include "os/system.h"

#define CLOCK_CORRECT_MIN_NS 100000000LL      /* below the channel's own jitter: not worth a jump */
#define HOST_TIME_MIN_NS 946684800000000000LL /* 2000-01-01: anything earlier is a broken host */

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
        qga_log_warning(
            "g2h: host-get-time: the host's answer is not a plausible time; clock left alone");
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
    qga_log_info("g2h: clock corrected by %lld ms from the host's time",
                 (long long)(offset / 1000000));
    QgaJson *data = qga_json_object();
    qga_json_object_set_int(data, "offset-ns", offset);
    qga_g2h_link_event(l, "CLOCK_CORRECTED", data);
}

static void ask_host_time(QgaG2hLink *l)
{
    l->time_sync_wanted = false;
    l->time_asked_ms = l->monotonic_ms();
    g2h_link_request(l, "host-get-time", NULL, on_host_time, l);
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

void g2h_link_time_connected(QgaG2hLink *l)
{
    if (l->time_sync_wanted)
        ask_host_time(l);
}

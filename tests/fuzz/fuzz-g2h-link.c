/* libFuzzer target: host bytes into the agent's guest-driven link (its line splitting, reply matching and the host's view it mirrors), output bounded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "core/agent.h"
#include "core/config.h"
#include "g2h/link.h"
#include "os/os.h"
#include "core/log.h"

/*
 * The input is what a hostile host writes back on the g2h port. The agent behind the link is a
 * real one with a fuzz state directory (the mirrored identity and keys are written there); a
 * protocol error reconnects, as the platform glue does. Everything the link writes must stay
 * under its output cap.
 */

static QgaConfig config;
static QgaAgent *agent;
static QgaG2hLink *link_;

static void die(const char *what)
{
    fprintf(stderr, "fuzz-g2h-link: %s\n", what);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static char dir[] = "/tmp/fuzz-g2h-link-XXXXXX";
    if (!mkdtemp(dir))
        die("mkdtemp");
    char sock[64];
    snprintf(sock, sizeof(sock), "%s/sock", dir);
    char *args[] = { "qga-compat", "-m", "unix-listen", "-p", sock, "-t", dir, NULL };
    QgaConfigAction action;
    QgaError *err = NULL;
    if (qga_config_load(&config, qga_host_defaults(), 7, args, stdout, &action, &err) < 0 ||
        qga_log_open(NULL, false, &err) < 0)
        die(err->desc);
    agent = qga_agent_new(&config, &err);
    if (!agent)
        die(err->desc);
    static const char *const os_events[] = { "RESUMED", NULL };
    QgaG2hLinkConfig lc = { .os = "linux",
                            .os_events = os_events,
                            .queue_max = 8,
                            .monotonic_ms = qga_os_monotonic_ms,
                            .now_ns = qga_os_now_ns };
    link_ = qga_g2h_link_new(agent, &lc);
    qga_g2h_link_connected(link_);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (qga_g2h_link_feed(link_, (const char *)data, size) < 0) {
        qga_g2h_link_disconnected(link_);
        qga_g2h_link_connected(link_);
    }
    QgaBuf *out = qga_g2h_link_output(link_);
    if (out->len > QGA_G2H_LINK_OUTPUT_MAX + 65536)
        die("output above its cap");
    if (out->len > 65536)
        qga_buf_clear(out);   /* the glue would have written it */
    return 0;
}

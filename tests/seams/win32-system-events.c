/* Test seam (Windows, qga-compat-testseam.exe only): replay the OS events Wine cannot cause, from $QGA_TEST_SYSTEM_EVENTS, through the service handler's own paths. */
#include <stdlib.h>
#include <string.h>

#include "host/win32/g2h-port.h"
#include "core/log.h"
#include "core/mem.h"

/*
 * QGA_TEST_SYSTEM_EVENTS="session:5:2,power:4,power:18,address,delay:3000,preshutdown" is
 * replayed once, when the guest-driven channel first connects:
 *   session:TYPE:ID  a SERVICE_CONTROL_SESSIONCHANGE (WTS_* TYPE, session ID)
 *   power:TYPE       a SERVICE_CONTROL_POWEREVENT (PBT_* TYPE)
 *   address          a NotifyAddrChange completion
 *   preshutdown      SERVICE_CONTROL_PRESHUTDOWN (the agent stops)
 *   delay:MS         wait before the next one (so a test can take the host away first)
 * They are sent from a thread of their own, as the SCM sends controls from its dispatcher
 * thread, to where service.c's handler sends the real ones: qga_win_server_notify() and
 * qga_win_server_preshutdown(). The server, the mapping and the link are the product's.
 *
 * Linked into qga-compat-testseam.exe only (platform_test_seam_sources); qga-compat.exe links
 * system-events-seam-none.c in its place.
 */

typedef enum { SEAM_SESSION, SEAM_POWER, SEAM_ADDRESS, SEAM_PRESHUTDOWN, SEAM_DELAY } SeamKind;

typedef struct SeamItem {
    SeamKind kind;
    DWORD a, b;
} SeamItem;

typedef struct SeamReplay {
    QgaWinServer *server;
    SeamItem *items;
    size_t n;
} SeamReplay;

static bool parse_ulong(const char *s, DWORD *ret)
{
    if (!*s)
        return false;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end)
        return false;
    *ret = (DWORD)v;
    return true;
}

static bool parse_item(char *item, SeamItem *ret)
{
    char *arg = strchr(item, ':');
    if (arg)
        *arg++ = '\0';
    *ret = (SeamItem){ 0 };
    if (!strcmp(item, "session") && arg) {
        char *second = strchr(arg, ':');
        if (!second)
            return false;
        *second++ = '\0';
        ret->kind = SEAM_SESSION;
        return parse_ulong(arg, &ret->a) && parse_ulong(second, &ret->b);
    }
    if (!strcmp(item, "power") && arg) {
        ret->kind = SEAM_POWER;
        return parse_ulong(arg, &ret->a);
    }
    if (!strcmp(item, "delay") && arg) {
        ret->kind = SEAM_DELAY;
        return parse_ulong(arg, &ret->a);
    }
    if (!strcmp(item, "address") && !arg) {
        ret->kind = SEAM_ADDRESS;
        return true;
    }
    if (!strcmp(item, "preshutdown") && !arg) {
        ret->kind = SEAM_PRESHUTDOWN;
        return true;
    }
    return false;
}

static DWORD WINAPI replay_thread(LPVOID opaque)
{
    SeamReplay *r = opaque;
    for (size_t i = 0; i < r->n; i++) {
        const SeamItem *it = &r->items[i];
        switch (it->kind) {
        case SEAM_SESSION:
            qga_win_server_notify(r->server, QGA_WIN_NOTIFY_SESSION_CHANGE, it->a, it->b);
            break;
        case SEAM_POWER:
            qga_win_server_notify(r->server, QGA_WIN_NOTIFY_POWER_EVENT, it->a, 0);
            break;
        case SEAM_ADDRESS:
            qga_win_server_notify(r->server, QGA_WIN_NOTIFY_ADDRESS_CHANGE, 0, 0);
            break;
        case SEAM_PRESHUTDOWN:
            qga_win_server_preshutdown(r->server);
            break;
        case SEAM_DELAY:
            Sleep(it->a);
            break;
        }
    }
    free(r->items);
    free(r);
    return 0;
}

void qga_win_seam_g2h_connected(QgaWinServer *server)
{
    static bool done;
    const char *spec = getenv("QGA_TEST_SYSTEM_EVENTS");
    if (done || !spec || !*spec)
        return;
    done = true;
    qga_log_info("test seam: replaying system events %s", spec);
    _qga_cleanup_free_ char *copy = qga_strdup(spec);
    SeamReplay *r = qga_calloc(1, sizeof(*r));
    r->server = server;
    r->items = qga_calloc(strlen(spec) / 2 + 1, sizeof(SeamItem)); /* an item takes 2+ bytes with its comma */
    for (char *item = copy, *next; item; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        if (!parse_item(item, &r->items[r->n++])) {
            /* A typo in a test must not pass as "nothing happened". */
            qga_log_error("test seam: bad QGA_TEST_SYSTEM_EVENTS item '%s'", item);
            abort();
        }
    }
    /* The server outlives the replay: it stops only on the replayed pre-shutdown or a test's
     * Ctrl-C, after which the process exits with this thread. */
    HANDLE t = CreateThread(NULL, 0, replay_thread, r, 0, NULL);
    if (!t) {
        qga_log_error("test seam: CreateThread failed: error %lu", (unsigned long)GetLastError());
        abort();
    }
    CloseHandle(t);
}

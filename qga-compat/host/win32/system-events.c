/* Windows notifications for the guest-driven channel: session changes, power events and address changes mapped to the link's events. */
#include "g2h-port.h"

#include <winsock2.h>
#include <iphlpapi.h>
#include <wtsapi32.h>

#include <string.h>

#include "core/log.h"
#include "core/mem.h"

/* ---- sessions ---- */

/* The USER_SESSION action of a WTS_* code; NULL for codes the schema does not name
 * (WTS_SESSION_REMOTE_CONTROL, WTS_SESSION_CREATE, ...: not sent). */
static const char *session_action(DWORD type)
{
    switch (type) {
    case WTS_CONSOLE_CONNECT: return "console-connect";
    case WTS_CONSOLE_DISCONNECT: return "console-disconnect";
    case WTS_REMOTE_CONNECT: return "remote-connect";
    case WTS_REMOTE_DISCONNECT: return "remote-disconnect";
    case WTS_SESSION_LOGON: return "logon";
    case WTS_SESSION_LOGOFF: return "logoff";
    case WTS_SESSION_LOCK: return "lock";
    case WTS_SESSION_UNLOCK: return "unlock";
    default: return NULL;
    }
}

/* One WTSQuerySessionInformationW string, UTF-8; NULL when unknown or empty. */
static char *session_string(DWORD session_id, WTS_INFO_CLASS what)
{
    LPWSTR w = NULL;
    DWORD bytes = 0;
    if (!WTSQuerySessionInformationW(WTS_CURRENT_SERVER_HANDLE, session_id, what, &w, &bytes))
        return NULL;
    char *s = w && *w ? qga_win_utf16_to_utf8(w, -1) : NULL;
    if (w)
        WTSFreeMemory(w);
    return s;
}

char *qga_win_session_user(DWORD session_id)
{
    _qga_cleanup_free_ char *user = session_string(session_id, WTSUserName);
    if (!user)
        return NULL;
    _qga_cleanup_free_ char *domain = session_string(session_id, WTSDomainName);
    return domain ? qga_strdup_printf("%s\\%s", domain, user) : qga_strdup(user);
}

static void on_session_change(QgaG2hLink *link, DWORD type, DWORD session_id)
{
    const char *action = session_action(type);
    if (!action)
        return;
    QgaJson *data = qga_json_object();
    qga_json_object_set_str(data, "action", action);
    qga_json_object_set_uint(data, "session-id", session_id);
    /* At logoff the session may already be gone from WTS: then the user is left out. */
    char *user = qga_win_session_user(session_id);
    if (user)
        qga_json_object_set(data, "user", qga_json_string_take(user, strlen(user)));
    qga_g2h_link_event(link, "USER_SESSION", data);
}

/* ---- power ---- */

static void on_power_event(QgaG2hLink *link, QgaWinPowerState *power, DWORD type)
{
    switch (type) {
    case PBT_APMSUSPEND:
        power->resume_reported = false;
        qga_g2h_link_suspending(link);
        break;
    case PBT_APMRESUMEAUTOMATIC:
    case PBT_APMRESUMESUSPEND:
        /* Every resume brings RESUMEAUTOMATIC, and RESUMESUSPEND after it when a user is
         * there: the first one reports it. (A resume without a suspend seen, e.g. one that came
         * while the service was starting, is still reported once.) */
        if (!power->resume_reported) {
            power->resume_reported = true;
            qga_g2h_link_resumed(link);
        }
        break;
    default:
        break;
    }
}

static const char *power_event_name(DWORD type)
{
    switch (type) {
    case PBT_APMSUSPEND: return "suspend";
    case PBT_APMRESUMEAUTOMATIC: return "resume-automatic";
    case PBT_APMRESUMESUSPEND: return "resume-suspend";
    case PBT_APMPOWERSTATUSCHANGE: return "power-status-change";
    case PBT_POWERSETTINGCHANGE: return "power-setting-change";
    default: return "other";
    }
}

void qga_win_on_system_event(QgaG2hPort *g2h, QgaWinNotifyKind kind, DWORD event_type,
                             DWORD session_id)
{
    switch (kind) {
    case QGA_WIN_NOTIFY_SESSION_CHANGE: {
        const char *action = session_action(event_type);
        qga_log_debug("session change: %s (%lu) in session %lu", action ? action : "other",
                      (unsigned long)event_type, (unsigned long)session_id);
        if (g2h)
            on_session_change(qga_g2h_port_link(g2h), event_type, session_id);
        break;
    }
    case QGA_WIN_NOTIFY_POWER_EVENT:
        qga_log_debug("power event: %s (%lu)", power_event_name(event_type), (unsigned long)event_type);
        if (g2h)
            on_power_event(qga_g2h_port_link(g2h), qga_g2h_port_power_state(g2h), event_type);
        break;
    case QGA_WIN_NOTIFY_ADDRESS_CHANGE:
        qga_log_debug("address change");
        /* The link waits for the burst to settle and sends only a list that differs. */
        if (g2h)
            qga_g2h_link_addresses_changed(qga_g2h_port_link(g2h));
        break;
    }
}

/* ---- addresses ---- */

struct QgaWinAddrWatch {
    HANDLE event;   /* manual-reset, in the loop's wait */
    HANDLE handle;  /* NotifyAddrChange's out handle (owned by the system) */
    OVERLAPPED ov;
    bool armed;
};

static bool arm(QgaWinAddrWatch *w, DWORD *ret_code)
{
    ResetEvent(w->event);
    memset(&w->ov, 0, sizeof(w->ov));
    w->ov.hEvent = w->event;
    w->handle = NULL;
    DWORD r = NotifyAddrChange(&w->handle, &w->ov);
    w->armed = r == ERROR_IO_PENDING;
    *ret_code = r;
    return w->armed;
}

QgaWinAddrWatch *qga_win_addr_watch_new(DWORD *ret_code)
{
    QgaWinAddrWatch *w = qga_calloc(1, sizeof(*w));
    w->event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!w->event) {
        *ret_code = GetLastError();
        free(w);
        return NULL;
    }
    /* Wine answers ERROR_NOT_SUPPORTED here: the agent then goes without address events. */
    if (!arm(w, ret_code)) {
        qga_win_addr_watch_free(w);
        return NULL;
    }
    return w;
}

void qga_win_addr_watch_free(QgaWinAddrWatch *w)
{
    if (!w)
        return;
    if (w->armed)
        CancelIPChangeNotify(&w->ov);
    CloseHandle(w->event);
    free(w);
}

HANDLE qga_win_addr_watch_event(const QgaWinAddrWatch *w)
{
    return w->event;
}

bool qga_win_addr_watch_rearm(QgaWinAddrWatch *w, DWORD *ret_code)
{
    w->armed = false;
    return arm(w, ret_code);
}

/* The Windows event log as a second log sink (Application log, source "qga-compat"). */
#include "runtime.h"

#include "core/log.h"
#include "core/mem.h"

/* Event ID 1 of the message table compiled into the exe (messages.mc): the text is "%1". */
#define QGA_WIN_EVENT_ID_TEXT 1

static HANDLE event_source;

static void eventlog_sink(QgaLogLevel level, const char *message)
{
    /* Debug lines stay in the log file: a -v service would otherwise flood the Application log. */
    if (!event_source || level == QGA_LOG_DEBUG)
        return;
    WORD type;
    switch (level) {
    case QGA_LOG_CRITICAL:
    case QGA_LOG_ERROR:
        type = EVENTLOG_ERROR_TYPE;
        break;
    case QGA_LOG_WARNING:
        type = EVENTLOG_WARNING_TYPE;
        break;
    default:
        type = EVENTLOG_INFORMATION_TYPE;
        break;
    }
    _qga_cleanup_free_ wchar_t *w = qga_win_utf8_to_utf16(message, "log message", NULL);
    if (!w)
        return;
    LPCWSTR strings[1] = { w };
    ReportEventW(event_source, type, 0, QGA_WIN_EVENT_ID_TEXT, NULL, 1, 0, strings, NULL);
}

void qga_win_eventlog_open(void)
{
    if (event_source)
        return;
    /* Unlike qemu-ga, a missing event source is not fatal: the file log still works, and
     * RegisterEventSourceW succeeds even for an unregistered source (the text then shows
     * without the message-file formatting). */
    event_source = RegisterEventSourceW(NULL, QGA_WIN_EVENT_SOURCE);
    if (event_source)
        qga_log_set_sink(eventlog_sink);
}

void qga_win_eventlog_close(void)
{
    if (!event_source)
        return;
    qga_log_set_sink(NULL);
    DeregisterEventSource(event_source);
    event_source = NULL;
}

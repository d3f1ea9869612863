/* -d on Windows: the agent as an SCM service (status reporting, controls, device notifications). */
#include "runtime.h"

#include <dbt.h>
#include <wtsapi32.h>

#include "core/log.h"
#include "core/mem.h"

/* The vioserial driver's port interface class: every virtio-serial port arrives under it. */
static const GUID qga_win_vioserial_port_guid = {
    0x6fde7521, 0x1b65, 0x48ae, { 0xb6, 0x28, 0x80, 0xbe, 0x62, 0x01, 0x60, 0x26 }
};

static struct {
    QgaAgent *agent;
    SERVICE_STATUS_HANDLE status_handle;
    SERVICE_STATUS status;
    CRITICAL_SECTION status_lock; /* SetServiceStatus from the loop thread and the handler thread */
    SRWLOCK server_lock;          /* the handler's view of the server while service_main frees it */
    QgaWinServer *server;
    HDEVNOTIFY iface_notify;      /* port arrivals */
    HDEVNOTIFY port_notify[QGA_WIN_N_PORTS]; /* query-remove etc. for each open port handle */
    int exit_code;
} svc;

/* Controls we take once running. PRESHUTDOWN gives a clean stop before the system goes down
 * (SHUTDOWN stays as the fallback where PRESHUTDOWN does not exist); qemu-ga takes STOP and
 * SHUTDOWN only. Session and power notifications feed the guest-driven channel's events. */
#define QGA_WIN_ACCEPTED (SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PRESHUTDOWN | \
                          SERVICE_ACCEPT_SESSIONCHANGE | SERVICE_ACCEPT_POWEREVENT)

static void report_status(DWORD state, DWORD exit_code, DWORD wait_hint)
{
    EnterCriticalSection(&svc.status_lock);
    svc.status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    svc.status.dwCurrentState = state;
    /* Nothing is accepted while starting or stopping: the SCM then queues a stop until RUNNING. */
    svc.status.dwControlsAccepted = state == SERVICE_RUNNING ? QGA_WIN_ACCEPTED : 0;
    if (exit_code) {
        svc.status.dwWin32ExitCode = ERROR_SERVICE_SPECIFIC_ERROR;
        svc.status.dwServiceSpecificExitCode = exit_code;
    } else {
        svc.status.dwWin32ExitCode = NO_ERROR;
        svc.status.dwServiceSpecificExitCode = 0;
    }
    if (state == SERVICE_RUNNING || state == SERVICE_STOPPED)
        svc.status.dwCheckPoint = 0;
    else
        svc.status.dwCheckPoint++;
    svc.status.dwWaitHint = wait_hint;
    if (svc.status_handle)
        SetServiceStatus(svc.status_handle, &svc.status);
    LeaveCriticalSection(&svc.status_lock);
}

static void on_ready(void *opaque)
{
    report_status(SERVICE_RUNNING, 0, 0);
    qga_log_info("service qga-compat running");
}

static HDEVNOTIFY register_handle(HANDLE h, const char *what)
{
    /* Query-remove and remove-pending are only sent to handle registrations: the interface
     * registration qemu-ga relies on never delivers them, so it cannot let go of the port. */
    DEV_BROADCAST_HANDLE filter = { 0 };
    filter.dbch_size = sizeof(filter);
    filter.dbch_devicetype = DBT_DEVTYP_HANDLE;
    filter.dbch_handle = h;
    HDEVNOTIFY n = RegisterDeviceNotificationW(svc.status_handle, &filter, DEVICE_NOTIFY_SERVICE_HANDLE);
    if (!n)
        qga_log_debug("no removal notifications for the %s handle: error %lu", what, (unsigned long)GetLastError());
    return n;
}

static void unregister_handle(HDEVNOTIFY *n)
{
    if (*n) {
        UnregisterDeviceNotification(*n);
        *n = NULL;
    }
}

static void on_port_opened(void *opaque, QgaWinPortId port, HANDLE h)
{
    static const char *const names[QGA_WIN_N_PORTS] = { "port", "guest-driven port" };
    svc.port_notify[port] = register_handle(h, names[port]);
}

static void on_port_closed(void *opaque, QgaWinPortId port)
{
    unregister_handle(&svc.port_notify[port]);
}

/* Which port a handle notification is about: the registration it came through names it (the
 * QGA port when none does). */
static QgaWinPortId notified_port(const DEV_BROADCAST_HANDLE *dh)
{
    for (size_t i = 0; i < QGA_WIN_N_PORTS; i++)
        if (svc.port_notify[i] && dh->dbch_hdevnotify == svc.port_notify[i])
            return (QgaWinPortId)i;
    return QGA_WIN_PORT_QGA;
}

static void on_device_event(QgaWinServer *server, DWORD type, const DEV_BROADCAST_HDR *hdr)
{
    if (!hdr)
        return;
    if (hdr->dbch_devicetype == DBT_DEVTYP_DEVICEINTERFACE) {
        if (type == DBT_DEVICEARRIVAL)
            qga_win_server_device_arrived(server);
        return;
    }
    if (hdr->dbch_devicetype != DBT_DEVTYP_HANDLE)
        return;
    switch (type) {
    case DBT_DEVICEQUERYREMOVE:
    case DBT_DEVICEREMOVEPENDING:
    case DBT_DEVICEREMOVECOMPLETE:
        /* The handle must be closed before we answer, or the removal (a driver update) fails. */
        qga_win_server_release_port(server, notified_port((const DEV_BROADCAST_HANDLE *)hdr),
                                    10000);
        break;
    case DBT_DEVICEQUERYREMOVEFAILED:
        /* Someone else vetoed the removal: the port stays, take it back. */
        qga_win_server_device_arrived(server);
        break;
    default:
        break;
    }
}

/* Runs on the dispatcher (main) thread; everything it touches is thread-safe. */
static DWORD WINAPI service_handler(DWORD control, DWORD event_type, LPVOID event_data, LPVOID context)
{
    DWORD result = NO_ERROR;
    AcquireSRWLockShared(&svc.server_lock);
    QgaWinServer *server = svc.server;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        report_status(SERVICE_STOP_PENDING, 0, 5000);
        if (server)
            qga_win_server_stop(server);
        break;
    case SERVICE_CONTROL_PRESHUTDOWN:
        /* The loop tells the host SHUTDOWN_STARTING and flushes (at most 2 s) before stopping. */
        report_status(SERVICE_STOP_PENDING, 0, 5000);
        if (server)
            qga_win_server_preshutdown(server);
        break;
    case SERVICE_CONTROL_INTERROGATE:
        break;
    case SERVICE_CONTROL_DEVICEEVENT:
        if (server)
            on_device_event(server, event_type, event_data);
        break;
    case SERVICE_CONTROL_SESSIONCHANGE:
        if (server) {
            const WTSSESSION_NOTIFICATION *n = event_data;
            qga_win_server_notify(server, QGA_WIN_NOTIFY_SESSION_CHANGE, event_type,
                                  n ? n->dwSessionId : 0);
        }
        break;
    case SERVICE_CONTROL_POWEREVENT:
        if (server)
            qga_win_server_notify(server, QGA_WIN_NOTIFY_POWER_EVENT, event_type, 0);
        break;
    default:
        result = ERROR_CALL_NOT_IMPLEMENTED;
        break;
    }
    ReleaseSRWLockShared(&svc.server_lock);
    return result;
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv)
{
    svc.status_handle = RegisterServiceCtrlHandlerExW(QGA_WIN_SERVICE_NAME, service_handler, NULL);
    if (!svc.status_handle) {
        qga_log_error("RegisterServiceCtrlHandlerExW failed: error %lu", (unsigned long)GetLastError());
        svc.exit_code = 1;
        return;
    }
    /* START_PENDING until the server is serving the port (or, with -r, waiting for it): qemu-ga
     * reports RUNNING before anything is ready. */
    report_status(SERVICE_START_PENDING, 0, 10000);

    QgaWinServerHooks hooks = {
        .ready = on_ready,
        .port_opened = on_port_opened,
        .port_closed = on_port_closed,
    };
    QgaWinServer *server = qga_win_server_new(svc.agent, &hooks);
    AcquireSRWLockExclusive(&svc.server_lock);
    svc.server = server;
    ReleaseSRWLockExclusive(&svc.server_lock);

    DEV_BROADCAST_DEVICEINTERFACE_W filter = { 0 };
    filter.dbcc_size = sizeof(filter);
    filter.dbcc_devicetype = DBT_DEVTYP_DEVICEINTERFACE;
    filter.dbcc_classguid = qga_win_vioserial_port_guid;
    svc.iface_notify = RegisterDeviceNotificationW(svc.status_handle, &filter, DEVICE_NOTIFY_SERVICE_HANDLE);
    if (!svc.iface_notify)
        qga_log_debug("no virtio-serial arrival notifications: error %lu", (unsigned long)GetLastError());
    qga_win_server_set_arrival_notifications(server, svc.iface_notify != NULL);
    report_status(SERVICE_START_PENDING, 0, 10000);

    int rc = qga_win_server_run(server);

    report_status(SERVICE_STOP_PENDING, 0, 5000);
    if (svc.iface_notify) {
        UnregisterDeviceNotification(svc.iface_notify);
        svc.iface_notify = NULL;
    }
    AcquireSRWLockExclusive(&svc.server_lock);
    svc.server = NULL;
    ReleaseSRWLockExclusive(&svc.server_lock);
    qga_win_server_free(server);
    svc.exit_code = rc;
    qga_log_info("service qga-compat stopped%s", rc ? " after an error" : "");
    /* A non-zero exit code makes the SCM run the recovery actions -s install configured. */
    report_status(SERVICE_STOPPED, (DWORD)rc, 0);
}

int qga_win_service_run(QgaAgent *agent)
{
    svc.agent = agent;
    InitializeCriticalSection(&svc.status_lock);
    InitializeSRWLock(&svc.server_lock);
    static wchar_t name[] = QGA_WIN_SERVICE_NAME;
    SERVICE_TABLE_ENTRYW table[] = { { name, service_main }, { NULL, NULL } };
    int rc;
    if (StartServiceCtrlDispatcherW(table)) {
        rc = svc.exit_code;
    } else {
        DWORD code = GetLastError();
        if (code == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
            qga_log_error("-d runs qga-compat as a Windows service, but it was not started by the service "
                          "control manager: install it with -s install and start it with 'sc start qga-compat', "
                          "or run it without -d");
        else {
            QgaError *err = NULL;
            qga_error_set_os(&err, (int)code, "cannot connect to the service control manager");
            qga_log_error("%s", err->desc);
            qga_error_free(err);
        }
        rc = 1;
    }
    DeleteCriticalSection(&svc.status_lock);
    return rc;
}

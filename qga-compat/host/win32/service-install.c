/* -s install / -s uninstall: register the service with the SCM, its recovery actions and its event source. */
#include "runtime.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "host/host.h"

#define EVENTLOG_KEY L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\qga-compat"

static void close_sc(SC_HANDLE *h)
{
    if (*h)
        CloseServiceHandle(*h);
}
#define _cleanup_sc_ __attribute__((cleanup(close_sc)))

/* Not fatal: the service works without them, but the administrator should know. */
static void warn_os(DWORD code, const char *what)
{
    _qga_cleanup_free_ char *text = qga_win_error_text(code);
    fprintf(stderr, "warning: %s: %s\n", what, text ? text : "unknown error");
}

static void set_recovery(SC_HANDLE service)
{
    /* qemu-ga's installers set no recovery actions: a crash leaves the guest without an agent
     * until reboot. Restart after 5 s twice, then every 60 s; forget failures after a day. */
    SC_ACTION actions[3] = {
        { SC_ACTION_RESTART, 5000 },
        { SC_ACTION_RESTART, 5000 },
        { SC_ACTION_RESTART, 60000 },
    };
    SERVICE_FAILURE_ACTIONSW fa = { 0 };
    fa.dwResetPeriod = 24 * 60 * 60;
    fa.cActions = QGA_N_ELEMENTS(actions);
    fa.lpsaActions = actions;
    if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS, &fa))
        warn_os(GetLastError(), "cannot set the service's recovery actions");
    /* Also when the agent stops itself with an error (port lost without -r), not only on a crash. */
    SERVICE_FAILURE_ACTIONS_FLAG flag = { TRUE };
    if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag))
        warn_os(GetLastError(), "cannot apply recovery actions to non-crash failures");
}

static void register_event_source(const wchar_t *exe)
{
    HKEY key;
    LSTATUS st = RegCreateKeyExW(HKEY_LOCAL_MACHINE, EVENTLOG_KEY, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL);
    if (st != ERROR_SUCCESS) {
        warn_os((DWORD)st, "cannot register the event log source qga-compat");
        return;
    }
    /* The exe carries the message table (event 1 = "%1"), so the Event Viewer shows our text as is. */
    RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ, (const BYTE *)exe,
                   (DWORD)((wcslen(exe) + 1) * sizeof(wchar_t)));
    DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
    RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types, sizeof(types));
    RegCloseKey(key);
}

static int install(QgaError **error)
{
    _qga_cleanup_free_ wchar_t *wexe = qga_win_module_path();
    if (!wexe) {
        qga_error_set_os(error, (int)GetLastError(), "No full path to service's executable");
        return -1;
    }
    _qga_cleanup_free_ char *exe = qga_win_utf16_to_utf8(wexe, -1);
    _qga_cleanup_free_ char *cmdline = qga_win_service_cmdline(exe, qga_win_argc(), qga_win_argv());
    _qga_cleanup_free_ wchar_t *wcmdline = qga_win_utf8_to_utf16(cmdline, "service command line", error);
    if (!wcmdline)
        return -1;

    _cleanup_sc_ SC_HANDLE manager = OpenSCManagerW(NULL, NULL, SC_MANAGER_CREATE_SERVICE);
    if (!manager) {
        qga_error_set_os(error, (int)GetLastError(), "No handle to service control manager");
        return -1;
    }
    /* Own process, automatic start, LocalSystem (NULL account), as qemu-ga installs itself. */
    _cleanup_sc_ SC_HANDLE service = CreateServiceW(manager, QGA_WIN_SERVICE_NAME, QGA_WIN_SERVICE_DISPLAY_NAME,
                                                    SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                                                    SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, wcmdline,
                                                    NULL, NULL, NULL, NULL, NULL);
    if (!service) {
        qga_error_set_os(error, (int)GetLastError(), "Failed to install service");
        return -1;
    }
    SERVICE_DESCRIPTIONW desc = { (LPWSTR)QGA_WIN_SERVICE_DESCRIPTION };
    if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_DESCRIPTION, &desc))
        warn_os(GetLastError(), "cannot set the service description");
    set_recovery(service);
    register_event_source(wexe);
    printf("Service was installed successfully.\n");
    fflush(stdout);
    return 0;
}

/* Stop a running service before deleting it, so the deletion is not left pending. */
static void stop_and_wait(SC_HANDLE service)
{
    SERVICE_STATUS st;
    if (!QueryServiceStatus(service, &st) || st.dwCurrentState == SERVICE_STOPPED)
        return;
    ControlService(service, SERVICE_CONTROL_STOP, &st);
    /* A one-shot admin command: a short poll (the SCM offers no wait for another service's state). */
    for (int i = 0; i < 75; i++) {
        if (!QueryServiceStatus(service, &st) || st.dwCurrentState == SERVICE_STOPPED)
            return;
        Sleep(200);
    }
    fprintf(stderr, "warning: the service did not stop within 15 seconds; it will be deleted once it stops\n");
}

static int uninstall(QgaError **error)
{
    _cleanup_sc_ SC_HANDLE manager = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    if (!manager) {
        qga_error_set_os(error, (int)GetLastError(), "No handle to service control manager");
        return -1;
    }
    _cleanup_sc_ SC_HANDLE service = OpenServiceW(manager, QGA_WIN_SERVICE_NAME,
                                                  DELETE | SERVICE_STOP | SERVICE_QUERY_STATUS);
    if (!service) {
        qga_error_set_os(error, (int)GetLastError(), "No handle to service");
        return -1;
    }
    stop_and_wait(service);
    if (!DeleteService(service)) {
        qga_error_set_os(error, (int)GetLastError(), "Failed to delete service");
        return -1;
    }
    RegDeleteKeyW(HKEY_LOCAL_MACHINE, EVENTLOG_KEY);
    printf("Service was deleted successfully.\n");
    fflush(stdout);
    return 0;
}

int qga_host_service_action(const QgaConfig *config, const char *action, QgaError **error)
{
    if (strcmp(action, "install") == 0)
        return install(error);
    if (strcmp(action, "uninstall") == 0)
        return uninstall(error);
    if (strcmp(action, "vss-install") == 0 || strcmp(action, "vss-uninstall") == 0) {
        qga_error_generic(error, "service action '%s' is not supported: qga-compat has no VSS provider yet", action);
        return -1;
    }
    qga_error_generic(error, "unknown service action '%s' (expected install or uninstall)", action);
    return -1;
}

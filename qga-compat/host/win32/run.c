/* qga_host_run on Windows: the server on the console or under the SCM. */
#include "runtime.h"

#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "host/host.h"

static QgaWinServer *console_server;

/* Ctrl-C, Ctrl-Break, closing the console window, logoff/shutdown of a console run: stop cleanly.
 * Runs on a thread the system creates; stopping only sets an event. */
static BOOL WINAPI console_handler(DWORD type)
{
    QgaWinServer *server = console_server;
    if (!server)
        return FALSE;
    qga_win_server_stop(server);
    return TRUE;
}

static int run_console(QgaAgent *agent)
{
    QgaWinServer *server = qga_win_server_new(agent, NULL);
    console_server = server;
    SetConsoleCtrlHandler(console_handler, TRUE);
    int rc = qga_win_server_run(server);
    SetConsoleCtrlHandler(console_handler, FALSE);
    console_server = NULL;
    qga_win_server_free(server);
    return rc;
}

int qga_host_run(QgaAgent *agent)
{
    const QgaConfig *cfg = agent->config;
    /* The event log only for the service: a console run has its stderr. */
    if (cfg->daemon)
        qga_win_eventlog_open();
    int rc = cfg->daemon ? qga_win_service_run(agent) : run_console(agent);
    qga_win_eventlog_close();
    return rc;
}

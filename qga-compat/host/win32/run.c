/* qga_host_run on Windows: the channel loop on the console or under the SCM. */
#include "runtime.h"

#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "host/host.h"

static QgaWinLoop *console_loop;

/* Ctrl-C, Ctrl-Break, closing the console window, logoff/shutdown of a console run: stop cleanly.
 * Runs on a thread the system creates; stopping only sets an event. */
static BOOL WINAPI console_handler(DWORD type)
{
    QgaWinLoop *loop = console_loop;
    if (!loop)
        return FALSE;
    qga_win_loop_stop(loop);
    return TRUE;
}

static int run_console(QgaAgent *agent)
{
    QgaWinLoop *loop = qga_win_loop_new(agent, NULL);
    console_loop = loop;
    SetConsoleCtrlHandler(console_handler, TRUE);
    int rc = qga_win_loop_run(loop);
    SetConsoleCtrlHandler(console_handler, FALSE);
    console_loop = NULL;
    qga_win_loop_free(loop);
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

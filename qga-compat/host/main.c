/* The composition root: configuration, logging, state dir, the agent object, then the OS's runtime. */
#include "core/agent.h"

#include <stdio.h>
#include <string.h>

#include "commands/families.h"
#include "core/log.h"
#include "core/mem.h"
#include "host.h"
#include "qga-version.h"
#include "os/os.h"

static void warn_unknown_names(const QgaDispatcher *d, const QgaStrList *list, const char *what)
{
    /* qemu-ga ignores unknown names silently; a misspelt block list deserves a note. */
    for (size_t i = 0; i < list->n; i++)
        if (!qga_dispatcher_has(d, list->items[i]))
            qga_log_warning("%s: unknown command '%s' ignored", what, list->items[i]);
}

QgaAgent *qga_agent_new(const QgaConfig *config, QgaError **error)
{
    QgaAgent *agent = qga_calloc(1, sizeof(*agent));
    agent->config = config;
    agent->version = QGA_VERSION;
    agent->dispatcher = qga_dispatcher_new(&qga_command_table, agent);
    if (config->allow_rpcs.n > 0) {
        warn_unknown_names(agent->dispatcher, &config->allow_rpcs, "allow-rpcs");
        qga_dispatcher_allow(agent->dispatcher, (const char *const *)config->allow_rpcs.items,
                             config->allow_rpcs.n);
    }
    if (config->block_rpcs.n > 0) {
        warn_unknown_names(agent->dispatcher, &config->block_rpcs, "block-rpcs");
        qga_dispatcher_block(agent->dispatcher, (const char *const *)config->block_rpcs.items,
                             config->block_rpcs.n);
    }
    agent->session = qga_session_new(agent->dispatcher, NULL);
    qga_families_start(agent);
    return agent;
}

void qga_agent_free(QgaAgent *agent)
{
    if (!agent)
        return;
    qga_families_stop(agent);
    qga_session_free(agent->session);
    qga_dispatcher_free(agent->dispatcher);
    free(agent);
}

/* A start-up failure: one line on stderr, and in the log file when there is one. */
static void report(const QgaConfig *cfg, bool log_open, const QgaError *err)
{
    fprintf(stderr, "%s: %s\n", QGA_PROGRAM_NAME, err->desc);
    if (log_open && cfg->logfile)
        qga_log(QGA_LOG_CRITICAL, "%s", err->desc);
}

int qga_main(int argc, char **argv)
{
    QgaConfig cfg = { 0 };
    QgaConfigAction action = QGA_CONFIG_RUN;
    QgaError *err = NULL;
    bool log_open = false;
    int rc = 1;

    qga_log_set_clock(qga_os_now_ns);

    if (qga_config_load(&cfg, qga_host_defaults(), argc, argv, stdout, &action, &err) < 0)
        goto out;

    switch (action) {
    case QGA_CONFIG_EXIT_OK:
        rc = 0;
        goto out;
    case QGA_CONFIG_LIST_COMMANDS:
        /* qemu-ga lists in registration (schema) order. */
        for (size_t i = 0; i < qga_command_table.n_commands; i++)
            printf("%s\n", qga_command_table.commands[i].name);
        rc = 0;
        goto out;
    case QGA_CONFIG_SERVICE:
        if (qga_host_service_action(&cfg, cfg.service_action, &err) == 0)
            rc = 0;
        goto out;
    case QGA_CONFIG_RUN:
        break;
    }

    if (qga_log_open(cfg.logfile, cfg.verbose, &err) < 0)
        goto out;
    log_open = true;
    if (qga_os_mkdir_p(cfg.statedir, &err) < 0) {
        qga_error_prefix(err, "unable to create the state directory");
        goto out;
    }

    QgaAgent *agent = qga_agent_new(&cfg, &err);
    if (!agent)
        goto out;
    qga_log_debug("%s %s started (method %s, path %s)", QGA_PROGRAM_NAME, QGA_VERSION, cfg.method, cfg.path);
    rc = qga_host_run(agent);
    qga_log_debug("%s exiting with status %d", QGA_PROGRAM_NAME, rc);
    qga_agent_free(agent);

out:
    if (err) {
        report(&cfg, log_open, err);
        qga_error_free(err);
        rc = 1;
    }
    /* -D > /dev/full must not report success. */
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "%s: error writing to standard output\n", QGA_PROGRAM_NAME);
        rc = 1;
    }
    if (log_open)
        qga_log_close();
    qga_config_clear(&cfg);
    return rc;
}

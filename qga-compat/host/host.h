/* What each OS's runtime (host/<os>/) provides to the agent's entry point (host/main.c). */
#pragma once

#include "core/agent.h"
#include "core/config.h"
#include "core/error.h"

/* Built-in defaults for this OS: qemu-ga's paths and methods (docs/ARCHITECTURE.md, "Defaults"). */
const QgaConfigDefaults *qga_host_defaults(void);

/*
 * Run the agent until told to stop: open the channel (by config->method and
 * path), daemonize or hand over to the service manager when config->daemon,
 * serve requests, and clean up (pidfile, listening socket). Returns the exit code.
 */
int qga_host_run(QgaAgent *agent);

/* -s ACTION (Windows service install/uninstall). OSes without services answer an error. */
int qga_host_service_action(const QgaConfig *config, const char *action, QgaError **error);

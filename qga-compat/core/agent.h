/* The running agent: configuration, dispatcher and per-family state that handlers share. */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "dispatch.h"
#include "session.h"

typedef struct QgaFileTable QgaFileTable;
typedef struct QgaExecTable QgaExecTable;

struct QgaAgent {
    const QgaConfig *config;
    QgaDispatcher *dispatcher;
    QgaSession *session;          /* the host-driven channel's protocol state */
    const char *version;          /* reported by guest-info */
    /* Command families add their state here and their hooks to commands/families.c. */
    QgaFileTable *files;          /* guest-file-* handles (commands/file.c), created on first use */
    QgaExecTable *execs;          /* guest-exec children (commands/exec.c), created on first use */
    bool frozen;                  /* guest-fsfreeze-*: filesystems frozen (commands/fsfreeze-state.c) */
};

/* Create the agent from a loaded config: dispatcher with filters applied, session. */
QgaAgent *qga_agent_new(const QgaConfig *config, QgaError **error);
void qga_agent_free(QgaAgent *agent);
/* The portable main: config, logging, agent, then qga_host_run(). Returns the exit code. */
int qga_main(int argc, char **argv);

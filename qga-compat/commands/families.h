/* The command families that keep state across requests, and their start and stop hooks
 * (QEMU's ga_command_state: the agent starts and stops them without knowing which they are). */
#pragma once

#include <stddef.h>

#include "core/agent.h"

typedef struct QgaFamily {
    const char *name;
    void (*start)(
        QgaAgent *agent);          /* at agent creation, after the dispatcher exists; may be NULL */
    void (*stop)(QgaAgent *agent); /* at agent teardown, in reverse order; may be NULL */
} QgaFamily;

/* Start every stateful family, in table order. */
void qga_families_start(QgaAgent *agent);
/* Stop them in reverse order: close the open files, stop watching running children (they keep
 * running, as under qemu-ga) and release what was captured. */
void qga_families_stop(QgaAgent *agent);

/* The hooks the table lists, defined by their families. */
void qga_file_table_free(QgaFileTable *files);
void qga_exec_table_free(QgaExecTable *execs);
/* Start in frozen mode when a previous instance exited frozen (its qga.state.isfrozen marker is
 * in the state directory), as qemu-ga does on POSIX. */
void qga_fsfreeze_restore(QgaAgent *agent);

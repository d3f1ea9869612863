/* The stateful command families' lifecycle table: a new stateful family adds one row here. */
#include "families.h"

#include "core/mem.h"

static void file_stop(QgaAgent *agent)
{
    qga_file_table_free(agent->files);
    agent->files = NULL;
}

static void exec_stop(QgaAgent *agent)
{
    qga_exec_table_free(agent->execs);
    agent->execs = NULL;
}

static const QgaFamily families[] = {
    { "fsfreeze", qga_fsfreeze_restore, NULL },
    { "file", NULL, file_stop },
    { "exec", NULL, exec_stop },
};

void qga_families_start(QgaAgent *agent)
{
    for (size_t i = 0; i < QGA_N_ELEMENTS(families); i++)
        if (families[i].start)
            families[i].start(agent);
}

void qga_families_stop(QgaAgent *agent)
{
    for (size_t i = QGA_N_ELEMENTS(families); i-- > 0;)
        if (families[i].stop)
            families[i].stop(agent);
}

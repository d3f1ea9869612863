/* Frozen mode, shared by the fsfreeze commands and agent start-up (portable: stdio only, no freeze primitives). */
#include "fsfreeze-state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "families.h"
#include "core/log.h"
#include "core/mem.h"

/* qemu-ga's marker, next to qga.state in the state directory. */
static char *marker_path(const QgaAgent *agent)
{
    const char *dir = agent->config && agent->config->statedir ? agent->config->statedir : ".";
    size_t len = strlen(dir);
    bool sep = len > 0 && (dir[len - 1] == '/' || dir[len - 1] == '\\');
    return qga_strdup_printf("%s%sqga.state.isfrozen", dir, sep ? "" : "/");
}

void qga_fsfreeze_set_frozen(QgaAgent *agent)
{
    if (agent->frozen)
        return;
    _qga_cleanup_free_ char *path = marker_path(agent);
    /* The last line written before the freeze (qemu-ga's words). */
    qga_log_warning("disabling logging due to filesystem freeze");
    agent->frozen = true;
    FILE *f = fopen(path, "wb");
    if (!f || fclose(f) != 0)
        qga_log_warning("unable to create %s, fsfreeze may not function properly", path);
    qga_dispatcher_set_frozen(agent->dispatcher, true);
    qga_log_set_suspended(true);
}

void qga_fsfreeze_unset_frozen(QgaAgent *agent)
{
    if (!agent->frozen)
        return;
    _qga_cleanup_free_ char *path = marker_path(agent);
    qga_log_set_suspended(false);
    qga_log_warning("logging re-enabled due to filesystem unfreeze");
    qga_dispatcher_set_frozen(agent->dispatcher, false);
    agent->frozen = false;
    if (remove(path) != 0)
        qga_log_warning("unable to delete %s, fsfreeze may not function properly", path);
}

void qga_fsfreeze_restore(QgaAgent *agent)
{
    /*
     * FIFREEZE outlives the process: an agent killed (or crashed) while frozen leaves the
     * filesystems frozen and its marker behind. Start frozen then, as qemu-ga does on POSIX,
     * so that the host's guest-fsfreeze-thaw still works and nothing here blocks on a write.
     * Only where the freeze commands exist (qemu-ga for Windows never checks the marker).
     */
    if (!qga_dispatcher_has(agent->dispatcher, "guest-fsfreeze-thaw"))
        return;
    _qga_cleanup_free_ char *path = marker_path(agent);
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    fclose(f);
    qga_log_warning("previous instance appears to have exited with frozen filesystems. deferring "
                    "logging/pidfile creation and disabling non-fsfreeze-safe commands until "
                    "guest-fsfreeze-thaw is issued.");
    agent->frozen = true;
    qga_dispatcher_set_frozen(agent->dispatcher, true);
    qga_log_set_suspended(true);
}

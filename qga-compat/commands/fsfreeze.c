/* Freeze commands: guest-fsfreeze-status, -freeze, -freeze-list, -thaw (Linux: FIFREEZE per filesystem, the -F hook). */
#include <string.h>

#include "core/agent.h"
#include "fsfreeze-state.h"
#include "os/fsfreeze.h"
#include "core/log.h"
#include "core/mem.h"
#include "qga-commands.h"

static void mounts_cleanup(QgaMountList *l) { qga_mount_list_clear(l); }

static int run_hook(QgaAgent *agent, const char *arg, QgaError **error)
{
    const char *hook = agent->config ? agent->config->fsfreeze_hook : NULL;
    if (!hook)
        return 0;
    qga_log_info("executing fsfreeze hook with arg '%s'", arg);
    return qga_os_run_fsfreeze_hook(hook, arg, error);
}

int qga_cmd_guest_fsfreeze_status(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result,
                                  QgaError **error)
{
    *ret_result = qga_json_string(agent->frozen ? "frozen" : "thawed");
    return 0;
}

/* FITHAW every mount (forward order, as qemu-ga); the number that were frozen. */
static int thaw_all(int64_t *ret_count, QgaError **error)
{
    _qga_cleanup_(mounts_cleanup) QgaMountList mounts = { 0 };
    if (qga_os_mount_list(&mounts, error) < 0)
        return -1;
    int64_t n = 0;
    for (size_t i = 0; i < mounts.n; i++)
        if (qga_os_fsthaw_one(mounts.items[i].dir))
            n++;
    *ret_count = n;
    return 0;
}

/* qemu-ga's thaw: filesystems first, then out of frozen mode, then the hook's "thaw". */
static int thaw(QgaAgent *agent, int64_t *ret_count, QgaError **error)
{
    if (thaw_all(ret_count, error) < 0)
        return -1;
    qga_fsfreeze_unset_frozen(agent);
    qga_log_info("guest-fsthaw called");
    return run_hook(agent, "thaw", error);
}

static bool listed(const QgaJson *mountpoints, const char *dir)
{
    for (size_t i = 0; i < qga_json_array_length(mountpoints); i++)
        if (strcmp(qga_json_get_string(qga_json_array_get(mountpoints, i), NULL), dir) == 0)
            return true;
    return false;
}

static int freeze(QgaAgent *agent, const QgaJson *mountpoints, QgaJson **ret_result, QgaError **error)
{
    _qga_cleanup_(mounts_cleanup) QgaMountList mounts = { 0 };

    qga_log_info("guest-fsfreeze called");
    /* The hook quiesces applications before anything is frozen; its failure stops everything. */
    if (run_hook(agent, "freeze", error) < 0)
        return -1;
    if (qga_os_mount_list(&mounts, error) < 0)
        return -1;
    /* From here on nothing may be written to the filesystems: frozen mode before FIFREEZE. */
    qga_fsfreeze_set_frozen(agent);

    int64_t frozen = 0;
    QgaError *err = NULL;
    /* Reverse mount order: a filesystem mounted on top of another is frozen first. */
    for (size_t i = mounts.n; i-- > 0;) {
        const char *dir = mounts.items[i].dir;
        if (mountpoints && !listed(mountpoints, dir))
            continue;
        bool done = false;
        if (qga_os_fsfreeze_one(dir, &done, &err) < 0)
            break;
        if (done)
            frozen++;
    }
    if (err) {
        /* Undo everything (qemu-ga thaws all filesystems and runs the "thaw" hook); report the
         * freeze failure, not whatever the clean-up says. */
        int64_t ignored;
        QgaError *thaw_err = NULL;
        thaw(agent, &ignored, &thaw_err);
        qga_error_free(thaw_err);
        if (error)
            *error = err;
        else
            qga_error_free(err);
        return -1;
    }
    if (frozen == 0) {
        /*
         * Nothing froze (no local filesystem, or none of the listed ones): leave frozen mode
         * again, as qemu-ga does. Unlike qemu-ga, the hook also gets its "thaw": it quiesced the
         * applications for a freeze that did not happen, and no thaw will ever come for it.
         */
        qga_fsfreeze_unset_frozen(agent);
        if (run_hook(agent, "thaw", error) < 0)
            return -1;
    }
    *ret_result = qga_json_int(frozen);
    return 0;
}

int qga_cmd_guest_fsfreeze_freeze(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result,
                                  QgaError **error)
{
    return freeze(agent, NULL, ret_result, error);
}

int qga_cmd_guest_fsfreeze_freeze_list(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result,
                                       QgaError **error)
{
    return freeze(agent, qga_json_object_get(args, "mountpoints"), ret_result, error);
}

int qga_cmd_guest_fsfreeze_thaw(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result,
                                QgaError **error)
{
    int64_t n = 0;
    if (thaw(agent, &n, error) < 0)
        return -1;
    *ret_result = qga_json_int(n);
    return 0;
}

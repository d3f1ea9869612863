/* SSH key commands: guest-ssh-get-authorized-keys, guest-ssh-add-authorized-keys, guest-ssh-remove-authorized-keys (and the account record they share). */
#include <stdlib.h>

#include "core/agent.h"
#include "core/mem.h"
#include "qga-commands.h"
#include "ssh-keys.h"
#include "os/ssh.h"

static void target_cleanup(QgaSshTarget *t) { qga_ssh_target_clear(t); }
static void lines_cleanup(QgaKeyLines *l) { qga_ssh_lines_clear(l); }

/* Read and split the file; *ret_missing (when given) reports a file that does not exist. */
static int load(const QgaSshTarget *target, QgaKeyLines *ret, bool *ret_missing, QgaError **error)
{
    _qga_cleanup_free_ char *data = NULL;
    size_t len = 0;
    if (qga_os_ssh_read(target, &data, &len, ret_missing, error) < 0)
        return -1;
    qga_ssh_lines_parse(data, len, ret);
    return 0;
}

static int store(const QgaSshTarget *target, const QgaKeyLines *lines, QgaError **error)
{
    size_t len = 0;
    _qga_cleanup_free_ char *data = qga_ssh_lines_join(lines, &len);
    return qga_os_ssh_write(target, data, len, error);
}

int qga_cmd_guest_ssh_get_authorized_keys(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result,
                                          QgaError **error)
{
    const char *username = qga_json_get_string(qga_json_object_get(args, "username"), NULL);
    _qga_cleanup_(target_cleanup) QgaSshTarget target = { 0 };
    _qga_cleanup_(lines_cleanup) QgaKeyLines lines = { 0 };

    if (qga_os_ssh_target(username, &target, error) < 0)
        return -1;
    /* No file is an error here, as in qemu-ga ("failed to read '<path>': ..."). */
    if (load(&target, &lines, NULL, error) < 0)
        return -1;
    QgaJson *result = qga_json_object();
    qga_json_object_set(result, "keys", qga_ssh_lines_keys(&lines));
    *ret_result = result;
    return 0;
}

int qga_cmd_guest_ssh_add_authorized_keys(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result,
                                          QgaError **error)
{
    const char *username = qga_json_get_string(qga_json_object_get(args, "username"), NULL);
    const QgaJson *keys = qga_json_object_get(args, "keys");
    const QgaJson *reset_arg = qga_json_object_get(args, "reset");
    bool reset = reset_arg && qga_json_get_bool(reset_arg);
    _qga_cleanup_(target_cleanup) QgaSshTarget target = { 0 };
    _qga_cleanup_(lines_cleanup) QgaKeyLines lines = { 0 };

    /* Keys first, as qemu-ga: a bad key fails before the user is even looked up. */
    if (qga_ssh_check_keys(keys, error) < 0)
        return -1;
    if (qga_os_ssh_target(username, &target, error) < 0)
        return -1;
    if (!reset) {
        /* qemu-ga treats any read failure as "no keys yet" and overwrites the file; only a
         * missing file means that here, an unreadable one is an error (nothing is lost). */
        bool missing = false;
        if (load(&target, &lines, &missing, error) < 0)
            return -1;
    }
    for (size_t i = 0; i < qga_json_array_length(keys); i++)
        qga_ssh_lines_add(&lines, qga_json_get_string(qga_json_array_get(keys, i), NULL));
    if (store(&target, &lines, error) < 0)
        return -1;
    *ret_result = NULL;
    return 0;
}

int qga_cmd_guest_ssh_remove_authorized_keys(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result,
                                             QgaError **error)
{
    const char *username = qga_json_get_string(qga_json_object_get(args, "username"), NULL);
    const QgaJson *keys = qga_json_object_get(args, "keys");
    _qga_cleanup_(target_cleanup) QgaSshTarget target = { 0 };
    _qga_cleanup_(lines_cleanup) QgaKeyLines lines = { 0 };
    bool missing = false;

    if (qga_ssh_check_keys(keys, error) < 0)
        return -1;
    if (qga_os_ssh_target(username, &target, error) < 0)
        return -1;
    if (load(&target, &lines, &missing, error) < 0)
        return -1;
    *ret_result = NULL;
    /* Nothing to remove from a file that does not exist: success (qemu-ga on Linux). */
    if (missing)
        return 0;
    for (size_t i = 0; i < qga_json_array_length(keys); i++)
        qga_ssh_lines_remove(&lines, qga_json_get_string(qga_json_array_get(keys, i), NULL));
    return store(&target, &lines, error);
}

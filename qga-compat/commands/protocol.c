/* The protocol commands: guest-sync, guest-sync-delimited, guest-ping, guest-info. */
#include "core/agent.h"
#include "core/log.h"
#include "qga-commands.h"

static QgaJson *echo_id(const QgaJson *args)
{
    /* The schema types id as "int" (int64), as qemu-ga's does, so validation already refused
     * anything else; an unsigned value is still echoed exactly should the schema ever widen. */
    const QgaJson *id = qga_json_object_get(args, "id");
    if (qga_json_int_is_unsigned(id))
        return qga_json_uint(qga_json_get_uint(id));
    return qga_json_int(qga_json_get_int(id));
}

int qga_cmd_guest_sync(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    *ret_result = echo_id(args);
    return 0;
}

int qga_cmd_guest_sync_delimited(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    /* The 0xFF before the reply is dispatch's job (QGA_CMD_DELIMITED_REPLY in the schema). */
    *ret_result = echo_id(args);
    return 0;
}

int qga_cmd_guest_ping(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    /* qemu-ga logs each ping at info level (hosts poll it every few seconds: not an audit line). */
    qga_log_info("guest-ping called");
    *ret_result = NULL;
    return 0;
}

int qga_cmd_guest_info(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    const QgaCommandTable *table = qga_dispatcher_table(agent->dispatcher);
    QgaJson *list = qga_json_array();
    /* qemu-ga prepends while walking its registry, so the list comes out in reverse
     * registration (= schema) order; we keep that order, in case a client ever compared lists. */
    for (size_t i = table->n_commands; i-- > 0;) {
        const QgaCommandSpec *cmd = &table->commands[i];
        QgaJson *entry = qga_json_object();
        qga_json_object_set_str(entry, "name", cmd->name);
        qga_json_object_set_bool(entry, "enabled", qga_dispatcher_is_enabled(agent->dispatcher, cmd));
        qga_json_object_set_bool(entry, "success-response", !(cmd->flags & QGA_CMD_NO_SUCCESS_RESPONSE));
        qga_json_array_append(list, entry);
    }
    QgaJson *info = qga_json_object();
    qga_json_object_set_str(info, "version", agent->version);
    qga_json_object_set(info, "supported_commands", list);
    *ret_result = info;
    return 0;
}

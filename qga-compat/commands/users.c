/* guest-get-users: the logged-in users, once each with their earliest login (libvirt's guestinfo --user). */
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "core/mem.h"
#include "qga-commands.h"
#include "os/users.h"

int qga_cmd_guest_get_users(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    QgaUserSessionList list = { 0 };
    if (qga_os_get_user_sessions(&list, error) < 0)
        return -1;
    qga_user_sessions_dedup(&list);
    QgaJson *result = qga_json_array();
    for (size_t i = 0; i < list.n; i++) {
        const QgaUserSession *s = &list.items[i];
        QgaJson *obj = qga_json_object();
        qga_json_object_set(obj, "user", qga_json_string_len(s->user, strlen(s->user)));
        /* A JSON number (libvirt reads it as a double and reports milliseconds). */
        qga_json_object_set_number(obj, "login-time", s->login_time);
        if (s->domain)
            qga_json_object_set(obj, "domain", qga_json_string_len(s->domain, strlen(s->domain)));
        qga_json_array_append(result, obj);
    }
    qga_user_session_list_clear(&list);
    *ret_result = result;
    return 0;
}

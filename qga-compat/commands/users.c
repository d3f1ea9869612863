/* guest-get-users: the logged-in users, once each with their earliest login (libvirt's guestinfo --user). */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "mem.h"
#include "qga-commands.h"
#include "users.h"

void qga_user_session_add(QgaUserSessionList *list, const char *user, size_t user_len, const char *domain,
                          double login_time)
{
    if (list->n == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 8;
        list->items = qga_realloc(list->items, list->cap * sizeof(*list->items));
    }
    list->items[list->n++] = (QgaUserSession){
        .user = qga_strndup(user, user_len),
        .domain = domain ? qga_strdup(domain) : NULL,
        .login_time = login_time,
    };
}

void qga_user_session_list_clear(QgaUserSessionList *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].user);
        free(list->items[i].domain);
    }
    free(list->items);
    *list = (QgaUserSessionList){ 0 };
}

void qga_user_sessions_dedup(QgaUserSessionList *list)
{
    /* Quadratic, but a guest has a handful of sessions; the order of first appearance is
     * kept, as qemu-ga's list is. Names compare byte for byte like its hash table does. */
    size_t out = 0;
    for (size_t i = 0; i < list->n; i++) {
        QgaUserSession *s = &list->items[i];
        size_t j;
        for (j = 0; j < out; j++)
            if (strcmp(list->items[j].user, s->user) == 0)
                break;
        if (j < out) {
            if (s->login_time < list->items[j].login_time)
                list->items[j].login_time = s->login_time;
            free(s->user);
            free(s->domain);
            continue;
        }
        list->items[out++] = *s;
    }
    list->n = out;
}

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

/* The user-session list the OS fills and guest-get-users reports (one entry per user and domain). */
#include "model/users.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void qga_user_session_add(QgaUserSessionList *list, const char *user, size_t user_len,
                          const char *domain, double login_time)
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

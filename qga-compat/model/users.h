/* Logged-in user sessions (guest-get-users). Shared by commands/ and os/. */
#pragma once

#include <stddef.h>

#include "core/error.h"

typedef struct QgaUserSession {
    char *user;           /* bytes from the OS (UTF-8 from the wide APIs on Windows) */
    char *domain;         /* NULL when the OS has no logon domain for it */
    double login_time;    /* seconds since the epoch, fractional */
} QgaUserSession;

typedef struct QgaUserSessionList {
    QgaUserSession *items;
    size_t n;
    size_t cap;
} QgaUserSessionList;

void qga_user_session_add(QgaUserSessionList *list, const char *user, size_t user_len, const char *domain,
                          double login_time);
void qga_user_session_list_clear(QgaUserSessionList *list);
/* qemu-ga's de-duplication: one entry per user name (first-seen order, that session's domain) with the earliest login time. */
void qga_user_sessions_dedup(QgaUserSessionList *list);

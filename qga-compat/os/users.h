/* OS primitive behind guest-get-users: the login sessions, before de-duplication. */
#pragma once

#include <stddef.h>

#include "core/error.h"
#include "model/users.h"

/* Every session with a user logged in, in the OS's order (one user may have several). */
int qga_os_get_user_sessions(QgaUserSessionList *ret, QgaError **error);

/* Token privileges the privileged primitives need. */
#pragma once

#include "win32.h"

/* Enable a privilege (SE_SYSTEMTIME_NAME, ...) in the process token. */
int qga_win_acquire_privilege(const wchar_t *name, QgaError **error);

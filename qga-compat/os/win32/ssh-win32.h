/* The Windows authorized_keys ACL policy, exposed for its unit test (os/win32 and tests/wine only). */
#pragma once

#include <stdbool.h>

#include "os/ssh.h"

/*
 * The security descriptor (SDDL) the agent gives the key file (directory: true for the
 * directory holding it): a protected DACL granting full control to SYSTEM and Administrators,
 * plus the account's SID outside the administrators' file; directories pass the entries on
 * to their files. Heap string; NULL with *error set when a user file has no SID.
 */
char *qga_win_ssh_sddl(const QgaSshTarget *target, bool directory, QgaError **error);

/* Where a user's authorized_keys live, as the OS resolves them. Shared by commands/ and os/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "accounts.h"

/* The authorized keys file of one account and the rules it is written by. */
typedef struct QgaSshTarget {
    QgaUserAccount account;
    char *dir;       /* ~/.ssh, <profile>\.ssh, or %ProgramData%\ssh */
    char *path;      /* dir + authorized_keys (administrators_authorized_keys for Windows admins) */
    bool admin_file; /* Windows: the administrators' file (ACL: SYSTEM and Administrators only) */
} QgaSshTarget;

void qga_ssh_target_clear(QgaSshTarget *target);

/* A user account as the OS resolves it (passwords, SSH keys): shared by commands/ and os/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* One local account as the commands need it. Heap strings; any may be NULL where the OS has none. */
typedef struct QgaUserAccount {
    char *name;
    char *home;        /* POSIX: pw_dir; Windows: the profile directory (NULL: never logged on) */
    uint32_t uid, gid; /* POSIX owner of the files written for the user */
    bool is_admin; /* Windows: USER_PRIV_ADMIN (OpenSSH's administrators_authorized_keys rule) */
    char *sid;     /* Windows: the account's SID, "S-1-5-21-..." */
    char *
        machine_ssh_dir; /* Windows: %ProgramData%\ssh, where OpenSSH keeps the administrators' keys */
} QgaUserAccount;

void qga_user_account_clear(QgaUserAccount *account);

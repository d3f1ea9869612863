/* OS primitives behind guest-set-user-password and the account lookup the SSH key commands share. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"

/* One local account as the commands need it. Heap strings; any may be NULL where the OS has none. */
typedef struct QgaUserAccount {
    char *name;
    char *home;             /* POSIX: pw_dir; Windows: the profile directory (NULL: never logged on) */
    uint32_t uid, gid;      /* POSIX owner of the files written for the user */
    bool is_admin;          /* Windows: USER_PRIV_ADMIN (OpenSSH's administrators_authorized_keys rule) */
    char *sid;              /* Windows: the account's SID, "S-1-5-21-..." */
    char *machine_ssh_dir;  /* Windows: %ProgramData%\ssh, where OpenSSH keeps the administrators' keys */
} QgaUserAccount;

void qga_user_account_clear(QgaUserAccount *account);

/*
 * Privileged primitives (platform/<os>/accounts-privileged.c; tests/seams/record-actions.c in
 * the test-seam build). The account lookup is part of the seam so that tests never read or
 * write a real user's files: the recorder resolves names from the passwd-style file named by
 * $QGA_TEST_PASSWD instead (format in tests/seams/record-actions.c).
 */

/* getpwnam / NetUserGetInfo. The error names the user ("User <name> was not found" on Windows). */
int qga_os_user_lookup(const char *name, QgaUserAccount *ret, QgaError **error);
/* chpasswd (crypted: chpasswd -e) / NetUserSetInfo level 1003. password: len bytes, no NUL. */
int qga_os_set_user_password(const char *username, const char *password, size_t len, bool crypted,
                             QgaError **error);

/* Whether "crypted": true (a crypt(3) hash) can be set here (qemu-ga: Linux yes, Windows no). */
bool qga_os_password_crypted_supported(void);
/* The platform's refusals of a name or decoded password before anything is run (qemu-ga's texts). */
int qga_os_user_password_check(const char *username, const char *password, size_t len, QgaError **error);

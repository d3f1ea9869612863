/* OS primitives behind guest-set-user-password and the account lookup the SSH key commands share. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "model/accounts.h"

/*
 * Privileged primitives (os/<os>/accounts-privileged.c; tests/seams/record-actions.c in
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

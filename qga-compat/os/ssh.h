/* OS primitives behind guest-ssh-*-authorized-keys: where OpenSSH reads a user's keys, and writing them its way. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "model/ssh.h"
#include "os/accounts.h"

/* Resolve the account (qga_os_user_lookup) and apply OpenSSH's rules for the file's place. */
int qga_os_ssh_target(const char *username, QgaSshTarget *ret, QgaError **error);
/*
 * The file's bytes (heap, NUL-terminated). A missing file is not an error here: *ret_missing
 * is set and the data is empty; the commands decide what that means.
 */
int qga_os_ssh_read(const QgaSshTarget *target, char **ret_data, size_t *ret_len, bool *ret_missing,
                    QgaError **error);
/*
 * Replace the file's content atomically, creating its directory when missing, with the
 * ownership and permissions OpenSSH insists on (POSIX: user-owned 0700 dir and 0600 file;
 * Windows: protected DACLs of SYSTEM, Administrators and, outside the admin file, the user).
 */
int qga_os_ssh_write(const QgaSshTarget *target, const char *data, size_t len, QgaError **error);

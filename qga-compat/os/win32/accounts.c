/* Windows account rules for guest-set-user-password: no crypt(3) hashes (qemu-ga's refusal). */
#include "win32.h"

#include "os/accounts.h"

bool qga_os_password_crypted_supported(void)
{
    return false;
}

int qga_os_user_password_check(const char *username, const char *password, size_t len, QgaError **error)
{
    /* NetUserSetInfo judges names and password policy itself; its refusal is the error. */
    return 0;
}

/* POSIX account rules: what chpasswd's "user:password" line format cannot carry. */
#include "os/accounts.h"

#include <string.h>

bool qga_os_password_crypted_supported(void)
{
    return true;   /* chpasswd -e takes a crypt(3) hash */
}

int qga_os_user_password_check(const char *username, const char *password, size_t len, QgaError **error)
{
    /* qemu-ga's checks and texts, in its order: a newline would start another chpasswd line,
     * a ':' in the name would move the split between name and password. */
    if (memchr(password, '\n', len)) {
        qga_error_generic(error, "forbidden characters in raw password");
        return -1;
    }
    if (strchr(username, '\n') || strchr(username, ':')) {
        qga_error_generic(error, "forbidden characters in username");
        return -1;
    }
    return 0;
}

/* Account commands: guest-set-user-password. */
#include <stdlib.h>
#include <string.h>

#include "os/accounts.h"
#include "core/agent.h"
#include "core/base64.h"
#include "core/log.h"
#include "core/mem.h"
#include "qga-commands.h"

/* Zero a secret in a way the compiler cannot drop as a dead store before free(). */
static void wipe(char *p, size_t len)
{
    volatile char *v = p;
    while (len--)
        *v++ = 0;
}

int qga_cmd_guest_set_user_password(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result,
                                    QgaError **error)
{
    const char *username = qga_json_get_string(qga_json_object_get(args, "username"), NULL);
    size_t b64_len = 0;
    const char *b64 = qga_json_get_string(qga_json_object_get(args, "password"), &b64_len);
    bool crypted = qga_json_get_bool(qga_json_object_get(args, "crypted"));

    /* qemu-ga for Windows refuses a hash before looking at anything else. */
    if (crypted && !qga_os_password_crypted_supported()) {
        qga_error_generic(error, "'crypted' must be off on this host");
        return -1;
    }
    _qga_cleanup_free_ char *password = NULL;
    size_t len = 0;
    if (qga_base64_decode(b64, b64_len, &password, &len, error) < 0)
        return -1;
    /*
     * qemu-ga hands the decoded bytes on as a C string, so a NUL silently cut the password
     * short; refuse it instead. The platform adds its own rules (chpasswd's line format).
     */
    if (memchr(password, '\0', len)) {
        qga_error_generic(error, "forbidden characters in raw password");
        return -1;
    }
    if (qga_os_user_password_check(username, password, len, error) < 0)
        return -1;
    qga_log_info("guest-set-user-password called, username: %s, crypted: %s", username,
                 crypted ? "yes" : "no");
    int rc = qga_os_set_user_password(username, password, len, crypted, error);
    /* The plaintext does not outlive the request in our heap. */
    wipe(password, len);
    if (rc < 0)
        return -1;
    *ret_result = NULL;
    return 0;
}

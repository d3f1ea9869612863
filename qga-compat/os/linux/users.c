/* Linux login sessions for guest-get-users: the USER_PROCESS records of the utmp file, as qemu-ga's getutxent loop sees them. */
#include "sysinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utmpx.h>

#include "os/posix/fileio.h"
#include "procfile.h"

#ifndef _PATH_UTMPX
#define _PATH_UTMPX "/var/run/utmp"
#endif

void qga_utmp_parse(const void *data, size_t len, QgaUserSessionList *ret)
{
    const unsigned char *p = data;
    for (size_t off = 0; len - off >= sizeof(struct utmpx); off += sizeof(struct utmpx)) {
        struct utmpx ut;
        memcpy(&ut, p + off, sizeof(ut));   /* the buffer need not be aligned */
        if (ut.ut_type != USER_PROCESS)
            continue;
        /* ut_user is NUL-padded, not NUL-terminated when the name fills it. */
        size_t user_len = strnlen(ut.ut_user, sizeof(ut.ut_user));
        if (user_len == 0)
            continue;
        /* qemu-ga: seconds plus microseconds as a fraction. */
        double login = (double)ut.ut_tv.tv_sec + (double)ut.ut_tv.tv_usec / 1000000.0;
        qga_user_session_add(ret, ut.ut_user, user_len, NULL, login);
    }
}

int qga_os_get_user_sessions(QgaUserSessionList *ret, QgaError **error)
{
    char *data = NULL;
    size_t len = 0;
    QgaUserSessionList list = { 0 };
    /* No utmp (systemd without utmp support, containers) means nobody is logged in the way
     * qemu-ga can see: getutxent just returns nothing there, so this is an empty list. */
    if (qga_read_full_file(_PATH_UTMPX, QGA_PROCFILE_MAX, &data, &len) == 0) {
        qga_utmp_parse(data, len, &list);
        free(data);
    }
    *ret = list;
    return 0;
}

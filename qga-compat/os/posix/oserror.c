/* POSIX OS errors: "<message>: <strerror text>", as qemu-ga's error_setg_errno formats them. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"

void qga_error_set_os(QgaError **error, int code, const char *fmt, ...)
{
    if (!error)
        return;
    va_list ap;
    va_start(ap, fmt);
    QgaBuf buf = QGA_BUF_INIT;
    qga_buf_vprintf(&buf, fmt, ap);
    va_end(ap);
    /* strerror is fine: the agent runs its commands on one thread. */
    qga_error_generic(error, "%s: %s", buf.data ? buf.data : "", strerror(code));
    qga_buf_free(&buf);
}

int qga_os_last_error(void)
{
    return errno;
}

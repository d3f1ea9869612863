/* OS errors as text: GetLastError() codes through FormatMessageW, UTF-8, "<message>: <text>". */
#include "win32.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/mem.h"

char *qga_win_error_text(DWORD code)
{
    wchar_t *msg = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, code, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), (LPWSTR)&msg, 0, NULL);
    if (n == 0 || !msg)
        return NULL;
    /* System messages end in "\r\n" (GLib's g_win32_error_message strips it too; the period stays). */
    while (n > 0 && (msg[n - 1] == L'\r' || msg[n - 1] == L'\n' || msg[n - 1] == L' '))
        n--;
    char *text = qga_win_utf16_to_utf8(msg, (int)n);
    LocalFree(msg);
    return text;
}

void qga_error_set_os(QgaError **error, int code, const char *fmt, ...)
{
    if (!error)
        return;
    va_list ap;
    va_start(ap, fmt);
    char message[1024];
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    _qga_cleanup_free_ char *text = qga_win_error_text((DWORD)code);
    if (text && *text)
        qga_error_generic(error, "%s: %s", message, text);
    else
        qga_error_generic(error, "%s: error 0x%08lx", message, (unsigned long)(DWORD)code);
}

int qga_os_last_error(void)
{
    return (int)GetLastError();
}

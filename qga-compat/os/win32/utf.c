/* The one UTF-8 <-> UTF-16 boundary: every wide (...W) API result and argument passes through here. */
#include "win32.h"

#include "core/mem.h"

wchar_t *qga_win_utf8_to_utf16(const char *s, const char *what, QgaError **error)
{
    /* MB_ERR_INVALID_CHARS: a path or name with broken UTF-8 must fail, not turn into another name. */
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0) {
        qga_error_set_os(error, (int)GetLastError(), "can't convert '%s' to UTF-16", what);
        return NULL;
    }
    wchar_t *w = qga_malloc((size_t)n * sizeof(wchar_t));
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        qga_error_set_os(error, (int)GetLastError(), "can't convert '%s' to UTF-16", what);
        free(w);
        return NULL;
    }
    return w;
}

char *qga_win_utf16_to_utf8(const wchar_t *w, int len)
{
    if (!w)
        return qga_strdup("");
    if (len < 0)
        len = (int)wcslen(w);
    if (len == 0)
        return qga_strdup("");
    /* Without WC_ERR_INVALID_CHARS an unpaired surrogate becomes U+FFFD: names the OS hands us
     * are reported, never rejected (qemu-ga's ANSI calls turned them into '?'). */
    int n = WideCharToMultiByte(CP_UTF8, 0, w, len, NULL, 0, NULL, NULL);
    if (n <= 0)
        return qga_strdup("");
    char *s = qga_malloc((size_t)n + 1);
    n = WideCharToMultiByte(CP_UTF8, 0, w, len, s, n, NULL, NULL);
    s[n > 0 ? n : 0] = '\0';
    return s;
}

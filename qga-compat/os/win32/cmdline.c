/* MSVC command-line quoting: what CreateProcessW's callers need so the child's argv is what was meant. */
#include "win32.h"

#include <string.h>

#include "core/mem.h"

void qga_win_cmdline_append_arg(QgaBuf *cmd, const char *arg)
{
    if (cmd->len > 0)
        qga_buf_append_byte(cmd, ' ');
    if (*arg && !strpbrk(arg, " \t\n\v\"")) {
        qga_buf_append_str(cmd, arg);
        return;
    }
    /* The MSVC rules (CommandLineToArgvW and the CRT agree): inside quotes, backslashes are literal
     * unless they precede a quote; 2n backslashes + quote = n backslashes + end of quoting,
     * 2n+1 backslashes + quote = n backslashes + a literal quote. */
    qga_buf_append_byte(cmd, '"');
    for (const char *p = arg;; p++) {
        size_t backslashes = 0;
        while (*p == '\\') {
            backslashes++;
            p++;
        }
        if (*p == '\0') {
            for (size_t i = 0; i < backslashes * 2; i++)
                qga_buf_append_byte(cmd, '\\');
            break;
        }
        if (*p == '"') {
            for (size_t i = 0; i < backslashes * 2 + 1; i++)
                qga_buf_append_byte(cmd, '\\');
        } else {
            for (size_t i = 0; i < backslashes; i++)
                qga_buf_append_byte(cmd, '\\');
        }
        qga_buf_append_byte(cmd, (uint8_t)*p);
    }
    qga_buf_append_byte(cmd, '"');
}

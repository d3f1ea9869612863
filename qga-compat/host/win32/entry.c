/* Windows entry point: wmain (-municode) converts the UTF-16 argv to UTF-8 once and runs the portable main. */
#include "runtime.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/mem.h"

static int win_argc;
static char **win_argv;

int qga_win_argc(void)
{
    return win_argc;
}

char **qga_win_argv(void)
{
    return win_argv;
}

int wmain(int argc, wchar_t **wargv)
{
    /* The agent's text is UTF-8 with "\n" line ends on every platform: no CRLF translation, so
     * -D output and logs read the same from a Linux test harness as from qemu-ga on Linux. */
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
    /* ... and for every file the C runtime opens later (the log, the test seam's record):
     * fopen(path, "a") then writes "\n", not "\r\n". Readers of the config accept both. */
    _fmode = _O_BINARY;
    /* No "abort/retry/ignore" or "insert a disk" dialog may ever block a headless service. */
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOOPENFILEERRORBOX);

    win_argc = argc;
    win_argv = qga_calloc((size_t)argc + 1, sizeof(char *));
    for (int i = 0; i < argc; i++)
        win_argv[i] = qga_win_utf16_to_utf8(wargv[i], -1);

    /* qga_main may permute argv (getopt does); hand it a copy so the installer sees the original order. */
    char **argv = qga_calloc((size_t)argc + 1, sizeof(char *));
    for (int i = 0; i < argc; i++)
        argv[i] = win_argv[i];
    int rc = qga_main(argc, argv);
    free(argv);
    for (int i = 0; i < argc; i++)
        free(win_argv[i]);
    free(win_argv);
    win_argv = NULL;
    win_argc = 0;
    return rc;
}

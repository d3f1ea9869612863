/* Declarations shared by the Windows OS primitives (os/win32/) and, through them, the Windows runtime. */
#pragma once

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/error.h"

/* ---- utf.c: the one UTF-8 <-> UTF-16 boundary ---- */

/* Strict: invalid UTF-8 is an error ("can't convert '<what>' to UTF-16: ..."). Heap result. */
wchar_t *qga_win_utf8_to_utf16(const char *s, const char *what, QgaError **error);
/* Lossy: unpaired surrogates become U+FFFD, never fails. len -1 = NUL-terminated. Heap result. */
char *qga_win_utf16_to_utf8(const wchar_t *w, int len);

/* ---- oserror.c ---- */

/* FormatMessageW text for a Win32 code (or HRESULT), UTF-8, trailing CR/LF removed; NULL if none. */
char *qga_win_error_text(DWORD code);

/* ---- cmdline.c: MSVC command-line quoting (guest-exec, the service's binary path) ---- */

/* Append one argument to cmd quoted so that CommandLineToArgvW/msvcrt give it back unchanged. */
void qga_win_cmdline_append_arg(QgaBuf *cmd, const char *arg);
/* ---- osinfo.c (exposed for the unit test of the version tables) ---- */

typedef struct QgaWinVersion {
    DWORD major, minor, build;
    bool server;
} QgaWinVersion;
/* version ("Microsoft Windows 11") and version-id ("11"); static strings, "N/A" when unknown. */
void qga_win_version_names(const QgaWinVersion *v, const char **ret_version,
                           const char **ret_version_id);
/* ProductName with Windows 11 fixed ("Windows 10 Pro" on build >= 22000 -> "Windows 11 Pro"). Heap. */
char *qga_win_pretty_name(const char *product_name, const QgaWinVersion *v);

/* ---- exec.c: guest-exec's command line and environment (exposed for tests/exec/test-win32-exec.c) ---- */

/* "<argv[0]>" quoted whole, then each further argument by qga_win_cmdline_append_arg. Heap UTF-8. */
char *qga_win_exec_cmdline(const char *const *argv);
/* A CREATE_UNICODE_ENVIRONMENT block ("A=1\0B=2\0\0") from NAME=value entries. Heap. */
wchar_t *qga_win_exec_envblock(const char *const *envp, QgaError **error);
/* The value of PATH (any case) among NAME=value entries, or NULL (also for envp NULL). */
const char *qga_win_exec_env_path(const char *const *envp);

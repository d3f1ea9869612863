/* Compiler attributes the core's headers share. */
#pragma once

/*
 * printf-style checking of the project's own printf-like functions. The archetype is the one the
 * C library in use implements: GCC's "printf" is the platform's dialect, which for mingw is
 * msvcrt's, while the Windows build links mingw's C99 printf (__USE_MINGW_ANSI_STDIO, see
 * cross/mingw64.ini, which sets QGA_PRINTF_FORMAT=gnu_printf).
 */
#ifndef QGA_PRINTF_FORMAT
#define QGA_PRINTF_FORMAT printf
#endif
#define QGA_PRINTF(fmt_index, first_arg) __attribute__((format(QGA_PRINTF_FORMAT, fmt_index, first_arg)))

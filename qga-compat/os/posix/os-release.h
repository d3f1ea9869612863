/* os-release(5) parsing for guest-get-osinfo, kept apart from the I/O so hostile files can be unit-tested. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "os/system.h"

/* Files bigger than this are not os-release files; they are skipped rather than half-read. */
#define QGA_OS_RELEASE_MAX ((size_t)256 << 10)

/*
 * Fill info's id, name, pretty_name, version, version_id, variant and
 * variant_id from os-release text (fields present in data replace those in
 * info; the rest are left alone). Never fails: lines that are not KEY=value are
 * skipped.
 */
void qga_os_release_parse(const char *data, size_t len, QgaOsInfo *info);

/*
 * Decode one value as qemu-ga does: "double quoted" with \$ \" \' \` \\
 * escapes (any other backslash stays), 'single quoted' literally, and an
 * unquoted value cut at the first blank or ';'. Heap result.
 */
char *qga_os_release_unquote(const char *raw, size_t len);

/*
 * Read the os-release fields: $QGA_OS_RELEASE if set (qemu-ga's test hook), else
 * /etc/os-release, else /usr/lib/os-release. Returns false when no file could
 * be read (info untouched).
 */
bool qga_os_release_load(QgaOsInfo *info);

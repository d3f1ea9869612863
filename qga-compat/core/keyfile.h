/* A small reader/writer for GLib-style keyfiles ([group] + key=value), as qemu-ga's config and state use. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

/*
 * Called once per key=value line. group is the current group name, key has its
 * trailing blanks removed, raw_value its leading blanks removed (still escaped:
 * pass it to qga_keyfile_unescape or qga_keyfile_parse_bool). line is 1-based.
 * Return -1 with *error set to stop parsing.
 */
typedef int (*QgaKeyfileFunc)(void *opaque, const char *group, const char *key, const char *raw_value,
                              unsigned line, QgaError **error);

/*
 * Parse keyfile text as GLib's GKeyFile does: blank lines and comments ('#',
 * and also ';' which old INI files use) are skipped, "[name]" starts a group,
 * everything else must be key=value inside a group. Keys with a locale suffix
 * ("key[de]") are passed on like any other key. On a malformed line returns -1
 * with a GenericError "line N: <problem>".
 */
int qga_keyfile_parse(const char *data, size_t len, QgaKeyfileFunc func, void *opaque, QgaError **error);

/* GLib string unescaping: \s \n \t \r \\ ; any other escape, or a lone trailing '\', is an error. */
int qga_keyfile_unescape(const char *raw, char **ret, QgaError **error);
/* GLib booleans: exactly true/false/1/0 (trailing blanks ignored). Returns false if none matches. */
bool qga_keyfile_parse_bool(const char *raw, bool *ret);
/* Append value escaped so that qga_keyfile_unescape (and GLib) read it back unchanged. */
void qga_keyfile_escape(QgaBuf *out, const char *value);

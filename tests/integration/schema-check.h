/* Test-side reader of schema/qga-compat.json: checks replies against the declared return types. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

/*
 * The schema is read with json-glib from $QGA_SCHEMA (set by meson), an
 * implementation independent of the agent's generated C tables: a reply that
 * the agent's own tables would accept but the schema text does not is caught
 * here. Format: schema/README.md ("types" with kinds struct, enum, alternate,
 * union; "commands" with args, returns, platforms, flags).
 */

typedef struct QgaTestSchemaCommand {
    const char *name;
    bool privileged;
    bool success_response;
    bool has_required_args;
    bool returns_value;        /* false: the reply must be {"return": {}} */
} QgaTestSchemaCommand;

/* Validate a command's "return" value; FALSE with a path-qualified message on mismatch. */
gboolean qga_test_schema_check_return(const char *command, JsonNode *value, GError **error);
/* Look a command up; FALSE when the schema does not declare it. */
gboolean qga_test_schema_command(const char *name, QgaTestSchemaCommand *ret);
/* Names of the commands the schema declares for a platform ("posix", "win32"), schema order. */
GPtrArray *qga_test_schema_commands(const char *platform);

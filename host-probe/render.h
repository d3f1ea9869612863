/* qga-probe's output for people and for machines: sanitized text, sizes, JSON, tables. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

/* A copy safe to print on a terminal: control characters and invalid UTF-8 escaped, capped. */
char *probe_sanitize(const char *text);
/* "1.1 GB" (decimal units, ASCII space). */
char *probe_format_bytes(guint64 bytes);
/* Print a JSON node on stdout (pretty or compact) followed by a newline. */
void probe_print_json(JsonNode *node, gboolean pretty);
/* Simple column table: add rows of strings (sanitized when printed), then print. */
typedef struct ProbeTable ProbeTable;
ProbeTable *probe_table_new(guint n_columns, ...);
void probe_table_add(ProbeTable *table, ...); /* n_columns strings (NULL prints "-") */
void probe_table_print(ProbeTable *table, const char *indent);
/* The table as text, every line starting with indent and ending with a newline. */
char *probe_table_format(ProbeTable *table, const char *indent);
void probe_table_free(ProbeTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProbeTable, probe_table_free)

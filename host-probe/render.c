/* Output: terminal-safe text from guest strings, JSON on stdout, and plain column tables. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "render.h"

#define PROBE_SANITIZE_MAX 1024   /* characters shown of one guest string */

/* A guest could name its host "\e]0;pwned\a" and rewrite the operator's terminal; escape every
 * control character (C0, DEL, C1) and every invalid UTF-8 byte, and cap the length. */
char *probe_sanitize(const char *text)
{
    GString *out = g_string_new(NULL);
    const char *p = text ? text : "";
    glong shown = 0;

    while (*p) {
        gunichar c = g_utf8_get_char_validated(p, -1);
        if (shown++ >= PROBE_SANITIZE_MAX) {
            g_string_append(out, "...");
            break;
        }
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            g_string_append_printf(out, "\\x%02x", (guchar)*p);
            p++;
            continue;
        }
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
            g_string_append_printf(out, c < 0x100 ? "\\x%02x" : "\\u%04x", c);
        else
            g_string_append_len(out, p, g_utf8_next_char(p) - p);
        p = g_utf8_next_char(p);
    }
    return g_string_free(out, FALSE);
}

char *probe_format_bytes(guint64 bytes)
{
    g_autofree char *text = g_format_size(bytes);
    g_auto(GStrv) parts = g_strsplit(text, "\u00a0", -1);

    /* glib puts a no-break space between number and unit; plain text is friendlier to pipes. */
    return g_strjoinv(" ", parts);
}

void probe_print_json(JsonNode *node, gboolean pretty)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autofree char *text = NULL;

    json_generator_set_pretty(gen, pretty);
    json_generator_set_root(gen, node);
    text = json_generator_to_data(gen, NULL);
    printf("%s\n", text);
    fflush(stdout);
}

struct ProbeTable {
    guint n_columns;
    GPtrArray *cells;   /* row-major, sanitized strings; the first row is the header */
};

ProbeTable *probe_table_new(guint n_columns, ...)
{
    ProbeTable *table = g_new0(ProbeTable, 1);
    va_list ap;

    table->n_columns = n_columns;
    table->cells = g_ptr_array_new_with_free_func(g_free);
    va_start(ap, n_columns);
    for (guint i = 0; i < n_columns; i++)
        g_ptr_array_add(table->cells, g_strdup(va_arg(ap, const char *)));
    va_end(ap);
    return table;
}

void probe_table_add(ProbeTable *table, ...)
{
    va_list ap;

    va_start(ap, table);
    for (guint i = 0; i < table->n_columns; i++) {
        const char *cell = va_arg(ap, const char *);
        g_ptr_array_add(table->cells, probe_sanitize(cell ? cell : "-"));
    }
    va_end(ap);
}

char *probe_table_format(ProbeTable *table, const char *indent)
{
    g_autofree glong *width = g_new0(glong, table->n_columns);
    guint n_rows = table->cells->len / table->n_columns;
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < table->cells->len; i++) {
        glong w = g_utf8_strlen(g_ptr_array_index(table->cells, i), -1);
        width[i % table->n_columns] = MAX(width[i % table->n_columns], w);
    }
    for (guint r = 0; r < n_rows; r++) {
        g_string_append(out, indent);
        for (guint c = 0; c < table->n_columns; c++) {
            const char *cell = g_ptr_array_index(table->cells, r * table->n_columns + c);
            g_string_append(out, cell);
            if (c + 1 < table->n_columns)
                for (glong pad = g_utf8_strlen(cell, -1); pad < width[c] + 2; pad++)
                    g_string_append_c(out, ' ');
        }
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}

void probe_table_print(ProbeTable *table, const char *indent)
{
    g_autofree char *text = probe_table_format(table, indent);

    fputs(text, stdout);
    fflush(stdout);
}

void probe_table_free(ProbeTable *table)
{
    if (!table)
        return;
    g_ptr_array_unref(table->cells);
    g_free(table);
}

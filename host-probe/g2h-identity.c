/* Parses the operator's <identity> domain metadata element into the entries host-get-identity exposes. */
#include <string.h>

#include "g2h-host.h"

typedef struct IdentityParse {
    GPtrArray *entries;
    guint ignored;
    int depth;              /* 1 = <identity> */
    G2hKeyValue *current;   /* inside <entry> (depth 2) */
    gboolean current_bad;   /* over a cap or holding elements: skipped at its end */
} IdentityParse;

void g2h_key_value_free(G2hKeyValue *kv)
{
    if (!kv)
        return;
    g_free(kv->key);
    g_free(kv->value);
    g_free(kv);
}

/* libvirt hands the element back with whatever prefix it was given (or none). */
static const char *local_name(const char *element)
{
    const char *colon = strchr(element, ':');
    return colon ? colon + 1 : element;
}

static void identity_start(GMarkupParseContext *ctx, const char *element, const char **names,
                           const char **values, gpointer user_data, GError **error)
{
    (void)ctx;
    IdentityParse *p = user_data;
    p->depth++;
    if (p->depth == 1) {
        if (strcmp(local_name(element), "identity"))
            g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                        "the metadata element is <%s>, not <identity>", element);
        return;
    }
    if (p->depth > 2) {
        p->current_bad = TRUE;   /* an entry's value is text only */
        return;
    }
    if (strcmp(local_name(element), "entry"))
        return;   /* room for later additions; not an entry */
    const char *key = NULL;
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], "key"))
            key = values[i];
    p->current = g_new0(G2hKeyValue, 1);
    p->current->key = g_strdup(key);
    p->current->value = g_strdup("");
    p->current_bad = !key || !*key || strlen(key) > G2H_IDENTITY_MAX_KEY;
}

static void identity_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer user_data,
                          GError **error)
{
    (void)ctx;
    (void)error;
    IdentityParse *p = user_data;
    if (!p->current || p->current_bad || p->depth != 2)
        return;
    gsize have = strlen(p->current->value);
    if (have + len > G2H_IDENTITY_MAX_VALUE) {
        p->current_bad = TRUE;
        return;
    }
    char *joined = g_malloc(have + len + 1);
    memcpy(joined, p->current->value, have);
    memcpy(joined + have, text, len);
    joined[have + len] = '\0';
    g_free(p->current->value);
    p->current->value = joined;
}

static void identity_end(GMarkupParseContext *ctx, const char *element, gpointer user_data, GError **error)
{
    (void)ctx;
    (void)element;
    (void)error;
    IdentityParse *p = user_data;
    if (p->depth == 2 && p->current) {
        if (p->current_bad || p->entries->len >= G2H_IDENTITY_MAX_ENTRIES) {
            p->ignored++;
            g2h_key_value_free(p->current);
        } else {
            g_ptr_array_add(p->entries, p->current);
        }
        p->current = NULL;
        p->current_bad = FALSE;
    }
    p->depth--;
}

GPtrArray *g2h_identity_parse(const char *xml, guint *ret_ignored, GError **error)
{
    static const GMarkupParser parser = { .start_element = identity_start, .end_element = identity_end,
                                          .text = identity_text };
    IdentityParse p = { .entries = g_ptr_array_new_with_free_func((GDestroyNotify)g2h_key_value_free) };
    g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&parser, 0, &p, NULL);
    if (!g_markup_parse_context_parse(ctx, xml, -1, error) || !g_markup_parse_context_end_parse(ctx, error)) {
        g2h_key_value_free(p.current);
        g_ptr_array_unref(p.entries);
        return NULL;
    }
    if (ret_ignored)
        *ret_ignored = p.ignored;
    return p.entries;
}

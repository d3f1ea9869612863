/* Finds a virtio channel's UNIX socket in the live domain XML (generated paths carry the domain id, so never cache them). */
#include <string.h>

#include "channel-xml.h"
#include "errors.h"

typedef struct ProbeChannelParse {
    GPtrArray *channels;
    ProbeChannel *current;   /* inside a <channel type='unix'> of <devices> */
    int depth;               /* element depth, 1 = <domain> */
    int channel_depth;
    gboolean target_virtio;
} ProbeChannelParse;

void probe_channel_free(ProbeChannel *ch)
{
    if (!ch)
        return;
    g_free(ch->name);
    g_free(ch->path);
    g_free(ch->mode);
    g_free(ch->state);
    g_free(ch);
}

static const char *probe_attr(const char **names, const char **values, const char *want)
{
    for (int i = 0; names[i]; i++)
        if (g_str_equal(names[i], want))
            return values[i];
    return NULL;
}

static void probe_channel_start(GMarkupParseContext *ctx, const char *element, const char **names,
                                const char **values, gpointer user_data, GError **error)
{
    ProbeChannelParse *p = user_data;
    const GSList *stack = g_markup_parse_context_get_element_stack(ctx);
    const char *parent = stack && stack->next ? stack->next->data : NULL;

    p->depth++;
    /* /domain/devices/channel[@type='unix'] */
    if (g_str_equal(element, "channel") && p->depth == 3 && g_strcmp0(parent, "devices") == 0 &&
        g_strcmp0(probe_attr(names, values, "type"), "unix") == 0) {
        p->current = g_new0(ProbeChannel, 1);
        p->channel_depth = p->depth;
        p->target_virtio = FALSE;
        return;
    }
    if (!p->current || p->depth != p->channel_depth + 1)
        return;
    if (g_str_equal(element, "source")) {
        g_free(p->current->path);
        g_free(p->current->mode);
        p->current->path = g_strdup(probe_attr(names, values, "path"));
        p->current->mode = g_strdup(probe_attr(names, values, "mode"));
    } else if (g_str_equal(element, "target")) {
        p->target_virtio = g_strcmp0(probe_attr(names, values, "type"), "virtio") == 0;
        g_free(p->current->name);
        g_free(p->current->state);
        p->current->name = g_strdup(probe_attr(names, values, "name"));
        p->current->state = g_strdup(probe_attr(names, values, "state"));
    }
}

static void probe_channel_end(GMarkupParseContext *ctx, const char *element, gpointer user_data,
                              GError **error)
{
    ProbeChannelParse *p = user_data;

    if (p->current && p->depth == p->channel_depth) {
        if (p->target_virtio && p->current->name)
            g_ptr_array_add(p->channels, p->current);
        else
            probe_channel_free(p->current);
        p->current = NULL;
    }
    p->depth--;
}

GPtrArray *probe_channel_parse_all(const char *xml, GError **error)
{
    static const GMarkupParser parser = { .start_element = probe_channel_start,
                                          .end_element = probe_channel_end };
    ProbeChannelParse p = { .channels = g_ptr_array_new_with_free_func((GDestroyNotify)probe_channel_free) };
    g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&parser, 0, &p, NULL);
    g_autoptr(GError) local = NULL;

    if (!g_markup_parse_context_parse(ctx, xml, -1, &local) ||
        !g_markup_parse_context_end_parse(ctx, &local)) {
        probe_channel_free(p.current);
        g_ptr_array_unref(p.channels);
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_FAILED, "cannot parse the domain XML: %s",
                    local->message);
        return NULL;
    }
    return p.channels;
}

ProbeChannel *probe_channel_find(const char *xml, const char *name, GError **error)
{
    g_autoptr(GPtrArray) channels = probe_channel_parse_all(xml, error);
    g_autoptr(GString) names = g_string_new(NULL);

    if (!channels)
        return NULL;
    for (guint i = 0; i < channels->len; i++) {
        ProbeChannel *ch = g_ptr_array_index(channels, i);
        if (g_strcmp0(ch->name, name) != 0) {
            g_string_append_printf(names, "%s%s", names->len ? ", " : "", ch->name);
            continue;
        }
        if (!ch->path) {
            g_set_error(error, PROBE_ERROR, PROBE_ERROR_NOT_CONFIGURED,
                        "channel %s has no socket path in the live XML", name);
            return NULL;
        }
        return g_ptr_array_steal_index(channels, i);
    }
    g_set_error(error, PROBE_ERROR, PROBE_ERROR_NOT_CONFIGURED,
                "the domain has no virtio unix channel named %s (it has: %s); add "
                "<channel type='unix'><source mode='bind'/><target type='virtio' name='%s'/></channel>",
                name, names->len ? names->str : "none", name);
    return NULL;
}

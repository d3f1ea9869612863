/* qga-probe's global options (where the agent is, timeout, output form), accepted by every subcommand. */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "options.h"

void probe_options_clear(ProbeOptions *opts)
{
    g_clear_pointer(&opts->uri, g_free);
    g_clear_pointer(&opts->domain, g_free);
    g_clear_pointer(&opts->domains, g_strfreev);
    g_clear_pointer(&opts->socket_path, g_free);
    g_clear_pointer(&opts->channel, g_free);
    g_clear_pointer(&opts->timeout_arg, g_free);
}

/* Same words and numbers as virsh/libvirt: -2 block, -1 default (5 s), 0 nowait, N > 0 seconds. */
gboolean probe_timeout_parse(const char *text, int *ret_timeout, GError **error)
{
    static const struct { const char *name; int value; } words[] = {
        { "block", PROBE_TIMEOUT_BLOCK }, { "default", PROBE_TIMEOUT_DEFAULT },
        { "nowait", PROBE_TIMEOUT_NOWAIT },
    };
    gint64 value;

    for (gsize i = 0; i < G_N_ELEMENTS(words); i++) {
        if (g_strcmp0(text, words[i].name) == 0) {
            *ret_timeout = words[i].value;
            return TRUE;
        }
    }
    if (!text || !g_ascii_string_to_signed(text, 10, -2, 86400 * 365, &value, NULL)) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_USAGE,
                    "--timeout wants seconds (1..31536000), block, default or nowait, not '%s'",
                    text ? text : "");
        return FALSE;
    }
    *ret_timeout = (int)value;
    return TRUE;
}

static const char probe_global_help[] =
    "Where the agent is (one of):\n"
    "  --domain NAME [--connect URI]      through libvirt (virDomainQemuAgentCommand)\n"
    "  --domain NAME --channel CHANNEL    the UNIX socket of that channel, from the live domain XML\n"
    "  --socket PATH                      a channel's UNIX socket directly\n"
    "\nExit status: 0 ok, 1 failed, 2 usage, 3 cannot connect, 4 domain not found/not running,\n"
    "5 agent not configured, 6 agent not connected, 7 timeout, 8 command not found,\n"
    "9 command disabled, 10 command failed in the guest, 11 protocol error, 12 local I/O error.\n"
    "See docs/PROBE.md.";

/* --domain keeps its last value for the one-domain commands and collects all for listen. */
static gboolean probe_domain_arg(const char *name, const char *value, gpointer data, GError **error)
{
    ProbeOptions *opts = data;
    gsize n = opts->domains ? g_strv_length(opts->domains) : 0;

    (void)name;
    (void)error;
    g_free(opts->domain);
    opts->domain = g_strdup(value);
    opts->domains = g_renew(char *, opts->domains, n + 2);
    opts->domains[n] = g_strdup(value);
    opts->domains[n + 1] = NULL;
    return TRUE;
}

gboolean probe_options_parse(ProbeOptions *opts, const char *command, const char *parameter_string,
                             const char *summary, const GOptionEntry *entries, gboolean stop_at_first,
                             int *argc, char ***argv, GError **error)
{
    GOptionEntry global[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &opts->uri, "libvirt URI (default: libvirt's default, e.g. qemu:///system)", "URI" },
        { "domain", 'd', 0, G_OPTION_ARG_CALLBACK, (gpointer)probe_domain_arg, "Domain name, UUID or id", "NAME" },
        { "socket", 's', 0, G_OPTION_ARG_FILENAME, &opts->socket_path, "Talk to the agent on this channel socket", "PATH" },
        { "channel", 0, 0, G_OPTION_ARG_STRING, &opts->channel, "With --domain: use this channel's socket (e.g. org.qgacompat.g2h.0)", "NAME" },
        { "timeout", 't', 0, G_OPTION_ARG_STRING, &opts->timeout_arg, "Seconds to wait for a reply, or block/default/nowait (default: 5)", "T" },
        { "json", 'j', 0, G_OPTION_ARG_NONE, &opts->json, "Machine-readable JSON output", NULL },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opts->verbose, "Log the protocol traffic on stderr", NULL },
        G_OPTION_ENTRY_NULL,
    };
    /* The program name already reads "qga-probe COMMAND" (set in main). */
    g_autoptr(GOptionContext) ctx = g_option_context_new(parameter_string);
    g_autoptr(GError) local = NULL;
    /* The main group carries opts as user data for the --domain callback. */
    GOptionGroup *main_group = g_option_group_new(NULL, NULL, NULL, opts, NULL);

    g_option_context_set_summary(ctx, summary);
    g_option_context_set_description(ctx, probe_global_help);
    g_option_context_set_main_group(ctx, main_group);
    if (entries)
        g_option_group_add_entries(main_group, entries);
    g_option_group_add_entries(main_group, global);
    g_option_context_set_strict_posix(ctx, stop_at_first);
    opts->timeout = PROBE_TIMEOUT_DEFAULT;
    if (!g_option_context_parse(ctx, argc, argv, &local)) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_USAGE, "%s: %s (see qga-probe %s --help)", command,
                    local->message, command);
        return FALSE;
    }
    if (opts->timeout_arg && !probe_timeout_parse(opts->timeout_arg, &opts->timeout, error))
        return FALSE;
    return TRUE;
}

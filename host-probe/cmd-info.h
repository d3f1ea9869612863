/* guest-info parsed once (report and fleet use it too), and the subcommands' common set-up. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

#include "options.h"
#include "transport.h"

typedef struct ProbeAgentInfo {
    char *version;
    GPtrArray *names;    /* command names (char *) in the agent's order */
    GHashTable *enabled; /* name -> GINT_TO_POINTER(1 enabled / 2 disabled) */
} ProbeAgentInfo;

void probe_agent_info_free(ProbeAgentInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProbeAgentInfo, probe_agent_info_free)
/* Validate a guest-info return value. */
ProbeAgentInfo *probe_agent_info_parse(JsonNode *ret, GError **error);
/* Fill *error with the reason the agent cannot run command (not listed / disabled); FALSE then. */
gboolean probe_agent_info_check(const ProbeAgentInfo *info, const char *command, GError **error);

/* Parse the options of a subcommand that takes no positional arguments beyond max_args and
 * open its transport; on failure prints the error and sets *ret_exit. */
ProbeTransport *probe_cmd_setup(ProbeOptions *opts, const char *command, const char *params,
                                const char *summary, const GOptionEntry *entries, guint max_args,
                                int *argc, char ***argv, int *ret_exit);

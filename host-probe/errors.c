/* qga-probe's error domain: one code per thing an operator can act on, doubling as the exit status. */
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "render.h"

G_DEFINE_QUARK(qga-probe-error-quark, probe_error)

const char *probe_error_kind(int code)
{
    switch (code) {
    case PROBE_ERROR_USAGE: return "usage";
    case PROBE_ERROR_CONNECT: return "connect-failed";
    case PROBE_ERROR_DOMAIN: return "domain-unavailable";
    case PROBE_ERROR_NOT_CONFIGURED: return "agent-not-configured";
    case PROBE_ERROR_NOT_CONNECTED: return "agent-not-connected";
    case PROBE_ERROR_TIMEOUT: return "timeout";
    case PROBE_ERROR_COMMAND_NOT_FOUND: return "command-not-found";
    case PROBE_ERROR_COMMAND_DISABLED: return "command-disabled";
    case PROBE_ERROR_COMMAND_FAILED: return "command-failed";
    case PROBE_ERROR_PROTOCOL: return "protocol-error";
    case PROBE_ERROR_IO: return "io-error";
    default: return "failed";
    }
}

int probe_error_exit_code(const GError *error)
{
    if (error && error->domain == PROBE_ERROR && error->code >= PROBE_ERROR_FAILED &&
        error->code <= PROBE_ERROR_IO)
        return error->code;
    return PROBE_ERROR_FAILED;
}

/*
 * qemu-ga answers an unknown command with class CommandNotFound "The command X has not been
 * found". Since QEMU 9.1 a command disabled by the allow/block lists (or while frozen) is also
 * CommandNotFound, but its desc says "has been disabled"; older agents used GenericError with
 * the same words, and the legacy class CommandDisabled exists too. libvirt passes only the desc
 * on, so the words are what both transports can rely on.
 */
void probe_error_from_agent(GError **error, const char *command, const char *klass, const char *desc)
{
    g_autofree char *safe_desc = probe_sanitize(desc ? desc : "");
    g_autofree char *safe_class = probe_sanitize(klass ? klass : "");
    gboolean disabled = (desc && strstr(desc, "has been disabled")) ||
                        g_strcmp0(klass, "CommandDisabled") == 0;
    gboolean not_found = !disabled && ((desc && strstr(desc, "has not been found") &&
                                        (!klass || g_strcmp0(klass, "CommandNotFound") == 0)) ||
                                       g_strcmp0(klass, "CommandNotFound") == 0);

    if (disabled)
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_DISABLED,
                    "%s: disabled in this agent (%s%s%s)", command,
                    *safe_class ? safe_class : "CommandDisabled", *safe_desc ? ": " : "", safe_desc);
    else if (not_found)
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_NOT_FOUND,
                    "%s: not supported by this agent (CommandNotFound%s%s)", command,
                    *safe_desc ? ": " : "", safe_desc);
    else
        /* Through libvirt the class is lost: then the desc alone. */
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_FAILED, "%s failed in the guest: %s%s%s",
                    command, safe_class, *safe_class && *safe_desc ? ": " : "",
                    *safe_desc || *safe_class ? safe_desc : "(no description)");
}

int probe_error_report(const GError *error, gboolean json)
{
    int code = probe_error_exit_code(error);

    if (json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "error");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "kind");
        json_builder_add_string_value(b, probe_error_kind(code));
        json_builder_set_member_name(b, "exit-code");
        json_builder_add_int_value(b, code);
        json_builder_set_member_name(b, "message");
        json_builder_add_string_value(b, error->message);
        json_builder_end_object(b);
        json_builder_end_object(b);
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        probe_print_json(root, FALSE);
    }
    fprintf(stderr, "qga-probe: %s\n", error->message);
    return code;
}

/* qga-probe's error domain: one code per thing an operator can act on, also the exit status. */
#pragma once
#include <glib.h>

#define PROBE_ERROR (probe_error_quark())
GQuark probe_error_quark(void);

/* Documented in docs/PROBE.md ("Exit status"); keep the two in step. */
typedef enum ProbeErrorCode {
    PROBE_ERROR_FAILED = 1,            /* anything not below; fleet: some domain failed */
    PROBE_ERROR_USAGE = 2,             /* bad command line */
    PROBE_ERROR_CONNECT = 3,           /* libvirt connection or channel socket unreachable */
    PROBE_ERROR_DOMAIN = 4,            /* domain not found or not running */
    PROBE_ERROR_NOT_CONFIGURED = 5,    /* the domain has no agent channel */
    PROBE_ERROR_NOT_CONNECTED = 6,     /* no agent on the channel, or libvirt's sticky error */
    PROBE_ERROR_TIMEOUT = 7,           /* the agent did not answer in time */
    PROBE_ERROR_COMMAND_NOT_FOUND = 8, /* the agent does not have the command */
    PROBE_ERROR_COMMAND_DISABLED = 9,  /* the agent has it, disabled (allow/block list, frozen) */
    PROBE_ERROR_COMMAND_FAILED = 10,   /* the agent ran the command and answered an error */
    PROBE_ERROR_PROTOCOL = 11,         /* the reply broke the protocol or failed validation */
    PROBE_ERROR_IO = 12,               /* a local file could not be read or written */
} ProbeErrorCode;

/* What `exec` exits with when the probe itself failed (the guest program's code otherwise). */
#define PROBE_EXEC_EXIT_PROBE_FAILED 255

/* Short stable names for --json output ("not-connected", ...). */
const char *probe_error_kind(int code);
/* The exit status for an error (PROBE_ERROR_FAILED for foreign domains). */
int probe_error_exit_code(const GError *error);
/* Map an agent error reply ({"class","desc"}) to a GError. command names the request. */
void probe_error_from_agent(GError **error, const char *command, const char *klass,
                            const char *desc);
/* Print "qga-probe: MESSAGE" (or a JSON error object with json) and return the exit status. */
int probe_error_report(const GError *error, gboolean json);

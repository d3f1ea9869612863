/* qga-probe's entry point: finds the subcommand among the global options and hands over to it. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "errors.h"

typedef struct ProbeCommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} ProbeCommand;

static const ProbeCommand probe_commands[] = {
    { "call", probe_cmd_call, "run any agent command: call CMD [ARGS-JSON]" },
    { "ping", probe_cmd_ping, "guest-ping with the round-trip time" },
    { "info", probe_cmd_info, "agent version and commands (enabled or not)" },
    { "report", probe_cmd_report, "one screen: OS, hostname, time skew, users, network, disks..." },
    { "exec", probe_cmd_exec, "run a program in the guest: exec -- PROGRAM ARGS..." },
    { "cp", probe_cmd_cp, "copy a file to or from the guest: cp SRC DST (guest:PATH)" },
    { "fleet", probe_cmd_fleet, "the same query over every running domain, as a table" },
    { "watch", probe_cmd_watch, "agent connected/disconnected events from libvirt" },
    { "listen", probe_cmd_listen, "serve guests' guest-driven channel: events, host-* requests, hooks" },
};

/* Global options that take a value in the next argument (when not written --opt=value). */
static gboolean probe_takes_value(const char *arg)
{
    static const char *const with_value[] = { "--connect", "-c", "--domain", "-d", "--socket", "-s",
                                              "--channel", "--timeout", "-t" };

    for (gsize i = 0; i < G_N_ELEMENTS(with_value); i++)
        if (g_str_equal(arg, with_value[i]))
            return TRUE;
    return FALSE;
}

static void probe_usage(FILE *out)
{
    fprintf(out, "Usage: qga-probe [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
                 "Talk to a QEMU guest agent (qemu-ga or qga-compat) through libvirt or a channel socket.\n\n"
                 "Commands:\n");
    for (gsize i = 0; i < G_N_ELEMENTS(probe_commands); i++)
        fprintf(out, "  %-8s %s\n", probe_commands[i].name, probe_commands[i].summary);
    fprintf(out, "\nWhere the agent is:\n"
                 "  --domain NAME [--connect URI]      through libvirt\n"
                 "  --domain NAME --channel CHANNEL    a named channel's socket, from the live domain XML\n"
                 "  --socket PATH                      a channel socket directly\n"
                 "Other global options: --timeout SECONDS|block|default|nowait, --json, --verbose.\n\n"
                 "'qga-probe COMMAND --help' shows a command's options; docs/PROBE.md has the details.\n");
}

int main(int argc, char **argv)
{
    int cmd_index = -1;

    setlocale(LC_ALL, "");
    g_set_prgname("qga-probe");
    for (int i = 1; i < argc; i++) {
        if (g_str_equal(argv[i], "--")) {
            break;
        } else if (g_str_equal(argv[i], "--help") || g_str_equal(argv[i], "-h")) {
            probe_usage(stdout);
            return 0;
        } else if (g_str_equal(argv[i], "--version")) {
            printf("qga-probe %s\n", PROBE_VERSION);
            return 0;
        } else if (argv[i][0] == '-') {
            i += probe_takes_value(argv[i]);
        } else {
            cmd_index = i;
            break;
        }
    }
    if (cmd_index < 0) {
        probe_usage(stderr);
        return PROBE_ERROR_USAGE;
    }
    for (gsize c = 0; c < G_N_ELEMENTS(probe_commands); c++) {
        if (!g_str_equal(argv[cmd_index], probe_commands[c].name))
            continue;
        /* The subcommand sees "qga-probe <global options> <its own options and arguments>";
         * every subcommand accepts the global options too, wherever they are written. */
        g_autofree char **sub = g_new0(char *, argc + 1);
        int n = 0;
        for (int i = 0; i < argc; i++)
            if (i != cmd_index)
                sub[n++] = argv[i];
        g_autofree char *prgname = g_strdup_printf("qga-probe %s", probe_commands[c].name);
        g_set_prgname(prgname);   /* copies it */
        return probe_commands[c].run(n, sub);
    }
    fprintf(stderr, "qga-probe: unknown command '%s' (see qga-probe --help)\n", argv[cmd_index]);
    return PROBE_ERROR_USAGE;
}

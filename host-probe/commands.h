/* The subcommands' entry points (cmd-<name>.c) for main.c's table; each returns the exit status. */
#pragma once

int probe_cmd_call(int argc, char **argv);
int probe_cmd_ping(int argc, char **argv);
int probe_cmd_info(int argc, char **argv);
int probe_cmd_report(int argc, char **argv);
int probe_cmd_exec(int argc, char **argv);
int probe_cmd_cp(int argc, char **argv);
int probe_cmd_fleet(int argc, char **argv);
int probe_cmd_watch(int argc, char **argv);
int probe_cmd_listen(int argc, char **argv);

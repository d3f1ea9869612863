/* The admin's executables in --hooks-dir, run for each accepted guest event, bounded. */
#pragma once
#include <glib.h>

typedef struct ListenHooks ListenHooks;

ListenHooks *listen_hooks_new(const char *dir, guint timeout_s, GError **error);
void listen_hooks_free(ListenHooks *hooks);
/* Queues one run of every eligible hook for an accepted event. line: the printed record. */
void listen_hooks_event(ListenHooks *hooks, const char *domain, const char *uuid, const char *event,
                        const char *line);

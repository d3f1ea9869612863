/* `listen --connect URI`: every (or each named) running domain's g2h channel. */
#pragma once
#include <glib.h>

#include "listen-conn.h"

/* The channel served in each domain (its target name in the domain XML). */
#define LISTEN_CHANNEL "org.qgacompat.g2h.0"

typedef struct ListenLibvirt ListenLibvirt;

typedef struct ListenLibvirtConfig {
    const char *uri;            /* NULL: libvirt's default */
    const char *const *domains; /* names or UUIDs; NULL: every running domain */
    const char *state_dir;
    const char *const *deny;
    ListenConfig conn;
} ListenLibvirtConfig;

ListenLibvirt *listen_libvirt_start(const ListenLibvirtConfig *cfg, GError **error);
void listen_libvirt_free(ListenLibvirt *lv);

/* libvirt's event callbacks dispatched by GLib's main loop. */
#pragma once

/* Installs it once (virEventRegisterImpl), before the first libvirt connection. */
void listen_libvirt_events_register(void);

/* The guest-driven messages this build's agent may send, as schema/qga-compat.json declares them (the tables are generated). */
#pragma once
#include <stdbool.h>

/* The [g2h] setting without which a message is never sent (the schema's "setting"). */
typedef enum QgaG2hSetting {
    QGA_G2H_SETTING_NONE,              /* sent whatever the settings */
    QGA_G2H_SETTING_FS_FREE_THRESHOLD, /* fs-free-threshold above 0 */
    QGA_G2H_SETTING_TIME_SYNC_ON_RESUME,
    QGA_G2H_SETTING_FORWARD_LOG, /* forward-log other than off */
} QgaG2hSetting;

typedef struct QgaG2hMessageSpec {
    const char *name; /* host-* request or EVENT name */
    bool is_event;
    bool from_os; /* origin "os": an event the platform glue reports from an OS watch */
    QgaG2hSetting setting;
} QgaG2hMessageSpec;

/*
 * Generated for this build's platform (gen-schema.py --g2h-out: qga-g2h-messages.c in the
 * build directory), in schema order, requests first:
 *
 * - qga_g2h_messages: every guest-driven message whose "platforms" lists this platform; ends at
 *   name == NULL. host-hello announces those of origin "agent" whose setting is on, and those of
 *   origin "os" that the glue reports (QgaG2hLinkConfig.os_events).
 * - qga_g2h_os_events: NULL-terminated, the names of the origin "os" events on this platform:
 *   what the glue passes as os_events, less any whose OS watch could not be set up.
 */
extern const QgaG2hMessageSpec qga_g2h_messages[];
extern const char *const qga_g2h_os_events[];

/* The sections of `qga-probe report`: which command feeds each, and how its reply is checked and shown. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct ProbeReportCall {
    JsonNode *ret;          /* the command's return value */
    gint64 host_before_us;  /* host wall clock around the call (for the time skew) */
    gint64 host_after_us;
} ProbeReportCall;

typedef struct ProbeReportSection {
    const char *key;        /* member name in --json output */
    const char *title;      /* label in the text output */
    const char *command;
    /* Check the reply; append text lines (first line after the title, further lines indented)
     * and add derived members (like the time skew) to extra. FALSE + error on a bad reply. */
    gboolean (*render)(const ProbeReportCall *call, GString *text, JsonObject *extra, GError **error);
} ProbeReportSection;

extern const ProbeReportSection probe_report_sections[];
extern const gsize probe_report_n_sections;

/* Column at which section text starts. */
#define PROBE_REPORT_INDENT "             "

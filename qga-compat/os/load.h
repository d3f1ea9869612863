/* OS primitive behind guest-get-load, plus the load-average arithmetic for OSes that must emulate it. */
#pragma once

#include "core/error.h"
#include "model/load.h"

/* The 1, 5 and 15 minute load averages. */
int qga_os_get_load(double ret[3], QgaError **error);

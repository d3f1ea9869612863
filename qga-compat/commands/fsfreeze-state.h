/* The agent's frozen state: dispatcher filter, suspended logging and the qga.state.isfrozen marker. */
#pragma once

#include "core/agent.h"

/* Enter frozen mode before the first FIFREEZE: the marker file is written while writing still
 * works, then only the six allowed-while-frozen commands stay enabled and logging stops. */
void qga_fsfreeze_set_frozen(QgaAgent *agent);
/* Leave it after the thaw: logging back, filters as configured, marker removed. */
void qga_fsfreeze_unset_frozen(QgaAgent *agent);

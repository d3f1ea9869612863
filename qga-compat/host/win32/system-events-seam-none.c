/* qga-compat.exe's side of the system-event test seam: nothing (the test exe replays events, tests/seams/win32-system-events.c). */
#include "g2h-port.h"

/*
 * Linked into qga-compat.exe (platform_privileged_sources) where the test-seam exe links the
 * replay: the product cannot replay events, whatever its environment says.
 * tests/wine/test-g2h.py checks the seam is absent from it.
 */
void qga_win_seam_g2h_connected(QgaWinServer *server)
{
    (void)server;
}

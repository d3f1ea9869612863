/* The commands layer's link check: every handler the generated table names, the families'
 * hooks, and all they call, must resolve in commands/ and the layers below. (A family this OS
 * cannot do is compiled but never referenced, so the table, not the whole library, is checked.) */
#include "commands/families.h"
#include "core/schema.h"

int main(void)
{
    /* Referenced, never called: the linker must resolve them. */
    void (*volatile hooks[])(QgaAgent *) = { qga_families_start, qga_families_stop };
    return qga_command_table.n_commands == 0 && hooks[0] == NULL;
}

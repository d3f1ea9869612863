/* The commands layer's link check: every handler the generated table names, and all they call,
 * must resolve in commands/ and the layers below. (A family this OS cannot do is compiled but
 * never referenced, so the table, not the whole library, is what is checked.) */
#include "core/schema.h"

int main(void)
{
    return qga_command_table.n_commands == 0;
}

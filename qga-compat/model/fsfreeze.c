/* The mount list fsfreeze and fstrim walk. */
#include "model/fsfreeze.h"

#include <stdlib.h>

void qga_mount_list_clear(QgaMountList *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].dir);
        free(list->items[i].type);
    }
    free(list->items);
    *list = (QgaMountList){ 0 };
}

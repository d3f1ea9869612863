/* Where a user's authorized_keys live, as the OS resolved them. */
#include "model/ssh.h"

#include <stdlib.h>

void qga_ssh_target_clear(QgaSshTarget *target)
{
    qga_user_account_clear(&target->account);
    free(target->dir);
    free(target->path);
    *target = (QgaSshTarget){ 0 };
}

/* A user account as the OS resolved it. */
#include "model/accounts.h"

#include <stdlib.h>

void qga_user_account_clear(QgaUserAccount *account)
{
    free(account->name);
    free(account->home);
    free(account->sid);
    free(account->machine_ssh_dir);
    *account = (QgaUserAccount){ 0 };
}

/* Request handling: qemu-ga's request rules, filters, error classes and reply framing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "schema.h"

typedef struct QgaDispatcher QgaDispatcher;

QgaDispatcher *qga_dispatcher_new(const QgaCommandTable *table, QgaAgent *agent);
void qga_dispatcher_free(QgaDispatcher *d);

/*
 * Allow and block lists as qemu-ga applies them: with an allow list, only
 * listed commands stay enabled; the block list then disables (block wins).
 * Unknown names are ignored. May be called several times (lists accumulate).
 */
void qga_dispatcher_allow(QgaDispatcher *d, const char *const *names, size_t n);
void qga_dispatcher_block(QgaDispatcher *d, const char *const *names, size_t n);
/* Frozen state: everything but the QGA_CMD_ALLOWED_WHILE_FROZEN commands is disabled. */
void qga_dispatcher_set_frozen(QgaDispatcher *d, bool frozen);
bool qga_dispatcher_is_enabled(const QgaDispatcher *d, const QgaCommandSpec *cmd);
const QgaCommandTable *qga_dispatcher_table(const QgaDispatcher *d);
/* Whether this build's table has the command (enabled or not): a lookup in the dispatcher's index. */
bool qga_dispatcher_has(const QgaDispatcher *d, const char *name);

/*
 * Handle one complete JSON text from the framer; append the reply bytes (zero
 * or one reply line, "\n"-terminated, 0xFF-prefixed for a successful
 * guest-sync-delimited) to out.
 */
void qga_dispatch_message(QgaDispatcher *d, const char *text, size_t len, QgaBuf *out);
/*
 * Run the command `name` in process, as if the host had sent {"execute": name, "arguments":
 * args} (args NULL: none): the same enabled check (allow/block lists, frozen state), argument
 * validation, audit line and handler, without writing or parsing any text. Handlers already
 * build their result as a QgaJson, so it is handed over as is: on success *ret_result (owned by
 * the caller) is the value a reply's "return" would carry, {} for a command without a return
 * type (and for one without a success response, which still runs). On failure *error holds the
 * class and text the error reply would.
 */
int qga_dispatch_call(QgaDispatcher *d, const char *name, const QgaJson *args, QgaJson **ret_result,
                      QgaError **error);
/* Append the error reply for a framer error (no id: the input never parsed). */
void qga_dispatch_frame_error(QgaDispatcher *d, const char *desc, QgaBuf *out);

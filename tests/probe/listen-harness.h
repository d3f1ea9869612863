/* Test helpers for `qga-probe listen` as a process: its output lines with deadlines, and fake guests / fake QEMU sockets. */
#pragma once
#include <gio/gio.h>

typedef struct LhProc {
    GSubprocess *proc;
    int out_fd, err_fd;
    GString *out_buf, *err_buf;     /* bytes not yet split into lines */
    GPtrArray *out_lines, *err_lines;
    guint out_seen, err_seen;       /* lines already returned by lh_wait_* */
} LhProc;

/* Starts QGA_PROBE with "listen" and the given NULL-terminated arguments. */
LhProc *lh_start(const char *first_arg, ...) G_GNUC_NULL_TERMINATED;
/* The next stdout (or stderr) line containing needle, within timeout_ms; NULL on timeout. The
 * returned string belongs to the LhProc. Lines before it are skipped. */
const char *lh_wait_out(LhProc *p, const char *needle, int timeout_ms);
const char *lh_wait_err(LhProc *p, const char *needle, int timeout_ms);
/* Lines printed so far containing needle (after a final drain). */
guint lh_count_out(LhProc *p, const char *needle);
/* SIGTERM, wait, drain; returns the exit status (-1 if it did not exit normally). */
int lh_stop(LhProc *p);
/* A listener that must give up by itself: a stderr line containing err_needle (within 5 s),
 * then exit with status (asserts). */
void lh_expect_exit(LhProc *p, const char *err_needle, int status);
void lh_free(LhProc *p);

/* A guest: a client of a listening socket, or the accepted end of a fake QEMU. */
GSocket *lh_guest_connect(const char *path);
GSocket *lh_server_new(const char *path);
GSocket *lh_server_accept(GSocket *server, int timeout_ms);
gboolean lh_send(GSocket *sock, const char *data, gsize len);
/* One line (without newline) within timeout_ms, NULL on timeout or EOF; *buf keeps the rest. */
char *lh_read_line(GSocket *sock, GString *buf, int timeout_ms);
/* TRUE when the peer closed the connection within timeout_ms (data before EOF is discarded). */
gboolean lh_wait_eof(GSocket *sock, int timeout_ms);

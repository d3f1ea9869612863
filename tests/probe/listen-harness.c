/* Test helpers for `qga-probe listen` as a process: its output lines with deadlines, and fake guests / fake QEMU sockets. */
#include "listen-harness.h"

#include <errno.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixsocketaddress.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

LhProc *lh_start(const char *first_arg, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)g_getenv("QGA_PROBE"));
    g_assert_nonnull(argv->pdata[0]);
    g_ptr_array_add(argv, "listen");
    va_list ap;
    va_start(ap, first_arg);
    for (const char *a = first_arg; a; a = va_arg(ap, const char *))
        g_ptr_array_add(argv, (char *)a);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    g_autoptr(GError) err = NULL;
    LhProc *p = g_new0(LhProc, 1);
    p->proc = g_subprocess_newv((const char *const *)argv->pdata,
                                G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &err);
    g_assert_no_error(err);
    p->out_fd = g_unix_input_stream_get_fd(G_UNIX_INPUT_STREAM(g_subprocess_get_stdout_pipe(p->proc)));
    p->err_fd = g_unix_input_stream_get_fd(G_UNIX_INPUT_STREAM(g_subprocess_get_stderr_pipe(p->proc)));
    p->out_buf = g_string_new(NULL);
    p->err_buf = g_string_new(NULL);
    p->out_lines = g_ptr_array_new_with_free_func(g_free);
    p->err_lines = g_ptr_array_new_with_free_func(g_free);
    return p;
}

/* Reads what arrives on both pipes within timeout_ms: the bytes read, 0 on timeout, -1 when both
 * pipes are at EOF. */
static gssize lh_pump(LhProc *p, int timeout_ms)
{
    struct pollfd fds[2] = { { p->out_fd, POLLIN, 0 }, { p->err_fd, POLLIN, 0 } };
    int nfds = 0;
    struct pollfd *live[2];
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            live[nfds++] = &fds[i];
    if (!nfds)
        return -1;
    struct pollfd poll_fds[2];
    for (int i = 0; i < nfds; i++)
        poll_fds[i] = *live[i];
    if (poll(poll_fds, (nfds_t)nfds, timeout_ms) <= 0)
        return 0;
    gssize total = 0;
    for (int i = 0; i < nfds; i++) {
        gboolean is_err = poll_fds[i].fd == p->err_fd;
        GString *buf = is_err ? p->err_buf : p->out_buf;
        GPtrArray *lines = is_err ? p->err_lines : p->out_lines;
        if (!(poll_fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        char chunk[65536];
        ssize_t r = read(poll_fds[i].fd, chunk, sizeof(chunk));
        if (r <= 0) {
            if (is_err)
                p->err_fd = -1;
            else
                p->out_fd = -1;
            continue;
        }
        total += r;
        g_string_append_len(buf, chunk, r);
        char *nl;
        while ((nl = memchr(buf->str, '\n', buf->len))) {
            g_ptr_array_add(lines, g_strndup(buf->str, (gsize)(nl - buf->str)));
            g_string_erase(buf, 0, nl - buf->str + 1);
        }
    }
    return total ? total : (p->out_fd < 0 && p->err_fd < 0 ? -1 : 0);
}

static const char *lh_wait(LhProc *p, gboolean err, const char *needle, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        GPtrArray *lines = err ? p->err_lines : p->out_lines;
        guint *seen = err ? &p->err_seen : &p->out_seen;
        while (*seen < lines->len) {
            const char *l = g_ptr_array_index(lines, (*seen)++);
            if (strstr(l, needle))
                return l;
        }
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        if (left <= 0 || lh_pump(p, (int)left) < 0)
            return NULL;
    }
}

const char *lh_wait_out(LhProc *p, const char *needle, int timeout_ms) { return lh_wait(p, FALSE, needle, timeout_ms); }
const char *lh_wait_err(LhProc *p, const char *needle, int timeout_ms) { return lh_wait(p, TRUE, needle, timeout_ms); }

guint lh_count_out(LhProc *p, const char *needle)
{
    while (lh_pump(p, 50) > 0)
        ;
    guint n = 0;
    for (guint i = 0; i < p->out_lines->len; i++)
        n += strstr(g_ptr_array_index(p->out_lines, i), needle) != NULL;
    return n;
}

int lh_stop(LhProc *p)
{
    g_subprocess_send_signal(p->proc, SIGTERM);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (lh_pump(p, 100) >= 0 && g_get_monotonic_time() < deadline)
        ;
    g_autoptr(GError) err = NULL;
    g_assert_true(g_subprocess_wait(p->proc, NULL, &err));
    if (!g_subprocess_get_if_exited(p->proc))
        return -1;
    return g_subprocess_get_exit_status(p->proc);
}

void lh_expect_exit(LhProc *p, const char *err_needle, int status)
{
    g_assert_nonnull(lh_wait_err(p, err_needle, 5000));
    g_autoptr(GError) err = NULL;
    g_assert_true(g_subprocess_wait(p->proc, NULL, &err));
    g_assert_true(g_subprocess_get_if_exited(p->proc));
    g_assert_cmpint(g_subprocess_get_exit_status(p->proc), ==, status);
}

void lh_free(LhProc *p)
{
    if (!p)
        return;
    if (g_subprocess_get_identifier(p->proc))
        g_subprocess_force_exit(p->proc);
    g_object_unref(p->proc);
    g_string_free(p->out_buf, TRUE);
    g_string_free(p->err_buf, TRUE);
    g_ptr_array_unref(p->out_lines);
    g_ptr_array_unref(p->err_lines);
    g_free(p);
}

GSocket *lh_guest_connect(const char *path)
{
    /* The listener binds (the file appears) a moment before it listens: until then a connect is
     * refused. Retry for up to 5 s, a fresh socket each time. */
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    for (int i = 0;; i++) {
        g_autoptr(GError) err = NULL;
        GSocket *s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &err);
        g_assert_no_error(err);
        if (g_socket_connect(s, addr, NULL, &err))
            return s;
        g_object_unref(s);
        if (i == 500)
            g_error("connect %s: %s", path, err->message);
        g_usleep(10000);
    }
}

GSocket *lh_server_new(const char *path)
{
    g_autoptr(GError) err = NULL;
    GSocket *s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &err);
    g_assert_no_error(err);
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    g_assert_true(g_socket_bind(s, addr, TRUE, &err));
    g_assert_true(g_socket_listen(s, &err));
    return s;
}

GSocket *lh_server_accept(GSocket *server, int timeout_ms)
{
    g_socket_set_timeout(server, 0);
    if (!g_socket_condition_timed_wait(server, G_IO_IN, (gint64)timeout_ms * 1000, NULL, NULL))
        return NULL;
    return g_socket_accept(server, NULL, NULL);
}

gboolean lh_send(GSocket *sock, const char *data, gsize len)
{
    while (len) {
        gssize n = g_socket_send(sock, data, len, NULL, NULL);
        if (n <= 0)
            return FALSE;   /* the listener may have cut a hostile guest off */
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

char *lh_read_line(GSocket *sock, GString *buf, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        char *nl = memchr(buf->str, '\n', buf->len);
        if (nl) {
            char *line = g_strndup(buf->str, (gsize)(nl - buf->str));
            g_string_erase(buf, 0, nl - buf->str + 1);
            return line;
        }
        gint64 left = deadline - g_get_monotonic_time();
        if (left <= 0 || !g_socket_condition_timed_wait(sock, G_IO_IN, left, NULL, NULL))
            return NULL;
        char chunk[4096];
        gssize n = g_socket_receive(sock, chunk, sizeof(chunk), NULL, NULL);
        if (n <= 0)
            return NULL;
        g_string_append_len(buf, chunk, n);
    }
}

gboolean lh_wait_eof(GSocket *sock, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gint64 left = deadline - g_get_monotonic_time();
        if (left <= 0 || !g_socket_condition_timed_wait(sock, G_IO_IN, left, NULL, NULL))
            return FALSE;
        char chunk[65536];
        gssize n = g_socket_receive(sock, chunk, sizeof(chunk), NULL, NULL);
        if (n <= 0)
            return TRUE;
    }
}

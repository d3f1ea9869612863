/* `qga-probe cp SRC DST`: push or pull a file through guest-file-open/read/write/close, in chunks under libvirt's message cap. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "errors.h"
#include "options.h"
#include "reply.h"
#include "transport.h"

/* libvirt's remote protocol caps a string at 4 MiB (REMOTE_STRING_MAX) and the base64 of a
 * chunk grows by 4/3, so 2 MiB of data (2.7 MiB of text) is the most one reply may carry.
 * Pushed chunks are smaller still through libvirt (PROBE_LIBVIRT_MAX_REQUEST). */
#define PROBE_CP_CHUNK_DEFAULT (1024 * 1024)
#define PROBE_CP_CHUNK_MAX (2 * 1024 * 1024)
#define PROBE_CP_STALLS_MAX 16        /* replies in a row that move no data and do not end */

static const char probe_guest_prefix[] = "guest:";

static gboolean probe_is_guest(const char *arg)
{
    return g_str_has_prefix(arg, probe_guest_prefix);
}

static gint64 probe_cp_open(ProbeTransport *t, const char *path, const char *mode, GError **error)
{
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonNode) ret = NULL;

    json_object_set_string_member(args, "path", path);
    json_object_set_string_member(args, "mode", mode);
    if (!(ret = probe_agent_call(t, "guest-file-open", args, error)))
        return -1;
    /* guest-file-open returns the handle as a bare integer. */
    if (!JSON_NODE_HOLDS_VALUE(ret) || json_node_get_value_type(ret) != G_TYPE_INT64 ||
        json_node_get_int(ret) < 0) {
        g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                            "guest-file-open did not return a handle (a non-negative integer)");
        return -1;
    }
    return json_node_get_int(ret);
}

static gboolean probe_cp_close(ProbeTransport *t, gint64 handle, GError **error)
{
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonNode) ret = NULL;

    json_object_set_int_member(args, "handle", handle);
    ret = probe_agent_call(t, "guest-file-close", args, error);
    return ret != NULL;
}

static gboolean probe_cp_push(ProbeTransport *t, int fd, gint64 handle, gsize chunk, guint64 *total,
                              GError **error)
{
    g_autofree guint8 *buf = NULL;
    guint stalls = 0;

    /* A write request carries the chunk as base64 (4/3) plus ~100 bytes of JSON; keep it
     * within what the transport delivers intact (libvirt: its socket buffer). */
    chunk = MIN(chunk, (t->max_request - 256) / 4 * 3);
    buf = g_malloc(chunk);

    for (;;) {
        ssize_t n = read(fd, buf, chunk);
        gsize off = 0;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(error, PROBE_ERROR, PROBE_ERROR_IO, "cp: reading the source: %s", g_strerror(errno));
            return FALSE;
        }
        if (n == 0)
            return TRUE;
        while (off < (gsize)n) {
            g_autoptr(JsonObject) args = json_object_new();
            g_autoptr(JsonNode) ret = NULL;
            g_autofree char *b64 = g_base64_encode(buf + off, (gsize)n - off);
            JsonObject *obj;
            gint64 count = 0;

            json_object_set_int_member(args, "handle", handle);
            json_object_set_string_member(args, "buf-b64", b64);
            if (!(ret = probe_agent_call(t, "guest-file-write", args, error)) ||
                !(obj = probe_node_object(ret, "guest-file-write return", error)) ||
                !probe_get_int(obj, "count", TRUE, 0, (gint64)((gsize)n - off), &count, error))
                return FALSE;
            /* A short write is retried with the rest; one that never moves is an error. */
            if (count == 0 && ++stalls > PROBE_CP_STALLS_MAX) {
                g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_COMMAND_FAILED,
                                    "cp: the guest accepts no more data (disk full?)");
                return FALSE;
            }
            if (count > 0)
                stalls = 0;
            off += (gsize)count;
            *total += (guint64)count;
        }
    }
}

static gboolean probe_cp_pull(ProbeTransport *t, gint64 handle, int fd, gsize chunk, guint64 max_size,
                              guint64 *total, GError **error)
{
    guint stalls = 0;

    for (;;) {
        g_autoptr(JsonObject) args = json_object_new();
        g_autoptr(JsonNode) ret = NULL;
        g_autoptr(GBytes) data = NULL;
        JsonObject *obj;
        JsonNode *b64;
        gint64 count = 0;
        gboolean eof = FALSE;
        gsize len;
        const guint8 *bytes;

        json_object_set_int_member(args, "handle", handle);
        json_object_set_int_member(args, "count", (gint64)chunk);
        if (!(ret = probe_agent_call(t, "guest-file-read", args, error)) ||
            !(obj = probe_node_object(ret, "guest-file-read return", error)) ||
            !probe_get_int(obj, "count", TRUE, 0, (gint64)chunk, &count, error) ||
            !probe_get_bool(obj, "eof", TRUE, &eof, error))
            return FALSE;
        b64 = json_object_get_member(obj, "buf-b64");
        if (!b64 || !JSON_NODE_HOLDS_VALUE(b64) || json_node_get_value_type(b64) != G_TYPE_STRING) {
            g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                                "guest-file-read reply lacks the string 'buf-b64'");
            return FALSE;
        }
        if (!(data = probe_base64_decode(json_node_get_string(b64), chunk, error)))
            return FALSE;
        bytes = g_bytes_get_data(data, &len);
        if ((gint64)len != count) {
            g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                        "guest-file-read says %" G_GINT64_FORMAT " bytes but sent %" G_GSIZE_FORMAT,
                        count, len);
            return FALSE;
        }
        if (max_size && *total + len > max_size) {
            g_set_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                        "cp: the file is larger than --max-size %" G_GUINT64_FORMAT " bytes", max_size);
            return FALSE;
        }
        for (gsize off = 0; off < len;) {
            ssize_t n = write(fd, bytes + off, len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                g_set_error(error, PROBE_ERROR, PROBE_ERROR_IO, "cp: writing: %s", g_strerror(errno));
                return FALSE;
            }
            off += (gsize)n;
        }
        *total += len;
        if (eof)
            return TRUE;
        /* qemu-ga for Windows reports eof only on a read that returns nothing; an agent that
         * returns nothing forever without eof must not keep us here. */
        if (len == 0 && ++stalls > PROBE_CP_STALLS_MAX) {
            g_set_error_literal(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL,
                                "cp: the agent keeps returning no data without eof");
            return FALSE;
        }
        if (len > 0)
            stalls = 0;
    }
}

/* The local end: the source of a push, or where a pull goes (a temporary name beside LOCAL in
 * *ret_tmp_path, renamed when complete). LOCAL "-" is stdin or stdout. */
static int probe_cp_open_local(const char *local, gboolean push, char **ret_tmp_path,
                               GError **error)
{
    g_autofree char *tmp_path = NULL;
    int fd;

    if (push) {
        fd = g_str_equal(local, "-") ? dup(STDIN_FILENO) : g_open(local, O_RDONLY | O_CLOEXEC, 0);
    } else if (g_str_equal(local, "-")) {
        fd = dup(STDOUT_FILENO);
    } else {
        g_autofree char *dir = g_path_get_dirname(local);
        g_autofree char *base = g_path_get_basename(local);
        tmp_path = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
        fd = g_mkstemp_full(tmp_path, O_WRONLY | O_CLOEXEC, 0644);
    }
    if (fd < 0) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_IO, "cp: %s: %s", tmp_path ? tmp_path : local,
                    g_strerror(errno));
        return -1;
    }
    *ret_tmp_path = g_steal_pointer(&tmp_path);
    return fd;
}

/* Open the guest's file and copy; *ret_start is when the copy began. The guest's handle is
 * always released; a failed close after a good copy is still a failure (the guest may not have
 * flushed). */
static gboolean probe_cp_transfer(ProbeTransport *t, const char *guest_path, gboolean push, int fd,
                                  gsize chunk, guint64 max_size, guint64 *total, gint64 *ret_start,
                                  GError **error)
{
    gint64 handle = probe_cp_open(t, guest_path, push ? "w" : "r", error);
    gboolean ok;

    if (handle < 0)
        return FALSE;
    *ret_start = g_get_monotonic_time();
    ok = push ? probe_cp_push(t, fd, handle, chunk, total, error)
              : probe_cp_pull(t, handle, fd, chunk, max_size, total, error);
    if (!probe_cp_close(t, handle, ok ? error : NULL))
        ok = FALSE;
    return ok;
}

/* Close the local file (fd is closed either way) and give a pulled file its name. */
static gboolean probe_cp_finish_local(int fd, const char *tmp_path, const char *local,
                                      GError **error)
{
    if (close(fd) != 0) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_IO, "cp: closing %s: %s", local,
                    g_strerror(errno));
        return FALSE;
    }
    if (tmp_path && g_rename(tmp_path, local) != 0) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_IO, "cp: renaming to %s: %s", local,
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

/* One line about the copy: on stderr when the pulled data itself went to stdout. */
static void probe_cp_print_done(const char *src, const char *dst, gboolean push, const char *local,
                                gboolean json, guint64 total, gint64 start)
{
    double secs = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    FILE *out = !push && g_str_equal(local, "-") ? stderr : stdout;

    if (json)
        fprintf(out,
                "{\"direction\": \"%s\", \"bytes\": %" G_GUINT64_FORMAT ", \"seconds\": %.3f}\n",
                push ? "push" : "pull", total, secs);
    else
        fprintf(out, "%s -> %s: %" G_GUINT64_FORMAT " bytes in %.2f s\n", src, dst, total, secs);
    fflush(out);
}

int probe_cmd_cp(int argc, char **argv)
{
    g_auto(ProbeOptions) opts = { 0 };
    g_autoptr(GError) error = NULL;
    gint chunk_arg = PROBE_CP_CHUNK_DEFAULT;
    gint64 max_size = 1024LL * 1024 * 1024;
    const GOptionEntry entries[] = {
        { "chunk-size", 0, 0, G_OPTION_ARG_INT, &chunk_arg,
          "Bytes per guest-file-read/write (default 1 MiB, at most 2 MiB; writes through libvirt "
          "at most 96 KiB)",
          "BYTES" },
        { "max-size", 0, 0, G_OPTION_ARG_INT64, &max_size,
          "Refuse to pull more than this (default 1 GiB, 0 = no limit)", "BYTES" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(ProbeTransport) t = NULL;
    g_autofree char *tmp_path = NULL;
    const char *src, *dst, *guest_path, *local;
    gboolean push, ok;
    gint64 start = 0;
    guint64 total = 0;
    int fd = -1;

    if (!probe_options_parse(&opts, "cp", "SRC DST",
            "Copy a file to the guest (cp LOCAL guest:PATH) or from it (cp guest:PATH LOCAL) with "
            "guest-file-open/read/write/close. LOCAL may be - for stdin/stdout. A pulled file is "
            "written to a temporary name beside LOCAL and renamed when complete.", entries, FALSE,
            &argc, &argv, &error))
        goto fail;
    if (argc != 3 || probe_is_guest(argv[1]) == probe_is_guest(argv[2])) {
        g_set_error_literal(&error, PROBE_ERROR, PROBE_ERROR_USAGE,
                            "cp: give SRC and DST, exactly one of them guest:PATH");
        goto fail;
    }
    if (chunk_arg < 1 || chunk_arg > PROBE_CP_CHUNK_MAX || max_size < 0) {
        g_set_error(&error, PROBE_ERROR, PROBE_ERROR_USAGE,
                    "cp: --chunk-size must be 1..%d and --max-size not negative", PROBE_CP_CHUNK_MAX);
        goto fail;
    }
    src = argv[1];
    dst = argv[2];
    push = probe_is_guest(dst);
    guest_path = (push ? dst : src) + strlen(probe_guest_prefix);
    local = push ? src : dst;

    if ((fd = probe_cp_open_local(local, push, &tmp_path, &error)) < 0 ||
        !(t = probe_transport_open(&opts, &error)) ||
        !probe_cp_transfer(t, guest_path, push, fd, (gsize)chunk_arg, (guint64)max_size, &total,
                           &start, &error))
        goto fail;
    ok = probe_cp_finish_local(fd, tmp_path, local, &error);
    fd = -1;
    if (!ok)
        goto fail;
    g_clear_pointer(&tmp_path, g_free);
    probe_cp_print_done(src, dst, push, local, opts.json, total, start);
    return 0;

fail:
    if (fd >= 0)
        close(fd);
    if (tmp_path)
        g_unlink(tmp_path);
    return probe_error_report(error, opts.json);
}

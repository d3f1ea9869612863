/* A scripted fake guest agent: answers like qemu-ga, or misbehaves in one chosen way, so the probe's error paths can be tested. */
#include <errno.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake-agent.h"

struct FakeAgent {
    FakeScenario scenario;
    char *dir, *path;
    int listen_fd;
    int wake[2];
    GThread *thread;
    GMutex lock;
    guint syncs, commands;
    GHashTable *files;      /* path -> GByteArray */
    /* per connection */
    GByteArray *open_file;
    gsize read_pos;
    gint64 exec_polls;
    gint64 exec_code;
    gboolean hung_once;
};

static gboolean fake_write(FakeAgent *fa, int fd, const char *data, gsize len)
{
    gsize step = fa->scenario == FAKE_SPLIT ? 3 : len;

    for (gsize off = 0; off < len;) {
        ssize_t n = send(fd, data + off, MIN(step, len - off), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        off += (gsize)n;
        if (fa->scenario == FAKE_SPLIT)
            g_usleep(300);
    }
    return TRUE;
}

static gboolean fake_reply(FakeAgent *fa, int fd, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static gboolean fake_reply(FakeAgent *fa, int fd, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *text = NULL;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return fake_write(fa, fd, text, strlen(text));
}

static gboolean fake_not_found(FakeAgent *fa, int fd, const char *cmd)
{
    return fake_reply(fa, fd, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command %s has "
                      "not been found\"}}\n", cmd);
}

static const char *const fake_good_commands[] = {
    "guest-sync-delimited", "guest-sync", "guest-ping", "guest-info", "guest-get-osinfo",
    "guest-get-host-name", "guest-get-time", "guest-get-timezone", "guest-get-users",
    "guest-get-vcpus", "guest-network-get-interfaces", "guest-get-fsinfo", "guest-get-disks",
    "guest-exec", "guest-exec-status", "guest-file-open", "guest-file-read", "guest-file-write",
    "guest-file-close", "guest-shutdown", NULL,
};

static const char *const fake_limited_commands[] = {
    "guest-sync-delimited", "guest-sync", "guest-ping", "guest-info", "guest-get-osinfo",
    "guest-get-host-name", "guest-get-time", "guest-get-users", NULL,
};

static gboolean fake_info(FakeAgent *fa, int fd)
{
    const char *const *cmds = fa->scenario == FAKE_LIMITED ? fake_limited_commands : fake_good_commands;
    g_autoptr(GString) s = g_string_new("{\"return\": {\"version\": \"fake-1.0\", \"supported_commands\": [");

    for (int i = 0; cmds[i]; i++)
        g_string_append_printf(s, "%s{\"enabled\": %s, \"name\": \"%s\", \"success-response\": %s}",
                               i ? ", " : "",
                               fa->scenario == FAKE_LIMITED && g_str_equal(cmds[i], "guest-get-users")
                                   ? "false" : "true",
                               cmds[i], g_str_equal(cmds[i], "guest-shutdown") ? "false" : "true");
    g_string_append(s, "]}}\n");
    return fake_write(fa, fd, s->str, s->len);
}

/* Replies that break the rules, one per report section. */
static gboolean fake_hostile(FakeAgent *fa, int fd, const char *cmd)
{
    if (g_str_equal(cmd, "guest-get-osinfo"))
        return fake_reply(fa, fd, "{\"return\": {\"pretty-name\": \"\\u001b]0;pwned\\u0007Evil OS\"}}\n");
    if (g_str_equal(cmd, "guest-get-host-name"))
        return fake_reply(fa, fd, "{\"return\": {\"host-name\": 42}}\n");
    if (g_str_equal(cmd, "guest-get-time"))
        return fake_reply(fa, fd, "{\"return\": 1.5e18}\n");
    if (g_str_equal(cmd, "guest-get-timezone"))
        return fake_reply(fa, fd, "{\"return\": {\"offset\": 999999}}\n");
    if (g_str_equal(cmd, "guest-get-users")) {
        g_autofree char *open = g_strnfill(200, '[');
        g_autofree char *close = g_strnfill(200, ']');
        return fake_reply(fa, fd, "{\"return\": %s%s}\n", open, close);
    }
    if (g_str_equal(cmd, "guest-get-vcpus")) {
        g_autoptr(GString) s = g_string_new("{\"return\": [");
        for (int i = 0; i < 5000; i++)
            g_string_append_printf(s, "%s{\"logical-id\": 0, \"online\": true}", i ? "," : "");
        g_string_append(s, "]}\n");
        return fake_write(fa, fd, s->str, s->len);
    }
    if (g_str_equal(cmd, "guest-network-get-interfaces"))
        return fake_reply(fa, fd, "{\"return\": [{\"name\": \"eth0\", \"ip-addresses\": [{\"ip-address-type\": "
                          "\"ipv5\", \"ip-address\": \"1.2.3.4\", \"prefix\": 8}]}]}\n");
    if (g_str_equal(cmd, "guest-get-fsinfo")) {
        g_autofree char *longname = g_strnfill(5000, 'a');
        return fake_reply(fa, fd, "{\"return\": [{\"name\": \"%s\", \"mountpoint\": \"/\", \"type\": \"ext4\", "
                          "\"disk\": []}]}\n", longname);
    }
    if (g_str_equal(cmd, "guest-get-disks")) {
        /* 11 MiB without a newline: over the 10 MiB line cap. */
        g_autofree char *big = g_strnfill(11 * 1024 * 1024, 'x');
        return fake_reply(fa, fd, "{\"return\": \"%s", big);
    }
    return fake_not_found(fa, fd, cmd);
}

static gboolean fake_exec(FakeAgent *fa, int fd, const char *cmd, JsonObject *args)
{
    if (g_str_equal(cmd, "guest-exec")) {
        JsonArray *argv = json_object_has_member(args, "arg") ? json_object_get_array_member(args, "arg") : NULL;
        const char *path = json_object_get_string_member(args, "path");
        if (g_str_equal(path, "/missing"))
            return fake_reply(fa, fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Guest agent command "
                              "failed, error was 'Failed to execute child process /missing'\"}}\n");
        fa->exec_code = argv && json_array_get_length(argv) ? g_ascii_strtoll(json_array_get_string_element(argv, 0), NULL, 10) : 0;
        fa->exec_polls = 0;
        return fake_reply(fa, fd, "{\"return\": {\"pid\": 4242}}\n");
    }
    /* guest-exec-status: running for two polls, then done with output (qemu-ga sends it all at exit). */
    if (json_object_get_int_member(args, "pid") != 4242)
        return fake_reply(fa, fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"PID ld does not exist\"}}\n");
    if (++fa->exec_polls < 3)
        return fake_reply(fa, fd, "{\"return\": {\"exited\": false}}\n");
    if (fa->exec_code < 0)
        return fake_reply(fa, fd, "{\"return\": {\"exited\": true, \"signal\": %d}}\n", (int)-fa->exec_code);
    /* "out\n" and "err\n" */
    return fake_reply(fa, fd, "{\"return\": {\"exited\": true, \"exitcode\": %d, \"out-data\": \"b3V0Cg==\", "
                      "\"err-data\": \"ZXJyCg==\"}}\n", (int)fa->exec_code);
}

static gboolean fake_file(FakeAgent *fa, int fd, const char *cmd, JsonObject *args)
{
    if (g_str_equal(cmd, "guest-file-open")) {
        const char *path = json_object_get_string_member(args, "path");
        const char *mode = json_object_get_string_member(args, "mode");
        GByteArray *file;
        g_mutex_lock(&fa->lock);
        file = g_hash_table_lookup(fa->files, path);
        if (g_str_equal(mode, "w")) {
            file = g_byte_array_new();
            g_hash_table_replace(fa->files, g_strdup(path), file);
        }
        g_mutex_unlock(&fa->lock);
        if (!file)
            return fake_reply(fa, fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"failed to open file "
                              "'%s' (mode: 'r'): No such file or directory\"}}\n", path);
        fa->open_file = file;
        fa->read_pos = 0;
        return fake_reply(fa, fd, "{\"return\": 1000}\n");
    }
    if (json_object_get_int_member(args, "handle") != 1000 || !fa->open_file)
        return fake_reply(fa, fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"handle '%" G_GINT64_FORMAT
                          "' has not been found\"}}\n", json_object_get_int_member(args, "handle"));
    if (g_str_equal(cmd, "guest-file-close")) {
        fa->open_file = NULL;
        return fake_reply(fa, fd, "{\"return\": {}}\n");
    }
    if (g_str_equal(cmd, "guest-file-write")) {
        gsize len;
        g_autofree guchar *data = g_base64_decode(json_object_get_string_member(args, "buf-b64"), &len);
        /* Short writes on purpose: at most 1000 bytes are taken per call. */
        gsize take = MIN(len, 1000);
        g_mutex_lock(&fa->lock);
        g_byte_array_append(fa->open_file, data, (guint)take);
        g_mutex_unlock(&fa->lock);
        return fake_reply(fa, fd, "{\"return\": {\"count\": %" G_GSIZE_FORMAT ", \"eof\": false}}\n", take);
    }
    /* guest-file-read: short reads of at most 700 bytes, eof with the last data. */
    {
        gint64 want = json_object_get_int_member(args, "count");
        gsize left = fa->open_file->len - fa->read_pos;
        gsize n = MIN(MIN((gsize)want, left), 700);
        g_autofree char *b64 = g_base64_encode(fa->open_file->data + fa->read_pos, n);
        fa->read_pos += n;
        return fake_reply(fa, fd, "{\"return\": {\"count\": %" G_GSIZE_FORMAT ", \"buf-b64\": \"%s\", \"eof\": %s}}\n",
                          n, b64, fa->read_pos == fa->open_file->len ? "true" : "false");
    }
}

static gboolean fake_good(FakeAgent *fa, int fd, const char *cmd, JsonObject *args)
{
    if (fa->scenario == FAKE_LIMITED && !g_strv_contains(fake_limited_commands, cmd))
        return fake_not_found(fa, fd, cmd);
    if (g_str_equal(cmd, "guest-ping"))
        return fake_reply(fa, fd, "{\"return\": {}}\n");
    if (g_str_equal(cmd, "guest-info"))
        return fake_info(fa, fd);
    if (fa->scenario == FAKE_HOSTILE)
        return fake_hostile(fa, fd, cmd);
    if (g_str_equal(cmd, "guest-get-osinfo"))
        return fake_reply(fa, fd, "{\"return\": {\"id\": \"fakeos\", \"name\": \"Fake OS\", \"pretty-name\": "
                          "\"Fake OS 1.0\", \"version\": \"1.0\", \"kernel-release\": \"6.1.0-fake\", "
                          "\"machine\": \"x86_64\"}}\n");
    if (g_str_equal(cmd, "guest-get-host-name"))
        return fake_reply(fa, fd, "{\"return\": {\"host-name\": \"fakehost\"}}\n");
    if (g_str_equal(cmd, "guest-get-time"))
        return fake_reply(fa, fd, "{\"return\": %" G_GINT64_FORMAT "}\n", g_get_real_time() * 1000);
    if (g_str_equal(cmd, "guest-get-users")) {
        if (fa->scenario == FAKE_LIMITED)
            return fake_reply(fa, fd, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Command "
                              "guest-get-users has been disabled: the command is not allowed\"}}\n");
        return fake_reply(fa, fd, "{\"return\": [{\"user\": \"alice\", \"login-time\": 1700000000.5}]}\n");
    }
    if (g_str_equal(cmd, "guest-get-timezone"))
        return fake_reply(fa, fd, "{\"return\": {\"zone\": \"CET\", \"offset\": 3600}}\n");
    if (g_str_equal(cmd, "guest-get-vcpus"))
        return fake_reply(fa, fd, "{\"return\": [{\"logical-id\": 0, \"online\": true, \"can-offline\": false}, "
                          "{\"logical-id\": 1, \"online\": false, \"can-offline\": true}]}\n");
    if (g_str_equal(cmd, "guest-network-get-interfaces"))
        return fake_reply(fa, fd, "{\"return\": [{\"name\": \"lo\", \"hardware-address\": \"00:00:00:00:00:00\", "
                          "\"ip-addresses\": [{\"ip-address-type\": \"ipv4\", \"ip-address\": \"127.0.0.1\", "
                          "\"prefix\": 8}, {\"ip-address-type\": \"ipv6\", \"ip-address\": \"::1\", \"prefix\": 128}]}]}\n");
    if (g_str_equal(cmd, "guest-get-fsinfo"))
        return fake_reply(fa, fd, "{\"return\": [{\"name\": \"vda1\", \"mountpoint\": \"/\", \"type\": \"ext4\", "
                          "\"used-bytes\": 1073741824, \"total-bytes\": 4294967296, \"disk\": [{\"bus-type\": "
                          "\"virtio\", \"bus\": 0, \"target\": 0, \"unit\": 0, \"pci-controller\": {\"domain\": 0, "
                          "\"bus\": 0, \"slot\": 4, \"function\": 0}, \"dev\": \"/dev/vda1\"}]}]}\n");
    if (g_str_equal(cmd, "guest-get-disks"))
        return fake_reply(fa, fd, "{\"return\": [{\"name\": \"/dev/vda\", \"partition\": false, \"address\": "
                          "{\"bus-type\": \"virtio\", \"bus\": 0, \"target\": 0, \"unit\": 0, \"serial\": \"SER1\", "
                          "\"pci-controller\": {\"domain\": 0, \"bus\": 0, \"slot\": 4, \"function\": 0}}}]}\n");
    if (g_str_has_prefix(cmd, "guest-exec"))
        return fake_exec(fa, fd, cmd, args);
    if (g_str_has_prefix(cmd, "guest-file-"))
        return fake_file(fa, fd, cmd, args);
    if (g_str_equal(cmd, "guest-shutdown"))
        return TRUE;   /* qemu-ga: no reply on success */
    return fake_not_found(fa, fd, cmd);
}

static gboolean fake_sync(FakeAgent *fa, int fd, gint64 id)
{
    guint n;

    g_mutex_lock(&fa->lock);
    n = ++fa->syncs;
    g_mutex_unlock(&fa->lock);
    switch (fa->scenario) {
    case FAKE_HANG:
        return TRUE;
    case FAKE_GARBAGE_BEFORE_SYNC:
        if (!fake_reply(fa, fd, "[boot] agent starting\n{\"return\": {}}\n{\"partial\": \n"))
            return FALSE;
        break;
    case FAKE_GARBAGE_AFTER_SENTINEL:
        if (n == 1)
            return fake_reply(fa, fd, "\xffthis is not json\n");
        break;
    case FAKE_GARBAGE_ALWAYS:
        return fake_reply(fa, fd, "\xff{\"return\": oops}\n");
    case FAKE_STALE_ID:
        if (!fake_reply(fa, fd, "\xff{\"return\": %" G_GINT64_FORMAT "}\n", id + 1))
            return FALSE;
        break;
    default:
        break;
    }
    return fake_reply(fa, fd, "\xff{\"return\": %" G_GINT64_FORMAT "}\n", id);
}

static gboolean fake_handle_line(FakeAgent *fa, int fd, const char *line)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *req, *args;
    const char *cmd;

    if (!*line)
        return TRUE;
    if (!json_parser_load_from_data(parser, line, -1, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        return fake_reply(fa, fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error\"}}\n");
    req = json_node_get_object(json_parser_get_root(parser));
    cmd = json_object_get_string_member_with_default(req, "execute", "");
    args = json_object_has_member(req, "arguments") ? json_object_get_object_member(req, "arguments") : NULL;
    if (g_str_equal(cmd, "guest-sync-delimited"))
        return fake_sync(fa, fd, args ? json_object_get_int_member(args, "id") : 0);
    g_mutex_lock(&fa->lock);
    fa->commands++;
    g_mutex_unlock(&fa->lock);
    switch (fa->scenario) {
    case FAKE_HANG:
        return TRUE;
    case FAKE_HANG_AFTER_SYNC:
        if (!fa->hung_once) {
            fa->hung_once = TRUE;
            return TRUE;
        }
        break;
    case FAKE_DISCONNECT:
        return FALSE;
    case FAKE_LATE:
        /* The first command is answered after the client has given up on it. */
        if (!fa->hung_once) {
            fa->hung_once = TRUE;
            g_usleep(1500 * 1000);
        }
        break;
    default:
        break;
    }
    return fake_good(fa, fd, cmd, args);
}

static void fake_serve(FakeAgent *fa, int fd)
{
    g_autoptr(GByteArray) line = g_byte_array_new();
    struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN }, { .fd = fa->wake[0], .events = POLLIN } };
    guint8 buf[65536];

    fa->open_file = NULL;
    for (;;) {
        ssize_t n;
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            return;
        if (pfd[1].revents)
            return;
        n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            return;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == 0xff) {
                /* Like qemu-ga: the byte flushes the parser and costs one error reply. */
                g_byte_array_set_size(line, 0);
                if (fa->scenario == FAKE_GOOD &&
                    !fake_reply(fa, fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, "
                                "stray '\\ufffd'\"}}\n"))
                    return;
            } else if (buf[i] == '\n') {
                g_byte_array_append(line, (const guint8 *)"", 1);
                if (!fake_handle_line(fa, fd, (const char *)line->data))
                    return;
                g_byte_array_set_size(line, 0);
            } else {
                g_byte_array_append(line, &buf[i], 1);
            }
        }
    }
}

static gpointer fake_thread(gpointer data)
{
    FakeAgent *fa = data;
    struct pollfd pfd[2] = { { .fd = fa->listen_fd, .events = POLLIN }, { .fd = fa->wake[0], .events = POLLIN } };

    for (;;) {
        int fd;
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents)
            break;
        if (!(pfd[0].revents & POLLIN) || (fd = accept(fa->listen_fd, NULL, NULL)) < 0)
            continue;
        fake_serve(fa, fd);
        close(fd);
    }
    return NULL;
}

FakeAgent *fake_agent_start(FakeScenario scenario)
{
    FakeAgent *fa = g_new0(FakeAgent, 1);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    fa->scenario = scenario;
    fa->dir = g_dir_make_tmp("qga-probe-fake-XXXXXX", NULL);
    g_assert_nonnull(fa->dir);
    fa->path = g_build_filename(fa->dir, "agent.sock", NULL);
    g_assert_cmpuint(strlen(fa->path), <, sizeof(addr.sun_path));
    strcpy(addr.sun_path, fa->path);
    fa->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(fa->listen_fd, >=, 0);
    g_assert_cmpint(bind(fa->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(fa->listen_fd, 4), ==, 0);
    g_assert_true(g_unix_open_pipe(fa->wake, FD_CLOEXEC, NULL));
    g_mutex_init(&fa->lock);
    fa->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_byte_array_unref);
    fa->thread = g_thread_new("fake-agent", fake_thread, fa);
    return fa;
}

const char *fake_agent_socket(FakeAgent *fa)
{
    return fa->path;
}

guint fake_agent_syncs(FakeAgent *fa)
{
    guint n;
    g_mutex_lock(&fa->lock);
    n = fa->syncs;
    g_mutex_unlock(&fa->lock);
    return n;
}

guint fake_agent_commands(FakeAgent *fa)
{
    guint n;
    g_mutex_lock(&fa->lock);
    n = fa->commands;
    g_mutex_unlock(&fa->lock);
    return n;
}

GBytes *fake_agent_file(FakeAgent *fa, const char *path)
{
    GByteArray *file;
    GBytes *copy = NULL;

    g_mutex_lock(&fa->lock);
    if ((file = g_hash_table_lookup(fa->files, path)))
        copy = g_bytes_new(file->data, file->len);
    g_mutex_unlock(&fa->lock);
    return copy;
}

void fake_agent_set_file(FakeAgent *fa, const char *path, const void *data, gsize len)
{
    GByteArray *file = g_byte_array_new();

    g_byte_array_append(file, data, (guint)len);
    g_mutex_lock(&fa->lock);
    g_hash_table_replace(fa->files, g_strdup(path), file);
    g_mutex_unlock(&fa->lock);
}

void fake_agent_stop(FakeAgent *fa)
{
    if (!fa)
        return;
    g_assert_cmpint(write(fa->wake[1], "x", 1), ==, 1);
    g_thread_join(fa->thread);
    close(fa->listen_fd);
    close(fa->wake[0]);
    close(fa->wake[1]);
    g_unlink(fa->path);
    g_rmdir(fa->dir);
    g_hash_table_unref(fa->files);
    g_mutex_clear(&fa->lock);
    g_free(fa->path);
    g_free(fa->dir);
    g_free(fa);
}

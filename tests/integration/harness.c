/* Integration harness: spawn the agent, connect over its UNIX socket, read and check replies. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "schema-check.h"

/* Start-up and SIGTERM deadlines; $QGA_TEST_TIME_FACTOR scales them (sanitizers, Wine). */
#define STARTUP_TIMEOUT_MS (15000 * time_factor())
#define STOP_TIMEOUT_MS (10000 * time_factor())

static int time_factor(void)
{
    const char *f = g_getenv("QGA_TEST_TIME_FACTOR");
    int n = f ? atoi(f) : 1;
    return n > 0 ? n : 1;
}

static gint64 now_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

static int remaining_ms(gint64 deadline)
{
    gint64 left = deadline - now_ms();
    return left < 0 ? 0 : (int)left;
}

/* A printable rendering of raw bytes for failure messages (cut to a sane length). */
static char *escape_bytes(const char *data, size_t len)
{
    GString *s = g_string_new(NULL);
    size_t shown = MIN(len, (size_t)400);

    for (size_t i = 0; i < shown; i++) {
        guchar c = (guchar)data[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            g_string_append_c(s, (char)c);
        } else {
            g_string_append_printf(s, "\\x%02x", c);
        }
    }
    if (shown < len) {
        g_string_append_printf(s, "... (%zu bytes)", len);
    }
    return g_string_free(s, FALSE);
}

static void rm_rf(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);

    if (dir) {
        const char *name;
        while ((name = g_dir_read_name(dir))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK)) {
                rm_rf(child);
            } else {
                g_unlink(child);
            }
        }
        g_dir_close(dir);
        g_rmdir(path);
    }
}

bool qga_test_agent_is_posix(void)
{
    const char *platform = g_getenv("QGA_AGENT_PLATFORM");
    return !platform || g_str_equal(platform, "posix");
}

bool qga_test_wine_cannot(const char *command, JsonObject *reply)
{
    /* Wine's pdh.dll has no "\\System\\Processor Queue Length" counter. */
    static const char *const unbacked[] = { "guest-get-load", NULL };
    if (qga_test_agent_is_posix() || !g_strv_contains(unbacked, command) ||
        !json_object_has_member(reply, "error"))
        return false;
    JsonObject *e = json_object_get_object_member(reply, "error");
    g_assert_cmpstr(json_object_get_string_member(e, "class"), ==, "GenericError");
    g_test_message("%s under Wine: %s", command, json_object_get_string_member(e, "desc"));
    return true;
}

/*
 * The agent must not outlive a test that aborted on a failed assertion; and
 * the test's stdout is its TAP stream, so whatever the agent prints goes to
 * stderr (the test log) instead.
 */
static void child_setup(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(STDERR_FILENO, STDOUT_FILENO);
}

static bool reap(QgaTestAgent *agent, bool block)
{
    if (agent->reaped) {
        return true;
    }
    int status;
    pid_t r;
    do {
        r = waitpid(agent->pid, &status, block ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    g_assert_cmpint(r, >=, 0);
    if (r == agent->pid) {
        agent->status = status;
        agent->reaped = true;
    }
    return agent->reaped;
}

bool qga_test_agent_alive(QgaTestAgent *agent)
{
    return !reap(agent, false);
}

static char *describe_status(int status)
{
    if (WIFEXITED(status)) {
        return g_strdup_printf("exit status %d", WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return g_strdup_printf("killed by signal %d (%s)", WTERMSIG(status), g_strsignal(WTERMSIG(status)));
    }
    return g_strdup_printf("wait status 0x%x", status);
}

QgaTestAgent *qga_test_agent_start(const QgaTestAgentOptions *opts)
{
    static const QgaTestAgentOptions defaults = { 0 };
    QgaTestAgent *agent = g_new0(QgaTestAgent, 1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) envp = g_get_environ();
    g_autoptr(GError) error = NULL;
    const char *binary;
    const char *launcher = g_getenv("QGA_AGENT_LAUNCHER");
    g_autofree char *pid_file = NULL;

    if (!opts) {
        opts = &defaults;
    }
    binary = opts->binary ? opts->binary : g_getenv("QGA_AGENT");
    if (!binary || !*binary) {
        g_error("QGA_AGENT is not set: run the integration tests through `meson test`");
    }

    agent->dir = g_dir_make_tmp("qgatest.XXXXXX", &error);
    g_assert_no_error(error);
    agent->sock_path = g_build_filename(agent->dir, "sock", NULL);
    agent->record_path = g_build_filename(agent->dir, "record", NULL);
    pid_file = g_build_filename(agent->dir, "agent.pid", NULL);

    if (launcher && *launcher) {
        g_auto(GStrv) words = NULL;
        g_shell_parse_argv(launcher, NULL, &words, &error);
        g_assert_no_error(error);
        for (char **w = words; *w; w++) {
            g_ptr_array_add(argv, g_strdup(*w));
        }
    }
    g_ptr_array_add(argv, g_strdup(binary));
    g_ptr_array_add(argv, g_strdup("-m"));
    g_ptr_array_add(argv, g_strdup("unix-listen"));
    g_ptr_array_add(argv, g_strdup("-p"));
    g_ptr_array_add(argv, g_strdup(agent->sock_path));
    g_ptr_array_add(argv, g_strdup("-t"));
    g_ptr_array_add(argv, g_strdup(agent->dir));
    if (g_getenv("QTEST_LOG")) {
        g_ptr_array_add(argv, g_strdup("-v"));
    }
    for (const char *const *a = opts->extra_args; a && *a; a++) {
        g_ptr_array_add(argv, g_strdup(*a));
    }
    g_ptr_array_add(argv, NULL);

    /* Start from a clean slate: the machine's own config or os-release must not leak in. */
    envp = g_environ_unsetenv(envp, "QGA_CONF");
    envp = g_environ_unsetenv(envp, "QGA_OS_RELEASE");
    envp = g_environ_setenv(envp, "QGA_TEST_RECORD", agent->record_path, TRUE);
    envp = g_environ_setenv(envp, "QGA_AGENT_PID_FILE", pid_file, TRUE);
    for (const char *const *e = opts->env; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        g_assert_nonnull(eq);
        g_autofree char *name = g_strndup(*e, eq - *e);
        envp = g_environ_setenv(envp, name, eq + 1, TRUE);
    }

    g_spawn_async(agent->dir, (char **)argv->pdata, envp, G_SPAWN_DO_NOT_REAP_CHILD,
                  child_setup, NULL, &agent->pid, &error);
    g_assert_no_error(error);

    /* The agent binds the socket, then listens: wait for the file; connect retries the rest. */
    gint64 deadline = now_ms() + STARTUP_TIMEOUT_MS;
    for (;;) {
        struct stat st;
        if (g_lstat(agent->sock_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
            break;
        }
        if (reap(agent, false)) {
            g_autofree char *what = describe_status(agent->status);
            g_error("agent %s exited during start-up (%s) before creating %s", binary, what,
                    agent->sock_path);
        }
        if (now_ms() > deadline) {
            g_error("agent %s did not create %s within %d ms", binary, agent->sock_path,
                    STARTUP_TIMEOUT_MS);
        }
        g_usleep(5000);
    }
    return agent;
}

QgaTestAgent *qga_test_agent_start_args(const char *first_arg, ...)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    va_list ap;

    va_start(ap, first_arg);
    for (const char *a = first_arg; a; a = va_arg(ap, const char *)) {
        g_ptr_array_add(args, (gpointer)a);
    }
    va_end(ap);
    g_ptr_array_add(args, NULL);

    QgaTestAgentOptions opts = { .extra_args = (const char *const *)args->pdata };
    return qga_test_agent_start(&opts);
}

pid_t qga_test_agent_measured_pid(const QgaTestAgent *agent)
{
    g_autofree char *pid_file = g_build_filename(agent->dir, "agent.pid", NULL);
    g_autofree char *text = NULL;

    if (g_file_get_contents(pid_file, &text, NULL, NULL)) {
        gint64 pid = g_ascii_strtoll(g_strstrip(text), NULL, 10);
        if (pid > 0) {
            return (pid_t)pid;
        }
    }
    return agent->pid;
}

void qga_test_agent_stop(QgaTestAgent *agent)
{
    if (!agent) {
        return;
    }
    if (reap(agent, false)) {
        g_autofree char *what = describe_status(agent->status);
        g_error("agent died before the test stopped it (%s)", what);
    }
    g_assert_cmpint(kill(agent->pid, SIGTERM), ==, 0);

    gint64 deadline = now_ms() + STOP_TIMEOUT_MS;
    while (!reap(agent, false)) {
        if (now_ms() > deadline) {
            kill(agent->pid, SIGKILL);
            reap(agent, true);
            g_error("agent did not exit within %d ms of SIGTERM", STOP_TIMEOUT_MS);
        }
        g_usleep(2000);
    }
    g_spawn_close_pid(agent->pid);

    if (!WIFEXITED(agent->status) || WEXITSTATUS(agent->status) != 0) {
        g_autofree char *what = describe_status(agent->status);
        g_error("agent did not stop cleanly on SIGTERM: %s (expected exit status 0)", what);
    }
    if (g_file_test(agent->sock_path, G_FILE_TEST_EXISTS)) {
        g_error("agent left its socket %s behind after SIGTERM", agent->sock_path);
    }

    rm_rf(agent->dir);
    g_free(agent->dir);
    g_free(agent->sock_path);
    g_free(agent->record_path);
    g_free(agent);
}

QgaTestClient *qga_test_connect(const QgaTestAgent *agent)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    gint64 deadline = now_ms() + STARTUP_TIMEOUT_MS;
    int fd;

    g_assert_cmpuint(strlen(agent->sock_path), <, sizeof(addr.sun_path));
    strcpy(addr.sun_path, agent->sock_path);

    for (;;) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        g_assert_cmpint(fd, >=, 0);
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            break;
        }
        int err = errno;
        close(fd);
        if ((err != ECONNREFUSED && err != ENOENT && err != EAGAIN) || now_ms() > deadline) {
            g_error("connect(%s): %s", agent->sock_path, g_strerror(err));
        }
        g_usleep(5000);
    }

    QgaTestClient *client = g_new0(QgaTestClient, 1);
    client->fd = fd;
    client->rx = g_byte_array_new();
    return client;
}

void qga_test_client_close(QgaTestClient *client)
{
    if (!client) {
        return;
    }
    close(client->fd);
    g_byte_array_unref(client->rx);
    g_free(client);
}

static void receive_available(QgaTestClient *client)
{
    guint8 buf[65536];
    ssize_t n;

    while ((n = recv(client->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
        g_byte_array_append(client->rx, buf, (guint)n);
    }
}

size_t qga_test_send_draining(QgaTestClient *client, const void *data, size_t len, int timeout_ms)
{
    const guint8 *p = data;
    size_t done = 0;
    gint64 deadline = now_ms() + timeout_ms;

    while (done < len) {
        ssize_t n = send(client->fd, p + done, len - done, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            g_error("send: %s (after %zu of %zu bytes)", g_strerror(errno), done, len);
        }
        int left = remaining_ms(deadline);
        if (left == 0) {
            break;
        }
        struct pollfd pfd = { .fd = client->fd, .events = POLLOUT | POLLIN };
        if (poll(&pfd, 1, MIN(left, 100)) > 0 && (pfd.revents & POLLIN)) {
            receive_available(client);
        }
    }
    return done;
}

void qga_test_send(QgaTestClient *client, const void *data, size_t len)
{
    size_t done = qga_test_send_draining(client, data, len, QGA_TEST_TIMEOUT_MS);
    if (done != len) {
        g_error("send: the agent accepted only %zu of %zu bytes within %d ms", done, len,
                QGA_TEST_TIMEOUT_MS);
    }
}

void qga_test_send_str(QgaTestClient *client, const char *text)
{
    qga_test_send(client, text, strlen(text));
}

gssize qga_test_fill(QgaTestClient *client, int timeout_ms)
{
    guint8 buf[65536];
    struct pollfd pfd = { .fd = client->fd, .events = POLLIN };
    int r;

    do {
        r = poll(&pfd, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    g_assert_cmpint(r, >=, 0);
    if (r == 0) {
        return -1;
    }
    ssize_t n = recv(client->fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return -1;
    }
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
        client->eof = true;
        return 0;
    }
    if (n < 0) {
        g_error("recv: %s", g_strerror(errno));
    }
    g_byte_array_append(client->rx, buf, (guint)n);
    return n;
}

const guint8 *qga_test_pending(const QgaTestClient *client, size_t *ret_len)
{
    *ret_len = client->rx->len - client->rx_off;
    return client->rx->data + client->rx_off;
}

/* Drop n pending bytes; compaction is amortised so reading many lines stays linear. */
static void consume(QgaTestClient *client, size_t n)
{
    client->rx_off += n;
    if (client->rx_off == client->rx->len) {
        g_byte_array_set_size(client->rx, 0);
        client->rx_off = 0;
    } else if (client->rx_off > ((size_t)1 << 20) && client->rx_off > client->rx->len / 2) {
        g_byte_array_remove_range(client->rx, 0, (guint)client->rx_off);
        client->rx_off = 0;
    }
}

char *qga_test_read_line(QgaTestClient *client, int timeout_ms, size_t *ret_len)
{
    gint64 deadline = now_ms() + timeout_ms;
    size_t scanned = 0;

    for (;;) {
        size_t avail;
        const guint8 *data = qga_test_pending(client, &avail);
        const guint8 *nl = scanned < avail ? memchr(data + scanned, '\n', avail - scanned) : NULL;
        if (nl) {
            size_t len = (size_t)(nl - data);
            char *line = g_strndup((const char *)data, len);
            consume(client, len + 1);
            if (ret_len) {
                *ret_len = len;
            }
            return line;
        }
        scanned = avail;
        if (qga_test_fill(client, remaining_ms(deadline)) <= 0) {
            return NULL;
        }
    }
}

GByteArray *qga_test_skip_to_ff(QgaTestClient *client, int timeout_ms)
{
    gint64 deadline = now_ms() + timeout_ms;
    size_t scanned = 0;

    for (;;) {
        size_t avail;
        const guint8 *data = qga_test_pending(client, &avail);
        const guint8 *ff = scanned < avail ? memchr(data + scanned, 0xff, avail - scanned) : NULL;
        if (ff) {
            size_t len = (size_t)(ff - data);
            GByteArray *before = g_byte_array_sized_new((guint)len);
            g_byte_array_append(before, data, (guint)len);
            consume(client, len + 1);
            return before;
        }
        scanned = avail;
        gssize n = qga_test_fill(client, remaining_ms(deadline));
        if (n <= 0) {
            g_autofree char *seen = escape_bytes((const char *)data, avail);
            g_error("no 0xFF byte arrived (%s); received: \"%s\"", n == 0 ? "EOF" : "timeout", seen);
        }
    }
}

void qga_test_expect_silence(QgaTestClient *client, int timeout_ms)
{
    gint64 deadline = now_ms() + timeout_ms;
    size_t avail;

    while (qga_test_pending(client, &avail), avail == 0 && remaining_ms(deadline) > 0) {
        if (qga_test_fill(client, remaining_ms(deadline)) == 0) {
            break;
        }
    }
    const guint8 *data = qga_test_pending(client, &avail);
    if (avail) {
        g_autofree char *seen = escape_bytes((const char *)data, avail);
        g_error("unexpected bytes from the agent: \"%s\"", seen);
    }
}

JsonObject *qga_test_parse_reply(const char *line, size_t len)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *shown = escape_bytes(line, len);

    if (len == 0) {
        g_error("empty reply line (libvirt treats it as a fatal protocol error)");
    }
    for (size_t i = 0; i < len; i++) {
        guchar c = (guchar)line[i];
        if (c < 0x20 || c > 0x7e) {
            g_error("reply is not printable ASCII at byte %zu (0x%02x): \"%s\"", i, c, shown);
        }
    }
    if (!json_parser_load_from_data(parser, line, (gssize)len, &error)) {
        g_error("reply is not JSON (%s): \"%s\"", error->message, shown);
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_error("reply is not a JSON object: \"%s\"", shown);
    }
    JsonObject *obj = json_node_get_object(root);
    bool has_return = json_object_has_member(obj, "return");
    bool has_error = json_object_has_member(obj, "error");
    guint expected = 1 + (json_object_has_member(obj, "id") ? 1 : 0);

    if (has_return == has_error || json_object_get_size(obj) != expected) {
        g_error("reply must hold exactly one of return/error (and id): \"%s\"", shown);
    }
    if (has_error) {
        JsonNode *err = json_object_get_member(obj, "error");
        if (!JSON_NODE_HOLDS_OBJECT(err)) {
            g_error("\"error\" is not an object: \"%s\"", shown);
        }
        JsonObject *e = json_node_get_object(err);
        JsonNode *cls = json_object_get_member(e, "class");
        JsonNode *desc = json_object_get_member(e, "desc");
        if (json_object_get_size(e) != 2 || !cls || !desc || json_node_get_value_type(cls) != G_TYPE_STRING
            || json_node_get_value_type(desc) != G_TYPE_STRING) {
            g_error("\"error\" must hold exactly the strings class and desc: \"%s\"", shown);
        }
    }
    return json_object_ref(obj);
}

JsonObject *qga_test_recv(QgaTestClient *client)
{
    size_t len;
    g_autofree char *line = qga_test_read_line(client, QGA_TEST_TIMEOUT_MS, &len);

    if (!line) {
        size_t avail;
        const guint8 *data = qga_test_pending(client, &avail);
        g_autofree char *seen = escape_bytes((const char *)data, avail);
        if (client->eof) {
            g_error("the agent closed the connection instead of replying (pending: \"%s\"); "
                    "did it crash? see its stderr above", seen);
        }
        g_error("no reply line within %d ms (pending: \"%s\")", QGA_TEST_TIMEOUT_MS, seen);
    }
    return qga_test_parse_reply(line, len);
}

/* The "execute" name of a request, when the request is plain JSON json-glib can read. */
static char *request_command(const char *request)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_data(parser, request, -1, NULL)) {
        return NULL;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        return NULL;
    }
    JsonNode *exec = json_object_get_member(json_node_get_object(root), "execute");
    if (!exec || json_node_get_value_type(exec) != G_TYPE_STRING) {
        return NULL;
    }
    return g_strdup(json_node_get_string(exec));
}

JsonObject *qga_test_cmd(QgaTestClient *client, const char *request)
{
    g_autofree char *with_nl = g_strconcat(request, "\n", NULL);
    g_autofree char *command = request_command(request);

    qga_test_send_str(client, with_nl);
    JsonObject *reply = qga_test_recv(client);

    if (command && json_object_has_member(reply, "return")) {
        g_autoptr(GError) error = NULL;
        if (!qga_test_schema_check_return(command, json_object_get_member(reply, "return"), &error)) {
            g_error("reply to %s does not match the schema: %s", command, error->message);
        }
    }
    return reply;
}

JsonObject *qga_test_cmdf(QgaTestClient *client, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *request = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return qga_test_cmd(client, request);
}

static char *object_to_string(JsonObject *obj)
{
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), obj);
    return json_to_string(node, FALSE);
}

JsonNode *qga_test_reply_return(JsonObject *reply)
{
    if (!json_object_has_member(reply, "return")) {
        g_autofree char *text = object_to_string(reply);
        g_error("expected a successful reply, got %s", text);
    }
    return json_object_get_member(reply, "return");
}

static void assert_error(JsonObject *reply, const char *error_class, const char *desc, bool prefix)
{
    g_autofree char *text = object_to_string(reply);

    if (!json_object_has_member(reply, "error")) {
        g_error("expected an error reply (%s: %s), got %s", error_class, desc ? desc : "*", text);
    }
    JsonObject *e = json_object_get_object_member(reply, "error");
    const char *got_class = json_object_get_string_member(e, "class");
    const char *got_desc = json_object_get_string_member(e, "desc");

    if (g_strcmp0(got_class, error_class) != 0) {
        g_error("expected error class %s, got %s", error_class, text);
    }
    if (!got_desc || !*got_desc) {
        g_error("error desc is empty: %s", text);
    }
    if (desc && (prefix ? !g_str_has_prefix(got_desc, desc) : !g_str_equal(got_desc, desc))) {
        g_error("expected desc %s\"%s\", got \"%s\"", prefix ? "starting with " : "", desc, got_desc);
    }
}

void qga_test_assert_error(JsonObject *reply, const char *error_class, const char *desc)
{
    assert_error(reply, error_class, desc, false);
}

void qga_test_assert_error_prefix(JsonObject *reply, const char *error_class, const char *desc_prefix)
{
    assert_error(reply, error_class, desc_prefix, true);
}

long qga_test_proc_vmhwm_kb(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;

    if (!g_file_get_contents(path, &text, NULL, &error)) {
        g_error("%s", error->message);
    }
    const char *line = strstr(text, "\nVmHWM:");
    g_assert_nonnull(line);
    return strtol(line + strlen("\nVmHWM:"), NULL, 10);
}

long qga_test_proc_cpu_ticks(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;

    if (!g_file_get_contents(path, &text, NULL, &error)) {
        g_error("%s", error->message);
    }
    /* Fields after the ")" closing comm: state is field 3, utime 14, stime 15. */
    const char *p = strrchr(text, ')');
    g_assert_nonnull(p);
    g_auto(GStrv) fields = g_strsplit(p + 2, " ", 0);
    g_assert_cmpuint(g_strv_length(fields), >, 13);
    return strtol(fields[11], NULL, 10) + strtol(fields[12], NULL, 10);
}

static char *fixture_dir;

static void remove_fixture_dir(void)
{
    if (fixture_dir) {
        rm_rf(fixture_dir);
    }
}

char *qga_test_fixture_file(const char *name, const char *content, gssize len)
{
    g_autoptr(GError) error = NULL;

    if (!fixture_dir) {
        fixture_dir = g_dir_make_tmp("qgafixture.XXXXXX", &error);
        g_assert_no_error(error);
        atexit(remove_fixture_dir);
    }
    char *path = g_build_filename(fixture_dir, name, NULL);
    g_file_set_contents(path, content, len, &error);
    g_assert_no_error(error);
    return path;
}

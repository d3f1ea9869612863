/* guest-file-*: round trips, eof, counts, seek, modes, handles, the persisted counter, odd paths. */
/*
 * Runs against the Linux agent and, through the launcher (harness.h), the Windows .exe under
 * Wine: paths are then given as Wine sees them (Z:\...), and OS error texts differ, so those
 * are checked by their qemu-ga prefix only. Nothing here needs a Windows-only skip: Wine's
 * CreateFileW, ReadFile, SetFilePointerEx and MoveFileExW behave like Windows for these checks.
 */
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "harness.h"

#define READ_MAX (48 * 1024 * 1024)

/* The agent's view of a path on this machine. */
static char *agent_path(const char *linux_path)
{
    if (qga_test_agent_is_posix()) {
        return g_strdup(linux_path);
    }
    g_autofree char *p = g_strdup(linux_path);
    g_strdelimit(p, "/", '\\');
    return g_strconcat("Z:", p, NULL);
}

/* A JSON string literal for text (json-glib does the escaping). */
static char *json_str(const char *text)
{
    g_autoptr(JsonNode) node = json_node_init_string(json_node_alloc(), text);
    return json_to_string(node, FALSE);
}

static gint64 file_open(QgaTestClient *c, const char *linux_path, const char *mode)
{
    g_autofree char *p = agent_path(linux_path);
    g_autofree char *jp = json_str(p);
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-file-open\", \"arguments\": {\"path\": %s, \"mode\": \"%s\"}}",
                                            jp, mode);
    return json_node_get_int(qga_test_reply_return(r));
}

static void file_close(QgaTestClient *c, gint64 h)
{
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-file-close\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT "}}", h);
    qga_test_reply_return(r);
}

static gint64 file_write(QgaTestClient *c, gint64 h, const void *data, gsize len)
{
    g_autofree char *b64 = g_base64_encode(data, len);
    g_autofree char *req = g_strdup_printf("{\"execute\": \"guest-file-write\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                           ", \"buf-b64\": \"%s\"}}", h, b64);
    g_autoptr(JsonObject) r = qga_test_cmd(c, req);
    JsonObject *ret = json_node_get_object(qga_test_reply_return(r));
    g_assert_false(json_object_get_boolean_member(ret, "eof"));
    return json_object_get_int_member(ret, "count");
}

/* Read with an explicit count (or the default when count < 0); returns the bytes, sets *eof. */
static GBytes *file_read(QgaTestClient *c, gint64 h, gint64 count, gboolean *eof)
{
    g_autoptr(JsonObject) r = count < 0
        ? qga_test_cmdf(c, "{\"execute\": \"guest-file-read\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT "}}", h)
        : qga_test_cmdf(c, "{\"execute\": \"guest-file-read\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                        ", \"count\": %" G_GINT64_FORMAT "}}", h, count);
    JsonObject *ret = json_node_get_object(qga_test_reply_return(r));
    const char *b64 = json_object_get_string_member(ret, "buf-b64");
    gint64 n = json_object_get_int_member(ret, "count");
    gsize len = 0;
    guchar *data = g_base64_decode(b64, &len);
    g_assert_cmpint((gint64)len, ==, n);
    if (n == 0) {
        g_assert_cmpstr(b64, ==, "");
    }
    *eof = json_object_get_boolean_member(ret, "eof");
    return g_bytes_new_take(data, len);
}

static gint64 file_seek(QgaTestClient *c, gint64 h, gint64 offset, const char *whence)
{
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-file-seek\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                            ", \"offset\": %" G_GINT64_FORMAT ", \"whence\": %s}}", h, offset, whence);
    JsonObject *ret = json_node_get_object(qga_test_reply_return(r));
    g_assert_false(json_object_get_boolean_member(ret, "eof"));
    return json_object_get_int_member(ret, "position");
}

static void assert_bytes(GBytes *b, const void *data, gsize len)
{
    gsize n = 0;
    const void *p = g_bytes_get_data(b, &n);
    g_assert_cmpuint(n, ==, len);
    if (len) {
        g_assert_cmpmem(p, n, data, len);
    }
}

static const char hello[] = "Hello World!\n"; /* + its NUL: the 14 bytes upstream writes */

/* QEMU's /qga/file-ops, step for step (eof as on Linux: true when the read hit the end). */
static void test_upstream_file_ops(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autofree char *path = g_build_filename(agent->dir, "foo", NULL);
    gboolean eof;

    gint64 h = file_open(c, path, "w+");
    g_assert_cmpint(h, ==, 1000);
    g_assert_cmpint(file_write(c, h, hello, sizeof(hello)), ==, 14);
    g_autoptr(JsonObject) f = qga_test_cmdf(c, "{\"execute\": \"guest-file-flush\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT "}}", h);
    qga_test_reply_return(f);
    file_close(c, h);

    g_autofree char *disk = NULL;
    gsize disk_len = 0;
    g_assert_true(g_file_get_contents(path, &disk, &disk_len, NULL));
    g_assert_cmpmem(disk, disk_len, hello, sizeof(hello));

    h = file_open(c, path, "r");
    g_assert_cmpint(h, ==, 1001);
    g_autoptr(GBytes) r1 = file_read(c, h, -1, &eof);
    assert_bytes(r1, hello, sizeof(hello));
    g_assert_true(eof);
    g_autoptr(GBytes) r2 = file_read(c, h, -1, &eof);
    assert_bytes(r2, NULL, 0);
    g_assert_true(eof);
    g_assert_cmpint(file_seek(c, h, 6, "\"set\""), ==, 6);
    g_autoptr(GBytes) r3 = file_read(c, h, -1, &eof);
    assert_bytes(r3, hello + 6, 8);
    g_assert_true(eof);
    file_close(c, h);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* QEMU's /qga/file-write-read: a read right after a write sees the write's position. */
static void test_upstream_write_read(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autofree char *path = g_build_filename(agent->dir, "foo", NULL);
    gboolean eof;

    gint64 h = file_open(c, path, "w+");
    g_assert_cmpint(file_write(c, h, hello, sizeof(hello)), ==, 14);
    g_autoptr(GBytes) r1 = file_read(c, h, -1, &eof);
    assert_bytes(r1, NULL, 0);
    g_assert_true(eof);
    g_assert_cmpint(file_seek(c, h, 0, "\"set\""), ==, 0);
    g_autoptr(GBytes) r2 = file_read(c, h, -1, &eof);
    assert_bytes(r2, hello, sizeof(hello));
    g_assert_true(eof);
    file_close(c, h);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* Every byte value, written at once, read back whole and in odd pieces, and checked on disk. */
static void test_binary_round_trip(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autofree char *path = g_build_filename(agent->dir, "binary.bin", NULL);
    const gsize len = 256 * 67;
    g_autofree guchar *data = g_malloc(len);
    gboolean eof;
    for (gsize i = 0; i < len; i++) {
        data[i] = (guchar)(i * 151 + i / 256);   /* every value, in a different order each round */
    }

    gint64 h = file_open(c, path, "wb");
    g_assert_cmpint(file_write(c, h, data, len), ==, (gint64)len);
    file_close(c, h);
    g_autofree char *disk = NULL;
    gsize disk_len = 0;
    g_assert_true(g_file_get_contents(path, &disk, &disk_len, NULL));
    g_assert_cmpmem(disk, disk_len, data, len);

    h = file_open(c, path, "rb");
    g_autoptr(GBytes) all = file_read(c, h, len + 1000, &eof);
    assert_bytes(all, data, len);
    g_assert_true(eof);
    g_assert_cmpint(file_seek(c, h, 0, "0"), ==, 0);
    g_autoptr(GByteArray) pieces = g_byte_array_new();
    for (;;) {
        g_autoptr(GBytes) b = file_read(c, h, 1001, &eof);
        gsize n = 0;
        const guint8 *p = g_bytes_get_data(b, &n);
        g_byte_array_append(pieces, p, (guint)n);
        if (n < 1001) {
            g_assert_true(eof);
            break;
        }
        g_assert_false(eof);
    }
    g_assert_cmpmem(pieces->data, pieces->len, data, len);
    file_close(c, h);

    /* 1 MiB in one write (1.4 MB of base64 in the request). */
    gsize big_len = 1024 * 1024;
    g_autofree guchar *big = g_malloc(big_len);
    for (gsize i = 0; i < big_len; i++) {
        big[i] = (guchar)(i % 251);
    }
    h = file_open(c, path, "w+b");
    g_assert_cmpint(file_write(c, h, big, big_len), ==, (gint64)big_len);
    g_assert_cmpint(file_seek(c, h, 0, "\"set\""), ==, 0);
    g_autoptr(GBytes) back = file_read(c, h, big_len, &eof);
    assert_bytes(back, big, big_len);
    g_assert_false(eof);   /* exactly the rest: the end is not known until the next read */
    g_autoptr(GBytes) none = file_read(c, h, 10, &eof);
    assert_bytes(none, NULL, 0);
    g_assert_true(eof);
    file_close(c, h);

    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_empty_file(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autofree char *path = g_build_filename(agent->dir, "empty", NULL);
    gboolean eof;

    gint64 h = file_open(c, path, "w");
    file_close(c, h);
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    h = file_open(c, path, "r");
    g_autoptr(GBytes) b = file_read(c, h, -1, &eof);
    assert_bytes(b, NULL, 0);
    g_assert_true(eof);
    /* count 0 reads nothing and so reaches nothing: eof false, as qemu-ga on Linux. */
    g_autoptr(GBytes) z = file_read(c, h, 0, &eof);
    assert_bytes(z, NULL, 0);
    g_assert_false(eof);
    /* An empty write is fine too. */
    file_close(c, h);
    h = file_open(c, path, "a");
    g_assert_cmpint(file_write(c, h, "", 0), ==, 0);
    file_close(c, h);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_counts(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autofree char *path = g_build_filename(agent->dir, "counts", NULL);
    gboolean eof;

    gint64 h = file_open(c, path, "w+");
    /* Write count: at most the decoded length; qemu-ga's message otherwise. */
    g_autofree char *b64 = g_base64_encode((const guchar *)hello, sizeof(hello));
    g_autoptr(JsonObject) w1 = qga_test_cmdf(c, "{\"execute\": \"guest-file-write\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                             ", \"buf-b64\": \"%s\", \"count\": 5}}", h, b64);
    g_assert_cmpint(json_object_get_int_member(json_node_get_object(qga_test_reply_return(w1)), "count"), ==, 5);
    g_autoptr(JsonObject) w2 = qga_test_cmdf(c, "{\"execute\": \"guest-file-write\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                             ", \"buf-b64\": \"%s\", \"count\": 15}}", h, b64);
    qga_test_assert_error(w2, "GenericError", "value '15' is invalid for argument count");
    g_autoptr(JsonObject) w3 = qga_test_cmdf(c, "{\"execute\": \"guest-file-write\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                             ", \"buf-b64\": \"%s\", \"count\": -1}}", h, b64);
    qga_test_assert_error(w3, "GenericError", "value '-1' is invalid for argument count");
    g_autoptr(JsonObject) w4 = qga_test_cmdf(c, "{\"execute\": \"guest-file-write\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                             ", \"buf-b64\": \"SGVsbG8*\"}}", h);
    qga_test_assert_error(w4, "GenericError", "Base64 data contains invalid characters");
    g_autoptr(JsonObject) w5 = qga_test_cmdf(c, "{\"execute\": \"guest-file-write\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                             ", \"buf-b64\": \"SGVs\\u0000bG8=\"}}", h);
    /* \u0000 reaches the agent as C0 80 (QEMU's parser does the same), which is no base64. */
    qga_test_assert_error(w5, "GenericError", "Base64 data contains invalid characters");
    g_assert_cmpint(file_seek(c, h, 0, "\"end\""), ==, 5);

    /* Read count: 0..48 MiB. */
    g_assert_cmpint(file_seek(c, h, 0, "\"set\""), ==, 0);
    g_autoptr(GBytes) at_limit = file_read(c, h, READ_MAX, &eof);
    assert_bytes(at_limit, hello, 5);
    g_assert_true(eof);
    g_autoptr(JsonObject) r1 = qga_test_cmdf(c, "{\"execute\": \"guest-file-read\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                             ", \"count\": %d}}", h, READ_MAX + 1);
    qga_test_assert_error(r1, "GenericError", "value '50331649' is invalid for argument count");
    g_autoptr(JsonObject) r2 = qga_test_cmdf(c, "{\"execute\": \"guest-file-read\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                             ", \"count\": -1}}", h);
    qga_test_assert_error(r2, "GenericError", "value '-1' is invalid for argument count");
    g_autoptr(JsonObject) r3 = qga_test_cmdf(c, "{\"execute\": \"guest-file-read\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                             ", \"count\": 9223372036854775807}}", h);
    qga_test_assert_error(r3, "GenericError", "value '9223372036854775807' is invalid for argument count");
    g_autoptr(JsonObject) r4 = qga_test_cmdf(c, "{\"execute\": \"guest-file-read\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                             ", \"count\": 1.5}}", h);
    qga_test_assert_error(r4, "GenericError", "Invalid parameter type for 'count', expected: integer");
    file_close(c, h);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* A read of exactly 48 MiB: 64 MiB of base64 in one reply, the most any host will take. */
static void test_read_at_limit(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autofree char *path = g_build_filename(agent->dir, "big", NULL);
    gsize len = READ_MAX + 10;
    g_autofree guchar *data = g_malloc(len);
    gboolean eof;
    for (gsize i = 0; i < len; i++) {
        data[i] = (guchar)(i * 7 + (i >> 13));
    }
    g_assert_true(g_file_set_contents(path, (const char *)data, (gssize)len, NULL));

    gint64 h = file_open(c, path, "r");
    g_autoptr(GBytes) b = file_read(c, h, READ_MAX, &eof);
    assert_bytes(b, data, READ_MAX);
    g_assert_false(eof);
    g_autoptr(GBytes) rest = file_read(c, h, READ_MAX, &eof);
    assert_bytes(rest, data + READ_MAX, 10);
    g_assert_true(eof);
    file_close(c, h);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_seek(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autofree char *path = g_build_filename(agent->dir, "seek", NULL);
    gboolean eof;
    g_assert_true(g_file_set_contents(path, "0123456789", 10, NULL));

    gint64 h = file_open(c, path, "r+");
    g_assert_cmpint(file_seek(c, h, 3, "0"), ==, 3);
    g_assert_cmpint(file_seek(c, h, 2, "1"), ==, 5);
    g_assert_cmpint(file_seek(c, h, 0, "\"cur\""), ==, 5);
    g_assert_cmpint(file_seek(c, h, -2, "\"cur\""), ==, 3);
    g_assert_cmpint(file_seek(c, h, -4, "2"), ==, 6);
    g_assert_cmpint(file_seek(c, h, 0, "\"end\""), ==, 10);
    g_autoptr(GBytes) at_end = file_read(c, h, 4, &eof);
    assert_bytes(at_end, NULL, 0);
    g_assert_true(eof);
    /* Past the end is allowed; a write there leaves a hole of zeros. */
    g_assert_cmpint(file_seek(c, h, 12, "\"set\""), ==, 12);
    g_assert_cmpint(file_write(c, h, "X", 1), ==, 1);
    g_assert_cmpint(file_seek(c, h, 8, "\"set\""), ==, 8);
    g_autoptr(GBytes) tail = file_read(c, h, 100, &eof);
    assert_bytes(tail, "89\0\0X", 5);
    g_assert_true(eof);

    /* Before the start: the OS refuses, qemu-ga's prefix. */
    g_autoptr(JsonObject) e1 = qga_test_cmdf(c, "{\"execute\": \"guest-file-seek\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                             ", \"offset\": -1, \"whence\": \"set\"}}", h);
    qga_test_assert_error_prefix(e1, "GenericError", "failed to seek file: ");
    g_assert_cmpint(file_seek(c, h, 0, "\"cur\""), ==, 13);   /* unchanged by the failed seek */
    static const struct {
        const char *whence, *error;
    } bad[] = {
        { "3", "invalid whence code 3" },
        { "-1", "invalid whence code -1" },
        { "9223372036854775807", "invalid whence code 9223372036854775807" },
        { "\"start\"", "Parameter 'whence' does not accept value 'start'" },
        { "true", "Invalid parameter type for 'whence', expected: GuestFileWhence" },
        /* a number picks the integer branch, which then wants an integer (QEMU's visitor) */
        { "1.0", "Invalid parameter type for 'whence', expected: integer" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-file-seek\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                                ", \"offset\": 0, \"whence\": %s}}", h, bad[i].whence);
        qga_test_assert_error(r, "GenericError", bad[i].error);
    }
    file_close(c, h);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static void test_bad_handles(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autofree char *path = g_build_filename(agent->dir, "h", NULL);
    static const char *const ids[] = { "999", "0", "-1", "1001", "9223372036854775807", "-9223372036854775808" };

    gint64 h = file_open(c, path, "w");
    g_assert_cmpint(h, ==, 1000);
    for (gsize i = 0; i < G_N_ELEMENTS(ids); i++) {
        g_autofree char *expected = g_strdup_printf("handle '%s' has not been found", ids[i]);
        static const struct {
            const char *cmd, *more;
        } reqs[] = {
            { "guest-file-read", "" },
            /* the handle is looked up before the count is checked, as in qemu-ga */
            { "guest-file-read", ", \"count\": -5" },
            { "guest-file-write", ", \"buf-b64\": \"QQ==\"" },
            { "guest-file-seek", ", \"offset\": 0, \"whence\": 7" },
            { "guest-file-flush", "" },
            { "guest-file-close", "" },
        };
        for (gsize j = 0; j < G_N_ELEMENTS(reqs); j++) {
            g_autofree char *req = g_strdup_printf("{\"execute\": \"%s\", \"arguments\": {\"handle\": %s%s}}", reqs[j].cmd,
                                                   ids[i], reqs[j].more);
            g_autoptr(JsonObject) r = qga_test_cmd(c, req);
            qga_test_assert_error(r, "GenericError", expected);
        }
    }
    file_close(c, h);
    /* A closed handle is gone for good, and numbers are never reused. */
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-file-close\", \"arguments\": {\"handle\": 1000}}");
    qga_test_assert_error(r, "GenericError", "handle '1000' has not been found");
    g_assert_cmpint(file_open(c, path, "r"), ==, 1001);
    g_autoptr(JsonObject) r2 = qga_test_cmd(c, "{\"execute\": \"guest-file-close\", \"arguments\": {\"handle\": \"1001\"}}");
    qga_test_assert_error(r2, "GenericError", "Invalid parameter type for 'handle', expected: integer");
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

static GBytes *read_all(QgaTestClient *c, gint64 h)
{
    gboolean eof;
    GBytes *b = file_read(c, h, 1 << 20, &eof);
    g_assert_true(eof);
    return b;
}

static void set_disk(const char *path, const char *text)
{
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void assert_disk(const char *path, const char *text)
{
    g_autofree char *disk = NULL;
    g_assert_true(g_file_get_contents(path, &disk, NULL, NULL));
    g_assert_cmpstr(disk, ==, text);
}

/* What each mode does to an existing file and to a missing one. */
static void test_modes(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autofree char *path = g_build_filename(agent->dir, "m", NULL);
    g_autofree char *missing = g_build_filename(agent->dir, "missing", NULL);
    g_autofree char *missing_agent = agent_path(missing);
    g_autofree char *missing_json = json_str(missing_agent);

    /* Read-only modes: content as is, writes refused, a missing file an error. */
    static const char *const ro[] = { "r", "rb" };
    for (gsize i = 0; i < G_N_ELEMENTS(ro); i++) {
        set_disk(path, "abc");
        gint64 h = file_open(c, path, ro[i]);
        g_autoptr(GBytes) b = read_all(c, h);
        assert_bytes(b, "abc", 3);
        g_autoptr(JsonObject) w = qga_test_cmdf(c, "{\"execute\": \"guest-file-write\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                                ", \"buf-b64\": \"QQ==\"}}", h);
        qga_test_assert_error_prefix(w, "GenericError", "failed to write to file: ");
        file_close(c, h);
    }
    /* Write-only: truncate (w) or append (a); both create. */
    static const char *const wo[] = { "w", "wb", "a", "ab" };
    for (gsize i = 0; i < G_N_ELEMENTS(wo); i++) {
        bool append = wo[i][0] == 'a';
        set_disk(path, "abc");
        gint64 h = file_open(c, path, wo[i]);
        g_assert_cmpint(file_write(c, h, "XY", 2), ==, 2);
        if (append) {
            /* Appending ignores the position. */
            g_assert_cmpint(file_seek(c, h, 0, "\"set\""), ==, 0);
            g_assert_cmpint(file_write(c, h, "Z", 1), ==, 1);
        }
        g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-file-read\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT "}}", h);
        qga_test_assert_error_prefix(r, "GenericError", "failed to read file: ");
        file_close(c, h);
        assert_disk(path, append ? "abcXYZ" : "XY");
        g_remove(missing);
        h = file_open(c, missing, wo[i]);
        file_close(c, h);
        g_assert_true(g_file_test(missing, G_FILE_TEST_IS_REGULAR));
    }
    /* Read-write. */
    static const char *const rw[] = { "r+", "rb+", "r+b", "w+", "wb+", "w+b", "a+", "ab+", "a+b" };
    for (gsize i = 0; i < G_N_ELEMENTS(rw); i++) {
        char kind = rw[i][0];
        set_disk(path, "abcdef");
        gint64 h = file_open(c, path, rw[i]);
        g_assert_cmpint(file_seek(c, h, 1, "\"set\""), ==, 1);
        g_assert_cmpint(file_write(c, h, "XY", 2), ==, 2);
        g_assert_cmpint(file_seek(c, h, 0, "\"set\""), ==, 0);
        g_autoptr(GBytes) b = read_all(c, h);
        const char *expected = kind == 'r' ? "aXYdef" : kind == 'w' ? "\0XY" : "abcdefXY";
        gsize expected_len = kind == 'w' ? 3 : strlen(expected);
        assert_bytes(b, expected, expected_len);
        file_close(c, h);
        g_remove(missing);
        if (kind == 'r') {
            g_autoptr(JsonObject) e = qga_test_cmdf(c, "{\"execute\": \"guest-file-open\", \"arguments\": {\"path\": %s, \"mode\": \"%s\"}}",
                                                    missing_json, rw[i]);
            g_autofree char *prefix = g_strdup_printf("failed to open file '%s' (mode: '%s'): ", missing_agent, rw[i]);
            qga_test_assert_error_prefix(e, "GenericError", prefix);
            g_assert_false(g_file_test(missing, G_FILE_TEST_EXISTS));
        } else {
            h = file_open(c, missing, rw[i]);
            file_close(c, h);
            g_assert_true(g_file_test(missing, G_FILE_TEST_IS_REGULAR));
        }
    }
    /* The default mode is "r". */
    g_autofree char *p = agent_path(path);
    g_autofree char *jp = json_str(p);
    g_autoptr(JsonObject) d = qga_test_cmdf(c, "{\"execute\": \"guest-file-open\", \"arguments\": {\"path\": %s}}", jp);
    gint64 h = json_node_get_int(qga_test_reply_return(d));
    g_autoptr(JsonObject) w = qga_test_cmdf(c, "{\"execute\": \"guest-file-write\", \"arguments\": {\"handle\": %" G_GINT64_FORMAT
                                            ", \"buf-b64\": \"QQ==\"}}", h);
    qga_test_assert_error_prefix(w, "GenericError", "failed to write to file: ");
    file_close(c, h);

    static const char *const invalid[] = { "rw", "", "R", "r++", "x", "wr", "b" };
    for (gsize i = 0; i < G_N_ELEMENTS(invalid); i++) {
        g_autoptr(JsonObject) e = qga_test_cmdf(c, "{\"execute\": \"guest-file-open\", \"arguments\": {\"path\": %s, \"mode\": \"%s\"}}",
                                                jp, invalid[i]);
        g_autofree char *expected = g_strdup_printf("invalid file open mode '%s'", invalid[i]);
        qga_test_assert_error(e, "GenericError", expected);
    }
    /* A directory cannot be opened for writing. */
    g_autofree char *dir = agent_path(agent->dir);
    g_autofree char *jdir = json_str(dir);
    g_autoptr(JsonObject) e = qga_test_cmdf(c, "{\"execute\": \"guest-file-open\", \"arguments\": {\"path\": %s, \"mode\": \"w\"}}", jdir);
    g_autofree char *prefix = g_strdup_printf("failed to open file '%s' (mode: 'w'): ", dir);
    qga_test_assert_error_prefix(e, "GenericError", prefix);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* Handle numbers continue across restarts through <statedir>/qga.state, as with qemu-ga. */
static void test_counter_persists(void)
{
    g_autofree char *state = g_dir_make_tmp("qgastate.XXXXXX", NULL);
    g_autofree char *state_arg = g_strdup(state);
    g_autofree char *state_file = g_build_filename(state, "qga.state", NULL);
    g_autofree char *target = g_build_filename(state, "target", NULL);
    const char *const extra[] = { "-t", state_arg, NULL };
    QgaTestAgentOptions opts = { .extra_args = extra };

    QgaTestAgent *a = qga_test_agent_start(&opts);
    QgaTestClient *c = qga_test_connect(a);
    g_assert_cmpint(file_open(c, target, "w"), ==, 1000);
    g_assert_cmpint(file_open(c, target, "r"), ==, 1001);
    gint64 h = file_open(c, target, "r");
    g_assert_cmpint(h, ==, 1002);
    file_close(c, h);
    assert_disk(state_file, "[global]\nfd_counter=1003\n");
    qga_test_client_close(c);
    qga_test_agent_stop(a);

    a = qga_test_agent_start(&opts);
    c = qga_test_connect(a);
    /* The old numbers name nothing in the new agent. */
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-file-read\", \"arguments\": {\"handle\": 1000}}");
    qga_test_assert_error(r, "GenericError", "handle '1000' has not been found");
    g_assert_cmpint(file_open(c, target, "r"), ==, 1003);
    qga_test_client_close(c);
    qga_test_agent_stop(a);

    /* A counter written by qemu-ga is taken over; a damaged file starts again at 1000. */
    set_disk(state_file, "[global]\nfd_counter=5000\n");
    a = qga_test_agent_start(&opts);
    c = qga_test_connect(a);
    g_assert_cmpint(file_open(c, target, "r"), ==, 5000);
    assert_disk(state_file, "[global]\nfd_counter=5001\n");
    qga_test_client_close(c);
    qga_test_agent_stop(a);
    set_disk(state_file, "garbage\n");
    a = qga_test_agent_start(&opts);
    c = qga_test_connect(a);
    g_assert_cmpint(file_open(c, target, "r"), ==, 1000);
    qga_test_client_close(c);
    qga_test_agent_stop(a);

    g_remove(state_file);
    g_remove(target);
    g_rmdir(state);
}

/* Spaces and non-ASCII names (the Windows agent converts the UTF-8 path once, to UTF-16). */
static void test_odd_paths(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    static const char *const names[] = {
        "with space.txt", ("\xc3\xbcn\xc3\xaf c\xc3\xb8" "d\xc3\xa9.txt"), "\xe2\x82\xac \xe4\xb8\xad\xe6\x96\x87",
        "\xf0\x9f\x98\x80 emoji", "quote'd", "semi;colon,comma",
    };
    g_autofree char *sub = g_build_filename(agent->dir, "sub dir \xc3\xa9", NULL);
    g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *path = g_build_filename(sub, names[i], NULL);
        gint64 h = file_open(c, path, "w");
        g_assert_cmpint(file_write(c, h, names[i], strlen(names[i])), ==, (gint64)strlen(names[i]));
        file_close(c, h);
        /* The file has exactly this name on disk, and its content reads back through the agent. */
        assert_disk(path, names[i]);
        h = file_open(c, path, "r");
        g_autoptr(GBytes) b = read_all(c, h);
        assert_bytes(b, names[i], strlen(names[i]));
        file_close(c, h);
    }
    /* \u0000 reaches the agent as C0 80 (QEMU's modified UTF-8). Windows refuses it when converting
     * the path to UTF-16; on Linux it is just two more bytes of a name, as with qemu-ga. The path
     * is relative: the agent's working directory is its test directory. */
    g_autoptr(JsonObject) r = qga_test_cmd(c, "{\"execute\": \"guest-file-open\", \"arguments\": {\"path\": \"a\\u0000b\", \"mode\": \"w\"}}");
    if (qga_test_agent_is_posix()) {
        file_close(c, json_node_get_int(qga_test_reply_return(r)));
        g_autofree char *odd = g_build_filename(agent->dir, "a\xc0\x80" "b", NULL);
        g_assert_true(g_file_test(odd, G_FILE_TEST_IS_REGULAR));
    } else {
        qga_test_assert_error_prefix(r, "GenericError", "can't convert 'a");
    }
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

/* At most 256 handles at once; a clear error past it; closing one makes room. */
static void test_handle_limit(void)
{
    QgaTestAgent *agent = qga_test_agent_start(NULL);
    QgaTestClient *c = qga_test_connect(agent);
    g_autofree char *path = g_build_filename(agent->dir, "many", NULL);
    g_autofree char *p = agent_path(path);
    g_autofree char *jp = json_str(p);
    set_disk(path, "x");

    for (gint64 i = 0; i < 256; i++) {
        g_assert_cmpint(file_open(c, path, "r"), ==, 1000 + i);
    }
    g_autoptr(JsonObject) r = qga_test_cmdf(c, "{\"execute\": \"guest-file-open\", \"arguments\": {\"path\": %s}}", jp);
    qga_test_assert_error(r, "GenericError",
                          "too many open files: all 256 handles are in use, close one with guest-file-close");
    file_close(c, 1100);
    g_assert_cmpint(file_open(c, path, "r"), ==, 1256);
    for (gint64 i = 0; i < 256; i++) {
        if (i != 100) {
            file_close(c, 1000 + i);
        }
    }
    file_close(c, 1256);
    qga_test_client_close(c);
    qga_test_agent_stop(agent);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/integration/file/upstream-file-ops", test_upstream_file_ops);
    g_test_add_func("/integration/file/upstream-write-read", test_upstream_write_read);
    g_test_add_func("/integration/file/binary-round-trip", test_binary_round_trip);
    g_test_add_func("/integration/file/empty-file", test_empty_file);
    g_test_add_func("/integration/file/counts", test_counts);
    g_test_add_func("/integration/file/read-at-limit", test_read_at_limit);
    g_test_add_func("/integration/file/seek", test_seek);
    g_test_add_func("/integration/file/bad-handles", test_bad_handles);
    g_test_add_func("/integration/file/modes", test_modes);
    g_test_add_func("/integration/file/counter-persists", test_counter_persists);
    g_test_add_func("/integration/file/odd-paths", test_odd_paths);
    g_test_add_func("/integration/file/handle-limit", test_handle_limit);

    return g_test_run();
}

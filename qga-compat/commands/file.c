/* File commands: guest-file-open/close/read/write/seek/flush, the handle table and its persisted counter. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "families.h"
#include "core/agent.h"
#include "core/base64.h"
#include "os/file.h"
#include "core/keyfile.h"
#include "core/log.h"
#include "core/mem.h"
#include "qga-commands.h"

/* qemu-ga numbers handles from 1000 and keeps the next number in <statedir>/qga.state, so a
 * handle a host still holds from before an agent restart never names a newer file. */
#define FILE_HANDLE_FIRST INT64_C(1000)
#define FILE_STATE_NAME "qga.state"
#define FILE_STATE_MAX 4096
/*
 * Open handles at once. qemu-ga has no bound: a host that opens without closing exhausts the
 * agent's descriptors and memory. 256 is far above what any known host keeps open (libvirt and
 * the usual scripts open, transfer and close one file at a time).
 */
#define FILE_HANDLES_MAX 256
#define FILE_READ_COUNT_DEFAULT 4096
/* qemu-ga's cap: 48 MiB of data is 64 MiB of base64, the host's JSON parser limit. */
#define FILE_READ_COUNT_MAX ((int64_t)48 << 20)
/* Reads go through a chunk this big; a multiple of 3, so every full chunk encodes to base64 on
 * its own and the reply's string is built without holding the raw bytes of the whole read. */
#define FILE_READ_CHUNK ((size_t)3 << 14)
/* Below this, the reply string is reserved at its final size at once. */
#define FILE_READ_RESERVE_MAX ((int64_t)4 << 20)

typedef struct FileEntry {
    int64_t id;
    QgaOsFile *file;
} FileEntry;

struct QgaFileTable {
    char *state_path;
    bool counter_loaded;
    int64_t counter;              /* the next handle */
    FileEntry entries[FILE_HANDLES_MAX];
    size_t n;
};

static void load_counter(QgaFileTable *t)
{
    t->counter_loaded = true;
    t->counter = FILE_HANDLE_FIRST;
    _qga_cleanup_free_ char *data = NULL;
    size_t len = 0;
    QgaError *err = NULL;
    if (qga_os_read_small_file(t->state_path, FILE_STATE_MAX, &data, &len, &err) < 0) {
        qga_log_warning("can't read the state file: %s; handles start again at %" PRId64, err->desc,
                        FILE_HANDLE_FIRST);
        qga_error_free(err);
        return;
    }
    if (!data)
        return;
    /* qemu-ga's answer to a damaged file: start over with the defaults rather than refuse files. */
    if (qga_file_state_parse(data, len, &t->counter) < 0) {
        qga_log_warning("no usable fd_counter in %s; handles start again at %" PRId64, t->state_path,
                        FILE_HANDLE_FIRST);
        t->counter = FILE_HANDLE_FIRST;
    }
}

/* Take the next handle number and commit the counter to disk before anyone sees the number. */
static int allocate_handle(QgaFileTable *t, int64_t *ret_id, QgaError **error)
{
    if (!t->counter_loaded)
        load_counter(t);
    if (t->counter >= INT64_MAX - 1) {
        qga_error_generic(error, "no file handle numbers left");
        return -1;
    }
    int64_t id = t->counter;
    _qga_cleanup_free_ char *text = qga_file_state_format(id + 1);
    QgaError *err = NULL;
    if (qga_os_replace_file(t->state_path, text, strlen(text), &err) < 0) {
        qga_error_generic(error, "failed to commit persistent state to disk: %s", err->desc);
        qga_error_free(err);
        return -1;
    }
    t->counter = id + 1;
    *ret_id = id;
    return 0;
}

/* ---- the table ---- */

static QgaFileTable *file_table(QgaAgent *agent)
{
    if (!agent->files) {
        QgaFileTable *t = qga_calloc(1, sizeof(*t));
        const char *dir = agent->config && agent->config->statedir ? agent->config->statedir : ".";
        /* qemu-ga builds it the same way on both systems ('/' is a separator on Windows too). */
        t->state_path = qga_strdup_printf("%s/%s", dir, FILE_STATE_NAME);
        agent->files = t;
    }
    return agent->files;
}

void qga_file_table_free(QgaFileTable *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        qga_os_file_close(t->entries[i].file, NULL);
    free(t->state_path);
    free(t);
}

static FileEntry *find_handle(QgaAgent *agent, const QgaJson *args, QgaError **error)
{
    int64_t id = qga_json_get_int(qga_json_object_get(args, "handle"));
    QgaFileTable *t = file_table(agent);
    for (size_t i = 0; i < t->n; i++)
        if (t->entries[i].id == id)
            return &t->entries[i];
    qga_error_generic(error, "handle '%" PRId64 "' has not been found", id);
    return NULL;
}

/* An optional "count": absent gives def, present must lie in [0, max]. */
static int get_count(const QgaJson *args, int64_t def, int64_t max, int64_t *ret, QgaError **error)
{
    const QgaJson *v = qga_json_object_get(args, "count");
    if (!v) {
        *ret = def;
        return 0;
    }
    int64_t count = qga_json_get_int(v);
    if (count < 0 || count > max) {
        qga_error_generic(error, "value '%" PRId64 "' is invalid for argument count", count);
        return -1;
    }
    *ret = count;
    return 0;
}

/* ---- the commands ---- */

int qga_cmd_guest_file_open(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    const char *path = qga_json_get_string(qga_json_object_get(args, "path"), NULL);
    const QgaJson *mode_arg = qga_json_object_get(args, "mode");
    const char *mode_text = mode_arg ? qga_json_get_string(mode_arg, NULL) : "r";
    QgaFileMode mode;
    if (qga_file_mode_parse(mode_text, &mode, error) < 0)
        return -1;

    QgaFileTable *t = file_table(agent);
    if (t->n == FILE_HANDLES_MAX) {
        qga_error_generic(error, "too many open files: all %d handles are in use, close one with guest-file-close",
                          FILE_HANDLES_MAX);
        return -1;
    }
    QgaOsFile *file = NULL;
    if (qga_os_file_open(path, &mode, mode_text, &file, error) < 0)
        return -1;
    int64_t id;
    if (allocate_handle(t, &id, error) < 0) {
        qga_os_file_close(file, NULL);
        return -1;
    }
    t->entries[t->n++] = (FileEntry){ id, file };
    qga_log_info("guest-file-open: '%s' (mode '%s') is handle %" PRId64, path, mode_text, id);
    *ret_result = qga_json_int(id);
    return 0;
}

int qga_cmd_guest_file_close(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    FileEntry *e = find_handle(agent, args, error);
    if (!e)
        return -1;
    QgaFileTable *t = agent->files;
    QgaOsFile *file = e->file;
    int64_t id = e->id;
    /* The handle is gone whatever close() says: qemu-ga kept a table entry for a FILE that
     * fclose had already freed. */
    *e = t->entries[--t->n];
    qga_log_info("guest-file-close: handle %" PRId64, id);
    if (qga_os_file_close(file, error) < 0)
        return -1;
    *ret_result = NULL;
    return 0;
}

int qga_cmd_guest_file_read(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    FileEntry *e = find_handle(agent, args, error);
    if (!e)
        return -1;
    int64_t count;
    if (get_count(args, FILE_READ_COUNT_DEFAULT, FILE_READ_COUNT_MAX, &count, error) < 0)
        return -1;

    QgaBuf b64 = QGA_BUF_INIT;
    if (count <= FILE_READ_RESERVE_MAX)
        qga_buf_reserve(&b64, qga_base64_encoded_len((size_t)count));
    else
        qga_buf_reserve(&b64, qga_base64_encoded_len(FILE_READ_CHUNK));
    size_t chunk_size = (size_t)count < FILE_READ_CHUNK ? (size_t)count : FILE_READ_CHUNK;
    _qga_cleanup_free_ char *chunk = qga_malloc(chunk_size ? chunk_size : 1);
    size_t total = 0;
    bool eof = false;
    while (total < (size_t)count) {
        size_t want = (size_t)count - total < chunk_size ? (size_t)count - total : chunk_size;
        size_t got = 0;
        if (qga_os_file_read(e->file, chunk, want, &got, &eof, error) < 0) {
            qga_buf_free(&b64);
            return -1;
        }
        /* Grow by doubling, but never past the whole read's encoding (64 MiB for 48 MiB, not 128). */
        size_t need = b64.len + qga_base64_encoded_len(got) + 1;
        if (need > b64.cap) {
            size_t cap = b64.cap * 2 > need ? b64.cap * 2 : need;
            size_t most = qga_base64_encoded_len((size_t)count) + 1;
            b64.cap = cap < most ? cap : most;
            b64.data = qga_realloc(b64.data, b64.cap);
        }
        /* Only the last chunk can be short, so every earlier one is a multiple of 3 bytes. */
        qga_base64_encode_append(&b64, chunk, got);
        total += got;
        if (got < want)
            break;
    }

    QgaJson *result = qga_json_object();
    qga_json_object_set_int(result, "count", (int64_t)total);
    size_t len = 0, cap = b64.cap;
    char *text = qga_buf_steal(&b64, &len);
    if (len + len / 4 + 1 < cap)
        text = qga_realloc(text, len + 1); /* grown by doubling: give the slack back before it is queued */
    qga_json_object_set(result, "buf-b64", qga_json_string_take(text, len));
    qga_json_object_set_bool(result, "eof", eof);
    *ret_result = result;
    return 0;
}

int qga_cmd_guest_file_write(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    FileEntry *e = find_handle(agent, args, error);
    if (!e)
        return -1;
    size_t b64_len = 0;
    const char *b64 = qga_json_get_string(qga_json_object_get(args, "buf-b64"), &b64_len);
    _qga_cleanup_free_ char *data = NULL;
    size_t len = 0;
    if (qga_base64_decode(b64, b64_len, &data, &len, error) < 0)
        return -1;
    int64_t count;
    if (get_count(args, (int64_t)len, (int64_t)len, &count, error) < 0)
        return -1;
    size_t written = 0;
    if (qga_os_file_write(e->file, data, (size_t)count, &written, error) < 0)
        return -1;
    QgaJson *result = qga_json_object();
    qga_json_object_set_int(result, "count", (int64_t)written);
    /* Nothing in a write reaches "end of file"; qemu-ga's POSIX feof() after fwrite is false too. */
    qga_json_object_set_bool(result, "eof", false);
    *ret_result = result;
    return 0;
}

int qga_cmd_guest_file_seek(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    FileEntry *e = find_handle(agent, args, error);
    if (!e)
        return -1;
    int64_t offset = qga_json_get_int(qga_json_object_get(args, "offset"));
    const QgaJson *w = qga_json_object_get(args, "whence");
    int whence;
    if (qga_json_type(w) == QGA_JSON_INT) {
        int64_t code = qga_json_get_int(w);
        if (code < 0 || code > 2) {
            qga_error_generic(error, "invalid whence code %" PRId64, code);
            return -1;
        }
        whence = (int)code;
    } else {
        /* The QGASeek enum, validated by dispatch: set, cur, end in the order of the codes. */
        const char *name = qga_json_get_string(w, NULL);
        whence = strcmp(name, "set") == 0 ? 0 : strcmp(name, "cur") == 0 ? 1 : 2;
    }
    int64_t pos = 0;
    if (qga_os_file_seek(e->file, offset, whence, &pos, error) < 0)
        return -1;
    QgaJson *result = qga_json_object();
    qga_json_object_set_int(result, "position", pos);
    /* qemu-ga reports feof() right after fseek(), which fseek has just cleared: always false. */
    qga_json_object_set_bool(result, "eof", false);
    *ret_result = result;
    return 0;
}

int qga_cmd_guest_file_flush(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    FileEntry *e = find_handle(agent, args, error);
    if (!e)
        return -1;
    if (qga_os_file_flush(e->file, error) < 0)
        return -1;
    *ret_result = NULL;
    return 0;
}

/* guest-file-open's modes and the handle counter's state file, as qemu-ga reads and writes them. */
#include "model/file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/keyfile.h"
#include "core/mem.h"

/* ---- modes ---- */

static const struct {
    const char *name;
    QgaFileMode mode; /* read, write, append, create, truncate */
} file_modes[] = {
    { "r", { true, false, false, false, false } },  { "rb", { true, false, false, false, false } },
    { "w", { false, true, false, true, true } },    { "wb", { false, true, false, true, true } },
    { "a", { false, true, true, true, false } },    { "ab", { false, true, true, true, false } },
    { "r+", { true, true, false, false, false } },  { "rb+", { true, true, false, false, false } },
    { "r+b", { true, true, false, false, false } }, { "w+", { true, true, false, true, true } },
    { "wb+", { true, true, false, true, true } },   { "w+b", { true, true, false, true, true } },
    { "a+", { true, true, true, true, false } },    { "ab+", { true, true, true, true, false } },
    { "a+b", { true, true, true, true, false } },
};

int qga_file_mode_parse(const char *mode, QgaFileMode *ret, QgaError **error)
{
    for (size_t i = 0; i < QGA_N_ELEMENTS(file_modes); i++) {
        if (strcmp(file_modes[i].name, mode) == 0) {
            *ret = file_modes[i].mode;
            return 0;
        }
    }
    /* POSIX qemu-ga's text (its Windows build drops the mode from the message). */
    qga_error_generic(error, "invalid file open mode '%s'", mode);
    return -1;
}

/* ---- the persisted counter ---- */

typedef struct StateParse {
    bool found;
    int64_t counter;
} StateParse;

static int state_key(void *opaque, const char *group, const char *key, const char *raw_value,
                     unsigned line, QgaError **error)
{
    StateParse *st = opaque;
    if (strcmp(group, "global") != 0 || strcmp(key, "fd_counter") != 0)
        return 0;
    /* GLib's integer rule: an optional sign, digits, nothing else but trailing blanks. */
    char *end = NULL;
    errno = 0;
    long long v = strtoll(raw_value, &end, 10);
    while (end && (*end == ' ' || *end == '\t'))
        end++;
    if (end == raw_value || !end || *end != '\0' || errno == ERANGE || v < 0 || v == INT64_MAX) {
        st->found = false;
        return 0;
    }
    st->found = true;
    st->counter = (int64_t)v;
    return 0;
}

int qga_file_state_parse(const char *data, size_t len, int64_t *ret_counter)
{
    StateParse st = { false, 0 };
    QgaError *err = NULL;
    if (qga_keyfile_parse(data, len, state_key, &st, &err) < 0) {
        qga_error_free(err);
        return -1;
    }
    if (!st.found)
        return -1;
    *ret_counter = st.counter;
    return 0;
}

char *qga_file_state_format(int64_t counter)
{
    /* g_key_file_to_data's layout: the group line, then key=value, each line ended by '\n'. */
    return qga_strdup_printf("[global]\nfd_counter=%" PRId64 "\n", counter);
}

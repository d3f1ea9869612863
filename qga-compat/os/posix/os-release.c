/* os-release(5): KEY=value lines with shell-style quoting, decoded the way qemu-ga decodes them. */
#include "os-release.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "fileio.h"

char *qga_os_release_unquote(const char *raw, size_t len)
{
    QgaBuf out = QGA_BUF_INIT;
    qga_buf_append(&out, "", 0); /* an empty value is "" (reserve alone leaves no NUL) */
    if (len > 0 && raw[0] == '"') {
        /* Inside double quotes the shell only un-escapes $ ` " \ (and qemu-ga also '); any other
         * backslash stays literal. An unterminated string runs to the end of the line. */
        for (size_t i = 1; i < len && raw[i] != '"'; i++) {
            if (raw[i] == '\\' && i + 1 < len && strchr("$'\"\\`", raw[i + 1]) && raw[i + 1] != '\0')
                i++;
            qga_buf_append_byte(&out, (uint8_t)raw[i]);
        }
    } else if (len > 0 && raw[0] == '\'') {
        /* Single quotes: literal up to the next quote. (qemu-ga treats these as unquoted and
         * keeps the quote; the os-release format allows them, so they are decoded here.) */
        for (size_t i = 1; i < len && raw[i] != '\''; i++)
            qga_buf_append_byte(&out, (uint8_t)raw[i]);
    } else {
        /* Unquoted: qemu-ga cuts the value at the first space or ';'. */
        for (size_t i = 0; i < len && raw[i] != ' ' && raw[i] != '\t' && raw[i] != ';'; i++)
            qga_buf_append_byte(&out, (uint8_t)raw[i]);
    }
    return qga_buf_steal(&out, NULL);
}

typedef struct OsReleaseField {
    const char *key;
    size_t offset;
} OsReleaseField;

static const OsReleaseField fields[] = {
    { "ID", offsetof(QgaOsInfo, id) },
    { "NAME", offsetof(QgaOsInfo, name) },
    { "PRETTY_NAME", offsetof(QgaOsInfo, pretty_name) },
    { "VERSION", offsetof(QgaOsInfo, version) },
    { "VERSION_ID", offsetof(QgaOsInfo, version_id) },
    { "VARIANT", offsetof(QgaOsInfo, variant) },
    { "VARIANT_ID", offsetof(QgaOsInfo, variant_id) },
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void parse_line(const char *line, size_t len, QgaOsInfo *info)
{
    /* qemu-ga reads the file as a GKeyFile: leading blanks of the line and of the value
     * go, the key loses its trailing blanks, '#' starts a comment. */
    while (len > 0 && is_blank(*line)) {
        line++;
        len--;
    }
    while (len > 0 && (line[len - 1] == '\r'))
        len--;
    if (len == 0 || line[0] == '#')
        return;
    const char *eq = memchr(line, '=', len);
    if (!eq || eq == line)
        return;
    size_t key_len = (size_t)(eq - line);
    while (key_len > 0 && is_blank(line[key_len - 1]))
        key_len--;
    const char *value = eq + 1;
    size_t value_len = len - (size_t)(value - line);
    while (value_len > 0 && is_blank(*value)) {
        value++;
        value_len--;
    }
    for (size_t i = 0; i < QGA_N_ELEMENTS(fields); i++) {
        if (strlen(fields[i].key) != key_len || memcmp(fields[i].key, line, key_len) != 0)
            continue;
        char **slot = (char **)((char *)info + fields[i].offset);
        free(*slot); /* a repeated key replaces the earlier one */
        *slot = qga_os_release_unquote(value, value_len);
    }
}

void qga_os_release_parse(const char *data, size_t len, QgaOsInfo *info)
{
    /* Unlike qemu-ga, which drops the whole file when one line is not KEY=value or any byte is
     * not UTF-8, bad lines are skipped and bytes are kept (the JSON writer turns invalid
     * UTF-8 into U+FFFD): a distribution's odd line should not hide its name. */
    size_t pos = 0;
    while (pos < len) {
        const char *start = data + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - start) : len - pos;
        /* A NUL ends the line's text, as it would for any C consumer of the file. */
        const char *nul = memchr(start, '\0', line_len);
        parse_line(start, nul ? (size_t)(nul - start) : line_len, info);
        pos += line_len + (nl ? 1 : 0);
    }
}

static bool read_small_file(const char *path, char **ret_data, size_t *ret_len)
{
    return qga_read_full_file(path, QGA_OS_RELEASE_MAX, ret_data, ret_len) == 0;
}

bool qga_os_release_load(QgaOsInfo *info)
{
    const char *env = getenv("QGA_OS_RELEASE");
    const char *const candidates[] = { "/etc/os-release", "/usr/lib/os-release" };
    _qga_cleanup_free_ char *data = NULL;
    size_t len = 0;
    bool ok;
    if (env)
        ok = read_small_file(env, &data, &len);
    else
        ok = read_small_file(candidates[0], &data, &len) || read_small_file(candidates[1], &data, &len);
    if (!ok)
        return false;
    qga_os_release_parse(data, len, info);
    return true;
}

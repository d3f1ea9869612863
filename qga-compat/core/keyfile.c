/* GLib-compatible keyfile parsing and escaping, without GLib (the agent links no third-party library). */
#include "keyfile.h"

#include <string.h>

#include "mem.h"

/* g_ascii_isspace: GLib strips these around lines, keys and values. */
static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_control(char c)
{
    return (unsigned char)c < 0x20 || c == 0x7f;
}

/* "[name]" with optional blanks after ']'; GLib rejects empty names and '[', ']' or control chars in them. */
static int parse_group(const char *line, char **ret_name)
{
    const char *end = strchr(line, ']');
    if (!end)
        return -1;
    for (const char *p = end + 1; *p; p++)
        if (*p != ' ' && *p != '\t')
            return -1;
    const char *name = line + 1;
    if (end == name)
        return -1;
    for (const char *p = name; p < end; p++)
        if (*p == '[' || is_control(*p))
            return -1;
    *ret_name = qga_strndup(name, (size_t)(end - name));
    return 0;
}

int qga_keyfile_parse(const char *data, size_t len, QgaKeyfileFunc func, void *opaque, QgaError **error)
{
    _qga_cleanup_free_ char *group = NULL;
    unsigned lineno = 0;
    size_t pos = 0;

    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - (data + pos)) : len - pos;
        _qga_cleanup_free_ char *line = qga_strndup(data + pos, line_len);
        pos += line_len + (nl ? 1 : 0);
        lineno++;

        /* CRLF files: the '\r' belongs to the line break, not to the value. */
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\r')
            line[--n] = '\0';
        char *start = line;
        while (is_blank(*start))
            start++;
        if (*start == '\0' || *start == '#' || *start == ';')
            continue;

        if (*start == '[') {
            char *name = NULL;
            if (parse_group(start, &name) < 0) {
                qga_error_generic(error, "line %u: invalid group header", lineno);
                return -1;
            }
            free(group);
            group = name;
            continue;
        }

        char *eq = strchr(start, '=');
        if (!eq || eq == start) {
            qga_error_generic(error, "line %u: not a group, key=value pair or comment", lineno);
            return -1;
        }
        if (!group) {
            qga_error_generic(error, "line %u: key outside of a [group]", lineno);
            return -1;
        }
        char *key_end = eq;
        while (key_end > start && is_blank(key_end[-1]))
            key_end--;
        *key_end = '\0';
        for (const char *p = start; *p; p++) {
            if (is_control(*p)) {
                qga_error_generic(error, "line %u: invalid key name", lineno);
                return -1;
            }
        }
        char *value = eq + 1;
        while (is_blank(*value))
            value++;
        if (func(opaque, group, start, value, lineno, error) < 0)
            return -1;
    }
    return 0;
}

int qga_keyfile_unescape(const char *raw, char **ret, QgaError **error)
{
    QgaBuf out = QGA_BUF_INIT;
    qga_buf_append(&out, "", 0); /* an empty value is "", not an unterminated buffer */
    for (const char *p = raw; *p; p++) {
        if (*p != '\\') {
            qga_buf_append_byte(&out, (uint8_t)*p);
            continue;
        }
        p++;
        switch (*p) {
        case 's':
            qga_buf_append_byte(&out, ' ');
            break;
        case 'n':
            qga_buf_append_byte(&out, '\n');
            break;
        case 't':
            qga_buf_append_byte(&out, '\t');
            break;
        case 'r':
            qga_buf_append_byte(&out, '\r');
            break;
        case '\\':
            qga_buf_append_byte(&out, '\\');
            break;
        case '\0':
            qga_buf_free(&out);
            qga_error_generic(error, "escape character at end of value");
            return -1;
        default:
            qga_buf_free(&out);
            qga_error_generic(error, "invalid escape sequence '\\%c'", *p);
            return -1;
        }
    }
    *ret = qga_buf_steal(&out, NULL);
    return 0;
}

bool qga_keyfile_parse_bool(const char *raw, bool *ret)
{
    size_t n = strlen(raw);
    while (n > 0 && is_blank(raw[n - 1]))
        n--;
    if ((n == 4 && strncmp(raw, "true", 4) == 0) || (n == 1 && raw[0] == '1')) {
        *ret = true;
        return true;
    }
    if ((n == 5 && strncmp(raw, "false", 5) == 0) || (n == 1 && raw[0] == '0')) {
        *ret = false;
        return true;
    }
    return false;
}

void qga_keyfile_escape(QgaBuf *out, const char *value)
{
    for (const char *p = value; *p; p++) {
        switch (*p) {
        case ' ':
            /* Only a leading blank would be lost (values are read with leading blanks stripped). */
            qga_buf_append_str(out, p == value ? "\\s" : " ");
            break;
        case '\n':
            qga_buf_append_str(out, "\\n");
            break;
        case '\t':
            qga_buf_append_str(out, "\\t");
            break;
        case '\r':
            qga_buf_append_str(out, "\\r");
            break;
        case '\\':
            qga_buf_append_str(out, "\\\\");
            break;
        default:
            qga_buf_append_byte(out, (uint8_t)*p);
            break;
        }
    }
}

/* JSON value model and the writer that reproduces qemu-ga's output byte for byte. */
#include "json.h"
#include "json-internal.h"
#include "mem.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- constructors ------------------------------------------------------ */

static QgaJson *new_value(QgaJsonType type)
{
    QgaJson *v = qga_calloc(1, sizeof(*v));
    v->type = type;
    return v;
}

QgaJson *qga_json_null(void) { return new_value(QGA_JSON_NULL); }

QgaJson *qga_json_bool(bool b)
{
    QgaJson *v = new_value(QGA_JSON_BOOL);
    v->u.b = b;
    return v;
}

QgaJson *qga_json_int(int64_t i)
{
    QgaJson *v = new_value(QGA_JSON_INT);
    v->u.i.bits = (uint64_t)i;
    return v;
}

QgaJson *qga_json_uint(uint64_t u)
{
    QgaJson *v = new_value(QGA_JSON_INT);
    v->u.i.bits = u;
    /* QEMU keeps a uint64 that fits int64 as a signed QNum (qnum_from_uint
     * does not, but the parser picks int64 first); one representation per value. */
    v->u.i.is_unsigned = u > (uint64_t)INT64_MAX;
    return v;
}

QgaJson *qga_json_number(double d)
{
    QgaJson *v = new_value(QGA_JSON_NUMBER);
    v->u.d = d;
    return v;
}

QgaJson *qga_json_string(const char *s) { return qga_json_string_len(s, strlen(s)); }

QgaJson *qga_json_string_len(const char *s, size_t len) { return qga_json_string_take(qga_strndup(s, len), len); }

QgaJson *qga_json_string_take(char *s, size_t len)
{
    QgaJson *v = new_value(QGA_JSON_STRING);
    v->u.str.s = s;
    v->u.str.len = len;
    return v;
}

QgaJson *qga_json_array(void) { return new_value(QGA_JSON_ARRAY); }
QgaJson *qga_json_object(void) { return new_value(QGA_JSON_OBJECT); }

void qga_json_array_append(QgaJson *array, QgaJson *value)
{
    assert(array->type == QGA_JSON_ARRAY && value);
    if (array->u.arr.len == array->u.arr.cap) {
        array->u.arr.cap = array->u.arr.cap ? array->u.arr.cap * 2 : 4;
        array->u.arr.items = qga_realloc(array->u.arr.items, array->u.arr.cap * sizeof(QgaJson *));
    }
    array->u.arr.items[array->u.arr.len++] = value;
}

/* Append without checking for an existing key (the parser checks with a hash set). */
void qga_json_object_append_owned(QgaJson *object, char *key, QgaJson *value)
{
    if (object->u.obj.len == object->u.obj.cap) {
        object->u.obj.cap = object->u.obj.cap ? object->u.obj.cap * 2 : 4;
        object->u.obj.members = qga_realloc(object->u.obj.members,
                                            object->u.obj.cap * sizeof(QgaJsonMember));
    }
    object->u.obj.members[object->u.obj.len].key = key;
    object->u.obj.members[object->u.obj.len].value = value;
    object->u.obj.len++;
}

/* Linear: request objects have a handful of members; the parser uses a hash set instead. */
size_t qga_json_object_find(const QgaJson *object, const char *key)
{
    assert(object->type == QGA_JSON_OBJECT);
    for (size_t i = 0; i < object->u.obj.len; i++) {
        if (strcmp(object->u.obj.members[i].key, key) == 0)
            return i;
    }
    return QGA_JSON_NOT_FOUND;
}

void qga_json_object_set(QgaJson *object, const char *key, QgaJson *value)
{
    assert(value);
    size_t idx = qga_json_object_find(object, key);
    if (idx != QGA_JSON_NOT_FOUND) {
        qga_json_free(object->u.obj.members[idx].value);
        object->u.obj.members[idx].value = value;
        return;
    }
    qga_json_object_append_owned(object, qga_strdup(key), value);
}

void qga_json_object_set_str(QgaJson *object, const char *key, const char *value)
{
    qga_json_object_set(object, key, qga_json_string(value));
}

void qga_json_object_set_int(QgaJson *object, const char *key, int64_t value)
{
    qga_json_object_set(object, key, qga_json_int(value));
}

void qga_json_object_set_uint(QgaJson *object, const char *key, uint64_t value)
{
    qga_json_object_set(object, key, qga_json_uint(value));
}

void qga_json_object_set_bool(QgaJson *object, const char *key, bool value)
{
    qga_json_object_set(object, key, qga_json_bool(value));
}

void qga_json_object_set_number(QgaJson *object, const char *key, double value)
{
    qga_json_object_set(object, key, qga_json_number(value));
}

QgaJson *qga_json_copy(const QgaJson *value)
{
    if (!value)
        return NULL;
    QgaJson *c;
    switch (value->type) {
    case QGA_JSON_STRING:
        return qga_json_string_len(value->u.str.s, value->u.str.len);
    case QGA_JSON_ARRAY:
        c = qga_json_array();
        for (size_t i = 0; i < value->u.arr.len; i++)
            qga_json_array_append(c, qga_json_copy(value->u.arr.items[i]));
        return c;
    case QGA_JSON_OBJECT:
        c = qga_json_object();
        for (size_t i = 0; i < value->u.obj.len; i++)
            qga_json_object_append_owned(c, qga_strdup(value->u.obj.members[i].key),
                          qga_json_copy(value->u.obj.members[i].value));
        return c;
    default:
        c = new_value(value->type);
        c->u = value->u;
        return c;
    }
}

/* Recursion depth is bounded by the parser's depth limit (or by the code that built the value). */
void qga_json_free(QgaJson *value)
{
    if (!value)
        return;
    switch (value->type) {
    case QGA_JSON_STRING:
        free(value->u.str.s);
        break;
    case QGA_JSON_ARRAY:
        for (size_t i = 0; i < value->u.arr.len; i++)
            qga_json_free(value->u.arr.items[i]);
        free(value->u.arr.items);
        break;
    case QGA_JSON_OBJECT:
        for (size_t i = 0; i < value->u.obj.len; i++) {
            free(value->u.obj.members[i].key);
            qga_json_free(value->u.obj.members[i].value);
        }
        free(value->u.obj.members);
        break;
    default:
        break;
    }
    free(value);
}

/* ---- accessors --------------------------------------------------------- */

QgaJsonType qga_json_type(const QgaJson *value) { return value->type; }

const char *qga_json_type_name(QgaJsonType type)
{
    switch (type) {
    case QGA_JSON_NULL: return "null";
    case QGA_JSON_BOOL: return "boolean";
    case QGA_JSON_INT: return "integer";
    case QGA_JSON_NUMBER: return "number";
    case QGA_JSON_STRING: return "string";
    case QGA_JSON_ARRAY: return "array";
    case QGA_JSON_OBJECT: return "object";
    }
    return "unknown";
}

bool qga_json_get_bool(const QgaJson *value)
{
    assert(value->type == QGA_JSON_BOOL);
    return value->u.b;
}

int64_t qga_json_get_int(const QgaJson *value)
{
    assert(value->type == QGA_JSON_INT && !value->u.i.is_unsigned);
    return (int64_t)value->u.i.bits;
}

uint64_t qga_json_get_uint(const QgaJson *value)
{
    assert(value->type == QGA_JSON_INT);
    assert(value->u.i.is_unsigned || (int64_t)value->u.i.bits >= 0);
    return value->u.i.bits;
}

bool qga_json_int_is_unsigned(const QgaJson *value)
{
    assert(value->type == QGA_JSON_INT);
    return value->u.i.is_unsigned;
}

double qga_json_get_number(const QgaJson *value)
{
    if (value->type == QGA_JSON_INT)
        return value->u.i.is_unsigned ? (double)value->u.i.bits : (double)(int64_t)value->u.i.bits;
    assert(value->type == QGA_JSON_NUMBER);
    return value->u.d;
}

const char *qga_json_get_string(const QgaJson *value, size_t *ret_len)
{
    assert(value->type == QGA_JSON_STRING);
    if (ret_len)
        *ret_len = value->u.str.len;
    return value->u.str.s;
}

size_t qga_json_array_length(const QgaJson *array)
{
    assert(array->type == QGA_JSON_ARRAY);
    return array->u.arr.len;
}

QgaJson *qga_json_array_get(const QgaJson *array, size_t index)
{
    assert(array->type == QGA_JSON_ARRAY && index < array->u.arr.len);
    return array->u.arr.items[index];
}

size_t qga_json_object_size(const QgaJson *object)
{
    assert(object->type == QGA_JSON_OBJECT);
    return object->u.obj.len;
}

QgaJson *qga_json_object_get(const QgaJson *object, const char *key)
{
    size_t idx = qga_json_object_find(object, key);
    return idx == QGA_JSON_NOT_FOUND ? NULL : object->u.obj.members[idx].value;
}

const char *qga_json_object_key_at(const QgaJson *object, size_t index)
{
    assert(object->type == QGA_JSON_OBJECT && index < object->u.obj.len);
    return object->u.obj.members[index].key;
}

QgaJson *qga_json_object_value_at(const QgaJson *object, size_t index)
{
    assert(object->type == QGA_JSON_OBJECT && index < object->u.obj.len);
    return object->u.obj.members[index].value;
}

QgaJson *qga_json_object_take(QgaJson *object, const char *key)
{
    size_t idx = qga_json_object_find(object, key);
    if (idx == QGA_JSON_NOT_FOUND)
        return NULL;
    QgaJsonMember *m = object->u.obj.members;
    QgaJson *v = m[idx].value;
    free(m[idx].key);
    memmove(&m[idx], &m[idx + 1], (object->u.obj.len - idx - 1) * sizeof(*m));
    object->u.obj.len--;
    return v;
}

/* ---- writer ------------------------------------------------------------- */

/* Bytes the writer copies as they are: printable ASCII except '"' and '\\'. */
static bool plain_ascii(unsigned char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; }

static void write_u_escape(QgaBuf *out, uint32_t unit)
{
    static const char hex[] = "0123456789ABCDEF";   /* QEMU prints \u%04X: upper case */
    char e[6] = { '\\', 'u', hex[(unit >> 12) & 0xF], hex[(unit >> 8) & 0xF],
                  hex[(unit >> 4) & 0xF], hex[unit & 0xF] };
    qga_buf_append(out, e, sizeof(e));
}

/*
 * qemu-ga's output is pure ASCII (json-writer.c quoted_str): the short
 * escapes for " \ \b \f \n \r \t, \uXXXX for other controls and everything
 * from 0x7F up, surrogate pairs beyond the BMP, U+FFFD per invalid sequence.
 * '/' is not escaped. A raw NUL byte (QEMU's C strings cannot hold one) is
 * written as \u0000, like the C0 80 that stands for it.
 */
void qga_json_write_string(QgaBuf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    qga_buf_reserve(out, len + 2);
    qga_buf_append_byte(out, '"');
    while (i < len) {
        size_t j = i;
        while (j < len && plain_ascii(p[j]))
            j++;
        qga_buf_append(out, p + i, j - i);
        if (j == len)
            break;
        size_t n;
        int32_t cp = qga_mutf8_decode(p + j, len - j, &n);
        i = j + n;
        switch (cp) {
        case '"': qga_buf_append(out, "\\\"", 2); continue;
        case '\\': qga_buf_append(out, "\\\\", 2); continue;
        case '\b': qga_buf_append(out, "\\b", 2); continue;
        case '\f': qga_buf_append(out, "\\f", 2); continue;
        case '\n': qga_buf_append(out, "\\n", 2); continue;
        case '\r': qga_buf_append(out, "\\r", 2); continue;
        case '\t': qga_buf_append(out, "\\t", 2); continue;
        default: break;
        }
        if (cp < 0)
            cp = 0xFFFD;
        if (cp > 0xFFFF) {
            write_u_escape(out, 0xD800 + (((uint32_t)cp - 0x10000) >> 10));
            write_u_escape(out, 0xDC00 + (((uint32_t)cp - 0x10000) & 0x3FF));
        } else {
            write_u_escape(out, (uint32_t)cp);
        }
    }
    qga_buf_append_byte(out, '"');
}

static void write_uint(QgaBuf *out, uint64_t u, bool negative)
{
    char digits[24];
    size_t n = sizeof(digits);
    do {
        digits[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (negative)
        digits[--n] = '-';
    qga_buf_append(out, digits + n, sizeof(digits) - n);
}

/*
 * QEMU prints doubles with "%.17g" (json_writer_double). glibc spells the
 * non-finite values inf, -inf, nan, -nan (QEMU's FIXME: not valid JSON); we
 * spell them the same way ourselves so the output does not depend on the C
 * runtime. Other C runtimes may print a three-digit exponent or the locale's
 * decimal comma: normalise both to glibc's form.
 */
static void write_double(QgaBuf *out, double d)
{
    if (isnan(d)) {
        qga_buf_append_str(out, signbit(d) ? "-nan" : "nan");
        return;
    }
    if (isinf(d)) {
        qga_buf_append_str(out, d < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[64], fixed[64];
    snprintf(tmp, sizeof(tmp), "%.17g", d);
    size_t o = 0;
    for (size_t i = 0; tmp[i] && o < sizeof(fixed) - 1; i++) {
        char c = tmp[i];
        if (c == ',')
            c = '.';
        fixed[o++] = c;
        if ((c == 'e' || c == 'E') && (tmp[i + 1] == '+' || tmp[i + 1] == '-')) {
            fixed[o++] = tmp[++i];
            size_t start = i + 1, end = start;
            while (tmp[end] >= '0' && tmp[end] <= '9')
                end++;
            while (end - start > 2 && tmp[start] == '0')
                start++;
            while (start < end && o < sizeof(fixed) - 1)
                fixed[o++] = tmp[start++];
            i = end - 1;
        }
    }
    qga_buf_append(out, fixed, o);
}

/* Recursion depth is that of the value: bounded by the parser's depth limit. */
void qga_json_write(QgaBuf *out, const QgaJson *v)
{
    switch (v->type) {
    case QGA_JSON_NULL:
        qga_buf_append(out, "null", 4);
        break;
    case QGA_JSON_BOOL:
        qga_buf_append_str(out, v->u.b ? "true" : "false");
        break;
    case QGA_JSON_INT:
        if (v->u.i.is_unsigned || (int64_t)v->u.i.bits >= 0)
            write_uint(out, v->u.i.bits, false);
        else
            write_uint(out, 0 - v->u.i.bits, true);
        break;
    case QGA_JSON_NUMBER:
        write_double(out, v->u.d);
        break;
    case QGA_JSON_STRING:
        qga_json_write_string(out, v->u.str.s, v->u.str.len);
        break;
    case QGA_JSON_ARRAY:
        qga_buf_append_byte(out, '[');
        for (size_t i = 0; i < v->u.arr.len; i++) {
            if (i)
                qga_buf_append(out, ", ", 2);
            qga_json_write(out, v->u.arr.items[i]);
        }
        qga_buf_append_byte(out, ']');
        break;
    case QGA_JSON_OBJECT:
        qga_buf_append_byte(out, '{');
        for (size_t i = 0; i < v->u.obj.len; i++) {
            if (i)
                qga_buf_append(out, ", ", 2);
            const char *key = v->u.obj.members[i].key;
            qga_json_write_string(out, key, strlen(key));
            qga_buf_append(out, ": ", 2);
            qga_json_write(out, v->u.obj.members[i].value);
        }
        qga_buf_append_byte(out, '}');
        break;
    }
}

char *qga_json_to_string(const QgaJson *value)
{
    QgaBuf b = QGA_BUF_INIT;
    qga_json_write(&b, value);
    return qga_buf_steal(&b, NULL);
}


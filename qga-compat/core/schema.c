/* Argument validation against the generated schema tables, with qemu-ga's input-visitor messages. */
#include "schema.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

/*
 * qemu-ga does not validate arguments in a separate pass: the generated
 * marshaller walks the "arguments" object with QEMU's QObject input visitor,
 * and the first visitor error becomes the reply. The observable contract is
 * therefore the visitor's order and wording, which this file reproduces:
 *
 *  - members are visited in schema order; a missing required member, a wrong
 *    JSON type or a bad value of a member is reported before any unexpected
 *    member of the same object ("Parameter 'x' is unexpected" comes from the
 *    check after all members were visited);
 *  - a nested member is fully visited (including its own unexpected check)
 *    before the next member;
 *  - messages built by the visitor core name the member with its full path
 *    ("vcpus[0].logical-id"), while the checks done after a value was read
 *    (integer range, enum value, alternate type) use the bare member name,
 *    or "null" for a list element, exactly as QEMU prints them.
 */

/*
 * One open container on the visit path, innermost first through `up`.
 * Mirrors the visitor's stack: `name` is the name under which the container
 * was entered in its parent (NULL for the arguments object and list elements).
 */
typedef struct Frame {
    const struct Frame *up;
    const char *name;
    bool is_list;
    size_t index;          /* list: the element being visited */
} Frame;

/*
 * The visitor's full name of `name` inside the containers `top`: the path
 * from the outermost container, "." before member names, "[i]" for list
 * elements, "<anonymous>" where a dict member has no name. Built only on
 * the error path.
 */
static char *full_name(const Frame *top, const char *name)
{
    size_t depth = 0;
    for (const Frame *f = top; f; f = f->up)
        depth++;
    if (depth == 0)
        return qga_strdup(name ? name : "<anonymous>");

    _qga_cleanup_free_ const Frame **chain = qga_malloc(depth * sizeof(*chain));
    size_t i = depth;
    for (const Frame *f = top; f; f = f->up)
        chain[--i] = f;

    QgaBuf b = QGA_BUF_INIT;
    const char *outer = chain[0]->name;
    if (outer)
        qga_buf_append_str(&b, outer);
    for (i = 0; i < depth; i++) {
        const char *child = i + 1 < depth ? chain[i + 1]->name : name;
        if (chain[i]->is_list) {
            qga_buf_printf(&b, "[%zu]", chain[i]->index);
        } else {
            qga_buf_append_byte(&b, '.');
            qga_buf_append_str(&b, child ? child : "<anonymous>");
        }
    }
    char *s = qga_buf_steal(&b, NULL);
    if (!outer && s[0] == '.')
        memmove(s, s + 1, strlen(s));
    return s;
}

static void error_missing(QgaError **error, const Frame *top, const char *name)
{
    _qga_cleanup_free_ char *full = full_name(top, name);
    qga_error_generic(error, "Parameter '%s' is missing", full);
}

static void error_type(QgaError **error, const Frame *top, const char *name, const char *expected)
{
    _qga_cleanup_free_ char *full = full_name(top, name);
    qga_error_generic(error, "Invalid parameter type for '%s', expected: %s", full, expected);
}

/* The C type QEMU names in a range error: visit_type_uint16() says "uint16_t". */
static void error_range(QgaError **error, const char *name, const QgaTypeSpec *type)
{
    static const char *const sized[] = { "int8", "int16", "int32", "uint8", "uint16", "uint32" };
    bool is_sized = false;
    for (size_t i = 0; i < QGA_N_ELEMENTS(sized); i++)
        if (type->name && strcmp(type->name, sized[i]) == 0)
            is_sized = true;
    qga_error_generic(error, "Parameter '%s' expects %s%s", name ? name : "null",
                      type->name ? type->name : "integer", is_sized ? "_t" : "");
}

static int check_value(const QgaTypeSpec *type, const Frame *top, const char *name, const QgaJson *value,
                       QgaError **error);

/* Visit `members` of object `obj` (entered as `frame`), then reject what is left over. */
static int check_members(const Frame *frame, const QgaMemberSpec *members, size_t n_members,
                         const QgaJson *obj, QgaError **error)
{
    for (size_t i = 0; i < n_members; i++) {
        const QgaMemberSpec *m = &members[i];
        const QgaJson *value = qga_json_object_get(obj, m->name);
        if (!value) {
            if (m->optional)
                continue;
            error_missing(error, frame, m->name);
            return -1;
        }
        /* An optional member given as null is present: null is then type-checked like any value. */
        if (check_value(m->type, frame, m->name, value, error) < 0)
            return -1;
    }

    /*
     * QEMU reports the first left-over key in its hash table's order; with
     * a single unexpected key (the only case hosts hit) that is the same
     * key. With several we report the first one in the request.
     */
    size_t size = qga_json_object_size(obj);
    for (size_t k = 0; k < size; k++) {
        const char *key = qga_json_object_key_at(obj, k);
        bool known = false;
        for (size_t i = 0; i < n_members && !known; i++)
            known = strcmp(members[i].name, key) == 0;
        if (!known) {
            _qga_cleanup_free_ char *full = full_name(frame, key);
            qga_error_generic(error, "Parameter '%s' is unexpected", full);
            return -1;
        }
    }
    return 0;
}

/* Integers, as visit_type_int*() / visit_type_uint*() read them. */
static int check_int(const QgaTypeSpec *type, const Frame *top, const char *name, const QgaJson *value,
                     QgaError **error)
{
    bool is_int = qga_json_type(value) == QGA_JSON_INT;

    if (type->is_unsigned) {
        /*
         * The uint64 reader takes any JSON integer that fits int64 or
         * uint64 (negative ones wrap, "for backward compatibility"); all
         * else, numbers with a fraction included, is "expects uint64".
         */
        if (!is_int) {
            _qga_cleanup_free_ char *full = full_name(top, name);
            qga_error_generic(error, "Parameter '%s' expects uint64", full);
            return -1;
        }
        uint64_t u = qga_json_int_is_unsigned(value) ? qga_json_get_uint(value)
                                                     : (uint64_t)qga_json_get_int(value);
        /* umax 0 means "no bound given" (uint64, size): a uint range of {0} is never meant. */
        if (type->umax != 0 && u > type->umax) {
            error_range(error, name, type);
            return -1;
        }
        return 0;
    }

    /* The int64 reader rejects numbers with a fraction and integers above INT64_MAX alike. */
    if (!is_int || qga_json_int_is_unsigned(value)) {
        error_type(error, top, name, "integer");
        return -1;
    }
    int64_t i = qga_json_get_int(value);
    bool bounded = type->min != 0 || type->umax != 0;   /* both 0: plain int/int64 */
    if (bounded && (i < type->min || (i >= 0 && (uint64_t)i > type->umax))) {
        error_range(error, name, type);
        return -1;
    }
    return 0;
}

/* Whether a JSON value has the QObject type an alternate branch is chosen by. */
static bool alternative_matches(const QgaTypeSpec *alt, QgaJsonType jt)
{
    switch (alt->kind) {
    case QGA_TYPE_INT:
    case QGA_TYPE_NUMBER:
        return jt == QGA_JSON_INT || jt == QGA_JSON_NUMBER;   /* both are a QNum */
    case QGA_TYPE_STRING:
    case QGA_TYPE_ENUM:
        return jt == QGA_JSON_STRING;
    case QGA_TYPE_BOOL:
        return jt == QGA_JSON_BOOL;
    case QGA_TYPE_NULL:
        return jt == QGA_JSON_NULL;
    case QGA_TYPE_STRUCT:
        return jt == QGA_JSON_OBJECT;
    case QGA_TYPE_ARRAY:
        return jt == QGA_JSON_ARRAY;
    case QGA_TYPE_ANY:
    case QGA_TYPE_ALTERNATE:
        return false;   /* QAPI forbids these as alternate branches */
    }
    return false;
}

static int check_value(const QgaTypeSpec *type, const Frame *top, const char *name, const QgaJson *value,
                       QgaError **error)
{
    QgaJsonType jt = qga_json_type(value);

    switch (type->kind) {
    case QGA_TYPE_ANY:
        return 0;
    case QGA_TYPE_INT:
        return check_int(type, top, name, value, error);
    case QGA_TYPE_NUMBER:
        if (jt != QGA_JSON_INT && jt != QGA_JSON_NUMBER) {
            error_type(error, top, name, "number");
            return -1;
        }
        return 0;
    case QGA_TYPE_STRING:
        if (jt != QGA_JSON_STRING) {
            error_type(error, top, name, "string");
            return -1;
        }
        return 0;
    case QGA_TYPE_BOOL:
        if (jt != QGA_JSON_BOOL) {
            error_type(error, top, name, "boolean");
            return -1;
        }
        return 0;
    case QGA_TYPE_NULL:
        if (jt != QGA_JSON_NULL) {
            error_type(error, top, name, "null");
            return -1;
        }
        return 0;
    case QGA_TYPE_ENUM: {
        if (jt != QGA_JSON_STRING) {
            error_type(error, top, name, "string");
            return -1;
        }
        /* QEMU compares C strings: an embedded NUL ends the value, as in its message. */
        const char *s = qga_json_get_string(value, NULL);
        for (const char *const *v = type->enum_values; v && *v; v++)
            if (strcmp(*v, s) == 0)
                return 0;
        qga_error_generic(error, "Parameter '%s' does not accept value '%s'", name ? name : "null", s);
        return -1;
    }
    case QGA_TYPE_STRUCT: {
        if (jt != QGA_JSON_OBJECT) {
            error_type(error, top, name, "object");
            return -1;
        }
        Frame frame = { .up = top, .name = name };
        return check_members(&frame, type->members, type->n_members, value, error);
    }
    case QGA_TYPE_ARRAY: {
        if (jt != QGA_JSON_ARRAY) {
            error_type(error, top, name, "array");
            return -1;
        }
        /*
         * Elements are visited without a name; the path shows the index.
         * (QEMU releases before the 2025 visitor rework show the element's
         * own index, as here.)
         */
        Frame frame = { .up = top, .name = name, .is_list = true };
        size_t n = qga_json_array_length(value);
        for (size_t i = 0; i < n; i++) {
            frame.index = i;
            if (check_value(type->element, &frame, NULL, qga_json_array_get(value, i), error) < 0)
                return -1;
        }
        return 0;
    }
    case QGA_TYPE_ALTERNATE:
        for (const QgaTypeSpec *const *alt = type->alternatives; alt && *alt; alt++)
            if (alternative_matches(*alt, jt))
                return check_value(*alt, top, name, value, error);
        qga_error_generic(error, "Invalid parameter type for '%s', expected: %s", name ? name : "null",
                          type->name ? type->name : "alternate");
        return -1;
    }
    qga_error_generic(error, "Invalid parameter type for '%s'", name ? name : "null");
    return -1;
}

int qga_schema_check(const QgaTypeSpec *type, const char *name, const QgaJson *value, QgaError **error)
{
    return check_value(type, NULL, name, value, error);
}

int qga_schema_check_args(const QgaCommandSpec *cmd, const QgaJson *args, QgaError **error)
{
    /* The marshaller enters the arguments object without a name: paths start at the member. */
    Frame root = { .up = NULL, .name = NULL };
    return check_members(&root, cmd->args, cmd->n_args, args, error);
}

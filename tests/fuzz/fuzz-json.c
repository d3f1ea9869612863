/* libFuzzer target: qga_json_parse + qga_json_write round trip (write(parse(x)) re-parses to an equal value). */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

static void die(const char *what, const char *text)
{
    fprintf(stderr, "fuzz-json: %s: %.400s\n", what, text ? text : "");
    abort();
}

static bool is_number(const QgaJson *v)
{
    return qga_json_type(v) == QGA_JSON_INT || qga_json_type(v) == QGA_JSON_NUMBER;
}

/* Numbers compare by value: the writer prints 1.0 as "1", which reads back as an integer, as in QEMU. */
static bool json_equal(const QgaJson *a, const QgaJson *b)
{
    if (is_number(a) && is_number(b)) {
        if (qga_json_type(a) == QGA_JSON_INT && qga_json_type(b) == QGA_JSON_INT) {
            if (qga_json_int_is_unsigned(a) != qga_json_int_is_unsigned(b))
                return false;
            return qga_json_int_is_unsigned(a) ? qga_json_get_uint(a) == qga_json_get_uint(b)
                                               : qga_json_get_int(a) == qga_json_get_int(b);
        }
        return qga_json_get_number(a) == qga_json_get_number(b);
    }
    if (qga_json_type(a) != qga_json_type(b))
        return false;
    switch (qga_json_type(a)) {
    case QGA_JSON_NULL:
        return true;
    case QGA_JSON_BOOL:
        return qga_json_get_bool(a) == qga_json_get_bool(b);
    case QGA_JSON_STRING: {
        size_t la, lb;
        const char *sa = qga_json_get_string(a, &la), *sb = qga_json_get_string(b, &lb);
        return la == lb && memcmp(sa, sb, la) == 0;
    }
    case QGA_JSON_ARRAY:
        if (qga_json_array_length(a) != qga_json_array_length(b))
            return false;
        for (size_t i = 0; i < qga_json_array_length(a); i++)
            if (!json_equal(qga_json_array_get(a, i), qga_json_array_get(b, i)))
                return false;
        return true;
    case QGA_JSON_OBJECT:
        if (qga_json_object_size(a) != qga_json_object_size(b))
            return false;
        /* Keys are unique, so same size + every key of a found equal in b is equality. */
        for (size_t i = 0; i < qga_json_object_size(a); i++) {
            const QgaJson *other = qga_json_object_get(b, qga_json_object_key_at(a, i));
            if (!other || !json_equal(qga_json_object_value_at(a, i), other))
                return false;
        }
        return true;
    default:
        return false;
    }
}

/* QEMU's writer prints overflowing doubles (1e999) as inf: not JSON, so no round trip to check. */
static bool all_finite(const QgaJson *v)
{
    switch (qga_json_type(v)) {
    case QGA_JSON_NUMBER:
        return isfinite(qga_json_get_number(v));
    case QGA_JSON_ARRAY:
        for (size_t i = 0; i < qga_json_array_length(v); i++)
            if (!all_finite(qga_json_array_get(v, i)))
                return false;
        return true;
    case QGA_JSON_OBJECT:
        for (size_t i = 0; i < qga_json_object_size(v); i++)
            if (!all_finite(qga_json_object_value_at(v, i)))
                return false;
        return true;
    default:
        return true;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QgaError *err = NULL;
    QgaJson *v = qga_json_parse((const char *)data, size, NULL, &err);
    if (!v) {
        if (!err || !err->desc || !err->desc[0])
            die("parse failed without an error", NULL);
        qga_error_free(err);
        return 0;
    }

    char *text = qga_json_to_string(v);
    size_t len = strlen(text);
    /* qemu-ga's output format: one line of printable ASCII. */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
            die("writer output is not printable ASCII", text);
    if (all_finite(v)) {
        QgaJson *again = qga_json_parse(text, len, NULL, &err);
        if (!again)
            die(err->desc, text);
        if (!json_equal(v, again))
            die("value changed in a write/parse round trip", text);
        /* After one round the text is a fixed point (-0.0 and 1.0 settle as integers). */
        char *text2 = qga_json_to_string(again);
        QgaJson *third = qga_json_parse(text2, strlen(text2), NULL, &err);
        if (!third)
            die(err->desc, text2);
        char *text3 = qga_json_to_string(third);
        if (strcmp(text2, text3) != 0)
            die("writer output is not a fixed point", text2);
        free(text3);
        qga_json_free(third);
        free(text2);
        qga_json_free(again);
    }
    free(text);
    qga_json_free(v);
    return 0;
}

/* Unit tests of the JSON codec: QEMU's dialect and error texts, limits, qemu-ga's exact output, round trips. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "core/json.h"

/* ---- helpers ---------------------------------------------------------- */

static QgaJson *parse_ok(const char *text)
{
    QgaError *err = NULL;
    QgaJson *v = qga_json_parse(text, strlen(text), NULL, &err);
    if (!v)
        g_error("parse of '%.200s' failed: %s", text, err->desc);
    g_assert_null(err);
    return v;
}

static void assert_parse_error_len(const char *text, size_t len, const QgaJsonLimits *limits, const char *desc)
{
    QgaError *err = NULL;
    QgaJson *v = qga_json_parse(text, len, limits, &err);
    g_assert_null(v);
    g_assert_nonnull(err);
    g_assert_cmpint(err->error_class, ==, QGA_ERROR_GENERIC);
    g_assert_cmpstr(err->desc, ==, desc);
    qga_error_free(err);
}

static void assert_parse_error(const char *text, const char *desc)
{
    assert_parse_error_len(text, strlen(text), NULL, desc);
}

static char *write_str(const QgaJson *v) { return qga_json_to_string(v); }

/* parse, then write: the canonical qemu-ga rendering of a text */
static void assert_rewrites(const char *text, const char *expected)
{
    QgaJson *v = parse_ok(text);
    g_autofree char *out = write_str(v);
    g_assert_cmpstr(out, ==, expected);
    qga_json_free(v);
}

static void assert_string_value(const char *text, const char *bytes, size_t len)
{
    QgaJson *v = parse_ok(text);
    g_assert_cmpint(qga_json_type(v), ==, QGA_JSON_STRING);
    size_t got_len;
    const char *got = qga_json_get_string(v, &got_len);
    g_assert_cmpmem(got, got_len, bytes, len);
    g_assert_cmpint(got[got_len], ==, '\0');
    qga_json_free(v);
}

/* Structural equality; numbers compare by value across INT/NUMBER (a written 2.0 reads back as 2). */
static gboolean json_equal(const QgaJson *a, const QgaJson *b)
{
    QgaJsonType ta = qga_json_type(a), tb = qga_json_type(b);
    if (ta == QGA_JSON_INT && tb == QGA_JSON_INT) {
        if (qga_json_int_is_unsigned(a) != qga_json_int_is_unsigned(b))
            return FALSE;
        return qga_json_int_is_unsigned(a) ? qga_json_get_uint(a) == qga_json_get_uint(b)
                                           : qga_json_get_int(a) == qga_json_get_int(b);
    }
    if ((ta == QGA_JSON_INT || ta == QGA_JSON_NUMBER) && (tb == QGA_JSON_INT || tb == QGA_JSON_NUMBER))
        return qga_json_get_number(a) == qga_json_get_number(b);
    if (ta != tb)
        return FALSE;
    switch (ta) {
    case QGA_JSON_NULL:
        return TRUE;
    case QGA_JSON_BOOL:
        return qga_json_get_bool(a) == qga_json_get_bool(b);
    case QGA_JSON_STRING: {
        size_t la, lb;
        const char *sa = qga_json_get_string(a, &la), *sb = qga_json_get_string(b, &lb);
        return la == lb && memcmp(sa, sb, la) == 0;
    }
    case QGA_JSON_ARRAY:
        if (qga_json_array_length(a) != qga_json_array_length(b))
            return FALSE;
        for (size_t i = 0; i < qga_json_array_length(a); i++) {
            if (!json_equal(qga_json_array_get(a, i), qga_json_array_get(b, i)))
                return FALSE;
        }
        return TRUE;
    case QGA_JSON_OBJECT:
        if (qga_json_object_size(a) != qga_json_object_size(b))
            return FALSE;
        for (size_t i = 0; i < qga_json_object_size(a); i++) {
            const QgaJson *other = qga_json_object_get(b, qga_json_object_key_at(a, i));
            if (!other || !json_equal(qga_json_object_value_at(a, i), other))
                return FALSE;
        }
        return TRUE;
    default:
        return FALSE;
    }
}

/* ---- parser: error texts ------------------------------------------------ */

static void test_parse_errors(void)
{
    static const struct {
        const char *text, *desc;
    } cases[] = {
        { "[1 2]", "JSON parse error, expected separator in list" },
        { "[1 {}]", "JSON parse error, expected separator in list" },
        { "{\"a\": 1 \"b\": 2}", "JSON parse error, expected separator in dict" },
        { "{\"a\": 1]", "JSON parse error, expected separator in dict" },
        { "{\"a\" 1}", "JSON parse error, missing : in object pair" },
        { "{\"a\", 1}", "JSON parse error, missing : in object pair" },
        { "{1: 2}", "JSON parse error, key is not a string in object" },
        { "{null: 2}", "JSON parse error, key is not a string in object" },
        /* QEMU parses a container key completely before complaining about it. */
        { "{[1]: 2}", "JSON parse error, key is not a string in object" },
        { "{[1 2]: 3}", "JSON parse error, expected separator in list" },
        { "{\"a\": 1, \"a\": 2}", "JSON parse error, duplicate key" },
        { "{\"a\": 1, 'a': 2}", "JSON parse error, duplicate key" },
        /* the duplicate is noticed only after its value parsed */
        { "{\"a\": 1, \"a\": [1 2]}", "JSON parse error, expected separator in list" },
        { "{\"a\": 1,}", "JSON parse error, expecting value" },
        { "{\"a\":}", "JSON parse error, expecting value" },
        { "{,}", "JSON parse error, expecting value" },
        { "[1,]", "JSON parse error, expecting value" },
        { "[,1]", "JSON parse error, expecting value" },
        { "[}", "JSON parse error, expecting value" },
        { "]", "JSON parse error, expecting value" },
        { ":", "JSON parse error, expecting value" },
        { "tru", "JSON parse error, invalid keyword 'tru'" },
        { "[nul]", "JSON parse error, invalid keyword 'nul'" },
        { "{tru: 1}", "JSON parse error, invalid keyword 'tru'" },
        { "\"\\x\"", "JSON parse error, invalid escape sequence in string" },
        { "\"\\U0041\"", "JSON parse error, invalid escape sequence in string" },
        { "\"\\\xC3\xA9\"", "JSON parse error, invalid escape sequence in string" },
        { "\"\xC3\"", "JSON parse error, invalid UTF-8 sequence in string" },
        { "\"\xC3\xA9\x80\"", "JSON parse error, invalid UTF-8 sequence in string" },
        { "\xFF", "JSON parse error, stray '\xFF'" },
        { "[1, \xFE]", "JSON parse error, stray '\xFE'" },
        { "@", "JSON parse error, stray '@'" },
        { "True", "JSON parse error, stray 'T'" },
        { "[01]", "JSON parse error, stray '01'" },
        { "[-]", "JSON parse error, stray '-]'" },
        { "\"ab\ncd\"", "JSON parse error, stray '\"ab\n'" },
        { "\"abc", "JSON parse error, stray '\"abc'" },
        /* a lexical error wins over an earlier grammar error of the same message */
        { "[1 2 \xFF", "JSON parse error, stray '\xFF'" },
        { "[1", "JSON parse error, premature EOI" },
        { "{", "JSON parse error, premature EOI" },
        { "{\"a\"", "JSON parse error, premature EOI" },
        { "{\"a\":", "JSON parse error, premature EOI" },
        { "[[[]]", "JSON parse error, premature EOI" },
        { "", "JSON parse error, premature EOI" },
        { " \n\t ", "JSON parse error, premature EOI" },
        /* QEMU's streamer would start a second message: one text only here */
        { "[1] [2]", "JSON parse error, unexpected data after the JSON value" },
        { "{} x", "JSON parse error, unexpected data after the JSON value" },
        { "1 2", "JSON parse error, unexpected data after the JSON value" },
        { "[1]]", "JSON parse error, unexpected data after the JSON value" },
        /* \u escapes that are no valid character: QEMU quotes the escape as far as it read */
        { "\"\\uD800\"", "JSON parse error, \\uD800 is not a valid Unicode character" },
        { "\"\\uDC00\"", "JSON parse error, \\uDC00 is not a valid Unicode character" },
        { "\"\\uD800\\u0041\"", "JSON parse error, \\uD800 is not a valid Unicode character" },
        { "\"\\uDE00\\uD83D\"", "JSON parse error, \\uDE00 is not a valid Unicode character" },
        { "\"\\uFFFF\"", "JSON parse error, \\uFFFF is not a valid Unicode character" },
        { "\"\\uFDD0\"", "JSON parse error, \\uFDD0 is not a valid Unicode character" },
        { "\"\\uD83F\\uDFFE\"", "JSON parse error, \\uD83F\\uDFFE is not a valid Unicode character" },
        { "\"\\u12\"", "JSON parse error, \\u12\" is not a valid Unicode character" },
        { "'\\u12'", "JSON parse error, \\u12' is not a valid Unicode character" },
        { "\"\\u12G4\"", "JSON parse error, \\u12G4 is not a valid Unicode character" },
        { "\"\\u\"", "JSON parse error, \\u\" is not a valid Unicode character" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *shown = g_strescape(cases[i].text, NULL);
        g_test_message("case %zu: %s", i, shown);
        assert_parse_error(cases[i].text, cases[i].desc);
    }
}

static void test_parse_error_nul(void)
{
    /* QEMU prints the stray token with %s: it ends at a NUL byte. */
    assert_parse_error_len("\"a\0b\"", 5, NULL, "JSON parse error, stray '\"a'");
    assert_parse_error_len("\0", 1, NULL, "JSON parse error, stray ''");
}

static void test_parse_error_long_keyword(void)
{
    /* QEMU formats the detail into 1024 bytes: a long keyword is cut. */
    g_autofree char *kw = g_strnfill(3000, 'a');
    QgaError *err = NULL;
    g_assert_null(qga_json_parse(kw, strlen(kw), NULL, &err));
    g_assert_cmpuint(strlen(err->desc), ==, strlen("JSON parse error, ") + 1023);
    g_assert_true(g_str_has_prefix(err->desc, "JSON parse error, invalid keyword 'aaaa"));
    qga_error_free(err);
}

/* ---- parser: limits ----------------------------------------------------- */

static char *nested(const char *open, const char *close, size_t depth)
{
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < depth; i++)
        g_string_append(s, open);
    for (size_t i = 0; i < depth; i++)
        g_string_append(s, close);
    return g_string_free(s, FALSE);
}

/* depth objects nested in each other, the innermost empty */
static char *nested_objects(size_t depth)
{
    g_autofree char *open = nested("{\"k\": ", "", depth - 1);
    g_autofree char *close = nested("", "}", depth - 1);
    return g_strdup_printf("%s{}%s", open, close);
}

static void test_depth_limit(void)
{
    g_autofree char *ok = nested("[", "]", 1024);
    QgaJson *v = parse_ok(ok);
    qga_json_free(v);
    g_autofree char *ok_obj = nested_objects(1023);
    g_autofree char *ok_mixed = g_strdup_printf("[%s]", ok_obj);   /* 1023 objects inside one array */
    v = parse_ok(ok_mixed);
    qga_json_free(v);

    g_autofree char *deep = nested("[", "]", 1025);
    assert_parse_error(deep, "JSON nesting depth limit exceeded");
    g_autofree char *deep_obj = nested_objects(1025);
    assert_parse_error(deep_obj, "JSON nesting depth limit exceeded");

    /* The streamer checks depth before the parser sees the message: it wins over grammar errors. */
    g_autofree char *tail = nested("[", "", 1030);
    g_autofree char *bad_then_deep = g_strdup_printf("[1 2, %s", tail);
    assert_parse_error(bad_then_deep, "JSON nesting depth limit exceeded");

    /* Very deep input fails fast and without recursion. */
    g_autofree char *huge = nested("[", "", 1000000);
    assert_parse_error(huge, "JSON nesting depth limit exceeded");

    QgaJsonLimits small = { .max_depth = 3 };
    assert_parse_error_len("[[[[]]]]", 8, &small, "JSON nesting depth limit exceeded");
    QgaError *err = NULL;
    v = qga_json_parse("[[{}]]", 6, &small, &err);
    g_assert_nonnull(v);
    qga_json_free(v);
}

static void test_huge_object(void)
{
    /* 2 Mi tokens (qemu-ga's message maximum) in one object with distinct keys. */
    const size_t members = (2u << 20) / 4;
    GString *s = g_string_sized_new(members * 16);
    g_string_append_c(s, '{');
    for (size_t i = 0; i < members; i++)
        g_string_append_printf(s, "%s\"key%zu\": %zu", i ? ", " : "", i, i);
    g_string_append_c(s, '}');

    /*
     * Budget: well under a second (an O(n^2) duplicate check takes minutes).
     * Best of three, so a busy CI machine does not make it flaky; sanitizer
     * or valgrind runs may scale it with QGA_TEST_TIME_FACTOR.
     */
    const char *factor = g_getenv("QGA_TEST_TIME_FACTOR");
    double budget = 1.0 * (factor ? g_ascii_strtod(factor, NULL) : 1.0), best = G_MAXDOUBLE;
    for (int attempt = 0; attempt < 3 && best >= budget; attempt++) {
        gint64 start = g_get_monotonic_time();
        QgaError *err = NULL;
        QgaJson *v = qga_json_parse(s->str, s->len, NULL, &err);
        double secs = (double)(g_get_monotonic_time() - start) / 1e6;
        g_assert_null(err);
        g_assert_nonnull(v);
        g_assert_cmpuint(qga_json_object_size(v), ==, members);
        g_assert_cmpstr(qga_json_object_key_at(v, members - 1), ==, "key524287");
        g_assert_cmpint(qga_json_get_int(qga_json_object_value_at(v, members - 1)), ==, (gint64)members - 1);
        qga_json_free(v);
        g_test_message("parsed %zu members in %.3f s", members, secs);
        best = MIN(best, secs);
    }
    g_assert_cmpfloat(best, <, budget);

    /* A duplicate of the very first key, at the very end, is still found. */
    g_string_truncate(s, s->len - 1);
    g_string_append(s, ", \"key0\": 1}");
    assert_parse_error_len(s->str, s->len, NULL, "JSON parse error, duplicate key");
    g_string_free(s, TRUE);
}

/* ---- parser: values ------------------------------------------------------ */

static void test_single_quotes(void)
{
    QgaJson *v = parse_ok("{'execute': 'guest-sync', \"arguments\": {'id': 1}}");
    g_assert_cmpstr(qga_json_get_string(qga_json_object_get(v, "execute"), NULL), ==, "guest-sync");
    g_assert_cmpint(qga_json_get_int(qga_json_object_get(qga_json_object_get(v, "arguments"), "id")), ==, 1);
    qga_json_free(v);
    assert_string_value("'it\\'s'", "it's", 4);
    assert_string_value("\"it\\'s\"", "it's", 4);
    assert_string_value("'say \"hi\"'", "say \"hi\"", 8);
    assert_string_value("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
}

static void test_top_level_scalars(void)
{
    QgaJson *v = parse_ok(" 42 ");
    g_assert_cmpint(qga_json_get_int(v), ==, 42);
    qga_json_free(v);
    v = parse_ok("\"s\"");
    g_assert_cmpstr(qga_json_get_string(v, NULL), ==, "s");
    qga_json_free(v);
    v = parse_ok("null");
    g_assert_cmpint(qga_json_type(v), ==, QGA_JSON_NULL);
    qga_json_free(v);
    v = parse_ok("false");
    g_assert_false(qga_json_get_bool(v));
    qga_json_free(v);
}

static void test_numbers(void)
{
    QgaJson *v = parse_ok("[9223372036854775807, -9223372036854775808, 18446744073709551615, -0, 0, "
                          "18446744073709551616, -9223372036854775809, 1.0, 1e400, -1e400, 1e-400, 0.1, 2.5E+2]");
    g_assert_cmpint(qga_json_get_int(qga_json_array_get(v, 0)), ==, G_MAXINT64);
    g_assert_false(qga_json_int_is_unsigned(qga_json_array_get(v, 0)));
    g_assert_cmpint(qga_json_get_int(qga_json_array_get(v, 1)), ==, G_MININT64);
    g_assert_true(qga_json_int_is_unsigned(qga_json_array_get(v, 2)));
    g_assert_cmpuint(qga_json_get_uint(qga_json_array_get(v, 2)), ==, G_MAXUINT64);
    /* "-0" is the integer 0, as qemu_strtoi64 reads it */
    g_assert_cmpint(qga_json_type(qga_json_array_get(v, 3)), ==, QGA_JSON_INT);
    g_assert_cmpint(qga_json_get_int(qga_json_array_get(v, 3)), ==, 0);
    g_assert_cmpuint(qga_json_get_uint(qga_json_array_get(v, 4)), ==, 0);
    /* beyond 64 bits: a double */
    g_assert_cmpint(qga_json_type(qga_json_array_get(v, 5)), ==, QGA_JSON_NUMBER);
    g_assert_cmpfloat(qga_json_get_number(qga_json_array_get(v, 5)), ==, 18446744073709551616.0);
    g_assert_cmpint(qga_json_type(qga_json_array_get(v, 6)), ==, QGA_JSON_NUMBER);
    g_assert_cmpfloat(qga_json_get_number(qga_json_array_get(v, 6)), ==, -9223372036854775809.0);
    g_assert_cmpint(qga_json_type(qga_json_array_get(v, 7)), ==, QGA_JSON_NUMBER);
    g_assert_cmpfloat(qga_json_get_number(qga_json_array_get(v, 7)), ==, 1.0);
    /* huge exponents: strtod's inf / 0, no error (QEMU ignores ERANGE) */
    g_assert_true(isinf(qga_json_get_number(qga_json_array_get(v, 8))));
    g_assert_cmpfloat(qga_json_get_number(qga_json_array_get(v, 9)), <, 0);
    g_assert_true(isinf(qga_json_get_number(qga_json_array_get(v, 9))));
    g_assert_cmpfloat(qga_json_get_number(qga_json_array_get(v, 10)), ==, 0.0);
    g_assert_cmpfloat(qga_json_get_number(qga_json_array_get(v, 11)), ==, 0.1);
    g_assert_cmpfloat(qga_json_get_number(qga_json_array_get(v, 12)), ==, 250.0);
    /* INT reads as a double too */
    g_assert_cmpfloat(qga_json_get_number(qga_json_array_get(v, 2)), ==, 18446744073709551615.0);
    qga_json_free(v);
    /* and they print back as qemu-ga prints them */
    assert_rewrites("[9223372036854775807, -9223372036854775808, 18446744073709551615, -0, 18446744073709551616, 1.0, 1e400, 0.1]",
                    "[9223372036854775807, -9223372036854775808, 18446744073709551615, 0, 1.8446744073709552e+19, 1, inf, 0.10000000000000001]");
    /* QEMU's lexer takes no exponent after a lone 0 */
    assert_parse_error("[0e1]", "JSON parse error, expected separator in list");
    assert_parse_error("[0E1]", "JSON parse error, stray 'E'");
}

static void test_strings_utf8(void)
{
    /* valid UTF-8 of every length passes through unchanged */
    assert_string_value("\"a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"", "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 10);
    /* \u escapes decode to UTF-8; a surrogate pair to one 4-byte character */
    assert_string_value("\"\\u00e9\\u20AC\\uD83D\\uDE00\"", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 9);
    /* U+0000 is modified UTF-8 C0 80 (QEMU): a decoded string never holds a NUL byte */
    assert_string_value("\"a\\u0000b\"", "a\xC0\x80" "b", 4);
    assert_string_value("\"\xC0\x80\"", "\xC0\x80", 2);
    /* invalid UTF-8: overlong, surrogate, beyond U+10FFFF, noncharacter, lone continuation, 5 bytes */
    static const char *const bad[] = {
        "\"\xC1\xBF\"", "\"\xE0\x80\x80\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"",
        "\"\xEF\xBF\xBF\"", "\"\xEF\xBF\xBE\"", "\"\xEF\xB7\x90\"", "\"\x80\"", "\"\xF8\x88\x80\x80\x80\"",
        "\"\xE2\x82\"", "'\xC3'",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        assert_parse_error(bad[i], "JSON parse error, invalid UTF-8 sequence in string");
    /* keys are decoded the same way */
    QgaJson *v = parse_ok("{\"\\u00e9\": 1}");
    g_assert_cmpstr(qga_json_object_key_at(v, 0), ==, "\xC3\xA9");
    qga_json_free(v);
}

/* ---- writer ------------------------------------------------------------- */

static void test_write_shapes(void)
{
    QgaJson *v = qga_json_object();
    qga_json_object_set(v, "return", qga_json_object());
    g_autofree char *s1 = write_str(v);
    g_assert_cmpstr(s1, ==, "{\"return\": {}}");
    qga_json_free(v);

    v = qga_json_object();
    qga_json_object_set_int(v, "a", 1);
    QgaJson *arr = qga_json_array();
    qga_json_array_append(arr, qga_json_int(1));
    qga_json_array_append(arr, qga_json_int(2));
    qga_json_object_set(v, "b", arr);
    qga_json_object_set(v, "c", qga_json_array());
    qga_json_object_set_bool(v, "d", true);
    qga_json_object_set(v, "e", qga_json_null());
    qga_json_object_set_str(v, "f", "x");
    g_autofree char *s2 = write_str(v);
    g_assert_cmpstr(s2, ==, "{\"a\": 1, \"b\": [1, 2], \"c\": [], \"d\": true, \"e\": null, \"f\": \"x\"}");
    /* write appends */
    QgaBuf b = QGA_BUF_INIT;
    qga_buf_append_str(&b, "X");
    qga_json_write(&b, v);
    g_assert_cmpstr(b.data, ==, "X{\"a\": 1, \"b\": [1, 2], \"c\": [], \"d\": true, \"e\": null, \"f\": \"x\"}");
    qga_buf_free(&b);
    qga_json_free(v);
}

static void assert_written_string(const char *bytes, size_t len, const char *expected)
{
    QgaBuf b = QGA_BUF_INIT;
    qga_json_write_string(&b, bytes, len);
    g_assert_cmpstr(b.data, ==, expected);
    /* the same through a value */
    QgaJson *v = qga_json_string_len(bytes, len);
    g_autofree char *s = write_str(v);
    g_assert_cmpstr(s, ==, expected);
    qga_json_free(v);
    qga_buf_free(&b);
}

#define W(lit, expected) assert_written_string(lit, sizeof(lit) - 1, expected)

static void test_write_strings(void)
{
    W("", "\"\"");
    W("plain / text ~", "\"plain / text ~\"");
    W("\"\\\b\f\n\r\t", "\"\\\"\\\\\\b\\f\\n\\r\\t\"");
    W("\x01\x1F\x7F", "\"\\u0001\\u001F\\u007F\"");
    /* everything from 0x7F up as \uXXXX, upper-case hex; astral characters as surrogate pairs */
    W("\xC3\xA9\xE2\x82\xAC\xEF\xBF\xBD", "\"\\u00E9\\u20AC\\uFFFD\"");
    W("\xF0\x9F\x98\x80", "\"\\uD83D\\uDE00\"");
    W("\xF4\x8F\xBF\xBD", "\"\\uDBFF\\uDFFD\"");
    /* modified UTF-8 NUL, and a raw NUL byte, both as \u0000 */
    W("a\xC0\x80" "b\0c", "\"a\\u0000b\\u0000c\"");
    /* invalid UTF-8: one U+FFFD per invalid sequence, as QEMU's mod_utf8_codepoint delimits it */
    W("\xFF\xFE", "\"\\uFFFD\\uFFFD\"");
    W("\x80\xBF", "\"\\uFFFD\\uFFFD\"");
    W("\xE2\x82" "A", "\"\\uFFFDA\"");              /* truncated 3-byte sequence: one */
    W("\xF0\x9F\x98", "\"\\uFFFD\"");               /* truncated at the end of the string */
    W("\xC0\xAF", "\"\\uFFFD\"");                   /* overlong '/' */
    W("\xED\xA0\x80\xED\xB0\x80", "\"\\uFFFD\\uFFFD\"");   /* CESU-style surrogates */
    W("\xEF\xBF\xBF\xEF\xB7\x90", "\"\\uFFFD\\uFFFD\"");   /* noncharacters U+FFFF, U+FDD0 */
    W("\xF4\x90\x80\x80", "\"\\uFFFD\"");           /* beyond U+10FFFF */
    W("\xFC\x80\x80\x80\x80\x80", "\"\\uFFFD\"");   /* 6-byte form */
    W("\xC3(", "\"\\uFFFD(\"");
}

static void test_write_string_streaming(void)
{
    /* a streaming writer can build a member around a large payload without a QgaJson */
    QgaBuf b = QGA_BUF_INIT;
    qga_buf_append_str(&b, "{\"return\": {\"buf-b64\": ");
    qga_json_write_string(&b, "aGVsbG8=", 8);
    qga_buf_append_str(&b, ", \"count\": 5}}");
    g_assert_cmpstr(b.data, ==, "{\"return\": {\"buf-b64\": \"aGVsbG8=\", \"count\": 5}}");
    qga_buf_free(&b);
}

static void assert_written_double(double d, const char *expected)
{
    QgaJson *v = qga_json_number(d);
    g_autofree char *s = write_str(v);
    g_assert_cmpstr(s, ==, expected);
    qga_json_free(v);
}

static void test_write_numbers(void)
{
    assert_written_double(0.0, "0");
    assert_written_double(-0.0, "-0");
    assert_written_double(1.5, "1.5");
    assert_written_double(100.0, "100");
    assert_written_double(0.1, "0.10000000000000001");
    assert_written_double(1e20, "1e+20");
    assert_written_double(1e300, "1.0000000000000001e+300");
    assert_written_double(1e-7, "9.9999999999999995e-08");
    assert_written_double(5e-324, "4.9406564584124654e-324");
    assert_written_double(123456789012345678.0, "1.2345678901234568e+17");
    /* QEMU's FIXME: %.17g prints the non-finite values, as glibc spells them */
    assert_written_double(INFINITY, "inf");
    assert_written_double(-INFINITY, "-inf");
    assert_written_double(NAN, "nan");

    QgaJson *v = qga_json_array();
    qga_json_array_append(v, qga_json_int(G_MININT64));
    qga_json_array_append(v, qga_json_int(G_MAXINT64));
    qga_json_array_append(v, qga_json_uint(G_MAXUINT64));
    qga_json_array_append(v, qga_json_uint(5));
    qga_json_array_append(v, qga_json_int(-1));
    qga_json_array_append(v, qga_json_int(0));
    g_autofree char *s = write_str(v);
    g_assert_cmpstr(s, ==, "[-9223372036854775808, 9223372036854775807, 18446744073709551615, 5, -1, 0]");
    /* a small uint is stored like an int */
    g_assert_false(qga_json_int_is_unsigned(qga_json_array_get(v, 3)));
    g_assert_cmpint(qga_json_get_int(qga_json_array_get(v, 3)), ==, 5);
    qga_json_free(v);
}

/* ---- value model ---------------------------------------------------------- */

static void test_model(void)
{
    QgaJson *o = qga_json_object();
    qga_json_object_set_int(o, "a", 1);
    qga_json_object_set_str(o, "b", "two");
    qga_json_object_set_number(o, "c", 2.5);
    qga_json_object_set_uint(o, "d", G_MAXUINT64);
    qga_json_object_set_int(o, "a", 3);   /* replaces, keeps the position */
    g_assert_cmpuint(qga_json_object_size(o), ==, 4);
    g_assert_cmpstr(qga_json_object_key_at(o, 0), ==, "a");
    g_assert_cmpint(qga_json_get_int(qga_json_object_get(o, "a")), ==, 3);
    g_assert_null(qga_json_object_get(o, "zz"));

    QgaJson *copy = qga_json_copy(o);
    g_assert_true(json_equal(o, copy));
    QgaJson *taken = qga_json_object_take(copy, "b");
    g_assert_cmpstr(qga_json_get_string(taken, NULL), ==, "two");
    g_assert_null(qga_json_object_take(copy, "b"));
    g_assert_cmpuint(qga_json_object_size(copy), ==, 3);
    g_assert_cmpstr(qga_json_object_key_at(copy, 1), ==, "c");
    g_assert_false(json_equal(o, copy));
    g_assert_cmpuint(qga_json_object_size(o), ==, 4);   /* deep copy: the original is untouched */
    qga_json_free(taken);
    qga_json_free(copy);
    qga_json_free(o);
    qga_json_free(NULL);

    g_assert_cmpstr(qga_json_type_name(QGA_JSON_NULL), ==, "null");
    g_assert_cmpstr(qga_json_type_name(QGA_JSON_BOOL), ==, "boolean");
    g_assert_cmpstr(qga_json_type_name(QGA_JSON_INT), ==, "integer");
    g_assert_cmpstr(qga_json_type_name(QGA_JSON_NUMBER), ==, "number");
    g_assert_cmpstr(qga_json_type_name(QGA_JSON_STRING), ==, "string");
    g_assert_cmpstr(qga_json_type_name(QGA_JSON_ARRAY), ==, "array");
    g_assert_cmpstr(qga_json_type_name(QGA_JSON_OBJECT), ==, "object");

    char *heap = g_strdup("owned");   /* string_take takes a malloc'd buffer */
    char *m = strcpy(malloc(6), heap);
    g_free(heap);
    QgaJson *t = qga_json_string_take(m, 5);
    g_assert_cmpstr(qga_json_get_string(t, NULL), ==, "owned");
    qga_json_free(t);
}

/* ---- round trip ----------------------------------------------------------- */

static void append_utf8(GString *s, gunichar c)
{
    if (c == 0)
        g_string_append_len(s, "\xC0\x80", 2);   /* the form a parsed string holds */
    else
        g_string_append_unichar(s, c);
}

static gunichar random_char(GRand *r)
{
    for (;;) {
        gunichar c;
        switch (g_rand_int_range(r, 0, 4)) {
        case 0: c = (gunichar)g_rand_int_range(r, 0, 0x80); break;
        case 1: c = (gunichar)g_rand_int_range(r, 0x80, 0x800); break;
        case 2: c = (gunichar)g_rand_int_range(r, 0x800, 0x10000); break;
        default: c = (gunichar)g_rand_int_range(r, 0x10000, 0x110000); break;
        }
        /* QEMU's valid characters: no surrogates, no noncharacters */
        if ((c >= 0xD800 && c <= 0xDFFF) || (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE)
            continue;
        return c;
    }
}

static QgaJson *random_value(GRand *r, int depth)
{
    int kind = g_rand_int_range(r, 0, depth > 4 ? 6 : 8);
    switch (kind) {
    case 0: return qga_json_null();
    case 1: return qga_json_bool(g_rand_boolean(r));
    case 2: {
        guint64 bits = (guint64)g_rand_int(r) << 32 | g_rand_int(r);
        switch (g_rand_int_range(r, 0, 3)) {
        case 0: return qga_json_int((gint64)bits);
        case 1: return qga_json_uint(bits);
        default: return qga_json_int(g_rand_int_range(r, -1000, 1000));
        }
    }
    case 3: {
        double d;
        do {
            guint64 bits = (guint64)g_rand_int(r) << 32 | g_rand_int(r);
            memcpy(&d, &bits, sizeof(d));
        } while (!isfinite(d));
        if (g_rand_boolean(r))
            d = g_rand_double_range(r, -1e6, 1e6);
        return qga_json_number(d);
    }
    case 4:
    case 5: {
        GString *s = g_string_new(NULL);
        int n = g_rand_int_range(r, 0, 12);
        for (int i = 0; i < n; i++)
            append_utf8(s, random_char(r));
        size_t len = s->len;
        return qga_json_string_take(g_string_free(s, FALSE), len);
    }
    case 6: {
        QgaJson *a = qga_json_array();
        int n = g_rand_int_range(r, 0, 5);
        for (int i = 0; i < n; i++)
            qga_json_array_append(a, random_value(r, depth + 1));
        return a;
    }
    default: {
        QgaJson *o = qga_json_object();
        int n = g_rand_int_range(r, 0, 5);
        for (int i = 0; i < n; i++) {
            GString *k = g_string_new(NULL);
            int kl = g_rand_int_range(r, 0, 6);
            for (int j = 0; j < kl; j++)
                append_utf8(k, random_char(r));
            qga_json_object_set(o, k->str, random_value(r, depth + 1));   /* set: keys stay unique */
            g_string_free(k, TRUE);
        }
        return o;
    }
    }
}

static void test_round_trip(void)
{
    GRand *r = g_rand_new_with_seed(0x51a7e);
    for (int i = 0; i < 5000; i++) {
        QgaJson *v = random_value(r, 0);
        g_autofree char *text = write_str(v);
        /* qemu-ga's output is pure ASCII */
        for (const char *p = text; *p; p++)
            g_assert_cmpint((unsigned char)*p, <, 0x80);
        QgaError *err = NULL;
        QgaJson *back = qga_json_parse(text, strlen(text), NULL, &err);
        if (!back)
            g_error("round trip %d: '%s' does not parse: %s", i, text, err->desc);
        if (!json_equal(v, back))
            g_error("round trip %d: '%s' came back different", i, text);
        /* and writing is a fixpoint byte for byte */
        g_autofree char *again = write_str(back);
        g_assert_cmpstr(again, ==, text);
        qga_json_free(back);
        qga_json_free(v);
    }
    g_rand_free(r);
}

/* qemu-ga prints inf/nan as %.17g does: such output does not read back. */
static gboolean has_nonfinite(const QgaJson *v)
{
    switch (qga_json_type(v)) {
    case QGA_JSON_NUMBER:
        return !isfinite(qga_json_get_number(v));
    case QGA_JSON_ARRAY:
        for (size_t i = 0; i < qga_json_array_length(v); i++) {
            if (has_nonfinite(qga_json_array_get(v, i)))
                return TRUE;
        }
        return FALSE;
    case QGA_JSON_OBJECT:
        for (size_t i = 0; i < qga_json_object_size(v); i++) {
            if (has_nonfinite(qga_json_object_value_at(v, i)))
                return TRUE;
        }
        return FALSE;
    default:
        return FALSE;
    }
}

/* Random corruption of realistic requests: never a crash, always a value or a qemu-ga error text. */
static void test_mutations(void)
{
    static const char *const seeds[] = {
        "{\"execute\": \"guest-file-write\", \"arguments\": {\"handle\": 1000, \"buf-b64\": \"aGVsbG8=\"}, \"id\": [1, 2.5e3, null]}",
        "{'execute': 'guest-exec', 'arguments': {'path': '/bin/sh', 'arg': ['-c', '\\u00e9\\'x'], 'capture-output': true}}",
        "[{\"a\": {\"b\": [[], {}, \"\\uD83D\\uDE00\", -0.0e+1, 18446744073709551616]}}]",
    };
    static const char inject[] = "{}[]:,\"'\\-0.eE+ \xFF\xFE\x01\xC3\xA9\xC0\x80u";
    GRand *r = g_rand_new_with_seed(0xf022);
    for (int iter = 0; iter < 30000; iter++) {
        GString *s = g_string_new(seeds[iter % G_N_ELEMENTS(seeds)]);
        int edits = g_rand_int_range(r, 1, 6);
        for (int e = 0; e < edits; e++) {
            guint pos = s->len ? (guint)g_rand_int_range(r, 0, (gint32)s->len) : 0;
            char c = g_rand_boolean(r) ? inject[g_rand_int_range(r, 0, sizeof(inject) - 1)] : (char)g_rand_int_range(r, 0, 256);
            switch (g_rand_int_range(r, 0, 3)) {
            case 0: g_string_insert_c(s, pos, c); break;
            case 1: if (s->len) g_string_erase(s, pos, 1); break;
            default: if (s->len) s->str[pos] = c; break;
            }
        }
        QgaError *err = NULL;
        QgaJson *v = qga_json_parse(s->str, s->len, NULL, &err);
        if (v) {
            g_assert_null(err);
            if (!has_nonfinite(v)) {
                g_autofree char *out = write_str(v);
                QgaJson *back = parse_ok(out);
                g_assert_true(json_equal(v, back));
                qga_json_free(back);
            }
            qga_json_free(v);
        } else {
            g_assert_true(g_str_has_prefix(err->desc, "JSON parse error, "));
            qga_error_free(err);
        }
        g_string_free(s, TRUE);
    }
    g_rand_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/json/parse-errors", test_parse_errors);
    g_test_add_func("/agent/json/parse-error-nul", test_parse_error_nul);
    g_test_add_func("/agent/json/parse-error-long-keyword", test_parse_error_long_keyword);
    g_test_add_func("/agent/json/parse-depth-limit", test_depth_limit);
    g_test_add_func("/agent/json/parse-huge-object", test_huge_object);
    g_test_add_func("/agent/json/parse-single-quotes", test_single_quotes);
    g_test_add_func("/agent/json/parse-top-level-scalars", test_top_level_scalars);
    g_test_add_func("/agent/json/parse-numbers", test_numbers);
    g_test_add_func("/agent/json/parse-strings-utf8", test_strings_utf8);
    g_test_add_func("/agent/json/write-shapes", test_write_shapes);
    g_test_add_func("/agent/json/write-strings", test_write_strings);
    g_test_add_func("/agent/json/write-string-streaming", test_write_string_streaming);
    g_test_add_func("/agent/json/write-numbers", test_write_numbers);
    g_test_add_func("/agent/json/model", test_model);
    g_test_add_func("/agent/json/round-trip", test_round_trip);
    g_test_add_func("/agent/json/parse-mutations", test_mutations);
    return g_test_run();
}

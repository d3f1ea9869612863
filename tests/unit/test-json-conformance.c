/* JSONTestSuite conformance of the agent's parser, with json-glib as the oracle and QEMU's dialect as the rule. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/json.h"

#define DEFAULT_CORPUS "/work/shared/testdata/JSONTestSuite/test_parsing"

/*
 * Where QEMU's JSON dialect differs from RFC 8259 as JSONTestSuite reads it.
 * These files are not skipped: each must behave the QEMU way, exactly.
 */
typedef struct Exception {
    const char *file;
    const char *qemu_error;   /* NULL: QEMU accepts the file */
    const char *qemu_value;   /* accepted files: our rendering of the value */
    const char *reason;
} Exception;

static const Exception exceptions[] = {
    /* RFC-valid texts QEMU rejects */
    { "y_number_0e1.json", "JSON parse error, expected separator in list", NULL,
      "QEMU's lexer takes no exponent after a lone 0: \"0e1\" lexes as 0, keyword e, 1" },
    { "y_number_0e+1.json", "JSON parse error, stray '+'", NULL,
      "as above; then '+' starts no token" },
    { "y_object_duplicated_key.json", "JSON parse error, duplicate key", NULL,
      "QEMU's parser rejects duplicate keys" },
    { "y_object_duplicated_key_and_value.json", "JSON parse error, duplicate key", NULL,
      "QEMU's parser rejects duplicate keys, even with equal values" },
    { "y_string_escaped_noncharacter.json", "JSON parse error, \\uFFFF is not a valid Unicode character", NULL,
      "QEMU rejects the 66 Unicode noncharacters (util/unicode.c is_valid_codepoint)" },
    { "y_string_unicode_U+FFFE_nonchar.json", "JSON parse error, \\uFFFE is not a valid Unicode character", NULL,
      "noncharacter" },
    { "y_string_unicode_U+FDD0_nonchar.json", "JSON parse error, \\uFDD0 is not a valid Unicode character", NULL,
      "noncharacter" },
    { "y_string_unicode_U+1FFFE_nonchar.json", "JSON parse error, \\uD83F\\uDFFE is not a valid Unicode character", NULL,
      "noncharacter, written as a surrogate pair" },
    { "y_string_unicode_U+10FFFE_nonchar.json", "JSON parse error, \\uDBFF\\uDFFE is not a valid Unicode character", NULL,
      "noncharacter, written as a surrogate pair" },
    { "y_string_last_surrogates_1_and_2.json", "JSON parse error, \\uDBFF\\uDFFF is not a valid Unicode character", NULL,
      "the pair is U+10FFFF, a noncharacter" },
    { "y_string_nonCharacterInUTF-8_U+FFFF.json", "JSON parse error, invalid UTF-8 sequence in string", NULL,
      "raw UTF-8 noncharacters are rejected too (mod_utf8_codepoint)" },
    { "y_string_nonCharacterInUTF-8_U+10FFFF.json", "JSON parse error, invalid UTF-8 sequence in string", NULL,
      "raw UTF-8 noncharacter" },
    /* RFC-valid texts QEMU accepts with a different value */
    { "y_string_null_escape.json", NULL, "[\"\\u0000\"]",
      "\\u0000 decodes to modified UTF-8 C0 80 (QEMU strings are C strings), written back as \\u0000" },
    { "y_object_escaped_null_in_key.json", NULL, "{\"foo\\u0000bar\": 42}",
      "as above, in a key: json-glib's C string would end at the NUL" },
    /* RFC-invalid texts QEMU accepts */
    { "n_string_single_quote.json", NULL, "[\"single quote\"]",
      "QEMU accepts single-quoted strings" },
    { "n_object_single_quote.json", NULL, "{\"a\": 0}",
      "QEMU accepts single-quoted strings" },
};

static const Exception *find_exception(const char *file)
{
    for (size_t i = 0; i < G_N_ELEMENTS(exceptions); i++) {
        if (strcmp(exceptions[i].file, file) == 0)
            return &exceptions[i];
    }
    return NULL;
}

static char *corpus_dir(void)
{
    const char *env = g_getenv("JSONTESTSUITE_DIR");
    return g_strdup(env && *env ? env : DEFAULT_CORPUS);
}

/* g_ptr_array_sort passes pointers to the elements */
static gint cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The corpus files of one category ("y_", "n_", "i_"), sorted. */
static GPtrArray *list_files(const char *dir, const char *prefix)
{
    g_autoptr(GError) err = NULL;
    GDir *d = g_dir_open(dir, 0, &err);
    g_assert_no_error(err);
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        if (g_str_has_prefix(name, prefix) && g_str_has_suffix(name, ".json"))
            g_ptr_array_add(files, g_strdup(name));
    }
    g_dir_close(d);
    g_ptr_array_sort(files, cmp_names);
    return files;
}

static gchar *read_file(const char *dir, const char *name, gsize *len)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    gchar *data = NULL;
    g_autoptr(GError) err = NULL;
    g_file_get_contents(path, &data, len, &err);
    g_assert_no_error(err);
    return data;
}

static gboolean close_enough(double a, double b)
{
    if (a == b)
        return TRUE;
    if (isinf(a) || isinf(b) || isnan(a) || isnan(b))
        return FALSE;
    return fabs(a - b) <= 1e-12 * MAX(fabs(a), fabs(b));
}

/* Our value against json-glib's: ints exact, doubles approximately, strings byte-equal. */
static gboolean equal_to_glib(const QgaJson *v, JsonNode *n, GString *why)
{
    switch (qga_json_type(v)) {
    case QGA_JSON_NULL:
        if (JSON_NODE_HOLDS_NULL(n))
            return TRUE;
        break;
    case QGA_JSON_BOOL:
        if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN
            && json_node_get_boolean(n) == qga_json_get_bool(v))
            return TRUE;
        break;
    case QGA_JSON_INT:
        if (!JSON_NODE_HOLDS_VALUE(n))
            break;
        if (json_node_get_value_type(n) == G_TYPE_INT64 && !qga_json_int_is_unsigned(v))
            return json_node_get_int(n) == qga_json_get_int(v);
        /* beyond int64 json-glib has a double */
        if (json_node_get_value_type(n) == G_TYPE_DOUBLE)
            return close_enough(json_node_get_double(n), qga_json_get_number(v));
        break;
    case QGA_JSON_NUMBER:
        if (!JSON_NODE_HOLDS_VALUE(n))
            break;
        if (json_node_get_value_type(n) == G_TYPE_DOUBLE)
            return close_enough(json_node_get_double(n), qga_json_get_number(v));
        if (json_node_get_value_type(n) == G_TYPE_INT64)
            return close_enough((double)json_node_get_int(n), qga_json_get_number(v));
        break;
    case QGA_JSON_STRING: {
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
            break;
        size_t len;
        const char *s = qga_json_get_string(v, &len);
        const char *g = json_node_get_string(n);
        if (strlen(g) == len && memcmp(s, g, len) == 0)
            return TRUE;
        g_string_append_printf(why, "string differs ");
        return FALSE;
    }
    case QGA_JSON_ARRAY: {
        if (!JSON_NODE_HOLDS_ARRAY(n))
            break;
        JsonArray *a = json_node_get_array(n);
        if (json_array_get_length(a) != qga_json_array_length(v))
            break;
        for (size_t i = 0; i < qga_json_array_length(v); i++) {
            if (!equal_to_glib(qga_json_array_get(v, i), json_array_get_element(a, (guint)i), why))
                return FALSE;
        }
        return TRUE;
    }
    case QGA_JSON_OBJECT: {
        if (!JSON_NODE_HOLDS_OBJECT(n))
            break;
        JsonObject *o = json_node_get_object(n);
        if (json_object_get_size(o) != qga_json_object_size(v))
            break;
        for (size_t i = 0; i < qga_json_object_size(v); i++) {
            JsonNode *m = json_object_get_member(o, qga_json_object_key_at(v, i));
            if (!m || !equal_to_glib(qga_json_object_value_at(v, i), m, why))
                return FALSE;
        }
        return TRUE;
    }
    }
    g_string_append_printf(why, "%s differs from json-glib's %s ", qga_json_type_name(qga_json_type(v)),
                           json_node_type_name(n));
    return FALSE;
}

/* Parse one exception's file: it must behave exactly as the table says QEMU does. */
static void check_exception(const Exception *ex, const gchar *data, gsize len)
{
    QgaError *err = NULL;
    QgaJson *v = qga_json_parse(data, len, NULL, &err);
    if (ex->qemu_error) {
        if (v)
            g_error("%s: accepted, but QEMU rejects it (%s)", ex->file, ex->reason);
        g_assert_cmpstr(err->desc, ==, ex->qemu_error);
        qga_error_free(err);
        return;
    }
    if (!v)
        g_error("%s: rejected (%s), but QEMU accepts it (%s)", ex->file, err->desc, ex->reason);
    g_autofree char *out = qga_json_to_string(v);
    g_assert_cmpstr(out, ==, ex->qemu_value);
    qga_json_free(v);
}

static void test_accepted(gconstpointer dirp)
{
    const char *dir = dirp;
    g_autoptr(GPtrArray) files = list_files(dir, "y_");
    guint equal = 0, dialect = 0;
    g_assert_cmpuint(files->len, >, 0);
    for (guint i = 0; i < files->len; i++) {
        const char *name = files->pdata[i];
        gsize len;
        g_autofree gchar *data = read_file(dir, name, &len);
        const Exception *ex = find_exception(name);
        if (ex) {
            check_exception(ex, data, len);
            dialect++;
            continue;
        }
        QgaError *err = NULL;
        QgaJson *v = qga_json_parse(data, len, NULL, &err);
        if (!v)
            g_error("%s: rejected: %s", name, err->desc);
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GError) gerr = NULL;
        if (!json_parser_load_from_data(parser, data, (gssize)len, &gerr))
            g_error("%s: json-glib rejects it: %s", name, gerr->message);
        g_autoptr(GString) why = g_string_new(NULL);
        if (!equal_to_glib(v, json_parser_get_root(parser), why)) {
            g_autofree char *ours = qga_json_to_string(v);
            g_error("%s: value %s differs from json-glib's: %s", name, ours, why->str);
        }
        equal++;
        qga_json_free(v);
    }
    g_test_message("y_: %u files: %u accepted with json-glib's value, %u behave as QEMU's dialect says",
                   files->len, equal, dialect);
    g_assert_cmpuint(equal + dialect, ==, files->len);
}

static void test_rejected(gconstpointer dirp)
{
    const char *dir = dirp;
    g_autoptr(GPtrArray) files = list_files(dir, "n_");
    guint rejected = 0, dialect = 0;
    g_assert_cmpuint(files->len, >, 0);
    for (guint i = 0; i < files->len; i++) {
        const char *name = files->pdata[i];
        gsize len;
        g_autofree gchar *data = read_file(dir, name, &len);
        const Exception *ex = find_exception(name);
        if (ex) {
            check_exception(ex, data, len);
            dialect++;
            continue;
        }
        QgaError *err = NULL;
        QgaJson *v = qga_json_parse(data, len, NULL, &err);
        if (v) {
            g_autofree char *ours = qga_json_to_string(v);
            g_error("%s: accepted as %s", name, ours);
        }
        g_assert_true(g_str_has_prefix(err->desc, "JSON "));
        qga_error_free(err);
        rejected++;
    }
    g_test_message("n_: %u files: %u rejected, %u behave as QEMU's dialect says", files->len, rejected, dialect);
    g_assert_cmpuint(rejected + dialect, ==, files->len);
}

static void test_implementation_defined(gconstpointer dirp)
{
    const char *dir = dirp;
    g_autoptr(GPtrArray) files = list_files(dir, "i_");
    guint accepted = 0, rejected = 0;
    for (guint i = 0; i < files->len; i++) {
        const char *name = files->pdata[i];
        gsize len;
        g_autofree gchar *data = read_file(dir, name, &len);
        QgaError *err = NULL;
        QgaJson *v = qga_json_parse(data, len, NULL, &err);
        if (v) {
            /* whatever was accepted must write as pure ASCII and read back */
            g_autofree char *out = qga_json_to_string(v);
            for (const char *p = out; *p; p++)
                g_assert_cmpint((unsigned char)*p, <, 0x80);
            g_test_message("%s: accepted", name);
            accepted++;
            qga_json_free(v);
        } else {
            g_autofree char *shown = g_strescape(err->desc, NULL);
            g_test_message("%s: rejected: %s", name, shown);
            g_assert_true(g_str_has_prefix(err->desc, "JSON "));
            rejected++;
            qga_error_free(err);
        }
    }
    g_test_message("i_: %u files: %u accepted, %u rejected", files->len, accepted, rejected);
}

/* Every exception names a file that exists: the table cannot silently go stale. */
static void test_exceptions_exist(gconstpointer dirp)
{
    const char *dir = dirp;
    for (size_t i = 0; i < G_N_ELEMENTS(exceptions); i++) {
        g_autofree char *path = g_build_filename(dir, exceptions[i].file, NULL);
        if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
            g_error("exception table names %s, which the corpus lacks", exceptions[i].file);
    }
    g_test_message("%zu QEMU-dialect exceptions, all present in the corpus", G_N_ELEMENTS(exceptions));
}

static void test_corpus_missing(gconstpointer dirp)
{
    g_autofree char *msg = g_strdup_printf("JSONTestSuite corpus not found at %s", (const char *)dirp);
    g_test_skip(msg);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    char *dir = corpus_dir();
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_test_add_data_func("/agent/json-conformance/corpus", dir, test_corpus_missing);
    } else {
        g_test_add_data_func("/agent/json-conformance/exceptions-exist", dir, test_exceptions_exist);
        g_test_add_data_func("/agent/json-conformance/y-accepted", dir, test_accepted);
        g_test_add_data_func("/agent/json-conformance/n-rejected", dir, test_rejected);
        g_test_add_data_func("/agent/json-conformance/i-no-crash", dir, test_implementation_defined);
    }
    int ret = g_test_run();
    g_free(dir);
    return ret;
}

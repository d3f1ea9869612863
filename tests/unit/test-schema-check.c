/* Unit tests of the argument validator: qemu-ga's input-visitor messages, order and member paths. */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "core/json.h"
#include "core/schema.h"

/* Type specs as schema/gen-schema.py would emit them. */
static const QgaTypeSpec t_int = { .kind = QGA_TYPE_INT, .name = "int", .min = INT64_MIN, .umax = INT64_MAX };
static const QgaTypeSpec t_int8 = { .kind = QGA_TYPE_INT, .name = "int8", .min = INT8_MIN, .umax = INT8_MAX };
static const QgaTypeSpec t_int32 = { .kind = QGA_TYPE_INT, .name = "int32", .min = INT32_MIN, .umax = INT32_MAX };
static const QgaTypeSpec t_uint16 = { .kind = QGA_TYPE_INT, .name = "uint16", .umax = UINT16_MAX, .is_unsigned = true };
static const QgaTypeSpec t_uint64 = { .kind = QGA_TYPE_INT, .name = "uint64", .umax = UINT64_MAX, .is_unsigned = true };
static const QgaTypeSpec t_number = { .kind = QGA_TYPE_NUMBER, .name = "number" };
static const QgaTypeSpec t_str = { .kind = QGA_TYPE_STRING, .name = "str" };
static const QgaTypeSpec t_bool = { .kind = QGA_TYPE_BOOL, .name = "bool" };
static const QgaTypeSpec t_null = { .kind = QGA_TYPE_NULL, .name = "null" };
static const QgaTypeSpec t_any = { .kind = QGA_TYPE_ANY, .name = "any" };

static const char *const seek_values[] = { "set", "cur", "end", NULL };
static const QgaTypeSpec t_seek = { .kind = QGA_TYPE_ENUM, .name = "QGASeek", .enum_values = seek_values };
static const QgaTypeSpec *const whence_alts[] = { &t_int, &t_seek, NULL };
static const QgaTypeSpec t_whence = { .kind = QGA_TYPE_ALTERNATE, .name = "GuestFileWhence", .alternatives = whence_alts };

static const QgaMemberSpec vcpu_members[] = {
    { "logical-id", &t_int, false },
    { "online", &t_bool, false },
    { "can-offline", &t_bool, true },
};
static const QgaTypeSpec t_vcpu = { .kind = QGA_TYPE_STRUCT, .name = "GuestLogicalProcessor",
                                    .members = vcpu_members, .n_members = 3 };
static const QgaTypeSpec t_vcpu_list = { .kind = QGA_TYPE_ARRAY, .name = "GuestLogicalProcessorList", .element = &t_vcpu };
static const QgaTypeSpec t_str_list = { .kind = QGA_TYPE_ARRAY, .name = "strList", .element = &t_str };
static const QgaTypeSpec t_seek_list = { .kind = QGA_TYPE_ARRAY, .name = "QGASeekList", .element = &t_seek };
static const QgaTypeSpec t_uint16_list = { .kind = QGA_TYPE_ARRAY, .name = "uint16List", .element = &t_uint16 };
static const QgaTypeSpec t_whence_list = { .kind = QGA_TYPE_ARRAY, .name = "GuestFileWhenceList", .element = &t_whence };
static const QgaTypeSpec t_list_list = { .kind = QGA_TYPE_ARRAY, .name = "strListList", .element = &t_str_list };

static const QgaMemberSpec inner_members[] = {
    { "a", &t_int, false },
    { "b", &t_str, false },
};
static const QgaTypeSpec t_inner = { .kind = QGA_TYPE_STRUCT, .name = "Inner", .members = inner_members, .n_members = 2 };

/* A command exercising every kind of member. */
static const QgaMemberSpec big_args[] = {
    { "handle", &t_int, false },
    { "count", &t_int8, true },
    { "port", &t_uint16, true },
    { "size", &t_uint64, true },
    { "ratio", &t_number, true },
    { "path", &t_str, true },
    { "flag", &t_bool, true },
    { "nothing", &t_null, true },
    { "whence", &t_whence, true },
    { "mode", &t_seek, true },
    { "vcpus", &t_vcpu_list, true },
    { "arg", &t_str_list, true },
    { "modes", &t_seek_list, true },
    { "ports", &t_uint16_list, true },
    { "whences", &t_whence_list, true },
    { "nested", &t_list_list, true },
    { "s", &t_inner, true },
    { "data", &t_any, true },
    { "offset", &t_int32, true },
};
static const QgaCommandSpec big_cmd = { .name = "guest-test", .args = big_args, .n_args = G_N_ELEMENTS(big_args) };
static const QgaCommandSpec no_args_cmd = { .name = "guest-ping" };

static QgaJson *parse(const char *text)
{
    QgaError *err = NULL;
    QgaJson *v = qga_json_parse(text, strlen(text), NULL, &err);
    if (!v)
        g_error("test JSON does not parse: %s: %s", text, err->desc);
    return v;
}

/* Check args against big_cmd; NULL expected = must pass. */
static void check_args(const QgaCommandSpec *cmd, const char *json, const char *expected)
{
    QgaJson *args = parse(json);
    QgaError *err = NULL;
    int r = qga_schema_check_args(cmd, args, &err);
    if (!expected) {
        if (r != 0)
            g_error("%s: unexpected error: %s", json, err->desc);
        g_assert_null(err);
    } else {
        g_assert_cmpint(r, ==, -1);
        g_assert_nonnull(err);
        g_assert_cmpint(err->error_class, ==, QGA_ERROR_GENERIC);
        g_assert_cmpstr(err->desc, ==, expected);
    }
    qga_error_free(err);
    qga_json_free(args);
}

static void test_valid(void)
{
    check_args(&big_cmd, "{\"handle\": 1}", NULL);
    check_args(&big_cmd,
               "{\"handle\": -5, \"count\": -128, \"port\": 65535, \"size\": 18446744073709551615,"
               " \"ratio\": 1.5, \"path\": \"/x\", \"flag\": false, \"nothing\": null, \"whence\": \"end\","
               " \"mode\": \"cur\", \"vcpus\": [{\"logical-id\": 0, \"online\": true},"
               " {\"logical-id\": 1, \"online\": false, \"can-offline\": true}], \"arg\": [\"a\", \"b\"],"
               " \"modes\": [\"set\"], \"ports\": [1, 2], \"whences\": [1, \"set\"], \"nested\": [[], [\"x\"]],"
               " \"s\": {\"a\": 1, \"b\": \"c\"}, \"data\": {\"anything\": [1, null]}, \"offset\": 2147483647}",
               NULL);
    check_args(&no_args_cmd, "{}", NULL);
}

static void test_missing(void)
{
    check_args(&big_cmd, "{}", "Parameter 'handle' is missing");
    check_args(&big_cmd, "{\"handle\": 1, \"s\": {\"b\": \"x\"}}", "Parameter 's.a' is missing");
    check_args(&big_cmd, "{\"handle\": 1, \"vcpus\": [{\"logical-id\": 0, \"online\": true}, {\"logical-id\": 1}]}",
               "Parameter 'vcpus[1].online' is missing");
}

static void test_unexpected(void)
{
    /* The upstream qemu-ga test asserts this text verbatim. */
    check_args(&no_args_cmd, "{\"foo\": 1}", "Parameter 'foo' is unexpected");
    check_args(&big_cmd, "{\"handle\": 1, \"bogus\": true}", "Parameter 'bogus' is unexpected");
    check_args(&big_cmd, "{\"handle\": 1, \"s\": {\"a\": 1, \"b\": \"x\", \"c\": 3}}", "Parameter 's.c' is unexpected");
    check_args(&big_cmd, "{\"handle\": 1, \"vcpus\": [{\"logical-id\": 0, \"online\": true, \"x\": 1}]}",
               "Parameter 'vcpus[0].x' is unexpected");
}

/* Members are visited in schema order; left-over members are only looked at afterwards. */
static void test_order(void)
{
    check_args(&big_cmd, "{\"bogus\": 1}", "Parameter 'handle' is missing");
    check_args(&big_cmd, "{\"path\": 1, \"handle\": \"x\"}", "Invalid parameter type for 'handle', expected: integer");
    check_args(&big_cmd, "{\"handle\": 1, \"bogus\": 1, \"flag\": 0}", "Invalid parameter type for 'flag', expected: boolean");
    /* A nested object is checked completely (its own left-overs included) before the next member. */
    check_args(&big_cmd, "{\"handle\": 1, \"s\": {\"a\": 1, \"b\": \"x\", \"zz\": 0}, \"data\": 1, \"offset\": \"x\"}",
               "Parameter 's.zz' is unexpected");
}

static void test_wrong_type(void)
{
    check_args(&big_cmd, "{\"handle\": \"1\"}", "Invalid parameter type for 'handle', expected: integer");
    check_args(&big_cmd, "{\"handle\": 1.0}", "Invalid parameter type for 'handle', expected: integer");
    check_args(&big_cmd, "{\"handle\": 18446744073709551615}", "Invalid parameter type for 'handle', expected: integer");
    check_args(&big_cmd, "{\"handle\": 1, \"ratio\": \"1\"}", "Invalid parameter type for 'ratio', expected: number");
    check_args(&big_cmd, "{\"handle\": 1, \"path\": 7}", "Invalid parameter type for 'path', expected: string");
    check_args(&big_cmd, "{\"handle\": 1, \"flag\": \"true\"}", "Invalid parameter type for 'flag', expected: boolean");
    check_args(&big_cmd, "{\"handle\": 1, \"nothing\": 0}", "Invalid parameter type for 'nothing', expected: null");
    check_args(&big_cmd, "{\"handle\": 1, \"s\": []}", "Invalid parameter type for 's', expected: object");
    check_args(&big_cmd, "{\"handle\": 1, \"arg\": \"a b\"}", "Invalid parameter type for 'arg', expected: array");
    check_args(&big_cmd, "{\"handle\": 1, \"mode\": 1}", "Invalid parameter type for 'mode', expected: string");
    /* An optional member given as null is present, and null is not a string. */
    check_args(&big_cmd, "{\"handle\": 1, \"path\": null}", "Invalid parameter type for 'path', expected: string");
}

static void test_number_accepts_integer(void)
{
    check_args(&big_cmd, "{\"handle\": 1, \"ratio\": 3}", NULL);
    check_args(&big_cmd, "{\"handle\": 1, \"ratio\": -3e300}", NULL);
    check_args(&big_cmd, "{\"handle\": 1, \"ratio\": 18446744073709551615}", NULL);
}

static void test_int_range(void)
{
    /* visit_type_int8() and friends name the C type and the bare member name. */
    check_args(&big_cmd, "{\"handle\": 1, \"count\": 128}", "Parameter 'count' expects int8_t");
    check_args(&big_cmd, "{\"handle\": 1, \"count\": -129}", "Parameter 'count' expects int8_t");
    check_args(&big_cmd, "{\"handle\": 1, \"offset\": 2147483648}", "Parameter 'offset' expects int32_t");
    check_args(&big_cmd, "{\"handle\": 1, \"port\": 65536}", "Parameter 'port' expects uint16_t");
    /* The unsigned reader wraps negative integers first ("backward compatibility"). */
    check_args(&big_cmd, "{\"handle\": 1, \"port\": -1}", "Parameter 'port' expects uint16_t");
    check_args(&big_cmd, "{\"handle\": 1, \"size\": -1}", NULL);
    /* Anything but an integer, for an unsigned type, is "expects uint64" with the full name. */
    check_args(&big_cmd, "{\"handle\": 1, \"port\": \"1\"}", "Parameter 'port' expects uint64");
    check_args(&big_cmd, "{\"handle\": 1, \"size\": 1.5}", "Parameter 'size' expects uint64");
}

static void test_enum(void)
{
    check_args(&big_cmd, "{\"handle\": 1, \"mode\": \"bogus\"}", "Parameter 'mode' does not accept value 'bogus'");
    check_args(&big_cmd, "{\"handle\": 1, \"mode\": \"SET\"}", "Parameter 'mode' does not accept value 'SET'");
}

static void test_alternate(void)
{
    check_args(&big_cmd, "{\"handle\": 1, \"whence\": 2}", NULL);
    check_args(&big_cmd, "{\"handle\": 1, \"whence\": \"set\"}", NULL);
    check_args(&big_cmd, "{\"handle\": 1, \"whence\": \"bogus\"}", "Parameter 'whence' does not accept value 'bogus'");
    check_args(&big_cmd, "{\"handle\": 1, \"whence\": true}",
               "Invalid parameter type for 'whence', expected: GuestFileWhence");
    check_args(&big_cmd, "{\"handle\": 1, \"whence\": null}",
               "Invalid parameter type for 'whence', expected: GuestFileWhence");
    /* A number picks the integer branch, which then rejects the fraction. */
    check_args(&big_cmd, "{\"handle\": 1, \"whence\": 1.5}", "Invalid parameter type for 'whence', expected: integer");
}

/* Full paths as the visitor's full_name() builds them; checks after reading use the bare name. */
static void test_paths(void)
{
    check_args(&big_cmd, "{\"handle\": 1, \"vcpus\": [{\"logical-id\": 0, \"online\": true}, {\"logical-id\": \"1\", \"online\": true}]}",
               "Invalid parameter type for 'vcpus[1].logical-id', expected: integer");
    check_args(&big_cmd, "{\"handle\": 1, \"vcpus\": [3]}", "Invalid parameter type for 'vcpus[0]', expected: object");
    check_args(&big_cmd, "{\"handle\": 1, \"arg\": [\"a\", \"b\", 3]}", "Invalid parameter type for 'arg[2]', expected: string");
    check_args(&big_cmd, "{\"handle\": 1, \"nested\": [[\"a\"], [\"b\", false]]}",
               "Invalid parameter type for 'nested[1][1]', expected: string");
    check_args(&big_cmd, "{\"handle\": 1, \"s\": {\"a\": 1, \"b\": 2}}", "Invalid parameter type for 's.b', expected: string");
    /* List elements have no name: QEMU prints "null" where it uses the bare name. */
    check_args(&big_cmd, "{\"handle\": 1, \"modes\": [\"set\", \"nope\"]}", "Parameter 'null' does not accept value 'nope'");
    check_args(&big_cmd, "{\"handle\": 1, \"ports\": [1, 70000]}", "Parameter 'null' expects uint16_t");
    check_args(&big_cmd, "{\"handle\": 1, \"whences\": [false]}", "Invalid parameter type for 'null', expected: GuestFileWhence");
}

static void check_value(const QgaTypeSpec *type, const char *name, const char *json, const char *expected)
{
    QgaJson *v = parse(json);
    QgaError *err = NULL;
    int r = qga_schema_check(type, name, v, &err);
    if (!expected) {
        g_assert_cmpint(r, ==, 0);
        g_assert_null(err);
    } else {
        g_assert_cmpint(r, ==, -1);
        g_assert_cmpstr(err->desc, ==, expected);
    }
    qga_error_free(err);
    qga_json_free(v);
}

static void test_check_value(void)
{
    check_value(&t_int, "count", "\"x\"", "Invalid parameter type for 'count', expected: integer");
    check_value(&t_int, NULL, "\"x\"", "Invalid parameter type for '<anonymous>', expected: integer");
    check_value(&t_inner, "s", "{\"a\": 1}", "Parameter 's.b' is missing");
    check_value(&t_inner, NULL, "{\"a\": 1}", "Parameter 'b' is missing");
    check_value(&t_str_list, "keys", "[\"a\", 1]", "Invalid parameter type for 'keys[1]', expected: string");
    check_value(&t_any, "x", "[[[]]]", NULL);
    check_value(&t_whence, "whence", "\"cur\"", NULL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/schema/valid", test_valid);
    g_test_add_func("/agent/schema/missing", test_missing);
    g_test_add_func("/agent/schema/unexpected", test_unexpected);
    g_test_add_func("/agent/schema/order", test_order);
    g_test_add_func("/agent/schema/wrong-type", test_wrong_type);
    g_test_add_func("/agent/schema/number-accepts-integer", test_number_accepts_integer);
    g_test_add_func("/agent/schema/int-range", test_int_range);
    g_test_add_func("/agent/schema/enum", test_enum);
    g_test_add_func("/agent/schema/alternate", test_alternate);
    g_test_add_func("/agent/schema/paths", test_paths);
    g_test_add_func("/agent/schema/check-value", test_check_value);
    return g_test_run();
}

/* Checks a generated command table (and its type graph) against schema/qga-compat.json, read with json-glib. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdint.h>

#include "core/schema.h"

/* Set by the generated stub handlers this test links (test-stubs-*.c); the agent links the real ones. */
extern const char *qga_stub_called;

static JsonObject *schema;    /* root of qga-compat.json */
static const char *variant;   /* which table this program links: "posix", "win32" or "all" */

/* The builtin types as qemu-ga's input visitor treats them; uint64 takes negative integers (wrapping). */
static const struct {
    const char *name;
    QgaTypeKind kind;
    int64_t min;
    uint64_t umax;
    bool is_unsigned;
} builtins[] = {
    { "int", QGA_TYPE_INT, INT64_MIN, INT64_MAX, false },
    { "int8", QGA_TYPE_INT, -128, 127, false },
    { "int16", QGA_TYPE_INT, -32768, 32767, false },
    { "int32", QGA_TYPE_INT, INT32_MIN, INT32_MAX, false },
    { "int64", QGA_TYPE_INT, INT64_MIN, INT64_MAX, false },
    { "uint8", QGA_TYPE_INT, 0, 255, true },
    { "uint16", QGA_TYPE_INT, 0, 65535, true },
    { "uint32", QGA_TYPE_INT, 0, UINT32_MAX, true },
    { "uint64", QGA_TYPE_INT, INT64_MIN, UINT64_MAX, true },
    { "size", QGA_TYPE_INT, 0, UINT64_MAX, true },
    { "number", QGA_TYPE_NUMBER, 0, 0, false },
    { "str", QGA_TYPE_STRING, 0, 0, false },
    { "bool", QGA_TYPE_BOOL, 0, 0, false },
    { "null", QGA_TYPE_NULL, 0, 0, false },
    { "any", QGA_TYPE_ANY, 0, 0, false },
};

static const char *const frozen_safe[] = {
    "guest-sync-delimited", "guest-sync", "guest-ping", "guest-info", "guest-fsfreeze-status", "guest-fsfreeze-thaw",
};
static const char *const no_reply[] = {
    "guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid",
};
/* What the "Agent core" issue implements on POSIX; later issues only add commands. */
static const char *const posix_core[] = {
    "guest-sync", "guest-sync-delimited", "guest-ping", "guest-info", "guest-get-time", "guest-set-time",
    "guest-get-host-name", "guest-get-timezone", "guest-get-osinfo",
};

static bool in_list(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (g_str_equal(list[i], name))
            return true;
    return false;
}

static bool schema_command_in_table(JsonObject *cmd)
{
    JsonArray *platforms = json_object_get_array_member(cmd, "platforms");

    if (g_str_equal(variant, "all"))
        return true;
    for (guint i = 0; i < json_array_get_length(platforms); i++)
        if (g_str_equal(json_array_get_string_element(platforms, i), variant))
            return true;
    return false;
}

static JsonObject *schema_type(const char *name)
{
    JsonArray *types = json_object_get_array_member(schema, "types");

    for (guint i = 0; i < json_array_get_length(types); i++) {
        JsonObject *t = json_array_get_object_element(types, i);
        if (g_str_equal(json_object_get_string_member(t, "name"), name))
            return t;
    }
    return NULL;
}

static const QgaCommandSpec *table_command(const char *name)
{
    for (size_t i = 0; i < qga_command_table.n_commands; i++)
        if (g_str_equal(qga_command_table.commands[i].name, name))
            return &qga_command_table.commands[i];
    return NULL;
}

/* The command, or NULL (test skipped) when this table does not have it yet. */
static const QgaCommandSpec *require_command(const char *name)
{
    const QgaCommandSpec *cmd = table_command(name);

    if (!cmd) {
        g_autofree char *why = g_strdup_printf("%s is not in the %s table", name, variant);
        g_test_skip(why);
    }
    return cmd;
}

static void check_type(JsonNode *ref, const QgaTypeSpec *spec);

static void check_members(JsonArray *members, const QgaMemberSpec *specs, size_t n)
{
    g_assert_cmpuint(n, ==, json_array_get_length(members));
    g_assert_true((n == 0) == (specs == NULL));
    for (size_t i = 0; i < n; i++) {
        JsonObject *m = json_array_get_object_element(members, i);
        g_assert_cmpstr(specs[i].name, ==, json_object_get_string_member(m, "name"));
        g_assert_cmpint(specs[i].optional, ==, json_object_get_boolean_member(m, "optional"));
        check_type(json_object_get_member(m, "type"), specs[i].type);
    }
}

static void check_builtin(const char *name, const QgaTypeSpec *spec)
{
    for (size_t i = 0; i < G_N_ELEMENTS(builtins); i++) {
        if (!g_str_equal(builtins[i].name, name))
            continue;
        g_assert_cmpint(spec->kind, ==, builtins[i].kind);
        if (spec->kind == QGA_TYPE_INT) {
            g_assert_cmpint(spec->min, ==, builtins[i].min);
            g_assert_cmpuint(spec->umax, ==, builtins[i].umax);
            g_assert_cmpint(spec->is_unsigned, ==, builtins[i].is_unsigned);
        }
        return;
    }
    g_assert_not_reached();
}

/* Compare a spec with a schema type reference ("str", "GuestFoo" or ["GuestFoo"]), recursively. */
static void check_type(JsonNode *ref, const QgaTypeSpec *spec)
{
    g_assert_nonnull(spec);
    if (JSON_NODE_HOLDS_ARRAY(ref)) {
        JsonArray *array = json_node_get_array(ref);
        g_autofree char *name = g_strdup_printf("[%s]", json_array_get_string_element(array, 0));
        g_assert_cmpint(spec->kind, ==, QGA_TYPE_ARRAY);
        g_assert_cmpstr(spec->name, ==, name);
        check_type(json_array_get_element(array, 0), spec->element);
        return;
    }
    const char *name = json_node_get_string(ref);
    g_assert_cmpstr(spec->name, ==, name);
    JsonObject *t = schema_type(name);
    if (!t) {
        check_builtin(name, spec);
        return;
    }
    const char *kind = json_object_get_string_member(t, "kind");
    if (g_str_equal(kind, "enum")) {
        JsonArray *values = json_object_get_array_member(t, "values");
        g_assert_cmpint(spec->kind, ==, QGA_TYPE_ENUM);
        for (guint i = 0; i < json_array_get_length(values); i++)
            g_assert_cmpstr(spec->enum_values[i], ==,
                            json_object_get_string_member(json_array_get_object_element(values, i), "name"));
        g_assert_null(spec->enum_values[json_array_get_length(values)]);
    } else if (g_str_equal(kind, "struct")) {
        g_assert_cmpint(spec->kind, ==, QGA_TYPE_STRUCT);
        check_members(json_object_get_array_member(t, "members"), spec->members, spec->n_members);
    } else if (g_str_equal(kind, "alternate")) {
        JsonArray *alternatives = json_object_get_array_member(t, "alternatives");
        g_assert_cmpint(spec->kind, ==, QGA_TYPE_ALTERNATE);
        for (guint i = 0; i < json_array_get_length(alternatives); i++)
            check_type(json_object_get_member(json_array_get_object_element(alternatives, i), "type"),
                       spec->alternatives[i]);
        g_assert_null(spec->alternatives[json_array_get_length(alternatives)]);
    } else {
        g_assert_not_reached(); /* unions never appear in arguments */
    }
}

static unsigned schema_flags(JsonObject *cmd)
{
    return (json_object_get_boolean_member(cmd, "success-response") ? 0 : QGA_CMD_NO_SUCCESS_RESPONSE) |
           (json_object_get_boolean_member(cmd, "allowed-while-frozen") ? QGA_CMD_ALLOWED_WHILE_FROZEN : 0) |
           (json_object_get_boolean_member(cmd, "privileged") ? QGA_CMD_PRIVILEGED : 0) |
           (json_object_get_boolean_member(cmd, "delimited-reply") ? QGA_CMD_DELIMITED_REPLY : 0);
}

/* Every command the schema places in this table, in schema order, with its flags and arguments. */
static void test_matches_schema(void)
{
    JsonArray *commands = json_object_get_array_member(schema, "commands");
    size_t n = 0;

    for (guint i = 0; i < json_array_get_length(commands); i++) {
        JsonObject *cmd = json_array_get_object_element(commands, i);
        if (!schema_command_in_table(cmd))
            continue;
        g_assert_cmpuint(n, <, qga_command_table.n_commands);
        const QgaCommandSpec *spec = &qga_command_table.commands[n++];
        g_assert_cmpstr(spec->name, ==, json_object_get_string_member(cmd, "name"));
        g_assert_cmphex(spec->flags, ==, schema_flags(cmd));
        g_assert_nonnull(spec->handler);
        check_members(json_object_get_array_member(cmd, "args"), spec->args, spec->n_args);
    }
    g_assert_cmpuint(n, ==, qga_command_table.n_commands);
    g_assert_true((n == 0) == (qga_command_table.commands == NULL));
}

/* Each entry calls the handler named after its command (qga_cmd_<name with _>). */
static void test_handlers(void)
{
    for (size_t i = 0; i < qga_command_table.n_commands; i++) {
        const QgaCommandSpec *cmd = &qga_command_table.commands[i];
        QgaJson *result = (QgaJson *)cmd; /* any non-NULL value: the stub must reset it */
        QgaError *error = NULL;

        qga_stub_called = NULL;
        g_assert_cmpint(cmd->handler(NULL, NULL, &result, &error), ==, 0);
        g_assert_cmpstr(qga_stub_called, ==, cmd->name);
        g_assert_null(result);
        g_assert_null(error);
    }
}

static void test_count(void)
{
    if (g_str_equal(variant, "all")) {
        g_assert_cmpuint(qga_command_table.n_commands, ==, 44);
    } else if (g_str_equal(variant, "posix")) {
        for (size_t i = 0; i < G_N_ELEMENTS(posix_core); i++)
            g_assert_nonnull(table_command(posix_core[i]));
    } else {
        g_test_skip("no command is required on win32 yet");
    }
}

static void test_flag_sets(void)
{
    size_t n_frozen = 0, n_no_reply = 0, n_delimited = 0;

    for (size_t i = 0; i < qga_command_table.n_commands; i++) {
        const QgaCommandSpec *cmd = &qga_command_table.commands[i];
        g_assert_cmpint(!!(cmd->flags & QGA_CMD_ALLOWED_WHILE_FROZEN), ==,
                        in_list(frozen_safe, G_N_ELEMENTS(frozen_safe), cmd->name));
        g_assert_cmpint(!!(cmd->flags & QGA_CMD_NO_SUCCESS_RESPONSE), ==,
                        in_list(no_reply, G_N_ELEMENTS(no_reply), cmd->name));
        g_assert_cmpint(!!(cmd->flags & QGA_CMD_DELIMITED_REPLY), ==, g_str_equal(cmd->name, "guest-sync-delimited"));
        n_frozen += !!(cmd->flags & QGA_CMD_ALLOWED_WHILE_FROZEN);
        n_no_reply += !!(cmd->flags & QGA_CMD_NO_SUCCESS_RESPONSE);
        n_delimited += !!(cmd->flags & QGA_CMD_DELIMITED_REPLY);
    }
    if (g_str_equal(variant, "all")) {
        g_assert_cmpuint(n_frozen, ==, 6);
        g_assert_cmpuint(n_no_reply, ==, 4);
        g_assert_cmpuint(n_delimited, ==, 1);
    }
}

static void assert_int_spec(const QgaTypeSpec *spec, const char *name, int64_t min, uint64_t umax, bool is_unsigned)
{
    g_assert_cmpint(spec->kind, ==, QGA_TYPE_INT);
    g_assert_cmpstr(spec->name, ==, name);
    g_assert_cmpint(spec->min, ==, min);
    g_assert_cmpuint(spec->umax, ==, umax);
    g_assert_cmpint(spec->is_unsigned, ==, is_unsigned);
}

static void test_guest_sync(void)
{
    const char *names[] = { "guest-sync", "guest-sync-delimited" };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        const QgaCommandSpec *cmd = require_command(names[i]);
        if (!cmd)
            return;
        g_assert_cmpuint(cmd->n_args, ==, 1);
        g_assert_cmpstr(cmd->args[0].name, ==, "id");
        g_assert_false(cmd->args[0].optional);
        assert_int_spec(cmd->args[0].type, "int", INT64_MIN, INT64_MAX, false);
        g_assert_cmphex(cmd->flags, ==, QGA_CMD_ALLOWED_WHILE_FROZEN | (i == 1 ? QGA_CMD_DELIMITED_REPLY : 0));
    }
}

static void test_guest_ping(void)
{
    const QgaCommandSpec *cmd = require_command("guest-ping");

    if (!cmd)
        return;
    g_assert_cmpuint(cmd->n_args, ==, 0);
    g_assert_null(cmd->args);
    g_assert_cmphex(cmd->flags, ==, QGA_CMD_ALLOWED_WHILE_FROZEN);
}

static void test_guest_shutdown(void)
{
    const QgaCommandSpec *cmd = require_command("guest-shutdown");

    if (!cmd)
        return;
    g_assert_cmphex(cmd->flags, ==, QGA_CMD_NO_SUCCESS_RESPONSE | QGA_CMD_PRIVILEGED);
    g_assert_cmpuint(cmd->n_args, ==, 1);
    g_assert_cmpstr(cmd->args[0].name, ==, "mode");
    g_assert_true(cmd->args[0].optional);
    g_assert_cmpint(cmd->args[0].type->kind, ==, QGA_TYPE_STRING);
}

static void test_file_seek_whence(void)
{
    const QgaCommandSpec *cmd = require_command("guest-file-seek");

    if (!cmd)
        return;
    g_assert_cmpuint(cmd->n_args, ==, 3);
    g_assert_cmpstr(cmd->args[2].name, ==, "whence");
    const QgaTypeSpec *whence = cmd->args[2].type;
    g_assert_cmpint(whence->kind, ==, QGA_TYPE_ALTERNATE);
    g_assert_cmpstr(whence->name, ==, "GuestFileWhence");
    assert_int_spec(whence->alternatives[0], "int", INT64_MIN, INT64_MAX, false);
    g_assert_cmpint(whence->alternatives[1]->kind, ==, QGA_TYPE_ENUM);
    g_assert_cmpstr(whence->alternatives[1]->name, ==, "QGASeek");
    g_assert_cmpstr(whence->alternatives[1]->enum_values[0], ==, "set");
    g_assert_cmpstr(whence->alternatives[1]->enum_values[1], ==, "cur");
    g_assert_cmpstr(whence->alternatives[1]->enum_values[2], ==, "end");
    g_assert_null(whence->alternatives[1]->enum_values[3]);
    g_assert_null(whence->alternatives[2]);
}

static void test_exec_capture_output(void)
{
    const QgaCommandSpec *cmd = require_command("guest-exec");

    if (!cmd)
        return;
    g_assert_cmpuint(cmd->n_args, ==, 5);
    g_assert_cmpstr(cmd->args[1].name, ==, "arg");
    g_assert_cmpint(cmd->args[1].type->kind, ==, QGA_TYPE_ARRAY);
    g_assert_cmpint(cmd->args[1].type->element->kind, ==, QGA_TYPE_STRING);
    g_assert_cmpstr(cmd->args[4].name, ==, "capture-output");
    g_assert_true(cmd->args[4].optional);
    const QgaTypeSpec *capture = cmd->args[4].type;
    g_assert_cmpint(capture->kind, ==, QGA_TYPE_ALTERNATE);
    g_assert_cmpint(capture->alternatives[0]->kind, ==, QGA_TYPE_BOOL);
    g_assert_cmpint(capture->alternatives[1]->kind, ==, QGA_TYPE_ENUM);
    g_assert_cmpstr(capture->alternatives[1]->enum_values[4], ==, "merged");
    g_assert_null(capture->alternatives[1]->enum_values[5]);
    g_assert_null(capture->alternatives[2]);
}

static void test_nested_structs(void)
{
    const QgaCommandSpec *vcpus = require_command("guest-set-vcpus");
    const QgaCommandSpec *blocks = require_command("guest-set-memory-blocks");

    if (!vcpus || !blocks)
        return;
    const QgaTypeSpec *cpu = vcpus->args[0].type->element;
    g_assert_cmpint(vcpus->args[0].type->kind, ==, QGA_TYPE_ARRAY);
    g_assert_cmpint(cpu->kind, ==, QGA_TYPE_STRUCT);
    g_assert_cmpstr(cpu->name, ==, "GuestLogicalProcessor");
    g_assert_cmpuint(cpu->n_members, ==, 3);
    g_assert_cmpstr(cpu->members[0].name, ==, "logical-id");
    g_assert_false(cpu->members[0].optional);
    g_assert_cmpstr(cpu->members[2].name, ==, "can-offline");
    g_assert_true(cpu->members[2].optional);
    g_assert_cmpint(cpu->members[2].type->kind, ==, QGA_TYPE_BOOL);
    const QgaTypeSpec *block = blocks->args[0].type->element;
    g_assert_cmpstr(block->members[0].name, ==, "phys-index");
    assert_int_spec(block->members[0].type, "uint64", INT64_MIN, UINT64_MAX, true);
}

int main(int argc, char **argv)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    const char *path = g_getenv("QGA_SCHEMA_JSON");

    g_test_init(&argc, &argv, NULL);
    variant = g_getenv("QGA_SCHEMA_TABLE");
    if (!path || !variant) {
        g_printerr("QGA_SCHEMA_JSON and QGA_SCHEMA_TABLE must be set\n");
        return 1;
    }
    if (!json_parser_load_from_file(parser, path, &error)) {
        g_printerr("%s: %s\n", path, error->message);
        return 1;
    }
    schema = json_node_get_object(json_parser_get_root(parser));

    g_test_add_func("/schema/table/matches-schema", test_matches_schema);
    g_test_add_func("/schema/table/handlers", test_handlers);
    g_test_add_func("/schema/table/count", test_count);
    g_test_add_func("/schema/table/flag-sets", test_flag_sets);
    g_test_add_func("/schema/table/guest-sync", test_guest_sync);
    g_test_add_func("/schema/table/guest-ping", test_guest_ping);
    g_test_add_func("/schema/table/guest-shutdown", test_guest_shutdown);
    g_test_add_func("/schema/table/file-seek-whence", test_file_seek_whence);
    g_test_add_func("/schema/table/exec-capture-output", test_exec_capture_output);
    g_test_add_func("/schema/table/nested-structs", test_nested_structs);
    return g_test_run();
}

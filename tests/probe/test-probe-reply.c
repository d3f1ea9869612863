/* Unit tests of the probe's checks on guest data: reply parsing, member accessors, base64, sanitizing, channel XML, errors. */
#include <libvirt/virterror.h>
#include <string.h>

#include "channel-xml.h"
#include "cmd-info.h"
#include "errors.h"
#include "options.h"
#include "render.h"
#include "reply.h"
#include "transport-libvirt.h"

static JsonObject *parse_object(const char *text, JsonNode **ret_node)
{
    g_autoptr(GError) error = NULL;
    JsonNode *node = probe_json_parse_reply(text, strlen(text), &error);

    g_assert_no_error(error);
    *ret_node = node;
    return json_node_get_object(node);
}

static void test_parse_limits(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *deep = NULL;
    g_autoptr(GString) s = g_string_new("{\"return\": ");
    g_autoptr(JsonNode) ok = NULL;

    for (int i = 0; i < 40; i++)
        g_string_append_c(s, '[');
    for (int i = 0; i < 40; i++)
        g_string_append_c(s, ']');
    g_string_append_c(s, '}');
    g_assert_null(probe_json_parse_reply(s->str, s->len, &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL);
    g_assert_cmpstr(error->message, ==, "reply nests deeper than 32 levels");
    g_clear_error(&error);

    /* Brackets inside strings do not count. */
    deep = g_strdup_printf("{\"return\": \"%s\"}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
    ok = probe_json_parse_reply(deep, strlen(deep), &error);
    g_assert_no_error(error);
    g_assert_nonnull(ok);

    g_assert_null(probe_json_parse_reply("{\"return\": \"\xc3\x28\"}", 16, &error));
    g_assert_cmpstr(error->message, ==, "reply is not valid UTF-8 text");
    g_clear_error(&error);
    g_assert_null(probe_json_parse_reply("[1]", 3, &error));
    g_assert_cmpstr(error->message, ==, "reply is not a JSON object");
    g_clear_error(&error);
    g_assert_null(probe_json_parse_reply("{\"return\": 1} x", 15, &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL);
    g_clear_error(&error);
    g_assert_null(probe_json_parse_reply("{}", PROBE_MAX_REPLY_BYTES + 1, &error));
    g_assert_cmpstr(error->message, ==, "reply of 10485761 bytes is over the 10485760 byte limit");
}

static void test_unwrap(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = NULL, ret = NULL;

    parse_object("{\"return\": 42}", &node);
    ret = probe_reply_unwrap(node, "guest-x", &error);
    g_assert_no_error(error);
    g_assert_cmpint(json_node_get_int(ret), ==, 42);
    g_clear_pointer(&node, json_node_unref);

    parse_object("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command guest-x has not been found\"}}", &node);
    g_assert_null(probe_reply_unwrap(node, "guest-x", &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_NOT_FOUND);
    g_assert_cmpstr(error->message, ==,
                    "guest-x: not supported by this agent (CommandNotFound: The command guest-x has not been found)");
    g_clear_error(&error);
    g_clear_pointer(&node, json_node_unref);

    /* QEMU >= 9.1 reports disabled commands with class CommandNotFound. */
    parse_object("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Command guest-x has been disabled: the command is not allowed\"}}", &node);
    g_assert_null(probe_reply_unwrap(node, "guest-x", &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_DISABLED);
    g_clear_error(&error);
    g_clear_pointer(&node, json_node_unref);

    parse_object("{\"error\": {\"class\": \"GenericError\", \"desc\": \"boom\"}}", &node);
    g_assert_null(probe_reply_unwrap(node, "guest-x", &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_FAILED);
    g_assert_cmpstr(error->message, ==, "guest-x failed in the guest: GenericError: boom");
    g_clear_error(&error);
    g_clear_pointer(&node, json_node_unref);

    parse_object("{\"error\": \"x\"}", &node);
    g_assert_null(probe_reply_unwrap(node, "guest-x", &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_PROTOCOL);
    g_clear_error(&error);
    g_clear_pointer(&node, json_node_unref);

    parse_object("{\"id\": 1}", &node);
    g_assert_null(probe_reply_unwrap(node, "guest-x", &error));
    g_assert_cmpstr(error->message, ==, "reply to guest-x has neither 'return' nor 'error'");
}

static void test_accessors(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *longstr = g_strnfill(PROBE_MAX_STRING + 1, 'a');
    g_autofree char *text = g_strdup_printf("{\"s\": \"x\", \"i\": 7, \"d\": 1.5, \"b\": true, \"a\": [1], "
                                            "\"o\": {}, \"long\": \"%s\"}", longstr);
    JsonObject *o = parse_object(text, &node);
    const char *s = NULL;
    gint64 i = 0;
    double d = 0;
    gboolean b = FALSE;
    JsonArray *a = NULL;
    JsonObject *obj = NULL;

    g_assert_true(probe_get_string(o, "s", TRUE, &s, &error));
    g_assert_cmpstr(s, ==, "x");
    g_assert_true(probe_get_int(o, "i", TRUE, 0, 10, &i, &error));
    g_assert_cmpint(i, ==, 7);
    g_assert_true(probe_get_number(o, "d", TRUE, &d, &error));
    g_assert_cmpfloat(d, ==, 1.5);
    g_assert_true(probe_get_number(o, "i", TRUE, &d, &error));
    g_assert_cmpfloat(d, ==, 7.0);
    g_assert_true(probe_get_bool(o, "b", TRUE, &b, &error));
    g_assert_true(b);
    g_assert_true(probe_get_array(o, "a", TRUE, &a, &error));
    g_assert_true(probe_get_object(o, "o", TRUE, &obj, &error));
    g_assert_no_error(error);

    /* optional and absent: fine, untouched */
    s = "keep";
    g_assert_true(probe_get_string(o, "missing", FALSE, &s, &error));
    g_assert_cmpstr(s, ==, "keep");

    g_assert_false(probe_get_string(o, "missing", TRUE, &s, &error));
    g_assert_cmpstr(error->message, ==, "reply lacks member 'missing'");
    g_clear_error(&error);
    g_assert_false(probe_get_int(o, "d", TRUE, 0, 10, &i, &error));
    g_assert_cmpstr(error->message, ==, "member 'd' is not an integer");
    g_clear_error(&error);
    g_assert_false(probe_get_int(o, "i", TRUE, 0, 5, &i, &error));
    g_assert_cmpstr(error->message, ==, "member 'i' = 7 is out of range");
    g_clear_error(&error);
    g_assert_false(probe_get_bool(o, "i", FALSE, &b, &error));
    g_assert_cmpstr(error->message, ==, "member 'i' is not a boolean");
    g_clear_error(&error);
    g_assert_false(probe_get_string(o, "long", TRUE, &s, &error));
    g_assert_cmpstr(error->message, ==, "member 'long' is longer than 4096 bytes");
    g_clear_error(&error);
    g_assert_false(probe_get_array(o, "o", TRUE, &a, &error));
    g_assert_cmpstr(error->message, ==, "o is not a JSON array");
    g_clear_error(&error);
    g_assert_false(probe_get_object(o, "a", TRUE, &obj, &error));
    g_assert_cmpstr(error->message, ==, "a is not a JSON object");
}

static void test_base64(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) b = probe_base64_decode("aGVsbG8=", 100, &error);
    gsize len;

    g_assert_no_error(error);
    g_assert_cmpmem(g_bytes_get_data(b, &len), g_bytes_get_size(b), "hello", 5);
    g_clear_pointer(&b, g_bytes_unref);
    b = probe_base64_decode("", 0, &error);
    g_assert_cmpuint(g_bytes_get_size(b), ==, 0);

    g_assert_null(probe_base64_decode("aGVsbG8", 100, &error));         /* length */
    g_assert_cmpstr(error->message, ==, "invalid base64 data in the reply");
    g_clear_error(&error);
    g_assert_null(probe_base64_decode("aGV*bG8=", 100, &error));        /* alphabet */
    g_clear_error(&error);
    g_assert_null(probe_base64_decode("aG=sbG8=", 100, &error));        /* padding inside */
    g_clear_error(&error);
    g_assert_null(probe_base64_decode("aGVsbG8=", 4, &error));          /* size cap */
    g_assert_cmpstr(error->message, ==, "base64 data decodes to more than 4 bytes");
}

static void test_sanitize(void)
{
    g_autofree char *a = probe_sanitize("\x1b]0;pwned\x07ok");
    g_autofree char *b = probe_sanitize("caf\xc3\xa9 \xff!");
    g_autofree char *c = probe_sanitize("\xc2\x9b" "31m");
    g_autofree char *d = probe_sanitize(NULL);

    g_assert_cmpstr(a, ==, "\\x1b]0;pwned\\x07ok");
    g_assert_cmpstr(b, ==, "caf\xc3\xa9 \\xff!");
    g_assert_cmpstr(c, ==, "\\x9b31m");   /* C1 CSI */
    g_assert_cmpstr(d, ==, "");
}

static const char live_xml[] =
    "<domain type='qemu' id='3'><name>web01</name><devices>"
    "<channel type='unix'><source mode='bind' path='/var/lib/libvirt/qemu/channel/target/domain-3-web01/org.qemu.guest_agent.0'/>"
    "<target type='virtio' name='org.qemu.guest_agent.0' state='connected'/><alias name='channel0'/>"
    "<address type='virtio-serial' controller='0' bus='0' port='1'/></channel>"
    "<channel type='unix'><source mode='bind' path='/run/g2h &amp; co.sock'/>"
    "<target type='virtio' name='org.qgacompat.g2h.0' state='disconnected'/></channel>"
    "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"
    "<channel type='unix'><source mode='connect' path='/run/x.sock'/><target type='guestfwd' name='x'/></channel>"
    "<!-- <channel type='unix'><target type='virtio' name='commented'/></channel> -->"
    "</devices><seclabel><channel type='unix'><target type='virtio' name='wrong-place'/></channel></seclabel></domain>";

static void test_channel_xml(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) all = probe_channel_parse_all(live_xml, &error);
    g_autoptr(ProbeChannel) ch = NULL;

    g_assert_no_error(error);
    g_assert_cmpuint(all->len, ==, 2);
    ch = probe_channel_find(live_xml, "org.qgacompat.g2h.0", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(ch->path, ==, "/run/g2h & co.sock");
    g_assert_cmpstr(ch->mode, ==, "bind");
    g_assert_cmpstr(ch->state, ==, "disconnected");
    g_clear_pointer(&ch, probe_channel_free);
    ch = probe_channel_find(live_xml, "org.qemu.guest_agent.0", &error);
    g_assert_cmpstr(ch->path, ==, "/var/lib/libvirt/qemu/channel/target/domain-3-web01/org.qemu.guest_agent.0");
    g_assert_cmpstr(ch->state, ==, "connected");
    g_clear_pointer(&ch, probe_channel_free);

    g_assert_null(probe_channel_find(live_xml, "wrong-place", &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_NOT_CONFIGURED);
    g_assert_true(g_str_has_prefix(error->message, "the domain has no virtio unix channel named wrong-place "
                                   "(it has: org.qemu.guest_agent.0, org.qgacompat.g2h.0); add <channel"));
    g_clear_error(&error);
    g_assert_null(probe_channel_find("<domain><devices>", "x", &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_FAILED);
}

static void test_timeout_parse(void)
{
    g_autoptr(GError) error = NULL;
    int t = 99;

    g_assert_true(probe_timeout_parse("block", &t, &error));
    g_assert_cmpint(t, ==, -2);
    g_assert_true(probe_timeout_parse("default", &t, &error));
    g_assert_cmpint(t, ==, -1);
    g_assert_true(probe_timeout_parse("nowait", &t, &error));
    g_assert_cmpint(t, ==, 0);
    g_assert_true(probe_timeout_parse("30", &t, &error));
    g_assert_cmpint(t, ==, 30);
    g_assert_false(probe_timeout_parse("-3", &t, &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_USAGE);
    g_clear_error(&error);
    g_assert_false(probe_timeout_parse("5s", &t, &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_USAGE);
}

static void test_agent_info(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = NULL;
    g_autoptr(ProbeAgentInfo) info = NULL;
    JsonObject *o = parse_object("{\"return\": {\"version\": \"9.0\", \"supported_commands\": ["
                                 "{\"name\": \"guest-ping\", \"enabled\": true, \"success-response\": true},"
                                 "{\"name\": \"guest-exec\", \"enabled\": false, \"success-response\": true}]}}", &node);

    info = probe_agent_info_parse(json_object_get_member(o, "return"), &error);
    g_assert_no_error(error);
    g_assert_cmpstr(info->version, ==, "9.0");
    g_assert_cmpuint(info->names->len, ==, 2);
    g_assert_true(probe_agent_info_check(info, "guest-ping", &error));
    g_assert_false(probe_agent_info_check(info, "guest-exec", &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_DISABLED);
    g_clear_error(&error);
    g_assert_false(probe_agent_info_check(info, "guest-get-disks", &error));
    g_assert_error(error, PROBE_ERROR, PROBE_ERROR_COMMAND_NOT_FOUND);
    g_clear_error(&error);
    g_clear_pointer(&node, json_node_unref);

    o = parse_object("{\"return\": {\"version\": \"9.0\", \"supported_commands\": [{\"name\": 1}]}}", &node);
    g_assert_null(probe_agent_info_parse(json_object_get_member(o, "return"), &error));
    g_assert_cmpstr(error->message, ==, "member 'name' is not a string");
}

static void test_exit_codes(void)
{
    g_autoptr(GError) e = g_error_new_literal(PROBE_ERROR, PROBE_ERROR_TIMEOUT, "x");
    g_autoptr(GError) foreign = g_error_new_literal(G_IO_ERROR, 7, "x");

    g_assert_cmpint(probe_error_exit_code(e), ==, 7);
    g_assert_cmpint(probe_error_exit_code(foreign), ==, 1);
    g_assert_cmpstr(probe_error_kind(PROBE_ERROR_NOT_CONNECTED), ==, "agent-not-connected");
    g_assert_cmpstr(probe_error_kind(PROBE_ERROR_COMMAND_DISABLED), ==, "command-disabled");
}

/* libvirt's texts (src/qemu/qemu_agent.c, qemu_driver.c) to the kinds an operator acts on. */
static void test_libvirt_errors(void)
{
    struct { int code; const char *msg; int kind; const char *message; } cases[] = {
        { VIR_ERR_AGENT_UNRESPONSIVE, "Guest agent is not responding: QEMU guest agent is not connected",
          PROBE_ERROR_NOT_CONNECTED, "domain d: Guest agent is not responding: QEMU guest agent is not connected "
          "(no agent has opened the channel in the guest: is it installed and running?)" },
        { VIR_ERR_AGENT_UNRESPONSIVE, "Guest agent is not responding: Guest agent not available for now",
          PROBE_ERROR_TIMEOUT, NULL },
        { VIR_ERR_AGENT_UNRESPONSIVE, "Guest agent is not responding: QEMU guest agent is not available due to an error",
          PROBE_ERROR_NOT_CONNECTED, NULL },
        { VIR_ERR_AGENT_UNRESPONSIVE, "Guest agent is not responding: Guest agent disappeared while executing command",
          PROBE_ERROR_NOT_CONNECTED, NULL },
        { VIR_ERR_ARGUMENT_UNSUPPORTED, "argument unsupported: QEMU guest agent is not configured",
          PROBE_ERROR_NOT_CONFIGURED, NULL },
        { VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: domain is not running", PROBE_ERROR_DOMAIN, NULL },
        { VIR_ERR_NO_DOMAIN, "Domain not found: no domain with matching name 'x'", PROBE_ERROR_DOMAIN, NULL },
        { VIR_ERR_OPERATION_DENIED, "operation forbidden: read only access prevents virDomainQemuAgentCommand",
          PROBE_ERROR_CONNECT, NULL },
        { VIR_ERR_INTERNAL_ERROR, "internal error: unable to execute QEMU agent command 'guest-exec': "
          "The command guest-exec has not been found", PROBE_ERROR_COMMAND_NOT_FOUND,
          "guest-exec: not supported by this agent (CommandNotFound: The command guest-exec has not been found)" },
        { VIR_ERR_INTERNAL_ERROR, "internal error: unable to execute QEMU agent command 'guest-get-users': "
          "Command guest-get-users has been disabled: the command is not allowed", PROBE_ERROR_COMMAND_DISABLED, NULL },
        { VIR_ERR_INTERNAL_ERROR, "internal error: unable to execute QEMU agent command 'guest-file-open': "
          "failed to open file '/x' (mode: 'r'): No such file or directory", PROBE_ERROR_COMMAND_FAILED,
          "guest-file-open failed in the guest: failed to open file '/x' (mode: 'r'): No such file or directory" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        probe_libvirt_map_error(cases[i].code, cases[i].msg, "domain d", &error);
        g_assert_error(error, PROBE_ERROR, cases[i].kind);
        if (cases[i].message)
            g_assert_cmpstr(error->message, ==, cases[i].message);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/probe/reply/parse-limits", test_parse_limits);
    g_test_add_func("/probe/reply/unwrap-and-error-classes", test_unwrap);
    g_test_add_func("/probe/reply/member-accessors", test_accessors);
    g_test_add_func("/probe/reply/base64-strict", test_base64);
    g_test_add_func("/probe/render/sanitize", test_sanitize);
    g_test_add_func("/probe/channel-xml/find", test_channel_xml);
    g_test_add_func("/probe/options/timeout", test_timeout_parse);
    g_test_add_func("/probe/info/parse-and-check", test_agent_info);
    g_test_add_func("/probe/errors/exit-codes", test_exit_codes);
    g_test_add_func("/probe/errors/libvirt-mapping", test_libvirt_errors);
    return g_test_run();
}

/* Unit tests of the framer: message boundaries, 0xFF resync, limits, split feeds, as qemu-ga's streamer. */
#include <glib.h>
#include <string.h>

#include "core/framer.h"

/* Frames collected as "M:<text>" or "E:<desc>". */
typedef struct Collect {
    GPtrArray *frames;
} Collect;

static void collect_sink(void *opaque, const QgaFrame *frame)
{
    Collect *c = opaque;
    if (frame->kind == QGA_FRAME_MESSAGE) {
        g_assert_cmpuint(strlen(frame->text), ==, frame->len);
        g_ptr_array_add(c->frames, g_strdup_printf("M:%.*s", (int)frame->len, frame->text));
    } else {
        g_ptr_array_add(c->frames, g_strdup_printf("E:%s", frame->error_desc));
    }
}

static Collect *collect_new(void)
{
    Collect *c = g_new0(Collect, 1);
    c->frames = g_ptr_array_new_with_free_func(g_free);
    return c;
}

static void collect_free(Collect *c)
{
    g_ptr_array_unref(c->frames);
    g_free(c);
}

/* Feed `len` bytes in pieces of `step` (0 = all at once) and return the frames. */
static Collect *run(const QgaFramerLimits *limits, const char *data, size_t len, size_t step)
{
    QgaFramer *f = qga_framer_new(limits);
    Collect *c = collect_new();
    if (step == 0)
        step = len ? len : 1;
    for (size_t off = 0; off < len; off += step)
        qga_framer_feed(f, data + off, MIN(step, len - off), collect_sink, c);
    qga_framer_free(f);
    return c;
}

static void assert_frames(Collect *c, const char *const *expected)
{
    guint n = 0;
    while (expected[n])
        n++;
    for (guint i = 0; i < MIN(n, c->frames->len); i++)
        g_assert_cmpstr(g_ptr_array_index(c->frames, i), ==, expected[i]);
    g_assert_cmpuint(c->frames->len, ==, n);
}

/* Same frames whether fed at once, byte by byte, or split at every position. */
static void check_all_splits(const QgaFramerLimits *limits, const char *data, const char *const *expected)
{
    size_t len = strlen(data);
    Collect *c = run(limits, data, len, 0);
    assert_frames(c, expected);
    collect_free(c);
    c = run(limits, data, len, 1);
    assert_frames(c, expected);
    collect_free(c);
    for (size_t cut = 1; cut < len; cut++) {
        QgaFramer *f = qga_framer_new(limits);
        c = collect_new();
        qga_framer_feed(f, data, cut, collect_sink, c);
        qga_framer_feed(f, data + cut, len - cut, collect_sink, c);
        assert_frames(c, expected);
        collect_free(c);
        qga_framer_free(f);
    }
}

static void test_single(void)
{
    const char *const exp[] = { "M:{\"execute\":\"guest-ping\"}", NULL };
    check_all_splits(NULL, "{\"execute\":\"guest-ping\"}", exp);
}

static void test_whitespace_kept(void)
{
    /* Whitespace between messages is dropped; inside a message it is kept verbatim. */
    const char *const exp[] = { "M:{\"a\" :\t[1, -2.5e3 ,\r\n true ]\n}", "M:[ ]", NULL };
    check_all_splits(NULL, "  \n{\"a\" :\t[1, -2.5e3 ,\r\n true ]\n}\r\n [ ] \n", exp);
}

static void test_brackets_in_strings(void)
{
    const char *const exp[] = { "M:{\"a\": \"}{[]\", 'b': '}\\'}', \"c\": [\"]\"]}", NULL };
    check_all_splits(NULL, "{\"a\": \"}{[]\", 'b': '}\\'}', \"c\": [\"]\"]}", exp);
}

static void test_many_per_feed(void)
{
    const char *const exp[] = { "M:{\"a\":1}", "M:{\"b\":2}", "M:[3]", "M:{}", NULL };
    check_all_splits(NULL, "{\"a\":1}{\"b\":2}\n[3]{}", exp);
}

static void test_scalars(void)
{
    /* A top-level scalar is a message by itself (dispatch then rejects it); numbers end by lookahead. */
    const char *const exp[] = { "M:42", "M:\"s\"", "M:true", "M:-1.5", "M:null", NULL };
    check_all_splits(NULL, "42 \"s\"true -1.5\nnull ", exp);
    /* Without a byte after it a number is not finished yet: qemu-ga waits too. */
    Collect *c = run(NULL, "{} 17", 5, 0);
    const char *const exp2[] = { "M:{}", NULL };
    assert_frames(c, exp2);
    collect_free(c);
}

static void test_stray_closer(void)
{
    /* A closer at depth 0 drives the count negative: it is a message of its own. */
    const char *const exp[] = { "M:}", "M:]", "M:[}", "M:]", "M:{\"a\":1}", NULL };
    check_all_splits(NULL, "} ] [} ] {\"a\":1}", exp);
}

static void test_ff_alone(void)
{
    const char *const exp[] = { "E:JSON parse error, stray '\xff'", NULL };
    check_all_splits(NULL, "\xff", exp);
}

static void test_ff_mid_message(void)
{
    /* The partial message is dropped; the 0xFF is one stray token; '{' ends recovery. */
    const char *const exp[] = { "E:JSON parse error, stray '\xff'", "M:{\"execute\":\"guest-ping\"}", NULL };
    check_all_splits(NULL, "{\"execute\":\"guest-ping\"\xff{\"execute\":\"guest-ping\"}", exp);
    /* Inside a string the error token is the string so far; recovery then skips to the '}'. */
    const char *const exp2[] = { "E:JSON parse error, stray '\"guest-pi\xff'", "M:}", "M:{\"a\":1}", NULL };
    check_all_splits(NULL, "{\"execute\":\"guest-pi\xffng\"}\n{\"a\":1}", exp2);
    /* Proxmox-style flush: 0xFF, then requests. */
    const char *const exp3[] = { "E:JSON parse error, stray '\xff'", "M:{\"x\":1}", NULL };
    check_all_splits(NULL, "\xff{\"x\":1}", exp3);
}

static void test_other_lexical_errors(void)
{
    /* Recovery skips " 2" and stops at the ']', which is then a stray closer. */
    const char *const exp[] = { "E:JSON parse error, stray '@'", "M:]", "M:[1]", NULL };
    check_all_splits(NULL, "[1, @ 2]\n[1]", exp);
    /* An embedded NUL ends the token text in QEMU's message. */
    Collect *c = run(NULL, "\0{}", 3, 0);
    const char *const exp3[] = { "E:JSON parse error, stray ''", "M:{}", NULL };
    assert_frames(c, exp3);
    collect_free(c);
}

static GString *nested(guint depth, const char *open, const char *close)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < depth; i++)
        g_string_append(s, open);
    for (guint i = 0; i < depth; i++)
        g_string_append(s, close);
    return s;
}

static void test_depth_limit(void)
{
    GString *ok = nested(1024, "[", "]");
    Collect *c = run(NULL, ok->str, ok->len, 0);
    g_autofree char *want = g_strconcat("M:", ok->str, NULL);
    g_assert_cmpuint(c->frames->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(c->frames, 0), ==, want);
    collect_free(c);

    /* 1025 deep: the 1025th opener is refused; the closers then each stand alone (QEMU <= 11.0). */
    GString *deep = nested(1025, "[", "]");
    g_string_append(deep, "{\"a\":1}");
    c = run(NULL, deep->str, deep->len, 0);
    g_assert_cmpuint(c->frames->len, ==, 1 + 1025 + 1);
    g_assert_cmpstr(g_ptr_array_index(c->frames, 0), ==, "E:JSON nesting depth limit exceeded");
    for (guint i = 1; i <= 1025; i++)
        g_assert_cmpstr(g_ptr_array_index(c->frames, i), ==, "M:]");
    g_assert_cmpstr(g_ptr_array_index(c->frames, 1026), ==, "M:{\"a\":1}");
    collect_free(c);

    /* Braces and brackets count together. */
    QgaFramerLimits lim = { .max_depth = 3 };
    const char *const exp[] = { "M:{\"a\":[{}]}", "E:JSON nesting depth limit exceeded", "M:]", "M:}", "M:]", "M:}",
                                NULL };
    check_all_splits(&lim, "{\"a\":[{}]} {\"a\":[{\"b\":[]}]}", exp);
    g_string_free(ok, TRUE);
    g_string_free(deep, TRUE);
}

static void test_token_limit(void)
{
    QgaFramerLimits lim = { .max_tokens = 10 };
    /* [1,2,3,4] is 9 tokens, [[],1,2,3] exactly 10; [1,2,3,4,5] is 11 and its ']' is refused. */
    const char *const exp[] = { "M:[1,2,3,4]", "E:JSON token count limit exceeded", "M:[[],1,2,3]", NULL };
    check_all_splits(&lim, "[1,2,3,4] [1,2,3,4,5] [[],1,2,3]", exp);
}

static void test_size_limit(void)
{
    QgaFramerLimits lim = { .max_message_bytes = 16 };
    /* QEMU's check is "token bytes so far + this token + 1 > limit": 15 token bytes pass, 16 do not. */
    const char *const exp[] = { "M:{\"a\": \"0123456\"}", "E:JSON token size limit exceeded", NULL };
    check_all_splits(&lim, "{\"a\": \"0123456\"} {\"a\":\"01234567\"}", exp);
    /* Refused at the string: the rest is lexed afresh, so the closer is a stray message. */
    const char *const exp2[] = { "E:JSON token size limit exceeded", "M:}", NULL };
    check_all_splits(&lim, "{\"a\":\"0123456789\"}", exp2);
}

static void test_long_token(void)
{
    QgaFramerLimits lim = { .max_message_bytes = 16 };
    /* The lexer cuts a token at limit + 1 bytes and restarts; 'A' cannot start a token. */
    const char *const exp[] = { "E:JSON token size limit exceeded", "E:JSON parse error, stray 'A'", "M:{\"x\":1}", NULL };
    check_all_splits(&lim, "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\n{\"x\":1}", exp);
    /* A run of letters is one keyword token, cut again and again. */
    const char *const exp2[] = { "E:JSON token size limit exceeded", "E:JSON token size limit exceeded", "M:aaaaaa", NULL };
    check_all_splits(&lim, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", exp2);
}

static void test_whitespace_budget(void)
{
    /* QEMU does not count whitespace; we keep it up to a budget and then collapse each gap. */
    QgaFramerLimits lim = { .max_message_bytes = 8 };
    GString *s = g_string_new("{");
    for (int i = 0; i < 10000; i++)
        g_string_append_c(s, ' ');
    g_string_append(s, "}");
    Collect *c = run(&lim, s->str, s->len, 0);
    const char *const exp[] = { "M:{ }", NULL };
    assert_frames(c, exp);
    collect_free(c);
    /* Fed in pieces, only the budget's worth is kept verbatim. */
    c = run(&lim, s->str, s->len, 7);
    g_assert_cmpuint(c->frames->len, ==, 1);
    const char *m = g_ptr_array_index(c->frames, 0);
    g_assert_cmpuint(strlen(m), <=, 2 + 1 + 8 + 1 + 1);
    g_assert_true(g_str_has_prefix(m, "M:{ "));
    g_assert_true(g_str_has_suffix(m, " }"));
    collect_free(c);
    g_string_free(s, TRUE);
}

static void test_reset(void)
{
    QgaFramer *f = qga_framer_new(NULL);
    Collect *c = collect_new();
    qga_framer_feed(f, "{\"execute\":\"gue", 15, collect_sink, c);
    qga_framer_reset(f);
    qga_framer_feed(f, "{\"b\":2}", 7, collect_sink, c);
    /* After an error the lexer is in recovery; reset leaves it too. */
    qga_framer_feed(f, "\xff" "abc", 4, collect_sink, c);
    qga_framer_reset(f);
    qga_framer_feed(f, "true ", 5, collect_sink, c);
    const char *const exp[] = { "M:{\"b\":2}", "E:JSON parse error, stray '\xff'", "M:true", NULL };
    assert_frames(c, exp);
    collect_free(c);
    qga_framer_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/framer/single", test_single);
    g_test_add_func("/agent/framer/whitespace-kept", test_whitespace_kept);
    g_test_add_func("/agent/framer/brackets-in-strings", test_brackets_in_strings);
    g_test_add_func("/agent/framer/many-per-feed", test_many_per_feed);
    g_test_add_func("/agent/framer/scalars", test_scalars);
    g_test_add_func("/agent/framer/stray-closer", test_stray_closer);
    g_test_add_func("/agent/framer/ff-alone", test_ff_alone);
    g_test_add_func("/agent/framer/ff-mid-message", test_ff_mid_message);
    g_test_add_func("/agent/framer/other-lexical-errors", test_other_lexical_errors);
    g_test_add_func("/agent/framer/depth-limit", test_depth_limit);
    g_test_add_func("/agent/framer/token-limit", test_token_limit);
    g_test_add_func("/agent/framer/size-limit", test_size_limit);
    g_test_add_func("/agent/framer/long-token", test_long_token);
    g_test_add_func("/agent/framer/whitespace-budget", test_whitespace_budget);
    g_test_add_func("/agent/framer/reset", test_reset);
    return g_test_run();
}

/* Unit tests of the incremental JSON lexer: QEMU's token rules, error recovery, chunking, size bound. */
#include <glib.h>
#include <string.h>

#include "core/json-lexer.h"

static const char *const type_names[] = {
    [QGA_TOKEN_LCURLY] = "{", [QGA_TOKEN_RCURLY] = "}", [QGA_TOKEN_LSQUARE] = "[",
    [QGA_TOKEN_RSQUARE] = "]", [QGA_TOKEN_COLON] = ":", [QGA_TOKEN_COMMA] = ",",
    [QGA_TOKEN_INTEGER] = "INT", [QGA_TOKEN_FLOAT] = "FLOAT", [QGA_TOKEN_KEYWORD] = "KW",
    [QGA_TOKEN_STRING] = "STR", [QGA_TOKEN_ERROR] = "ERR",
};

typedef struct Recorder {
    GString *out;       /* "TYPE<text> " per token, non-printable bytes as \xHH */
    QgaJsonLexer *lexer;
    guint too_long;     /* error tokens flagged as over the size limit */
} Recorder;

static void record(void *opaque, const QgaToken *t)
{
    Recorder *r = opaque;
    g_string_append_printf(r->out, "%s<", type_names[t->type]);
    for (size_t i = 0; i < t->len; i++) {
        unsigned char c = (unsigned char)t->text[i];
        if (c >= 0x20 && c < 0x7F)
            g_string_append_c(r->out, (char)c);
        else
            g_string_append_printf(r->out, "\\x%02X", c);
    }
    g_string_append(r->out, "> ");
    if (t->type == QGA_TOKEN_ERROR && r->lexer->too_long) {
        g_assert_cmpuint(t->len, ==, r->lexer->max_token_bytes + 1);
        r->too_long++;
    }
}

/* Lex data fed in chunks of `chunk` bytes (0 = all at once), then flush. */
static char *lex(const char *data, size_t len, size_t chunk, size_t max_token, guint *too_long)
{
    Recorder r = { .out = g_string_new(NULL) };
    QgaJsonLexer lexer;
    r.lexer = &lexer;
    qga_json_lexer_init(&lexer, max_token, record, &r);
    if (!chunk)
        chunk = len ? len : 1;
    for (size_t i = 0; i < len; i += chunk)
        qga_json_lexer_feed(&lexer, data + i, MIN(chunk, len - i));
    qga_json_lexer_flush(&lexer);
    qga_json_lexer_destroy(&lexer);
    if (too_long)
        *too_long = r.too_long;
    if (r.out->len)
        g_string_truncate(r.out, r.out->len - 1);
    return g_string_free(r.out, FALSE);
}

static void assert_lex(const char *input, const char *expected)
{
    size_t len = strlen(input);
    g_autofree char *all = lex(input, len, 0, 0, NULL);
    g_assert_cmpstr(all, ==, expected);
    g_autofree char *bytewise = lex(input, len, 1, 0, NULL);
    g_assert_cmpstr(bytewise, ==, expected);
}

static void test_tokens(void)
{
    assert_lex("{\"a\": [1, -2.5e+3, true]}",
               "{<{> STR<\"a\"> :<:> [<[> INT<1> ,<,> FLOAT<-2.5e+3> ,<,> KW<true> ]<]> }<}>");
    /* The structural tokens carry their byte. */
    assert_lex("{}[]:,", "{<{> }<}> [<[> ]<]> :<:> ,<,>");
    assert_lex(" \t\r\n", "");
    assert_lex("0 -0 12 -34 0.5 1E9 1e-2 -0.0e+0", "INT<0> INT<-0> INT<12> INT<-34> FLOAT<0.5> FLOAT<1E9> FLOAT<1e-2> FLOAT<-0.0e+0>");
    /* Keywords are any run of lower-case letters; the parser rejects unknown ones. */
    assert_lex("true false null tru nullx", "KW<true> KW<false> KW<null> KW<tru> KW<nullx>");
}

static void test_strings(void)
{
    assert_lex("\"a\\\"b\" 'c\\'d' 'x\"y' \"\\u00e9\\/\"",
               "STR<\"a\\\"b\"> STR<'c\\'d'> STR<'x\"y'> STR<\"\\u00e9\\/\">");
    /* Any non-control byte may follow a backslash: the parser judges escapes. */
    assert_lex("\"\\x\\q\"", "STR<\"\\x\\q\">");
    /* Bytes 0x80..0xFD pass the lexer; UTF-8 validity is the parser's job. */
    assert_lex("\"\xC3\xA9\xC0\x80\xFD\"", "STR<\"\\xC3\\xA9\\xC0\\x80\\xFD\">");
}

static void test_lookahead(void)
{
    /* A number or keyword ends at the first byte that cannot continue it, which is lexed afresh. */
    assert_lex("1x", "INT<1> KW<x>");
    assert_lex("true1", "KW<true> INT<1>");
    assert_lex("12\"s\"", "INT<12> STR<\"s\">");
    assert_lex("1.5]", "FLOAT<1.5> ]<]>");
    /* QEMU's IN_ZERO takes no exponent: "0e1" is 0, e, 1. */
    assert_lex("0e1", "INT<0> KW<e> INT<1>");
    /* A number at the end of the input is emitted by the flush only. */
    Recorder r = { .out = g_string_new(NULL) };
    QgaJsonLexer lexer;
    r.lexer = &lexer;
    qga_json_lexer_init(&lexer, 0, record, &r);
    qga_json_lexer_feed(&lexer, "42", 2);
    g_assert_cmpuint(r.out->len, ==, 0);
    qga_json_lexer_feed(&lexer, "7", 1);
    g_assert_cmpuint(r.out->len, ==, 0);
    qga_json_lexer_feed(&lexer, " ", 1);
    g_assert_cmpstr(r.out->str, ==, "INT<427> ");
    qga_json_lexer_feed(&lexer, "nul", 3);
    qga_json_lexer_flush(&lexer);
    g_assert_cmpstr(r.out->str, ==, "INT<427> KW<nul> ");
    qga_json_lexer_destroy(&lexer);
    g_string_free(r.out, TRUE);
}

static void test_errors_and_recovery(void)
{
    /* 0xFF and 0xFE start no token: an error, then skip to a restart point. */
    assert_lex("\xFF{}", "ERR<\\xFF> {<{> }<}>");
    assert_lex("\xFE" "abc \"x\" [", "ERR<\\xFE> [<[>");
    /* Recovery skips spaces, tabs, letters and quotes; stops at controls, 0xFE/0xFF and {}[]:, */
    assert_lex("@ foo\t'bar' \n1", "ERR<@> INT<1>");
    assert_lex("@abc:1", "ERR<@> :<:> INT<1>");
    assert_lex("@abc\xFF" "1", "ERR<@> ERR<\\xFF>");
    /* An error token holds the partial token and the offending byte. */
    assert_lex("01,", "ERR<01> ,<,>");
    assert_lex("-x,", "ERR<-x> ,<,>");
    assert_lex("1.x,", "ERR<1.x> ,<,>");
    assert_lex("1e+x,", "ERR<1e+x> ,<,>");
    assert_lex("-}", "ERR<-}>");
    assert_lex("\"ab\ncd\" 1 ,2", "ERR<\"ab\\x0A> ,<,> INT<2>");
    assert_lex("\"ab\\\x01\",2", "ERR<\"ab\\\\x01> ,<,> INT<2>");
    assert_lex("'a\xFF' 1 :2", "ERR<'a\\xFF> :<:> INT<2>");
    /* Upper-case letters start nothing. */
    assert_lex("True", "ERR<T>");
    /* At the end of input: an unfinished string, a lone sign, a cut fraction or exponent. */
    assert_lex("\"abc", "ERR<\"abc>");
    assert_lex("-", "ERR<->");
    assert_lex("1.", "ERR<1.>");
    assert_lex("1e", "ERR<1e>");
    /* After a flush the lexer starts clean, recovery included. */
    assert_lex("@x", "ERR<@>");
}

static void test_nul_bytes(void)
{
    g_autofree char *s = lex("\0{\"a\0\"", 6, 0, 0, NULL);
    g_assert_cmpstr(s, ==, "ERR<\\x00> {<{> ERR<\"a\\x00>");
}

static void test_token_size_limit(void)
{
    guint too_long = 0;
    /* A string of exactly max+1 bytes that completes on its last byte is fine. */
    g_autofree char *ok = lex("\"1234567\"", 9, 0, 8, &too_long);
    g_assert_cmpstr(ok, ==, "STR<\"1234567\">");
    g_assert_cmpuint(too_long, ==, 0);
    /* One byte more and it is cut at max+1 bytes; lexing restarts in the start state. */
    for (size_t chunk = 0; chunk <= 3; chunk++) {
        g_autofree char *s = lex("\"12345678\" 5", 12, chunk, 8, &too_long);
        g_assert_cmpstr(s, ==, "ERR<\"12345678> ERR<\" 5>");   /* the closing quote opens a new string */
        g_assert_cmpuint(too_long, ==, 1);
    }
    g_autofree char *num = lex("1234567890,", 11, 1, 8, &too_long);
    g_assert_cmpstr(num, ==, "ERR<123456789> INT<0> ,<,>");
    g_assert_cmpuint(too_long, ==, 1);

    /* Memory stays bounded while a huge string streams in: every max+1 bytes are cut off. */
    Recorder r = { .out = g_string_new(NULL) };
    QgaJsonLexer lexer;
    r.lexer = &lexer;
    qga_json_lexer_init(&lexer, 1000, record, &r);
    char block[333];
    memset(block, 'a', sizeof(block));
    qga_json_lexer_feed(&lexer, "\"", 1);
    for (int i = 0; i < 3000; i++) {
        qga_json_lexer_feed(&lexer, block, sizeof(block));
        g_assert_cmpuint(lexer.token.len, <=, 1001);
        g_string_truncate(r.out, 0);
    }
    size_t total = 1 + 3000 * sizeof(block);
    g_assert_cmpuint(r.too_long, ==, total / 1001);
    qga_json_lexer_flush(&lexer);
    g_assert_cmpuint(r.out->len, ==, strlen("KW<> ") + total % 1001);
    qga_json_lexer_destroy(&lexer);
    g_string_free(r.out, TRUE);
}

/* Deterministic pseudo-random JSON-ish input: tokens, noise, and invalid bytes. */
static GString *random_input(GRand *rand)
{
    static const char *const pieces[] = {
        "{", "}", "[", "]", ":", ",", " ", "\n", "\t", "\"str\"", "'sq\\''", "\"\\u00E9\\n\"",
        "123", "-0", "0.25", "1e5", "-7E-3", "true", "false", "null", "nul", "\xFF", "\xFE",
        "\x01", "@", "\"\xC3\xA9\"", "\"unterminated", "01", "-", "1.", "0e1", "\\", "'",
    };
    GString *s = g_string_new(NULL);
    int n = g_rand_int_range(rand, 0, 60);
    for (int i = 0; i < n; i++) {
        if (g_rand_int_range(rand, 0, 10) == 0)
            g_string_append_c(s, (char)g_rand_int_range(rand, 0, 256));
        else
            g_string_append(s, pieces[g_rand_int_range(rand, 0, G_N_ELEMENTS(pieces))]);
    }
    return s;
}

static void test_chunking_invariance(void)
{
    GRand *rand = g_rand_new_with_seed(20260213);
    for (int iter = 0; iter < 3000; iter++) {
        g_autoptr(GString) in = random_input(rand);
        g_autofree char *all = lex(in->str, in->len, 0, 0, NULL);
        g_autofree char *bytewise = lex(in->str, in->len, 1, 0, NULL);
        size_t chunk = (size_t)g_rand_int_range(rand, 2, 17);
        g_autofree char *chunked = lex(in->str, in->len, chunk, 0, NULL);
        g_assert_cmpstr(bytewise, ==, all);
        g_assert_cmpstr(chunked, ==, all);
        /* The size bound must not depend on chunking either. */
        g_autofree char *small_all = lex(in->str, in->len, 0, 5, NULL);
        g_autofree char *small_bytes = lex(in->str, in->len, 1, 5, NULL);
        g_assert_cmpstr(small_bytes, ==, small_all);
    }
    g_rand_free(rand);
}

static void test_reset(void)
{
    Recorder r = { .out = g_string_new(NULL) };
    QgaJsonLexer lexer;
    r.lexer = &lexer;
    qga_json_lexer_init(&lexer, 0, record, &r);
    qga_json_lexer_feed(&lexer, "[\"half", 6);
    qga_json_lexer_reset(&lexer);
    qga_json_lexer_feed(&lexer, "1 ", 2);
    g_assert_cmpstr(r.out->str, ==, "[<[> INT<1> ");
    /* reset also leaves recovery */
    qga_json_lexer_feed(&lexer, "@abc", 4);
    qga_json_lexer_reset(&lexer);
    qga_json_lexer_feed(&lexer, "2 ", 2);
    g_assert_cmpstr(r.out->str, ==, "[<[> INT<1> ERR<@> INT<2> ");
    qga_json_lexer_destroy(&lexer);
    g_string_free(r.out, TRUE);
}

static void count_token(void *opaque, const QgaToken *t)
{
    guint *counts = opaque;
    counts[t->type]++;
}

static void test_throughput(void)
{
    /* 32 MiB in 4 KiB reads (qemu-ga's read size): no per-byte work beyond the state machine. */
    static const char unit[] = "{\"key\": \"a fairly long string value with some text\", \"n\": [123456, -1.5e3, true]}";
    GString *s = g_string_sized_new(32 << 20);
    guint units = 0;
    while (s->len < (32u << 20)) {
        g_string_append(s, unit);
        units++;
    }
    guint counts[QGA_TOKEN_ERROR + 1] = { 0 };
    QgaJsonLexer lexer;
    qga_json_lexer_init(&lexer, 0, count_token, counts);
    gint64 start = g_get_monotonic_time();
    for (size_t i = 0; i < s->len; i += 4096)
        qga_json_lexer_feed(&lexer, s->str + i, MIN(4096, s->len - i));
    qga_json_lexer_flush(&lexer);
    double secs = (double)(g_get_monotonic_time() - start) / 1e6;
    qga_json_lexer_destroy(&lexer);
    g_test_message("lexed %zu bytes in %.3f s (%.0f MB/s)", s->len, secs, (double)s->len / 1e6 / secs);
    g_assert_cmpuint(counts[QGA_TOKEN_STRING], ==, units * 3);
    g_assert_cmpuint(counts[QGA_TOKEN_INTEGER], ==, units);
    g_assert_cmpuint(counts[QGA_TOKEN_FLOAT], ==, units);
    g_assert_cmpuint(counts[QGA_TOKEN_KEYWORD], ==, units);
    g_assert_cmpuint(counts[QGA_TOKEN_ERROR], ==, 0);
    g_string_free(s, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/json-lexer/tokens", test_tokens);
    g_test_add_func("/agent/json-lexer/strings", test_strings);
    g_test_add_func("/agent/json-lexer/lookahead", test_lookahead);
    g_test_add_func("/agent/json-lexer/errors-and-recovery", test_errors_and_recovery);
    g_test_add_func("/agent/json-lexer/nul-bytes", test_nul_bytes);
    g_test_add_func("/agent/json-lexer/token-size-limit", test_token_size_limit);
    g_test_add_func("/agent/json-lexer/chunking-invariance", test_chunking_invariance);
    g_test_add_func("/agent/json-lexer/reset", test_reset);
    g_test_add_func("/agent/json-lexer/throughput", test_throughput);
    return g_test_run();
}

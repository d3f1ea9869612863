/* Unit tests of base64: glib-identical encoding, and qemu-ga's decoding rules and error texts. */
#include <glib.h>
#include <string.h>

#include "core/base64.h"

static char *encode(const void *data, size_t len)
{
    QgaBuf b = QGA_BUF_INIT;
    qga_base64_encode_append(&b, data, len);
    g_assert_cmpuint(b.len, ==, qga_base64_encoded_len(len));
    return qga_buf_steal(&b, NULL);
}

static void assert_decodes(const char *in, size_t in_len, const void *expected, size_t expected_len)
{
    char *out = NULL;
    size_t out_len = 0;
    QgaError *err = NULL;
    g_assert_cmpint(qga_base64_decode(in, in_len, &out, &out_len, &err), ==, 0);
    g_assert_null(err);
    g_assert_cmpmem(out, out_len, expected, expected_len);
    g_assert_cmpint(out[out_len], ==, '\0');
    free(out);
}

static void assert_rejects(const char *in, size_t in_len, const char *desc)
{
    char *out = (char *)"untouched";
    size_t out_len = 12345;
    QgaError *err = NULL;
    g_assert_cmpint(qga_base64_decode(in, in_len, &out, &out_len, &err), ==, -1);
    g_assert_nonnull(err);
    g_assert_cmpint(err->error_class, ==, QGA_ERROR_GENERIC);
    g_assert_cmpstr(err->desc, ==, desc);
    g_assert_cmpstr(out, ==, "untouched");
    g_assert_cmpuint(out_len, ==, 12345);
    qga_error_free(err);
}

static void test_encode_known(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
        { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
        { "\xFB\xFF", "+/8=" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *s = encode(cases[i].in, strlen(cases[i].in));
        g_assert_cmpstr(s, ==, cases[i].out);
    }
    /* appends to what the buffer holds */
    QgaBuf b = QGA_BUF_INIT;
    qga_buf_append_str(&b, "{\"buf-b64\": \"");
    qga_base64_encode_append(&b, "hello", 5);
    qga_buf_append_str(&b, "\"}");
    g_assert_cmpstr(b.data, ==, "{\"buf-b64\": \"aGVsbG8=\"}");
    qga_buf_free(&b);
}

static void test_all_bytes_round_trip(void)
{
    guchar all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (guchar)i;
    /* every byte value at every position within a 3-byte group, and every length up to 256 */
    for (size_t start = 0; start < 3; start++) {
        for (size_t len = 0; start + len <= 256; len++) {
            g_autofree char *ours = encode(all + start, len);
            g_autofree char *glibs = g_base64_encode(all + start, len);
            g_assert_cmpstr(ours, ==, glibs);
            assert_decodes(ours, strlen(ours), all + start, len);
        }
    }
}

static void test_random_round_trip(void)
{
    GRand *r = g_rand_new_with_seed(64);
    for (int i = 0; i < 300; i++) {
        size_t len = (size_t)g_rand_int_range(r, 0, 20000);
        guchar *data = g_malloc(len + 1);
        for (size_t j = 0; j < len; j++)
            data[j] = (guchar)g_rand_int_range(r, 0, 256);
        g_autofree char *ours = encode(data, len);
        g_autofree char *glibs = g_base64_encode(data, len);
        g_assert_cmpstr(ours, ==, glibs);
        assert_decodes(ours, strlen(ours), data, len);
        g_free(data);
    }
    g_rand_free(r);
}

static void test_decode_lenient(void)
{
    /* glib's leniency, which qemu-ga inherits */
    assert_decodes("aGVsbG8=", 8, "hello", 5);
    assert_decodes("aGVs\nbG8=\n", 10, "hello", 5);   /* '\n' anywhere is skipped */
    assert_decodes("aGVsbG8", 7, "hel", 3);           /* an unfinished group is dropped */
    assert_decodes("aGVsbG8=aGk=", 12, "hellohi", 7); /* padding in the middle shortens its group only */
    assert_decodes("", 0, "", 0);
    assert_decodes("\n\n", 2, "", 0);
    assert_decodes("====", 4, "\0", 1);
}

static void test_decode_rejects(void)
{
    assert_rejects("aGVsbG8=\r\n", 10, "Base64 data contains invalid characters");
    assert_rejects(" aGVsbG8=", 9, "Base64 data contains invalid characters");
    assert_rejects("aGVs\tbG8=", 9, "Base64 data contains invalid characters");
    assert_rejects("-_-_", 4, "Base64 data contains invalid characters");   /* no URL-safe alphabet */
    assert_rejects("aGVs\xC0\x80", 6, "Base64 data contains invalid characters");   /* modified-UTF-8 NUL */
    assert_rejects("\xFF", 1, "Base64 data contains invalid characters");
    /* qbase64_decode checks for NUL bytes first */
    assert_rejects("aGVs\0bG8=", 9, "Base64 data contains embedded NUL characters");
    assert_rejects("!\0", 2, "Base64 data contains embedded NUL characters");
}

/* Differential: every string over the accepted characters decodes exactly as g_base64_decode does. */
static void test_decode_matches_glib(void)
{
    static const char accepted[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n";
    static const char biased[] = "QUJD==\n\n";   /* make padding and newlines common */
    GRand *r = g_rand_new_with_seed(4648);
    for (int i = 0; i < 20000; i++) {
        size_t len = (size_t)g_rand_int_range(r, 0, 40);
        char *s = g_malloc(len + 1);
        for (size_t j = 0; j < len; j++) {
            s[j] = g_rand_boolean(r) ? accepted[g_rand_int_range(r, 0, sizeof(accepted) - 1)]
                                     : biased[g_rand_int_range(r, 0, sizeof(biased) - 1)];
        }
        s[len] = '\0';
        gsize glib_len = 0;
        g_autofree guchar *glib_out = g_base64_decode(s, &glib_len);
        assert_decodes(s, len, glib_out, glib_len);
        g_free(s);
    }
    g_rand_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/base64/encode-known", test_encode_known);
    g_test_add_func("/agent/base64/all-bytes-round-trip", test_all_bytes_round_trip);
    g_test_add_func("/agent/base64/random-round-trip", test_random_round_trip);
    g_test_add_func("/agent/base64/decode-lenient", test_decode_lenient);
    g_test_add_func("/agent/base64/decode-rejects", test_decode_rejects);
    g_test_add_func("/agent/base64/decode-matches-glib", test_decode_matches_glib);
    return g_test_run();
}

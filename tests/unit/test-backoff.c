/* Unit tests of the back-off rule (core/backoff.h) every port uses. */
#include <glib.h>

#include "core/backoff.h"

static void test_sequence(void)
{
    const QgaBackoff b = { 100, 5000 };
    int64_t expect[] = { 100, 200, 400, 800, 1600, 3200, 5000, 5000 };
    int64_t wait = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(expect); i++) {
        wait = qga_backoff_next(&b, wait);
        g_assert_cmpint(wait, ==, expect[i]);
    }
}

static void test_cap_not_power_of_two(void)
{
    /* Doubling never overshoots the cap, whatever the ratio of cap to first. */
    const QgaBackoff b = { 300, 1000 };
    g_assert_cmpint(qga_backoff_next(&b, 0), ==, 300);
    g_assert_cmpint(qga_backoff_next(&b, 300), ==, 600);
    g_assert_cmpint(qga_backoff_next(&b, 600), ==, 1000);
    g_assert_cmpint(qga_backoff_next(&b, 1000), ==, 1000);
    /* A negative current (a reset written as -1) starts over. */
    g_assert_cmpint(qga_backoff_next(&b, -1), ==, 300);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/backoff/sequence", test_sequence);
    g_test_add_func("/core/backoff/cap", test_cap_not_power_of_two);
    return g_test_run();
}

/* A minimal TAP runner for the Windows unit-test programs (there is no GLib/GTest for mingw). */
#pragma once

#include <stdio.h>
#include <string.h>

/* Set by the CHECK macros; cleared before each test case. */
static int test_failed;

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            printf("# %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);              \
            printf(__VA_ARGS__);                                                           \
            printf("\n");                                                                  \
            test_failed = 1;                                                               \
        }                                                                                  \
    } while (0)
#define CHECK_STR(a, b)                                                                    \
    do {                                                                                   \
        const char *a_ = (a), *b_ = (b);                                                   \
        CHECK(a_ && b_ && strcmp(a_, b_) == 0, "\"%s\" != \"%s\"", a_ ? a_ : "(null)",     \
              b_ ? b_ : "(null)");                                                         \
    } while (0)
#define CHECK_INT(a, b)                                                                    \
    do {                                                                                   \
        long long a_ = (long long)(a), b_ = (long long)(b);                                \
        CHECK(a_ == b_, "%lld != %lld", a_, b_);                                           \
    } while (0)
#define CHECK_PREFIX(a, prefix)                                                            \
    do {                                                                                   \
        const char *a_ = (a), *p_ = (prefix);                                              \
        CHECK(a_ && strncmp(a_, p_, strlen(p_)) == 0, "\"%s\" does not start with \"%s\"", \
              a_ ? a_ : "(null)", p_);                                                     \
    } while (0)

typedef struct TestCase {
    const char *path;
    void (*fn)(void);
} TestCase;

/* Run every case in order, one TAP line each; the exit status says whether any failed. */
static inline int wintap_run(const TestCase *tests, size_t n)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int failures = 0;
    printf("1..%zu\n", n);
    for (size_t i = 0; i < n; i++) {
        test_failed = 0;
        tests[i].fn();
        printf("%s %zu %s\n", test_failed ? "not ok" : "ok", i + 1, tests[i].path);
        failures += test_failed;
    }
    return failures ? 1 : 0;
}

/* check.h - a minimal unit-test harness: CHECK records a failure and goes on; RUN
 * runs one test (a function call), which passes when none of its checks failed;
 * check_summary() prints "N passed, N failed" of the tests, the checks apart, and
 * gives the exit status. */
#ifndef MPBLE_CHECK_H
#define MPBLE_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;
static int tests_passed, tests_failed, tests_checks_failed;

#define RUN(call)                                                 \
    do {                                                          \
        int failed_before_ = check_failed;                        \
        call;                                                     \
        if (check_failed > failed_before_) {                      \
            tests_failed++;                                       \
            tests_checks_failed += check_failed - failed_before_; \
            fprintf(stderr, "failed: %s\n", #call);               \
        } else {                                                  \
            tests_passed++;                                       \
        }                                                         \
    } while (0)

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) {                                                                  \
            check_passed++;                                                          \
        } else {                                                                     \
            check_failed++;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                    \
    do {                                                                                  \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                   \
        if (check_a_ == check_b_) {                                                       \
            check_passed++;                                                               \
        } else {                                                                          \
            check_failed++;                                                               \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", __FILE__, \
                    __LINE__, #a, check_a_, #b, check_b_);                                \
        }                                                                                 \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

static inline int check_summary(const char *suite)
{
    /* A check outside every test (set-up in main) that failed fails the program. */
    int failed = tests_failed + (check_failed > tests_checks_failed ? 1 : 0);
    printf("%s: %d passed, %d failed (checks: %d passed, %d failed)\n", suite, tests_passed, failed,
           check_passed, check_failed);
    return failed ? 1 : 0;
}

#endif

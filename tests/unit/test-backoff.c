/* SPDX-License-Identifier: MIT */
/* firstboot/lib/backoff.c: growth, cap, jitter bounds and the deadline. The pauses are checked as values
 * (backoff_next()); only the deadline cases wait, and their time bounds are lower bounds or generous
 * upper ones, so a slow machine cannot fail them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit-test.h"

#include "backoff.h"

/* A pause within +-25% of nominal (milliseconds). */
static void assert_around(usec_t pause, unsigned nominal_ms) {
        usec_t nominal = (usec_t) nominal_ms * USEC_PER_MSEC;

        if (pause < nominal - nominal / 4 || pause > nominal + nominal / 4)
                fail_msg("pause %llu us, nominal %u ms", (unsigned long long) pause, nominal_ms);
}

static void test_growth_and_cap(void **state) {
        static const unsigned nominal[] = { 100, 200, 400, 800, 1600, 3000, 3000, 3000 };
        struct backoff b;

        backoff_init(&b, 100, 3000, BACKOFF_NO_DEADLINE);
        for (size_t i = 0; i < sizeof(nominal) / sizeof(nominal[0]); i++)
                assert_around(backoff_next(&b), nominal[i]);
        assert_int_equal(b.waits, 8);
        /* long after: still at the cap, no overflow */
        for (int i = 0; i < 200; i++)
                assert_around(backoff_next(&b), 3000);
}

static void test_reset(void **state) {
        struct backoff b;

        backoff_init(&b, 500, 15000, BACKOFF_NO_DEADLINE);
        for (int i = 0; i < 10; i++)
                (void) backoff_next(&b);
        backoff_reset(&b);
        assert_int_equal(b.waits, 0);
        assert_around(backoff_next(&b), 500);
        assert_around(backoff_next(&b), 1000);
}

static void test_fixed_interval(void **state) {
        struct backoff b;

        /* cap == base, and a cap below base: a fixed interval */
        backoff_init(&b, 1000, 1000, BACKOFF_NO_DEADLINE);
        for (int i = 0; i < 20; i++)
                assert_around(backoff_next(&b), 1000);
        backoff_init(&b, 5000, 10, BACKOFF_NO_DEADLINE);
        for (int i = 0; i < 20; i++)
                assert_around(backoff_next(&b), 5000);
}

static void test_jitter_spreads(void **state) {
        usec_t lo = UINT64_MAX, hi = 0;
        struct backoff b;

        backoff_init(&b, 1000, 1000, BACKOFF_NO_DEADLINE);
        for (int i = 0; i < 2000; i++) {
                usec_t p = backoff_next(&b);
                assert_around(p, 1000);
                lo = p < lo ? p : lo;
                hi = p > hi ? p : hi;
        }
        /* uniform over 750..1250 ms: 2000 draws all in one half is a chance of 2^-2000 */
        assert_true(lo < 1000 * USEC_PER_MSEC);
        assert_true(hi > 1000 * USEC_PER_MSEC);

        /* two loops started together do not pause alike */
        {
                struct backoff x, y;
                int same = 0;

                backoff_init(&x, 1000, 1000, BACKOFF_NO_DEADLINE);
                backoff_init(&y, 1000, 1000, BACKOFF_NO_DEADLINE);
                for (int i = 0; i < 100; i++)
                        same += backoff_next(&x) == backoff_next(&y);
                assert_true(same < 100);
        }
}

static void test_deadline_passed_no_pause(void **state) {
        struct backoff b;
        usec_t t0 = now_usec();

        backoff_init(&b, 60000, 60000, deadline_in_ms(0));
        assert_int_equal(backoff_wait(&b), -ETIMEDOUT);
        assert_int_equal(b.waits, 0);
        /* no 45-75 s pause was taken */
        assert_true(now_usec() - t0 < 30 * USEC_PER_SEC);
}

static void test_pause_cut_at_deadline(void **state) {
        usec_t deadline = deadline_in_ms(50), t0 = now_usec();
        struct backoff b;

        backoff_init(&b, 60000, 60000, deadline);
        assert_int_equal(backoff_wait(&b), -ETIMEDOUT);
        /* never before the deadline; cut short of the 45 s the pause would have been */
        assert_true(now_usec() >= deadline);
        assert_true(now_usec() - t0 < 30 * USEC_PER_SEC);
}

static void test_wait_returns_0_while_time_is_left(void **state) {
        struct backoff b;

        backoff_init(&b, 1, 1, deadline_in_ms(10 * 60 * 1000));
        assert_int_equal(backoff_wait(&b), 0);
        assert_int_equal(b.waits, 1);
}

static void test_loop_until_deadline(void **state) {
        usec_t deadline = deadline_in_ms(200);
        unsigned attempts = 0;
        struct backoff b;
        int r;

        backoff_init(&b, 10, 20, deadline);
        for (;;) {
                attempts++;
                r = backoff_wait(&b);
                if (r < 0)
                        break;
        }
        assert_int_equal(r, -ETIMEDOUT);
        assert_true(now_usec() >= deadline);
        /* pauses of at least 7.5 ms: at most 200 / 7.5 + 1 attempts, however fast the machine */
        assert_in_range(attempts, 1, 28);
}

UNIT_TEST_MAIN(NULL, NULL, test_growth_and_cap, test_reset, test_fixed_interval, test_jitter_spreads,
               test_deadline_passed_no_pause, test_pause_cut_at_deadline, test_wait_returns_0_while_time_is_left,
               test_loop_until_deadline)

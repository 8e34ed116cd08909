/* SPDX-License-Identifier: MIT */
/* firstboot/lib/time-util.c: the monotonic clock, deadlines and the sleep that survives signals. Time
 * bounds here are lower bounds (a sleep is never shorter) or generous upper ones. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <cmocka.h>

#include "unit-test.h"

#include "time-util.h"

static void test_monotonic_never_goes_back(void **state) {
        usec_t prev = now_usec();

        for (int i = 0; i < 10000; i++) {
                usec_t now = now_usec();
                assert_true(now >= prev);
                prev = now;
        }
}

/* The bounds come from clock_gettime() too: time(NULL) reads the kernel's coarse clock, which may lag
 * CLOCK_REALTIME by a tick and so put "after" a second before the value it should bound. */
static time_t realtime_sec(void) {
        struct timespec ts;

        assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
        return ts.tv_sec;
}

static void test_realtime_is_the_wall_clock(void **state) {
        time_t before = realtime_sec();
        int64_t sec = now_realtime_sec();
        usec_t usec = now_realtime_usec();
        time_t after = realtime_sec();

        assert_true(sec >= (int64_t) before && sec <= (int64_t) after);
        assert_true(usec / USEC_PER_SEC >= (usec_t) before && usec / USEC_PER_SEC <= (usec_t) after);
}

static void test_deadline_now_or_past(void **state) {
        /* 0 and negative: a deadline that has already come */
        assert_true(deadline_passed(deadline_in_ms(0)));
        assert_true(deadline_passed(deadline_in_ms(-5000)));
        assert_int_equal(deadline_remaining_ms(deadline_in_ms(0)), 0);
        assert_int_equal(deadline_remaining_ms(0), 0);
}

static void test_deadline_remaining(void **state) {
        usec_t t0 = now_usec(), deadline = t0 + 60 * USEC_PER_SEC + 1, t1;
        long long left = deadline_remaining_ms(deadline);

        t1 = now_usec();
        assert_false(deadline_passed(deadline));
        /* rounded up: between what was left after and before the call, in whole milliseconds up */
        assert_true(left <= (long long) ((deadline - t0 + USEC_PER_MSEC - 1) / USEC_PER_MSEC));
        assert_true(left >= (long long) ((deadline - t1 + USEC_PER_MSEC - 1) / USEC_PER_MSEC));
        /* waiting that long reaches the deadline */
        assert_true((usec_t) left * USEC_PER_MSEC >= deadline - t1);

        t0 = now_usec();
        deadline = deadline_in_ms(1500);
        assert_true(deadline >= t0 + 1500 * USEC_PER_MSEC);
        assert_true(deadline <= now_usec() + 1500 * USEC_PER_MSEC);
}

static void test_sleep_at_least(void **state) {
        usec_t t0 = now_usec();

        sleep_ms(30);
        assert_true(now_usec() - t0 >= 30 * USEC_PER_MSEC);
        t0 = now_usec();
        sleep_usec(0);
        sleep_usec(1500);
        assert_true(now_usec() - t0 >= 1500);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig) {
        alarms++;
}

static void test_sleep_resumes_after_signal(void **state) {
        struct sigaction sa = { .sa_handler = on_alarm }, old; /* no SA_RESTART: nanosleep gets EINTR */
        struct itimerval every_10ms = { .it_interval = { 0, 10000 }, .it_value = { 0, 10000 } }, off = {};
        usec_t t0;

        assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
        alarms = 0;
        t0 = now_usec();
        assert_int_equal(setitimer(ITIMER_REAL, &every_10ms, NULL), 0);
        sleep_ms(300);
        assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
        /* interrupted many times, and still the whole time asleep */
        assert_true(now_usec() - t0 >= 300 * USEC_PER_MSEC);
        assert_true(alarms > 0);
        assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);
}

UNIT_TEST_MAIN(NULL, NULL, test_monotonic_never_goes_back, test_realtime_is_the_wall_clock, test_deadline_now_or_past,
               test_deadline_remaining, test_sleep_at_least, test_sleep_resumes_after_signal)

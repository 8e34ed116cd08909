/* SPDX-License-Identifier: MIT */
/* random_bytes() (firstboot/lib/random.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit-test.h"

#include "random.h"

/* Two 32-byte draws are equal with probability 2^-256: equal ones mean no randomness. */
static void test_draws_differ(void **state) {
        unsigned char a[32], b[32];

        memset(a, 0, sizeof(a));
        memset(b, 0, sizeof(b));
        assert_int_equal(random_bytes(a, sizeof(a)), 0);
        assert_int_equal(random_bytes(b, sizeof(b)), 0);
        assert_memory_not_equal(a, b, sizeof(a));
}

/* 64 KiB fill the whole buffer: every byte value shows up (a value is missing with probability
 * 256 * (255/256)^65536, about 2^-361), up to the last byte asked for, and not beyond. */
static void test_fills_exactly_n(void **state) {
        enum { N = 64 * 1024 };
        unsigned char *buf = malloc(N + 16);
        bool seen[256] = { false };
        size_t values = 0;

        assert_non_null(buf);
        memset(buf, 0xa5, N + 16);
        assert_int_equal(random_bytes(buf, N), 0);
        for (size_t i = 0; i < N; i++)
                seen[buf[i]] = true;
        for (size_t v = 0; v < 256; v++)
                values += seen[v];
        assert_int_equal(values, 256);
        for (size_t i = N; i < N + 16; i++)
                assert_int_equal(buf[i], 0xa5);
        free(buf);
}

static void test_zero_bytes(void **state) {
        unsigned char guard = 0x5a;

        assert_int_equal(random_bytes(&guard, 0), 0);
        assert_int_equal(guard, 0x5a);
}

UNIT_TEST_MAIN(NULL, NULL, test_draws_differ, test_fills_exactly_n, test_zero_bytes)

/* SPDX-License-Identifier: MIT */
/* Wiping secrets (firstboot/lib/secret.c): secure_erase(), CLEANUP_ERASE() on every way out of a scope,
 * and the wiping free of _cleanup_erase_free_. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit-test.h"

#include "secret.h"

static void test_secure_erase_exact_range(void **state) {
        unsigned char buf[48];

        memset(buf, 0xff, sizeof(buf));
        secure_erase(buf + 8, 32);
        for (size_t i = 0; i < sizeof(buf); i++)
                assert_int_equal(buf[i], i >= 8 && i < 40 ? 0 : 0xff);
        secure_erase(buf, 0);
        assert_int_equal(buf[0], 0xff);
        secure_erase(NULL, 16); /* nothing to wipe is not an error */
}

/* A static buffer, so that the test can look at it after the scope holding CLEANUP_ERASE() is left. */
static unsigned char held[24];

static int use_key(int leave_early) {
        CLEANUP_ERASE(held);

        memset(held, 0xaa, sizeof(held));
        if (leave_early)
                return -1;
        held[0] = 0xbb;
        return 0;
}

static void test_cleanup_erase_every_return(void **state) {
        for (int early = 0; early <= 1; early++) {
                memset(held, 0x11, sizeof(held));
                (void) use_key(early);
                for (size_t i = 0; i < sizeof(held); i++)
                        assert_int_equal(held[i], 0);
        }
}

static void test_erase_and_free(void **state) {
        char *token = strdup("abcdef.0123456789abcdef");

        assert_non_null(token);
        erase_and_free(token); /* a leak or a double free shows under make asan and valgrind */
        erase_and_free(NULL);
        {
                _cleanup_erase_free_ char *key = malloc(64);
                assert_non_null(key);
                memset(key, 0x5a, 64);
        }
}

UNIT_TEST_MAIN(NULL, NULL, test_secure_erase_exact_range, test_cleanup_erase_every_return, test_erase_and_free)

/* SPDX-License-Identifier: MIT */
/* Bootstrap tokens (firstboot/agent/role/token.c): kubeadm's [a-z0-9]{6}.[a-z0-9]{16}, uniformly drawn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit-test.h"

#include "macro.h"
#include "parse.h"
#include "role/token.h"

static void test_token_format(void **state) {
        int counts[36] = {};
        for (int i = 0; i < 2000; i++) {
                char t[24];
                assert_int_equal(bootstrap_token_generate(t), 0);
                assert_true(bootstrap_token_is_valid(t));
                for (int j = 0; j < 23; j++)
                        if (j != 6)
                                counts[t[j] <= '9' ? t[j] - '0' : t[j] - 'a' + 10]++;
        }
        /* 44,000 draws over 36 symbols: about 1222 each; a modulo bias or a broken alphabet shows far off. */
        for (int k = 0; k < 36; k++)
                assert_true(counts[k] > 1000 && counts[k] < 1450);
}

/* 36^22 possible tokens: a repeat among a few hundred means the randomness is broken. */
static void test_tokens_differ(void **state) {
        static char tokens[300][24];

        for (size_t i = 0; i < ELEMENTSOF(tokens); i++) {
                assert_int_equal(bootstrap_token_generate(tokens[i]), 0);
                assert_int_equal(strlen(tokens[i]), 23);
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(tokens[i], tokens[j]);
        }
}

/* What the generator makes is what the seed parser and the join record accept, and nothing looser. */
static void test_token_validity(void **state) {
        static const char *const valid[] = { "abcdef.0123456789abcdef", "4kfq2x.1uxgk0vf7n9lz3qa",
                                             "000000.0000000000000000", "zzzzzz.zzzzzzzzzzzzzzzz" };
        static const char *const invalid[] = {
                "",
                "abcdef0123456789abcdef",    /* no dot */
                "abcdef.0123456789abcde",    /* short */
                "abcdef.0123456789abcdef0",  /* long */
                "abcde.f0123456789abcdef",   /* dot misplaced */
                "ABCDEF.0123456789abcdef",   /* upper case */
                "abcdef.0123456789abcde-",
                "abcdef.0123456789abcd f",
                "abcdef:0123456789abcdef",
        };

        for (size_t i = 0; i < ELEMENTSOF(valid); i++)
                assert_true(bootstrap_token_is_valid(valid[i]));
        for (size_t i = 0; i < ELEMENTSOF(invalid); i++)
                assert_false(bootstrap_token_is_valid(invalid[i]));
}

UNIT_TEST_MAIN(NULL, NULL, test_token_format, test_tokens_differ, test_token_validity)

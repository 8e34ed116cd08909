/* SPDX-License-Identifier: MIT */
/* UNIT_TEST_MAIN(setup, teardown, test_a, test_b, ...): a unit test file's main(), which runs the named
 * tests in order as one cmocka group with that group setup and teardown (NULL for none). Every test file
 * had the same eight lines of main() around its list of names; the list is all that differs. Include it
 * after <cmocka.h>. Up to 32 tests. */
#pragma once

#define UNIT_TEST_EACH_1(t) cmocka_unit_test(t)
#define UNIT_TEST_EACH_2(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_1(__VA_ARGS__)
#define UNIT_TEST_EACH_3(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_2(__VA_ARGS__)
#define UNIT_TEST_EACH_4(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_3(__VA_ARGS__)
#define UNIT_TEST_EACH_5(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_4(__VA_ARGS__)
#define UNIT_TEST_EACH_6(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_5(__VA_ARGS__)
#define UNIT_TEST_EACH_7(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_6(__VA_ARGS__)
#define UNIT_TEST_EACH_8(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_7(__VA_ARGS__)
#define UNIT_TEST_EACH_9(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_8(__VA_ARGS__)
#define UNIT_TEST_EACH_10(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_9(__VA_ARGS__)
#define UNIT_TEST_EACH_11(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_10(__VA_ARGS__)
#define UNIT_TEST_EACH_12(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_11(__VA_ARGS__)
#define UNIT_TEST_EACH_13(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_12(__VA_ARGS__)
#define UNIT_TEST_EACH_14(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_13(__VA_ARGS__)
#define UNIT_TEST_EACH_15(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_14(__VA_ARGS__)
#define UNIT_TEST_EACH_16(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_15(__VA_ARGS__)
#define UNIT_TEST_EACH_17(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_16(__VA_ARGS__)
#define UNIT_TEST_EACH_18(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_17(__VA_ARGS__)
#define UNIT_TEST_EACH_19(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_18(__VA_ARGS__)
#define UNIT_TEST_EACH_20(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_19(__VA_ARGS__)
#define UNIT_TEST_EACH_21(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_20(__VA_ARGS__)
#define UNIT_TEST_EACH_22(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_21(__VA_ARGS__)
#define UNIT_TEST_EACH_23(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_22(__VA_ARGS__)
#define UNIT_TEST_EACH_24(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_23(__VA_ARGS__)
#define UNIT_TEST_EACH_25(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_24(__VA_ARGS__)
#define UNIT_TEST_EACH_26(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_25(__VA_ARGS__)
#define UNIT_TEST_EACH_27(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_26(__VA_ARGS__)
#define UNIT_TEST_EACH_28(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_27(__VA_ARGS__)
#define UNIT_TEST_EACH_29(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_28(__VA_ARGS__)
#define UNIT_TEST_EACH_30(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_29(__VA_ARGS__)
#define UNIT_TEST_EACH_31(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_30(__VA_ARGS__)
#define UNIT_TEST_EACH_32(t, ...) cmocka_unit_test(t), UNIT_TEST_EACH_31(__VA_ARGS__)
#define UNIT_TEST_COUNT_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, _20,  \
                         _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, n, ...)                            \
        n
#define UNIT_TEST_GLUE_(a, b) a##b
#define UNIT_TEST_EACH_N_(n) UNIT_TEST_GLUE_(UNIT_TEST_EACH_, n)
#define UNIT_TEST_EACH(...)                                                                                          \
        UNIT_TEST_EACH_N_(UNIT_TEST_COUNT_(__VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,  \
                                           16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1))(__VA_ARGS__)

#define UNIT_TEST_MAIN(group_setup, group_teardown, ...)                                                             \
        int main(void) {                                                                                             \
                const struct CMUnitTest tests[] = { UNIT_TEST_EACH(__VA_ARGS__) };                                     \
                return cmocka_run_group_tests(tests, group_setup, group_teardown);                                     \
        }

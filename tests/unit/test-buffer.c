/* SPDX-License-Identifier: MIT */
/* firstboot/lib/buffer.c: growth, the cap, sticky errors, appendf, reset and steal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit-test.h"

#include "buffer.h"

static void test_empty_steal(void **state) {
        struct buffer b = BUFFER_INIT(100);
        char *s = NULL;
        size_t n = 99;

        assert_int_equal(buffer_steal(&b, &s, &n), 0);
        assert_non_null(s);
        assert_string_equal(s, "");
        assert_int_equal(n, 0);
        free(s);
        /* ret_size is optional */
        assert_int_equal(buffer_steal(&b, &s, NULL), 0);
        assert_string_equal(s, "");
        free(s);
}

static void test_append_puts_appendf(void **state) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(1024);

        assert_int_equal(buffer_append(&b, "ab\0c", 4), 0);
        assert_int_equal(buffer_puts(&b, "def"), 0);
        assert_int_equal(buffer_appendf(&b, "%d-%s", 42, "x"), 0);
        assert_int_equal(buffer_append(&b, NULL, 0), 0);
        assert_int_equal(b.len, 11);
        assert_memory_equal(b.data, "ab\0cdef42-x", 12); /* NUL-terminated */
        assert_int_equal(b.error, 0);
}

static void test_growth(void **state) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(1 << 20);
        char chunk[333];
        char *s = NULL;
        size_t n;

        for (int i = 0; i < 1000; i++) {
                memset(chunk, 'a' + i % 26, sizeof(chunk));
                assert_int_equal(buffer_append(&b, chunk, sizeof(chunk)), 0);
                assert_true(b.allocated > b.len);
        }
        assert_int_equal(buffer_appendf(&b, "%0*d", 5000, 7), 0);
        assert_int_equal(buffer_steal(&b, &s, &n), 0);
        assert_int_equal(n, 333000 + 5000);
        for (int i = 0; i < 1000; i++)
                assert_int_equal(s[i * 333 + 332], 'a' + i % 26);
        assert_int_equal(s[n - 1], '7');
        assert_int_equal(s[n], 0);
        free(s);
        /* stolen: empty and usable again */
        assert_null(b.data);
        assert_int_equal(b.len, 0);
        assert_int_equal(buffer_puts(&b, "again"), 0);
        assert_string_equal(b.data, "again");
}

static void test_cap(void **state) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(10);
        char *s = (char *) "untouched";

        assert_int_equal(buffer_puts(&b, "0123456789"), 0); /* exactly max */
        assert_int_equal(b.allocated, 11);                   /* never beyond max and the NUL */
        assert_int_equal(buffer_puts(&b, "x"), -E2BIG);
        assert_string_equal(b.data, "0123456789");
        /* sticky: even an empty append fails now, and steal reports it */
        assert_int_equal(buffer_append(&b, "", 0), -E2BIG);
        assert_int_equal(buffer_appendf(&b, "%s", ""), -E2BIG);
        assert_int_equal(buffer_steal(&b, &s, NULL), -E2BIG);
        assert_string_equal(s, "untouched");
        assert_null(b.data);
}

static void test_cap_appendf(void **state) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(8);

        assert_int_equal(buffer_appendf(&b, "%s", "1234"), 0);
        assert_int_equal(buffer_appendf(&b, "%d", 12345), -E2BIG);
        assert_string_equal(b.data, "1234");
        buffer_reset(&b);
        assert_int_equal(buffer_appendf(&b, "%08d", 1), 0);
        assert_string_equal(b.data, "00000001");
}

static void test_cap_zero(void **state) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(0);
        char *s = NULL;

        assert_int_equal(buffer_append(&b, "", 0), 0);
        assert_int_equal(buffer_puts(&b, "a"), -E2BIG);
        buffer_reset(&b);
        assert_int_equal(buffer_steal(&b, &s, NULL), 0);
        assert_string_equal(s, "");
        free(s);
}

static void test_one_append_past_cap(void **state) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(100);
        char big[101];

        memset(big, 'x', sizeof(big));
        assert_int_equal(buffer_append(&b, big, sizeof(big)), -E2BIG);
        assert_int_equal(b.len, 0);
        /* a size that would wrap len + n */
        buffer_reset(&b);
        assert_int_equal(buffer_append(&b, big, 1), 0);
        assert_int_equal(buffer_append(&b, big, SIZE_MAX), -E2BIG);
        assert_int_equal(b.len, 1);
}

static void test_reset_keeps_memory(void **state) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(4);
        char *data;

        assert_int_equal(buffer_puts(&b, "abcd"), 0);
        data = b.data;
        assert_int_equal(buffer_puts(&b, "e"), -E2BIG);
        buffer_reset(&b);
        assert_int_equal(b.error, 0);
        assert_int_equal(b.len, 0);
        assert_ptr_equal(b.data, data);
        assert_string_equal(b.data, "");
        assert_int_equal(buffer_puts(&b, "wxyz"), 0);
        assert_string_equal(b.data, "wxyz");
}

static void test_free_and_init(void **state) {
        struct buffer b;

        buffer_init(&b, 16);
        assert_int_equal(buffer_puts(&b, "x"), 0);
        buffer_free(&b);
        assert_null(b.data);
        assert_int_equal(b.max, 16);
        buffer_free(&b); /* twice is fine */
        assert_int_equal(buffer_puts(&b, "0123456789abcdef"), 0);
        buffer_free(&b);
}

UNIT_TEST_MAIN(NULL, NULL, test_empty_steal, test_append_puts_appendf, test_growth, test_cap, test_cap_appendf,
               test_cap_zero, test_one_append_past_cap, test_reset_keeps_memory, test_free_and_init)

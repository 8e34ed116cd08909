/* SPDX-License-Identifier: MIT */
/* status_print_nodes() (firstboot/agent/report/status-remote.c): the table of what the endpoint says
 * about each node, sorted and counted; and what a hostile endpoint sends (terminal control sequences,
 * wrong types, not JSON, too large) never reaches the terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "unit-test.h"

#include "macro.h"
#include "report/status-remote.h"

/* The clock the ages are counted to: fixed, so that no age depends on how long a test takes. */
#define NOW 1764950400LL

#define HEADER "NODE             ROLE          STAGE        STATUS      AGE  MESSAGE\n"

struct shown {
        char *text;
        int r;
        unsigned done, failed, other;
};

static struct shown print(const char *json, size_t size) {
        struct shown s = { 0 };
        size_t len = 0;
        FILE *out = open_memstream(&s.text, &len);

        assert_non_null(out);
        s.r = status_print_nodes(json, size, NOW, out, &s.done, &s.failed, &s.other);
        fclose(out);
        return s;
}

#define PRINT(lit) print(lit, strlen(lit))

static void test_table(void **state) {
        char json[1024];
        struct shown s;

        snprintf(json, sizeof(json),
                 "{\"node-2\": {\"role\": \"worker\", \"stage\": \"join\", \"status\": \"running\", \"message\": \"waiting\","
                 " \"time\": %lld},"
                 " \"master\": {\"role\": \"control-plane\", \"stage\": \"done\", \"status\": \"done\", \"message\": \"ready\"},"
                 " \"node-1\": {\"role\": \"worker\", \"stage\": \"join\", \"status\": \"failed\", \"message\": \"no record\","
                 " \"time\": 4102444800}}",
                 (long long) NOW - 100000);
        s = print(json, strlen(json));
        assert_int_equal(s.r, 3);
        assert_int_equal(s.done, 1);
        assert_int_equal(s.failed, 1);
        assert_int_equal(s.other, 1);
        /* sorted by name; the age of a time in the past, "-" for none or one in the future (2100) */
        assert_string_equal(strchr(s.text, '\n') + 1,
                            "master           control-plane done         done          -  ready\n"
                            "node-1           worker        join         failed        -  no record\n"
                            "node-2           worker        join         running  100000s  waiting\n");
        assert_memory_equal(s.text, HEADER, strlen(HEADER));
        free(s.text);
}

/* "done" counts only with stage done: a stage that finished is still "other". */
static void test_counts(void **state) {
        struct shown s = PRINT("{\"a\": {\"stage\": \"host\", \"status\": \"done\"}, \"b\": {\"stage\": \"done\","
                               " \"status\": \"done\"}}");

        assert_int_equal(s.r, 2);
        assert_int_equal(s.done, 1);
        assert_int_equal(s.other, 1);
        assert_int_equal(s.failed, 0);
        free(s.text);
}

static void test_no_nodes(void **state) {
        struct shown s = PRINT("{}");

        assert_int_equal(s.r, 0);
        assert_string_equal(s.text, HEADER "(no node has reported yet)\n");
        assert_int_equal(s.done + s.failed + s.other, 0);
        free(s.text);
}

/* Control characters from the network would move the cursor, clear the screen or retitle the
 * terminal of whoever watches: every such field is shown as "?", a non-string as "-". */
static void test_hostile_fields(void **state) {
        struct shown s = PRINT("{\"evil\\u001b]0;owned\\u0007\": {\"role\": \"worker\", \"stage\": 7,"
                               " \"status\": \"\\u001b[2Jdone\", \"message\": \"line\\nfeed\\r\\u009b31m\"},"
                               " \"ok\": {\"role\": [\"control-plane\"], \"stage\": null, \"status\": {},"
                               " \"message\": \"\\u007f\"}, \"skipped\": \"not an object\", \"also\": 42,"
                               " \"w\": {\"role\": \"worker\", \"stage\": \"join\", \"status\": \"running\","
                               " \"message\": \"\\u009b2J C1 CSI\"}, \"\\u0085x\": {\"message\": \"n\u00e4me ok\"}}");

        assert_int_equal(s.r, 4);
        assert_int_equal(s.other, 4);
        assert_string_equal(strchr(s.text, '\n') + 1, "?                worker        -            ?             -  ?\n"
                                                      "?                -             -            -             -  n\u00e4me ok\n"
                                                      "ok               -             -            -             -  ?\n"
                                                      "w                worker        join         running       -  ?\n");
        for (const char *p = s.text; *p; p++)
                if ((unsigned char) *p < 0x20 && *p != '\n')
                        fail_msg("control character 0x%02x in the output", (unsigned char) *p);
        free(s.text);
}

static void test_refused(void **state) {
        static const char *const bad[] = { "", "not json", "[1, 2]", "\"a string\"", "{\"a\": ", "null" };
        struct shown s;
        char *big;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                s = PRINT(bad[i]);
                if (s.r != -EBADMSG)
                        fail_msg("\"%s\": expected -EBADMSG, got %d", bad[i], s.r);
                assert_string_equal(s.text, "");
                free(s.text);
        }
        big = calloc(1, 1024 * 1024 + 2);
        assert_non_null(big);
        memset(big, ' ', 1024 * 1024 + 1);
        big[0] = '{';
        s = print(big, 1024 * 1024 + 1);
        assert_int_equal(s.r, -EFBIG);
        assert_string_equal(s.text, "");
        free(s.text);
        free(big);
}

UNIT_TEST_MAIN(NULL, NULL, test_table, test_counts, test_no_nodes, test_hostile_fields, test_refused)

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

/* Control sequences from the network would move the cursor, clear the screen or retitle the
 * terminal of whoever watches: they are stripped with what they introduce, the rest of the field is
 * shown; a non-string is "-". */
static void test_hostile_fields(void **state) {
        struct shown s = PRINT("{\"evil\\u001b]0;owned\\u0007\": {\"role\": \"worker\", \"stage\": 7,"
                               " \"status\": \"\\u001b[2Jdone\", \"message\": \"line\\nfeed\\r\\u009b31m\"},"
                               " \"ok\": {\"role\": [\"control-plane\"], \"stage\": null, \"status\": {},"
                               " \"message\": \"\\u007f\"}, \"skipped\": \"not an object\", \"also\": 42,"
                               " \"w\": {\"role\": \"worker\", \"stage\": \"join\", \"status\": \"running\","
                               " \"message\": \"\\u009b2J C1 CSI\"}, \"\\u0085x\": {\"message\": \"n\u00e4me ok\"}}");

        assert_int_equal(s.r, 4);
        assert_int_equal(s.other, 4);
        assert_string_equal(strchr(s.text, '\n') + 1, "evil             worker        -            done          -  line feed \n"
                                                      "ok               -             -            -             -  \n"
                                                      "w                worker        join         running       -   C1 CSI\n"
                                                      "x                -             -            -             -  n\u00e4me ok\n");
        for (const char *p = s.text; *p; p++)
                if ((unsigned char) *p < 0x20 && *p != '\n')
                        fail_msg("control character 0x%02x in the output", (unsigned char) *p);
        free(s.text);
}

/* Raw bytes, as json-c passes them through without checking UTF-8: an 8-bit terminal takes 0x9b for
 * CSI and 0x9d for OSC. */
static void test_hostile_raw_bytes(void **state) {
        struct shown s = PRINT("{\"a\xc2\x9b" "1;31mb\": {\"status\": \"\x9b" "2Jrunning\","
                               " \"message\": \"x\x9d" "0;title\x9c" "y\\u001bP1$r\\u001b\\\\z \xff\xc0\xaf end\"}}");
        const char *row;

        assert_int_equal(s.r, 1);
        row = strchr(s.text, '\n') + 1;
        assert_string_equal(row, "ab               -             -            running       -  xyz ??? end\n");
        for (const char *p = s.text; *p; p++)
                if (((unsigned char) *p < 0x20 && *p != '\n') || (unsigned char) *p >= 0x80)
                        fail_msg("byte 0x%02x in the output", (unsigned char) *p);
        free(s.text);
}

static void test_terminal_text(void **state) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "plain text", "plain text" },
                { "\x1b[1;31mred\x1b[0m", "red" },
                { "\x1b]0;title\x07rest", "rest" },
                { "\x1b]8;;http://x\x1b\\link", "link" },
                { "a\x1b(Bb", "ab" },                 /* nF: designate G0 */
                { "a\x1b" "cb", "ab" },               /* RIS, the full reset */
                { "a\x1b", "a" },
                { "\xc2\x9b" "2Jx", "x" },            /* U+009B CSI */
                { "\x9b" "2Jx", "x" },                /* raw CSI byte */
                { "\xc2\x9d" "0;t\xc2\x9cx", "x" },   /* OSC ended by U+009C ST */
                { "\xc2\x85next", "next" },           /* NEL */
                { "tab\there", "tab here" },
                { "bell\x07\x08\x7f", "bell" },
                { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82" },
                { "\xed\xa0\x80 \xe0\x80\xaf", "?? ??" }, /* a surrogate, an overlong "/": 0x80 alone is a C1 control */
                { "\x1b]unterminated title", "" },
        };
        char out[64];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                terminal_text(cases[i].in, out, sizeof(out));
                if (!streq(out, cases[i].out))
                        fail_msg("case %zu: \"%s\", expected \"%s\"", i, out, cases[i].out);
        }
        /* cut at the size, never inside a UTF-8 sequence */
        assert_int_equal(terminal_text("ab\xc3\xa9", out, 4), 2);
        assert_string_equal(out, "ab");
}

static void test_warnings(void **state) {
        static const char json[] =
                "{\"total\": 7, \"warnings\": [{\"time\": 1764950400, \"node\": \"master\", \"file\": \"user-data\","
                " \"client\": \"192.168.220.9\", \"reason\": \"not the node's address 192.168.220.104\\u001b[2J\"},"
                " {\"node\": \"node-1\\u009b1m\", \"file\": 3}, 5]}";
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        int r;

        assert_non_null(out);
        r = status_print_warnings(json, strlen(json), out);
        assert_int_equal(r, 3);
        assert_int_equal(status_print_warnings("{}", 2, out), -EBADMSG);
        assert_int_equal(status_print_warnings("{\"warnings\": []}", 16, out), 0);
        fclose(out);
        assert_string_equal(text, "WARNING: the endpoint refused 7 seed fetches (newest first):\n"
                                  "  2025-12-05 16:00:00Z  master/user-data from 192.168.220.9: not the node's address "
                                  "192.168.220.104\n"
                                  "  -  node-1/- from -: -\n");
        free(text);
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

UNIT_TEST_MAIN(NULL, NULL, test_table, test_counts, test_no_nodes, test_hostile_fields, test_hostile_raw_bytes,
               test_terminal_text, test_warnings, test_refused)

/* SPDX-License-Identifier: MIT */
/* daemon.json merge: the systemd cgroup driver goes in, everything else stays as it was.
 *
 * Outputs are checked by meaning (parsed back with json-c: same keys in the same order, same values,
 * exec-opts as expected); the examples from docker's documentation are also compared byte for byte with
 * the reviewed files tests/data/fixtures/daemon-json/NAME.expected (made with Debian 12's json-c 0.16).
 *
 * json-c 0.11 (CentOS 7, where the agent runs) escapes every "/" as "\/" and has no flag against it
 * (JSON_C_TO_STRING_NOSLASHESCAPE came with 0.13). The agent turns each "\/" of json-c's text back into
 * "/" (outside strings JSON has no backslash, and a "\\" is skipped whole), keys included, so the file
 * reads "/var/lib/docker" whichever json-c wrote it, and the tests want the same bytes from both: run
 * against a json-c 0.11 build as well as Debian's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit-test.h"

#include <json.h>

#include "host/daemon-json.h"
#include "fileio.h"
#include "log-capture.h"
#include "log.h"
#include "macro.h"

#define NAME "/etc/docker/daemon.json"

static struct json_object *parse(const char *text) {
        struct json_object *o = json_tokener_parse(text);
        assert_non_null(o);
        return o;
}

static const char *plain(struct json_object *o) {
        return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* Same JSON value, compared parsed: numbers by value, strings byte for byte (embedded NULs too), members in
 * the same order. Not json_object_equal(), which json-c has only from 0.13 on, nor a comparison of printed
 * forms: json-c 0.11 prints doubles with "%f", which makes 1e-9 and 0 look alike. */
static bool same_value(struct json_object *a, struct json_object *b) {
        enum json_type t = json_object_get_type(a);

        if (t != json_object_get_type(b))
                return false;
        switch (t) {
        case json_type_null:
                return true;
        case json_type_boolean:
                return json_object_get_boolean(a) == json_object_get_boolean(b);
        case json_type_int:
                return json_object_get_int64(a) == json_object_get_int64(b);
        case json_type_double:
                return json_object_get_double(a) == json_object_get_double(b);
        case json_type_string:
                return json_object_get_string_len(a) == json_object_get_string_len(b) &&
                       memcmp(json_object_get_string(a), json_object_get_string(b),
                              (size_t) json_object_get_string_len(a)) == 0;
        case json_type_array: {
                size_t n = (size_t) json_object_array_length(a);
                if (n != (size_t) json_object_array_length(b))
                        return false;
                for (size_t i = 0; i < n; i++)
                        if (!same_value(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i)))
                                return false;
                return true;
        }
        case json_type_object: {
                struct lh_entry *ea = json_object_get_object(a)->head, *eb = json_object_get_object(b)->head;
                for (; ea && eb; ea = ea->next, eb = eb->next)
                        if (!streq((const char *) (uintptr_t) ea->k, (const char *) (uintptr_t) eb->k) ||
                            !same_value((struct json_object *) (uintptr_t) ea->v, (struct json_object *) (uintptr_t) eb->v))
                                return false;
                return !ea && !eb;
        }
        default:
                return false;
        }
}

/* Merges text and checks the result by meaning: every key of the input is still there, in the same order,
 * with the same value, except exec-opts which must equal want_opts (compact JSON); a key absent from the
 * input may only be exec-opts, appended at the end. Returns the merge's return value. */
static int merge_and_check(const char *text, const char *want_opts) {
        struct daemon_json_change c;
        struct json_object *in = NULL, *out, *opts;
        struct json_object_iter it_in, it_out;
        struct lh_entry *e_out;
        int r;

        r = daemon_json_merge(NAME, text, text ? strlen(text) : 0, &c);
        assert_true(r >= 0);
        assert_non_null(c.exec_opts_after);
        if (r == 0) {
                assert_null(c.content);
                assert_non_null(c.exec_opts_before);
                assert_string_equal(c.exec_opts_before, c.exec_opts_after);
                daemon_json_change_done(&c);
                return r;
        }
        assert_non_null(c.content);
        assert_int_equal(c.size, strlen(c.content));
        assert_true(c.size > 0 && c.content[c.size - 1] == '\n');

        out = parse(c.content);
        assert_true(json_object_is_type(out, json_type_object));
        assert_true(json_object_object_get_ex(out, "exec-opts", &opts));
        assert_string_equal(plain(opts), want_opts);

        /* same keys in the same order; values identical */
        e_out = json_object_get_object(out)->head;
        if (text && strspn(text, " \t\r\n") < strlen(text)) {
                in = parse(text);
                json_object_object_foreachC(in, it_in) {
                        assert_non_null(e_out);
                        it_out.key = (char *) (uintptr_t) e_out->k;
                        it_out.val = (struct json_object *) (uintptr_t) e_out->v;
                        assert_string_equal(it_in.key, it_out.key);
                        if (!streq(it_in.key, "exec-opts") && !same_value(it_in.val, it_out.val)) {
                                char *a = strdup(plain(it_in.val));
                                fail_msg("\"%s\" changed: %s -> %s", it_in.key, a, plain(it_out.val));
                        }
                        e_out = e_out->next;
                }
        }
        if (e_out) { /* exec-opts appended */
                assert_string_equal((const char *) (uintptr_t) e_out->k, "exec-opts");
                assert_null(e_out->next);
        }

        /* idempotent: merging the result changes nothing */
        {
                struct daemon_json_change again;
                assert_int_equal(daemon_json_merge(NAME, c.content, c.size, &again), 0);
                assert_null(again.content);
                assert_string_equal(again.exec_opts_after, c.exec_opts_after);
                daemon_json_change_done(&again);
        }

        if (in)
                json_object_put(in);
        json_object_put(out);
        daemon_json_change_done(&c);
        return r;
}

#define SYSTEMD_ONLY "[\"native.cgroupdriver=systemd\"]"

static void test_absent(void **state) {
        struct daemon_json_change c;

        assert_int_equal(merge_and_check(NULL, SYSTEMD_ONLY), 1);
        assert_int_equal(daemon_json_merge(NAME, NULL, 0, &c), 1);
        assert_null(c.exec_opts_before); /* plan prints "absent" */
        assert_string_equal(c.exec_opts_after, "exec-opts " SYSTEMD_ONLY);
        daemon_json_change_done(&c);
}

static void test_empty(void **state) {
        struct daemon_json_change c;

        assert_int_equal(merge_and_check("{}", SYSTEMD_ONLY), 1);
        assert_int_equal(merge_and_check("  {\n}\n", SYSTEMD_ONLY), 1);
        /* an empty file (touch) is "no settings" */
        assert_int_equal(merge_and_check("", SYSTEMD_ONLY), 1);
        assert_int_equal(merge_and_check(" \n\t\n", SYSTEMD_ONLY), 1);
        assert_int_equal(daemon_json_merge(NAME, "{}", 2, &c), 1);
        assert_string_equal(c.exec_opts_before, "no exec-opts");
        daemon_json_change_done(&c);
}

static void test_other_keys_kept(void **state) {
        const char *text = "{\n"
                           "  \"debug\": true,\n"
                           "  \"live-restore\": false,\n"
                           "  \"max-concurrent-downloads\": 10,\n"
                           "  \"oom-score-adjust\": -500,\n"
                           "  \"big\": 9007199254740993,\n"
                           "  \"ratio\": 0.1,\n"
                           "  \"tiny\": 1e-9,\n"
                           "  \"huge\": 1.5e300,\n"
                           "  \"nothing\": null,\n"
                           "  \"registry-mirrors\": [\"https://mirror.example.com/\", \"http://10.0.0.1:5000\"],\n"
                           "  \"default-ulimits\": {\"nofile\": {\"Name\": \"nofile\", \"Hard\": 65536, \"Soft\": 1024}},\n"
                           "  \"log-opts\": {\"max-size\": \"100m\", \"labels\": \"a,b\"},\n"
                           "  \"runtimes\": {\"custom\": {\"path\": \"/usr/local/bin/runc\", \"runtimeArgs\": [\"--debug\", []]}},\n"
                           "  \"unicode\": \"caf\\u00e9 \\ud83d\\ude00 \xe4\xb8\xad\",\n"
                           "  \"escapes\": \"tab\\there \\\"q\\\" back\\\\slash\\n\",\n"
                           "  \"share\": \"\\\\\\\\server\\\\/share\"\n"
                           "}\n";
        struct daemon_json_change c;
        struct json_object *out, *v;

        assert_int_equal(merge_and_check(text, SYSTEMD_ONLY), 1);

        /* numbers keep their exact values (json-c 0.11 alone would print doubles with %f: 1e-9 -> 0.000000) */
        assert_int_equal(daemon_json_merge(NAME, text, strlen(text), &c), 1);
        out = parse(c.content);
        assert_true(json_object_object_get_ex(out, "tiny", &v));
        assert_true(json_object_get_double(v) == 1e-9);
        assert_true(json_object_object_get_ex(out, "ratio", &v));
        assert_true(json_object_get_double(v) == 0.1);
        assert_true(json_object_object_get_ex(out, "huge", &v));
        assert_true(json_object_get_double(v) == 1.5e300);
        assert_true(json_object_object_get_ex(out, "big", &v));
        assert_true(json_object_get_int64(v) == 9007199254740993LL);
        assert_true(json_object_object_get_ex(out, "unicode", &v));
        assert_string_equal(json_object_get_string(v), "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe4\xb8\xad");
        /* paths stay readable: "/" as it is, also where json-c (0.11) wrote "\/"; a backslash before a "/"
         * stays one */
        assert_non_null(strstr(c.content, "\"https://mirror.example.com/\""));
        assert_non_null(strstr(c.content, "\"\\\\\\\\server\\\\/share\""));
        assert_true(json_object_object_get_ex(out, "share", &v));
        assert_string_equal(json_object_get_string(v), "\\\\server\\/share");
        assert_true(json_object_object_get_ex(out, "escapes", &v));
        assert_string_equal(json_object_get_string(v), "tab\there \"q\" back\\slash\n");
        json_object_put(out);
        daemon_json_change_done(&c);
}

static void test_exec_opts_other_entries(void **state) {
        assert_int_equal(merge_and_check("{\"exec-opts\": [\"native.umask=normal\"]}",
                                         "[\"native.umask=normal\",\"native.cgroupdriver=systemd\"]"),
                         1);
        assert_int_equal(merge_and_check("{\"exec-opts\": []}", SYSTEMD_ONLY), 1);
        /* null is "none" for docker */
        assert_int_equal(merge_and_check("{\"a\": 1, \"exec-opts\": null, \"b\": 2}", SYSTEMD_ONLY), 1);
        /* an option that merely mentions the driver is not the driver */
        assert_int_equal(merge_and_check("{\"exec-opts\": [\"native.cgroupdriverx=cgroupfs\", \"x=native.cgroupdriver=cgroupfs\"]}",
                                         "[\"native.cgroupdriverx=cgroupfs\",\"x=native.cgroupdriver=cgroupfs\","
                                         "\"native.cgroupdriver=systemd\"]"),
                         1);
}

static void test_exec_opts_cgroupfs(void **state) {
        struct daemon_json_change c;
        const char *text = "{\"exec-opts\": [\"isolation=default\", \"native.cgroupdriver=cgroupfs\", \"native.umask=normal\"],"
                           " \"debug\": false}";

        /* replaced where it was; the others keep their order */
        assert_int_equal(merge_and_check(text, "[\"isolation=default\",\"native.cgroupdriver=systemd\",\"native.umask=normal\"]"),
                         1);
        assert_int_equal(daemon_json_merge(NAME, text, strlen(text), &c), 1);
        assert_string_equal(c.exec_opts_before,
                            "exec-opts [\"isolation=default\",\"native.cgroupdriver=cgroupfs\",\"native.umask=normal\"]");
        daemon_json_change_done(&c);

        /* dockerd's key match is case-insensitive and trims blanks */
        assert_int_equal(merge_and_check("{\"exec-opts\": [\" Native.CgroupDriver = cgroupfs \"]}", SYSTEMD_ONLY), 1);
        /* a second driver entry goes: dockerd reads only the first, the second would mislead a reader */
        assert_int_equal(merge_and_check("{\"exec-opts\": [\"native.cgroupdriver=systemd\", \"a=b\", \"native.cgroupdriver=cgroupfs\"]}",
                                         "[\"native.cgroupdriver=systemd\",\"a=b\"]"),
                         1);
        assert_int_equal(merge_and_check("{\"exec-opts\": [\"native.cgroupdriver=cgroupfs\", \"native.cgroupdriver=systemd\"]}",
                                         SYSTEMD_ONLY),
                         1);
}

static void test_already_systemd(void **state) {
        const char *texts[] = {
                "{\"exec-opts\": [\"native.cgroupdriver=systemd\"]}",
                "{\n  \"exec-opts\": [\"native.umask=normal\", \"native.cgroupdriver=systemd\"],\n  \"debug\": true\n}\n",
                /* what dockerd reads as systemd is left as the operator wrote it */
                "{\"exec-opts\": [\"NATIVE.CGROUPDRIVER = systemd\"]}",
        };

        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                struct daemon_json_change c;
                assert_int_equal(daemon_json_merge(NAME, texts[i], strlen(texts[i]), &c), 0);
                assert_null(c.content);
                assert_string_equal(c.exec_opts_before, c.exec_opts_after);
                daemon_json_change_done(&c);
        }
}

static void expect_error(const char *text, size_t size, const char *message) {
        struct daemon_json_change c;
        const char *log;

        (void) log_capture_take();
        assert_int_equal(daemon_json_merge(NAME, text, size, &c), -EINVAL);
        assert_null(c.content);
        daemon_json_change_done(&c);
        log = log_capture_take();
        assert_logged(log, message);
        assert_logged(log, "left as it is");
}

#define EXPECT_ERROR(lit, message) expect_error(lit, sizeof(lit) - 1, message)

static void test_malformed(void **state) {
        EXPECT_ERROR("{\n  \"debug\": true,\n  \"exec-opts\": [\"a\",]\n}\n", NAME ":3:");
        EXPECT_ERROR("{\"debug\": tru}", NAME ":1:");
        EXPECT_ERROR("{\n  \"a\": 1,\n  \"b\": 2,\n}\n", NAME ":4:1");
        EXPECT_ERROR("{\"a\": 1", NAME ":1:8: not valid JSON (unexpected end of data)");
        EXPECT_ERROR("{\"a\": 1}\n{\"b\": 2}\n", NAME ":2:1: not valid JSON");
        EXPECT_ERROR("{\"a\": 1}  x", NAME ":1:11");
        EXPECT_ERROR("{\"a\": \"b\0c\"}", NAME ":1:9: a NUL byte");
        EXPECT_ERROR("\xef\xbb\xbf{}", NAME ":1:1: not valid JSON");
        EXPECT_ERROR("exec-opts: [native.cgroupdriver=systemd]\n", NAME ":1:1: not valid JSON");
}

static void test_not_an_object(void **state) {
        EXPECT_ERROR("[\"native.cgroupdriver=systemd\"]", NAME ":1:1: the top level is a JSON array");
        EXPECT_ERROR("\n  \"text\"\n", NAME ":2:3: the top level is a JSON string");
        EXPECT_ERROR("42", "the top level is a JSON number");
        EXPECT_ERROR("null", "the top level is a JSON null");
        EXPECT_ERROR("true", "the top level is a JSON boolean");
        /* exec-opts of the wrong type: docker would refuse the file, so do we */
        EXPECT_ERROR("{\"exec-opts\": \"native.cgroupdriver=cgroupfs\"}", "\"exec-opts\" is a JSON string");
        EXPECT_ERROR("{\"exec-opts\": {\"native.cgroupdriver\": \"cgroupfs\"}}", "\"exec-opts\" is a JSON object");
        EXPECT_ERROR("{\"exec-opts\": [\"a=b\", 1]}", "\"exec-opts\" entry 2 is a JSON number");
        EXPECT_ERROR("{\"exec-opts\": [null]}", "\"exec-opts\" entry 1 is a JSON null");
}

/* ---- the examples of docker's documentation, as files ---- */

static char *read_fixture(const char *name, size_t *size) {
        const char *top = getenv("TOP");
        char path[4096];
        char *text = NULL;

        snprintf(path, sizeof(path), "%s/tests/data/fixtures/daemon-json/%s", top ? top : ".", name);
        if (read_file_limited(path, DAEMON_JSON_MAX, &text, size) < 0)
                fail_msg("cannot read %s (set TOP to the source tree)", path);
        return text;
}

static void check_fixture(const char *name, const char *want_opts) {
        char expected_name[256];
        _cleanup_free_ char *text = NULL, *expected = NULL;
        struct daemon_json_change c;
        size_t size, expected_size;

        text = read_fixture(name, &size);
        assert_int_equal(merge_and_check(text, want_opts), 1);

        assert_int_equal(daemon_json_merge(NAME, text, size, &c), 1);
        snprintf(expected_name, sizeof(expected_name), "%.*s.expected", (int) (strlen(name) - 5), name);
        /* byte for byte, whichever json-c wrote it (0.11 and 0.12 lay the files out as 0.16 does) */
        expected = read_fixture(expected_name, &expected_size);
        if (c.size != expected_size || memcmp(c.content, expected, expected_size) != 0)
                fail_msg("merged %s differs from %s:\n%s", name, expected_name, c.content);
        daemon_json_change_done(&c);
}

static void test_docs_examples(void **state) {
        _cleanup_free_ char *text = NULL;
        struct daemon_json_change c;
        size_t size;

        check_fixture("docs-linux-full.json", SYSTEMD_ONLY);
        check_fixture("docs-windows-full.json", SYSTEMD_ONLY);
        check_fixture("docs-tls.json", SYSTEMD_ONLY);
        check_fixture("docs-node-generic-resources.json", SYSTEMD_ONLY);
        check_fixture("cgroupfs-and-more.json", "[\"native.umask=normal\",\"native.cgroupdriver=systemd\",\"isolation=default\"]");

        /* kubernetes' documentation for docker: already right, left byte for byte */
        text = read_fixture("k8s-docs-systemd.json", &size);
        assert_int_equal(daemon_json_merge(NAME, text, size, &c), 0);
        assert_null(c.content);
        daemon_json_change_done(&c);
}

UNIT_TEST_MAIN(log_capture_setup, log_capture_teardown, test_absent, test_empty, test_other_keys_kept,
               test_exec_opts_other_entries, test_exec_opts_cgroupfs, test_already_systemd, test_malformed,
               test_not_an_object, test_docs_examples)

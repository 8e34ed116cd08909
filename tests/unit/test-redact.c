/* SPDX-License-Identifier: MIT */
/* Redaction (firstboot/lib/redact.c): bootstrap tokens, the cluster key, URL passwords, kubeadm's join
 * command and "token: X" forms leave every log line; diagnostics that only name a field stay as they are;
 * the log (log.c) and a command's output copied in chunks (redact_stream) apply it. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit-test.h"

#include "log.h"
#include "redact.h"

#define TOKEN "abcdef.0123456789abcdef"
#define SECRET_HALF "0123456789abcdef"
#define KEY "VEVTVC1PTkxZIGNsdXN0ZXIga2V5LCBub3Qgc2FmZSE="

static const char *redacted(const char *in) {
        static char out[4096];
        size_t n = redact(in, strlen(in), out, sizeof(out));
        assert_int_equal(n, strlen(out));
        return out;
}

static void check(const char *in, const char *want) {
        const char *got = redacted(in);
        if (strcmp(got, want) != 0)
                fail_msg("redact(\"%s\"):\n got \"%s\"\nwant \"%s\"", in, got, want);
}

static void test_bootstrap_tokens(void **state) {
        check("[bootstrap-token] Using token: " TOKEN, "[bootstrap-token] Using token: abcdef." REDACTED);
        check(TOKEN, "abcdef." REDACTED);
        check("x " TOKEN "\nnext " TOKEN " end", "x abcdef." REDACTED "\nnext abcdef." REDACTED " end");
        check("\"" TOKEN "\"", "\"abcdef." REDACTED "\"");
        /* not a token: longer runs, upper case, a short secret half */
        check("abcdefg.0123456789abcdef", "abcdefg.0123456789abcdef");
        check("abcdef.0123456789abcdefa", "abcdef.0123456789abcdefa");
        check("k8s.gcr.io/kube-apiserver:v1.23.6", "k8s.gcr.io/kube-apiserver:v1.23.6");
}

static void test_join_command(void **state) {
        /* as kubeadm init prints it, and token create --print-join-command */
        check("kubeadm join 192.168.220.104:6443 --token " TOKEN " \\\n"
              "\t--discovery-token-ca-cert-hash sha256:1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988",
              "kubeadm join 192.168.220.104:6443 --token abcdef." REDACTED " \\\n"
              "\t--discovery-token-ca-cert-hash sha256:1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988");
        /* a value that is not a well-formed token goes whole */
        check("kubeadm join x --token NOT.A-TOKEN --certificate-key=00ff00ff end",
              "kubeadm join x --token " REDACTED " --certificate-key=" REDACTED " end");
        check("--discovery-token=whatever --tls-bootstrap-token who", "--discovery-token=" REDACTED
              " --tls-bootstrap-token " REDACTED);
        check("the bootstrap token \"ABCDEF.0123456789abcdef\" was not of the form",
              "the bootstrap token \"" REDACTED "\" was not of the form");
}

static void test_named_values(void **state) {
        check("- token: \"ABCDEF.whatever\"", "- token: \"" REDACTED "\"");
        check("  tlsBootstrapToken: s3cr3t", "  tlsBootstrapToken: " REDACTED);
        check("{\"token\":\"t0ps3cret\",\"node\":\"master\"}", "{\"token\":\"" REDACTED "\",\"node\":\"master\"}");
        check("password=hunter2", "password=" REDACTED);
        check("Authorization: Bearer AbCdEf0123456789xyz", "Authorization: Bearer " REDACTED);
        /* diagnostics that name a field, not its value, stay readable */
        check("user-data:17:10: kube_firstboot.token: is not a bootstrap token of the form "
              "[a-z0-9]{6}.[a-z0-9]{16} (the value is not shown)",
              "user-data:17:10: kube_firstboot.token: is not a bootstrap token of the form "
              "[a-z0-9]{6}.[a-z0-9]{16} (the value is not shown)");
        check("user-data:5:16: kube_firstboot.cluster_key: decodes to 16 bytes; it must be exactly 32",
              "user-data:5:16: kube_firstboot.cluster_key: decodes to 16 bytes; it must be exactly 32");
        check("join token valid for 58 more minutes: nothing to do", "join token valid for 58 more minutes: nothing to do");
        check("kubeadm token create failed; see /var/log/kube-firstboot.log",
              "kubeadm token create failed; see /var/log/kube-firstboot.log");
        check("expected a mapping (key: value), got a list", "expected a mapping (key: value), got a list");
        check("tls: expected a mapping {cert: PATH, key: PATH}", "tls: expected a mapping {cert: PATH, key: PATH}");
        check("key: secretvalue}", "key: " REDACTED "}");
}

static void test_cluster_key(void **state) {
        check("  cluster_key: " KEY, "  cluster_key: " REDACTED);
        check("opened with " KEY ".", "opened with " REDACTED ".");
        check("key=" KEY "\n", "key=" REDACTED "\n");
        /* 44 characters without the '=' at the end, or longer runs: not a 32-byte key */
        check("x" KEY, "x" KEY);
}

static void test_url_userinfo(void **state) {
        check("kernel command line names seed http://admin:s3cretPW@192.168.220.1:8780/seeds/master/",
              "kernel command line names seed http://admin:" REDACTED "@192.168.220.1:8780/seeds/master/");
        check("https://u:p@ss:w@rd@host/x and ftp://anon@host/", "https://u:" REDACTED "@host/x and ftp://anon@host/");
        check("http://192.168.220.1:8780/v1/clusters/lab/join", "http://192.168.220.1:8780/v1/clusters/lab/join");
        check("seed \"http://a:b@h\"", "seed \"http://a:" REDACTED "@h\"");
}

static void test_output_bounds(void **state) {
        char out[12];
        /* cut short, NUL-terminated, no overflow (make asan) */
        assert_int_equal(redact("http://a:b@h/" TOKEN, strlen("http://a:b@h/" TOKEN), out, sizeof(out)), 11);
        assert_string_equal(out, "http://a:<r");
        assert_int_equal(redact("abc", 3, out, 1), 0);
        assert_string_equal(out, "");
        /* the documented bound: 2 * len + 16 for the worst growth, one-character passwords */
        {
                char in[] = "a://u:p@ a://u:p@ a://u:p@";
                char big[2 * sizeof(in) + 16];
                size_t n = redact(in, strlen(in), big, sizeof(big));
                assert_string_equal(big, "a://u:" REDACTED "@ a://u:" REDACTED "@ a://u:" REDACTED "@");
                assert_true(n < sizeof(big) - 1);
        }
}

/* The stream's output, read back from a temporary file. */
static char *stream_of(const char *const chunks[], size_t n_chunks) {
        static char text[65536];
        struct redact_stream *s = malloc(sizeof(*s));
        FILE *f = tmpfile();
        size_t n;

        assert_non_null(s);
        assert_non_null(f);
        redact_stream_init(s, fileno(f));
        for (size_t i = 0; i < n_chunks; i++)
                redact_stream_write(s, chunks[i], strlen(chunks[i]));
        redact_stream_done(s);
        for (size_t i = 0; i < sizeof(s->line); i++)
                assert_int_equal(s->line[i], 0); /* erased */
        free(s);
        rewind(f);
        n = fread(text, 1, sizeof(text) - 1, f);
        text[n] = 0;
        fclose(f);
        return text;
}

static void test_stream_split_token(void **state) {
        /* the token cut in two by the pipe's chunks, and the flag apart from its value */
        const char *const chunks[] = { "[bootstrap-token] Using token: abcdef.0123", "456789abcdef\nkubeadm join h --to",
                                       "ken ", "xyz.NOT-A-TOKEN \\\n", "last line without a newline http://u:pass", "word@h" };
        const char *out = stream_of(chunks, 6);

        assert_string_equal(out, "[bootstrap-token] Using token: abcdef." REDACTED "\nkubeadm join h --token "
                            REDACTED " \\\nlast line without a newline http://u:" REDACTED "@h");
}

static void test_stream_long_line(void **state) {
        /* a line longer than the buffer, with a token across the buffer's end: the line is cut at the blank
         * before the token, not inside it */
        static char big[REDACT_LINE_MAX + 64], want[sizeof(big) + 64];
        const size_t at = REDACT_LINE_MAX - 12;
        const char *const chunks[] = { big, " " TOKEN "\n" };
        const char *out;

        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        big[at - 1] = ' ';
        memcpy(big + at, TOKEN " ", 24);
        snprintf(want, sizeof(want), "%.*sabcdef.%s%s%s", (int) at, big, REDACTED, big + at + 23, " abcdef." REDACTED "\n");
        out = stream_of(chunks, 2);
        assert_null(strstr(out, SECRET_HALF));
        assert_string_equal(out, want);
}

static void test_log_lines_redacted(void **state) {
        FILE *f = tmpfile();
        char text[4096];
        size_t n;

        assert_non_null(f);
        log_set_max_level(LOG_EMERG); /* nothing on the test's stderr; the extra sink gets every level */
        log_set_extra_fd(fileno(f));
        log_info("kernel command line names seed http://admin:s3cretPW@192.168.220.1/seeds/master/");
        log_debug("output: [bootstrap-token] Using token: %s", TOKEN);
        log_set_extra_fd(-1);
        log_set_max_level(LOG_INFO);
        rewind(f);
        n = fread(text, 1, sizeof(text) - 1, f);
        text[n] = 0;
        fclose(f);
        assert_null(strstr(text, "s3cretPW"));
        assert_null(strstr(text, SECRET_HALF));
        assert_non_null(strstr(text, "http://admin:" REDACTED "@192.168.220.1/seeds/master/\n"));
        assert_non_null(strstr(text, "Using token: abcdef." REDACTED "\n"));
}

UNIT_TEST_MAIN(NULL, NULL, test_bootstrap_tokens, test_join_command, test_named_values, test_cluster_key,
               test_url_userinfo, test_output_bounds, test_stream_split_token, test_stream_long_line,
               test_log_lines_redacted)

/* SPDX-License-Identifier: MIT */
/* The join record seal, the bearer and kubeadm's CA pin (bootstrap tokens: test-token.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit-test.h"
#include <openssl/sha.h>

#include "fileio.h"
#include "join/joinrecord.h"
#include "macro.h"
#include "parse.h"
#include "join/pubkeypin.h"
#include "spawn.h"

static const uint8_t key_a[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const uint8_t key_b[32] = { 32, 31, 30 };

static void sample(struct join_record *rec) {
        memset(rec, 0, sizeof(*rec));
        strcpy(rec->cluster, "lab");
        strcpy(rec->api_server, "192.168.220.104:6443");
        strcpy(rec->token, "abcdef.0123456789abcdef");
        strcpy(rec->ca_cert_hashes[0], "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        rec->n_ca_cert_hashes = 1;
        rec->issued = 1764355200;
        rec->expires = 1764441600;
}

/* The sample record in rec, sealed with key_a into *sealed (the caller frees it). */
static void seal_sample(struct join_record *rec, char **sealed, size_t *size) {
        sample(rec);
        assert_int_equal(join_record_seal(key_a, rec, sealed, size), 0);
}

/* Where needle starts in text; the test fails when it is not there. */
static char *must_find(char *text, const char *needle) {
        char *p = strstr(text, needle);

        assert_non_null(p);
        return p;
}

static void test_seal_open_roundtrip(void **state) {
        struct join_record rec, out;
        _cleanup_free_ char *sealed = NULL;
        size_t size;

        seal_sample(&rec, &sealed, &size);
        assert_int_equal(strlen(sealed), size);
        /* The token never appears in the sealed form. */
        assert_null(strstr(sealed, "abcdef.0123456789abcdef"));
        assert_null(strstr(sealed, "0123456789abcdef"));
        assert_non_null(strstr(sealed, "\"cluster\":\"lab\""));
        assert_int_equal(join_record_open(key_a, "lab", sealed, size, &out), 0);
        assert_string_equal(out.api_server, rec.api_server);
        assert_string_equal(out.token, rec.token);
        assert_int_equal(out.n_ca_cert_hashes, 1);
        assert_string_equal(out.ca_cert_hashes[0], rec.ca_cert_hashes[0]);
        assert_true(out.issued == rec.issued && out.expires == rec.expires);
}

static void test_nonce_fresh(void **state) {
        struct join_record rec;
        _cleanup_free_ char *a = NULL, *b = NULL;

        sample(&rec);
        assert_int_equal(join_record_seal(key_a, &rec, &a, NULL), 0);
        assert_int_equal(join_record_seal(key_a, &rec, &b, NULL), 0);
        assert_string_not_equal(a, b);
}

static void test_wrong_key(void **state) {
        struct join_record rec, out;
        _cleanup_free_ char *sealed = NULL;
        size_t size;

        seal_sample(&rec, &sealed, &size);
        assert_int_equal(join_record_open(key_b, "lab", sealed, size, &out), -EBADMSG);
}

static void test_other_cluster(void **state) {
        struct join_record rec, out;
        _cleanup_free_ char *sealed = NULL;
        size_t size;

        seal_sample(&rec, &sealed, &size);
        assert_int_equal(join_record_open(key_a, "other", sealed, size, &out), -EXDEV);
        /* Relabelled envelope: the associated data no longer matches, so it does not open. */
        memcpy(must_find(sealed, "\"cluster\":\"lab\"") + 11, "lac", 3);
        assert_int_equal(join_record_open(key_a, "lac", sealed, size, &out), -EBADMSG);
}

static void test_tampered(void **state) {
        struct join_record rec, out;
        _cleanup_free_ char *sealed = NULL;
        char *p;
        size_t size;

        seal_sample(&rec, &sealed, &size);
        p = must_find(sealed, "\"sealed\":\"") + 10;
        while (*p == '\\' || *p == '/') /* json-c writes '/' as "\/" */
                p++;
        *p = *p == 'A' ? 'B' : 'A';
        assert_int_equal(join_record_open(key_a, "lab", sealed, size, &out), -EBADMSG);
}

static void test_malformed(void **state) {
        static const char *const bad[] = {
                "",
                "null",
                "[]",
                "{}",
                "{\"version\":2,\"cluster\":\"lab\",\"alg\":\"A256GCM\",\"nonce\":\"AAAAAAAAAAAAAAAA\",\"sealed\":\"AAAA\"}",
                "{\"version\":1,\"cluster\":\"lab\",\"alg\":\"A128GCM\",\"nonce\":\"AAAAAAAAAAAAAAAA\",\"sealed\":\"AAAA\"}",
                "{\"version\":1,\"cluster\":\"lab\",\"alg\":\"A256GCM\",\"nonce\":\"AAAA\",\"sealed\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
                "{\"version\":1,\"cluster\":\"lab\",\"alg\":\"A256GCM\",\"nonce\":\"AAAAAAAAAAAAAAAA\",\"sealed\":\"AAAA\"}",
                "{\"version\":1,\"cluster\":\"lab\",\"alg\":\"A256GCM\",\"nonce\":\"AAAAAAAAAAAAAAAA\",\"sealed\":\"not base64!\"}",
                "{\"version\":1} trailing",
        };
        struct join_record out;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(join_record_open(key_a, "lab", bad[i], strlen(bad[i]), &out), -EINVAL);
}

static void test_oversized(void **state) {
        size_t n = JOIN_RECORD_MAX + 10;
        _cleanup_free_ char *big = malloc(n + 1);
        struct join_record out;

        assert_non_null(big);
        memset(big, ' ', n);
        big[0] = '{';
        big[n - 1] = '}';
        big[n] = 0;
        assert_int_equal(join_record_open(key_a, "lab", big, n, &out), -EINVAL);
}

static void test_bearer(void **state) {
        char a[JOIN_BEARER_LEN + 1], b[JOIN_BEARER_LEN + 1];

        assert_int_equal(join_bearer(key_a, a), 0);
        assert_int_equal(join_bearer(key_b, b), 0);
        assert_int_equal(strlen(a), 64);
        assert_string_not_equal(a, b);
        /* Same value as an independent implementation: openssl dgst -mac HMAC over the label. */
        {
                uint8_t zero[32] = {};
                static const char label[] = "kube-firstboot bearer v1";
                const char *argv[] = { "openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt",
                                       "hexkey:0000000000000000000000000000000000000000000000000000000000000000", NULL };
                struct spawn_options opts = { .log_fd = -1, .capture_max = 4096, .stdin_data = label,
                                              .stdin_size = sizeof(label) - 1 };
                struct spawn_result res;
                assert_int_equal(join_bearer(zero, a), 0);
                assert_int_equal(spawn_run(argv, &opts, &res), 0);
                assert_int_equal(res.exit_status, 0);
                assert_non_null(res.output);
                assert_non_null(strstr(res.output, a));
                spawn_result_done(&res);
        }
}

/* The CA pin equals `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum`. */
static void check_pin_against_openssl(const char *const keygen_args[]) {
        char dir[] = "/tmp/kfb-pin.XXXXXX", key[64], crt[64], pub[64], der[64], pin[PUBKEYPIN_LEN + 1];
        char expected[PUBKEYPIN_LEN + 1];
        unsigned char digest[SHA256_DIGEST_LENGTH];
        _cleanup_free_ char *data = NULL;
        size_t size;

        assert_non_null(mkdtemp(dir));
        snprintf(key, sizeof(key), "%s/ca.key", dir);
        snprintf(crt, sizeof(crt), "%s/ca.crt", dir);
        snprintf(pub, sizeof(pub), "%s/pub.pem", dir);
        snprintf(der, sizeof(der), "%s/pub.der", dir);
        {
                const char *argv[16];
                size_t n = 0;
                for (size_t i = 0; keygen_args[i]; i++)
                        argv[n++] = keygen_args[i];
                argv[n++] = "-out";
                argv[n++] = key;
                argv[n] = NULL;
                assert_int_equal(spawn_simple(argv, 60000, -1), 0);
        }
        {
                const char *argv[] = { "openssl", "req", "-x509", "-new", "-key", key, "-subj", "/CN=kubernetes",
                                       "-days", "1", "-out", crt, NULL };
                assert_int_equal(spawn_simple(argv, 60000, -1), 0);
        }
        {
                const char *argv[] = { "openssl", "x509", "-pubkey", "-noout", "-in", crt, "-out", pub, NULL };
                assert_int_equal(spawn_simple(argv, 60000, -1), 0);
        }
        {
                const char *argv[] = { "openssl", "pkey", "-pubin", "-in", pub, "-outform", "der", "-out", der, NULL };
                assert_int_equal(spawn_simple(argv, 60000, -1), 0);
        }
        assert_int_equal(read_file_limited(der, 65536, &data, &size), 0);
        SHA256((unsigned char *) data, size, digest);
        strcpy(expected, "sha256:");
        for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
                snprintf(expected + 7 + 2 * i, 3, "%02x", digest[i]);

        assert_int_equal(pubkeypin_from_file(crt, pin), 0);
        assert_string_equal(pin, expected);

        unlink(key), unlink(crt), unlink(pub), unlink(der), rmdir(dir);
}

static void test_pubkeypin_rsa(void **state) {
        const char *const genpkey[] = { "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                                        NULL };
        check_pin_against_openssl(genpkey);
}

static void test_pubkeypin_ecdsa(void **state) {
        /* A named curve, as kubeadm's CA key has it (OpenSSL 1.0.2's genpkey writes explicit parameters
         * unless told). */
        const char *const genpkey[] = { "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                                        "-pkeyopt", "ec_param_enc:named_curve", NULL };
        check_pin_against_openssl(genpkey);
}

static void test_pubkeypin_garbage(void **state) {
        char pin[PUBKEYPIN_LEN + 1];
        const char junk[] = "-----BEGIN CERTIFICATE-----\nnot a cert\n-----END CERTIFICATE-----\n";
        assert_int_equal(pubkeypin_from_pem(junk, sizeof(junk) - 1, pin), -EBADMSG);
        assert_int_equal(pubkeypin_from_pem("", 0, pin), -EBADMSG);
}

UNIT_TEST_MAIN(NULL, NULL, test_seal_open_roundtrip, test_nonce_fresh, test_wrong_key, test_other_cluster,
               test_tampered, test_malformed, test_oversized, test_bearer, test_pubkeypin_rsa, test_pubkeypin_ecdsa,
               test_pubkeypin_garbage)

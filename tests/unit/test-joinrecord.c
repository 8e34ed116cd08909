/* SPDX-License-Identifier: MIT */
/* The join record seal (version 2), what a worker trusts in an opened record, and kubeadm's CA pin
 * (bootstrap tokens: test-token.c; the keys and the bearer: test-join-keys.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit-test.h"
#include <openssl/sha.h>

#include "crypto-dl.h"
#include "fileio.h"
#include "join/joinrecord.h"
#include "macro.h"
#include "parse.h"
#include "join/pubkeypin.h"
#include "secret.h"
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
                "{\"version\":\"2\",\"cluster\":\"lab\",\"alg\":\"A256GCM\",\"nonce\":\"AAAAAAAAAAAAAAAA\",\"sealed\":\"AAAA\"}",
                "{\"version\":0,\"cluster\":\"lab\",\"alg\":\"A256GCM\",\"nonce\":\"AAAAAAAAAAAAAAAA\",\"sealed\":\"AAAA\"}",
                "{\"version\":2,\"cluster\":\"lab\",\"alg\":\"A128GCM\",\"nonce\":\"AAAAAAAAAAAAAAAA\",\"sealed\":\"AAAA\"}",
                "{\"version\":2,\"cluster\":\"lab\",\"alg\":\"A256GCM\",\"nonce\":\"AAAA\",\"sealed\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
                "{\"version\":2,\"cluster\":\"lab\",\"alg\":\"A256GCM\",\"nonce\":\"AAAAAAAAAAAAAAAA\",\"sealed\":\"AAAA\"}",
                "{\"version\":2,\"cluster\":\"lab\",\"alg\":\"A256GCM\",\"nonce\":\"AAAAAAAAAAAAAAAA\",\"sealed\":\"not base64!\"}",
                "{\"version\":2} trailing",
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

/* An envelope of version env_version whose sealed part is plain under AES-256-GCM with key and aad, as
 * someone holding the cluster key could build one by hand (malloc'd). */
static char *seal_by_hand(int env_version, const uint8_t key[32], const uint8_t *aad, size_t aad_len, const char *plain) {
        uint8_t nonce[12] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2 }, sealed[1024];
        char nonce_b64[32], sealed_b64[2048], *env;
        size_t plain_len = strlen(plain);
        int len = 0, total;
        EVP_CIPHER_CTX *ctx;

        assert_int_equal(dlopen_crypto(), 0);
        assert_true(plain_len + 16 <= sizeof(sealed));
        ctx = sym_EVP_CIPHER_CTX_new();
        assert_non_null(ctx);
        assert_int_equal(sym_EVP_EncryptInit_ex(ctx, sym_EVP_aes_256_gcm(), NULL, NULL, NULL), 1);
        assert_int_equal(sym_EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL), 1);
        assert_int_equal(sym_EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce), 1);
        assert_int_equal(sym_EVP_EncryptUpdate(ctx, NULL, &len, aad, (int) aad_len), 1);
        assert_int_equal(sym_EVP_EncryptUpdate(ctx, sealed, &len, (const uint8_t *) plain, (int) plain_len), 1);
        total = len;
        assert_int_equal(sym_EVP_EncryptFinal_ex(ctx, sealed + total, &len), 1);
        total += len;
        assert_int_equal(sym_EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, sealed + total), 1);
        total += 16;
        sym_EVP_CIPHER_CTX_free(ctx);
        assert_true(base64_encode(nonce, sizeof(nonce), nonce_b64, sizeof(nonce_b64)) > 0);
        assert_true(base64_encode(sealed, (size_t) total, sealed_b64, sizeof(sealed_b64)) > 0);
        assert_true(asprintf(&env, "{\"version\":%d,\"cluster\":\"lab\",\"alg\":\"A256GCM\",\"nonce\":\"%s\",\"sealed\":\"%s\"}",
                             env_version, nonce_b64, sealed_b64) > 0);
        return env;
}

#define PLAIN_V2                                                                                                    \
        "{\"version\":2,\"cluster\":\"lab\",\"api_server\":\"192.168.220.104:6443\",\"token\":\"abcdef.0123456789abcdef\","  \
        "\"ca_cert_hashes\":[\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"],"            \
        "\"issued\":1764355200,\"expires\":1764441600}"

/* The associated data is the documented byte layout: version, then length-prefixed alg and cluster. */
static void test_aad_layout(void **state) {
        static const uint8_t expected[] = { 2, 7, 'A', '2', '5', '6', 'G', 'C', 'M', 3, 'l', 'a', 'b' };
        uint8_t aad[128];

        assert_int_equal(join_record_aad(2, "A256GCM", "lab", aad, sizeof(aad)), (int) sizeof(expected));
        assert_memory_equal(aad, expected, sizeof(expected));
        assert_int_equal(join_record_aad(2, "A256GCM", "lab", aad, sizeof(expected) - 1), -EINVAL);
}

/* Sealed by hand with the documented key and associated data, a record opens; with the associated data
 * of another version, alg or cluster, or under the cluster key itself, it does not. */
static void test_aad_binds_version_alg_cluster(void **state) {
        static const struct {
                int64_t version;
                const char *alg, *cluster;
        } wrong[] = { { 1, "A256GCM", "lab" }, { 3, "A256GCM", "lab" }, { 2, "A128GCM", "lab" }, { 2, "none", "lab" },
                      { 2, "A256GCM", "lac" }, { 2, "A256GCM", "" } };
        uint8_t seal_key[JOIN_SEAL_KEY_SIZE], aad[128];
        CLEANUP_ERASE(seal_key);
        struct join_record out;
        int n;

        assert_int_equal(join_derive_seal_key(key_a, seal_key), 0);
        n = join_record_aad(2, "A256GCM", "lab", aad, sizeof(aad));
        {
                _cleanup_free_ char *env = seal_by_hand(2, seal_key, aad, (size_t) n, PLAIN_V2);
                assert_int_equal(join_record_open(key_a, "lab", env, strlen(env), &out), 0);
                assert_string_equal(out.api_server, "192.168.220.104:6443");
        }
        for (size_t i = 0; i < ELEMENTSOF(wrong); i++) {
                _cleanup_free_ char *env = NULL;
                n = join_record_aad(wrong[i].version, wrong[i].alg, wrong[i].cluster, aad, sizeof(aad));
                assert_true(n > 0);
                env = seal_by_hand(2, seal_key, aad, (size_t) n, PLAIN_V2);
                assert_int_equal(join_record_open(key_a, "lab", env, strlen(env), &out), -EBADMSG);
        }
        /* The v1 construction in a v2 envelope: the cluster key itself, the cluster name as associated data. */
        {
                _cleanup_free_ char *env = seal_by_hand(2, key_a, (const uint8_t *) "lab", 3, PLAIN_V2);
                assert_int_equal(join_record_open(key_a, "lab", env, strlen(env), &out), -EBADMSG);
        }
}

/* A version 1 record, sealed exactly as version 1 did, is refused by its version, which the caller
 * learns to name it; so is a version from the future. */
static void test_v1_refused(void **state) {
        static const char plain_v1[] =
                "{\"version\":1,\"cluster\":\"lab\",\"api_server\":\"192.168.220.104:6443\",\"token\":\"abcdef.0123456789abcdef\","
                "\"ca_cert_hashes\":[\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"],"
                "\"issued\":1764355200,\"expires\":1764441600}";
        _cleanup_free_ char *v1 = seal_by_hand(1, key_a, (const uint8_t *) "lab", 3, plain_v1);
        _cleanup_free_ char *v3 = seal_by_hand(3, key_a, (const uint8_t *) "lab", 3, plain_v1);
        struct join_record out;

        assert_int_equal(join_record_open(key_a, "lab", v1, strlen(v1), &out), -EPROTONOSUPPORT);
        assert_int_equal(out.version, 1);
        assert_int_equal(join_record_open(key_a, "lab", v3, strlen(v3), &out), -EPROTONOSUPPORT);
        assert_int_equal(out.version, 3);
}

/* What join_record_seal() writes is version 2 in the envelope and inside. */
static void test_seal_is_v2(void **state) {
        struct join_record rec;
        _cleanup_free_ char *sealed = NULL;
        size_t size;

        seal_sample(&rec, &sealed, &size);
        assert_non_null(strstr(sealed, "\"version\":2,"));
        assert_non_null(strstr(sealed, "\"alg\":\"A256GCM\""));
        /* and the plain record inside says 2: a v2 envelope around a version 1 plain record does not open */
        {
                uint8_t seal_key[JOIN_SEAL_KEY_SIZE], aad[128];
                CLEANUP_ERASE(seal_key);
                static const char plain_v1_inside[] =
                        "{\"version\":1,\"cluster\":\"lab\",\"api_server\":\"192.168.220.104:6443\",\"token\":\"abcdef.0123456789abcdef\","
                        "\"ca_cert_hashes\":[\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"],"
                        "\"issued\":1764355200,\"expires\":1764441600}";
                struct join_record out;
                _cleanup_free_ char *env = NULL;
                int n;

                assert_int_equal(join_derive_seal_key(key_a, seal_key), 0);
                n = join_record_aad(2, "A256GCM", "lab", aad, sizeof(aad));
                env = seal_by_hand(2, seal_key, aad, (size_t) n, plain_v1_inside);
                assert_int_equal(join_record_open(key_a, "lab", env, strlen(env), &out), -EINVAL);
        }
}

/* The forgery a holder of the cluster key can make opens: trust is the worker's second check. */
static void test_trust_api_server(void **state) {
        struct join_record rec, forged;
        _cleanup_free_ char *sealed = NULL;
        char why[512];
        size_t size;

        sample(&rec);
        strcpy(rec.api_server, "192.168.220.66:6443");
        assert_int_equal(join_record_seal(key_a, &rec, &sealed, &size), 0);
        assert_int_equal(join_record_open(key_a, "lab", sealed, size, &forged), 0);
        assert_int_equal(join_record_check_trust(&forged, "192.168.220.104", 6443, 0, forged.issued, why, sizeof(why)),
                         -EADDRNOTAVAIL);
        assert_string_equal(why, "it names the API server 192.168.220.66:6443, not this node's control plane "
                                 "192.168.220.104:6443");
        assert_null(strstr(why, forged.token));

        sample(&rec);
        assert_int_equal(join_record_check_trust(&rec, "192.168.220.104", 6443, 0, rec.issued, why, sizeof(why)), 0);
        assert_int_equal(join_record_check_trust(&rec, "192.168.220.104", 443, 0, rec.issued, why, sizeof(why)),
                         -EADDRNOTAVAIL);
        assert_int_equal(join_record_check_trust(&rec, "192.168.220.10", 6443, 0, rec.issued, why, sizeof(why)),
                         -EADDRNOTAVAIL);
        /* a name compares as DNS does, whatever its case */
        strcpy(rec.api_server, "Master.Lab.example:6443");
        assert_int_equal(join_record_check_trust(&rec, "master.lab.example", 6443, 0, rec.issued, why, sizeof(why)), 0);
        assert_int_equal(join_record_check_trust(&rec, "master.lab.example.org", 6443, 0, rec.issued, why, sizeof(why)),
                         -EADDRNOTAVAIL);
}

static void test_trust_rollback(void **state) {
        struct join_record rec;
        char why[512];

        sample(&rec);
        /* the same record again, or a newer one: fine */
        assert_int_equal(join_record_check_trust(&rec, "192.168.220.104", 6443, rec.issued, rec.issued + 5, why, sizeof(why)),
                         0);
        assert_int_equal(join_record_check_trust(&rec, "192.168.220.104", 6443, rec.issued - 3600, rec.issued, why,
                                                 sizeof(why)),
                         0);
        /* one second older than the accepted one: a rollback */
        assert_int_equal(join_record_check_trust(&rec, "192.168.220.104", 6443, rec.issued + 1, rec.issued + 10, why,
                                                 sizeof(why)),
                         -ETIME);
        assert_non_null(strstr(why, "before the record this node accepted"));
}

static void test_trust_future(void **state) {
        struct join_record rec;
        char why[512];

        sample(&rec);
        assert_int_equal(join_record_check_trust(&rec, "192.168.220.104", 6443, 0, rec.issued - JOIN_RECORD_FUTURE_MAX_S,
                                                 why, sizeof(why)),
                         0);
        assert_int_equal(join_record_check_trust(&rec, "192.168.220.104", 6443, 0,
                                                 rec.issued - JOIN_RECORD_FUTURE_MAX_S - 1, why, sizeof(why)),
                         -ERANGE);
        assert_non_null(strstr(why, "in the future"));
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
               test_tampered, test_malformed, test_oversized, test_aad_layout, test_aad_binds_version_alg_cluster,
               test_v1_refused, test_seal_is_v2, test_trust_api_server, test_trust_rollback, test_trust_future,
               test_pubkeypin_rsa, test_pubkeypin_ecdsa,
               test_pubkeypin_garbage)

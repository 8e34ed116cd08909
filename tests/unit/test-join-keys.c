/* SPDX-License-Identifier: MIT */
/* HKDF-SHA256 against RFC 5869's test vectors (appendix A, cases 1 to 3), and the join protocol's keys
 * derived from it (firstboot/lib/join-keys.c) against the openssl command's HMAC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit-test.h"

#include "join-keys.h"
#include "macro.h"
#include "spawn.h"

/* hex into bytes; returns the length */
static size_t unhex(const char *hex, uint8_t *out, size_t size) {
        size_t n = strlen(hex) / 2;

        assert_true(n <= size);
        for (size_t i = 0; i < n; i++) {
                unsigned v;
                assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
                out[i] = (uint8_t) v;
        }
        return n;
}

static void hex(const uint8_t *in, size_t n, char *out) {
        for (size_t i = 0; i < n; i++)
                snprintf(out + 2 * i, 3, "%02x", in[i]);
}

struct rfc5869_case {
        const char *ikm, *salt, *info, *prk, *okm;
};

static void check_case(const struct rfc5869_case *t) {
        uint8_t ikm[128], salt[128], info[128], prk[32], okm[128];
        char got[2 * sizeof(okm) + 1];
        size_t ikm_len = unhex(t->ikm, ikm, sizeof(ikm)), salt_len = unhex(t->salt, salt, sizeof(salt)),
               info_len = unhex(t->info, info, sizeof(info)), okm_len = strlen(t->okm) / 2;

        assert_int_equal(hkdf_sha256_extract(salt, salt_len, ikm, ikm_len, prk), 0);
        hex(prk, sizeof(prk), got);
        assert_string_equal(got, t->prk);
        assert_int_equal(hkdf_sha256_expand(prk, info, info_len, okm, okm_len), 0);
        hex(okm, okm_len, got);
        assert_string_equal(got, t->okm);
        memset(okm, 0, sizeof(okm));
        assert_int_equal(hkdf_sha256(salt, salt_len, ikm, ikm_len, info, info_len, okm, okm_len), 0);
        hex(okm, okm_len, got);
        assert_string_equal(got, t->okm);
}

/* A.1: basic test case with SHA-256 */
static void test_rfc5869_case1(void **state) {
        static const struct rfc5869_case t = {
                .ikm = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                .salt = "000102030405060708090a0b0c",
                .info = "f0f1f2f3f4f5f6f7f8f9",
                .prk = "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
                .okm = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        };
        check_case(&t);
}

/* A.2: longer inputs and outputs (three blocks and a part) */
static void test_rfc5869_case2(void **state) {
        static const struct rfc5869_case t = {
                .ikm = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                       "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                       "404142434445464748494a4b4c4d4e4f",
                .salt = "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
                        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                        "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                .info = "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
                        "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
                        "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
                .prk = "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
                .okm = "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                       "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                       "cc30c58179ec3e87c14c01d5c1f3434f1d87",
        };
        check_case(&t);
}

/* A.3: zero-length salt and info */
static void test_rfc5869_case3(void **state) {
        static const struct rfc5869_case t = {
                .ikm = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                .salt = "",
                .info = "",
                .prk = "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
                .okm = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        };
        check_case(&t);
}

static void test_hkdf_limits(void **state) {
        uint8_t prk[32] = {}, info[257] = {}, out[32];

        assert_int_equal(hkdf_sha256_expand(prk, info, sizeof(info), out, sizeof(out)), -EINVAL);
        assert_int_equal(hkdf_sha256_expand(prk, info, 256, NULL, 255 * 32 + 1), -EINVAL);
        assert_int_equal(hkdf_sha256_expand(prk, NULL, 0, out, 0), 0);
}

/* openssl dgst -sha256 -mac HMAC -macopt KEYOPT over data: the lower-case hex MAC in ret. */
static void openssl_hmac(const char *keyopt, const void *data, size_t size, char ret[static 65]) {
        const char *argv[] = { "openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", keyopt, NULL };
        struct spawn_options opts = { .log_fd = -1, .capture_max = 4096, .stdin_data = data, .stdin_size = size };
        struct spawn_result res;
        const char *p;

        assert_int_equal(spawn_run(argv, &opts, &res), 0);
        assert_int_equal(res.exit_status, 0);
        assert_non_null(res.output);
        /* "HMAC-SHA256(stdin)= <hex>" (1.0.2 and 3.x alike) */
        p = strstr(res.output, "= ");
        assert_non_null(p);
        assert_true(strlen(p + 2) >= 64);
        memcpy(ret, p + 2, 64);
        ret[64] = 0;
        spawn_result_done(&res);
}

/* The bearer and the seal key, recomputed with the openssl command (1.0.2k has dgst -mac HMAC, no kdf):
 * PRK = HMAC(salt, cluster key), then one expand block HMAC(PRK, label | 0x01). */
static void test_join_keys_against_openssl(void **state) {
        uint8_t key[JOIN_KEY_SIZE], seal[JOIN_SEAL_KEY_SIZE];
        char prk[65], keyopt[80], bearer[JOIN_BEARER_LEN + 1], expected[65], seal_hex[65], block[64];
        size_t n;

        for (size_t i = 0; i < sizeof(key); i++)
                key[i] = (uint8_t) (i * 7); /* a zero byte among them: the key goes in as binary */
        openssl_hmac("key:" JOIN_KDF_SALT, key, sizeof(key), prk);
        snprintf(keyopt, sizeof(keyopt), "hexkey:%s", prk);

        n = (size_t) snprintf(block, sizeof(block), "%s\x01", JOIN_BEARER_INFO);
        openssl_hmac(keyopt, block, n, expected);
        assert_int_equal(join_derive_bearer(key, bearer), 0);
        assert_string_equal(bearer, expected);

        n = (size_t) snprintf(block, sizeof(block), "%s\x01", JOIN_SEAL_KEY_INFO);
        openssl_hmac(keyopt, block, n, expected);
        assert_int_equal(join_derive_seal_key(key, seal), 0);
        hex(seal, sizeof(seal), seal_hex);
        assert_string_equal(seal_hex, expected);

        /* the two keys differ, and neither is the v1 bearer's construction nor the cluster key */
        assert_string_not_equal(seal_hex, bearer);
        assert_memory_not_equal(seal, key, sizeof(key));
}

/* The labels are the protocol: docs/join-protocol.md gives them; they change only with a new version. */
static void test_labels(void **state) {
        assert_string_equal(JOIN_KDF_SALT, "kube-firstboot join v2");
        assert_string_equal(JOIN_SEAL_KEY_INFO, "kube-firstboot record seal key v2");
        assert_string_equal(JOIN_BEARER_INFO, "kube-firstboot bearer v2");
}

UNIT_TEST_MAIN(NULL, NULL, test_rfc5869_case1, test_rfc5869_case2, test_rfc5869_case3, test_hkdf_limits,
               test_join_keys_against_openssl, test_labels)

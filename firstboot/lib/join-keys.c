/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypto-dl.h"
#include "join-keys.h"
#include "secret.h"

#define HASH_LEN 32
#define INFO_MAX 256

int hkdf_sha256_extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len, uint8_t prk[static 32]) {
        static const uint8_t zero_salt[HASH_LEN];
        unsigned int len = 0;

        if (salt_len > INT32_MAX || ikm_len > INT32_MAX)
                return -EINVAL;
        if (dlopen_crypto() < 0)
                return -EOPNOTSUPP;
        /* HMAC() with an empty key differs between OpenSSL versions (1.0.2 reads an uninitialised key
         * buffer); HashLen zeros is the same key once HMAC pads it, and what RFC 5869 prescribes. */
        if (salt_len == 0) {
                salt = zero_salt;
                salt_len = sizeof(zero_salt);
        }
        if (!sym_HMAC(sym_EVP_sha256(), salt, (int) salt_len, ikm, ikm_len, prk, &len) || len != HASH_LEN)
                return -EIO;
        return 0;
}

int hkdf_sha256_expand(const uint8_t prk[static 32], const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len) {
        uint8_t block[HASH_LEN + INFO_MAX + 1], t[HASH_LEN];
        CLEANUP_ERASE(block);
        CLEANUP_ERASE(t);
        size_t done = 0, t_len = 0;

        if (info_len > INFO_MAX || out_len > 255 * HASH_LEN)
                return -EINVAL;
        if (dlopen_crypto() < 0)
                return -EOPNOTSUPP;
        for (unsigned i = 1; done < out_len; i++) {
                unsigned int len = 0;
                size_t n = 0, take;

                /* T(i) = HMAC-SHA256(PRK, T(i-1) | info | i), T(0) empty */
                memcpy(block, t, t_len);
                n += t_len;
                if (info_len > 0)
                        memcpy(block + n, info, info_len);
                n += info_len;
                block[n++] = (uint8_t) i;
                if (!sym_HMAC(sym_EVP_sha256(), prk, HASH_LEN, block, n, t, &len) || len != HASH_LEN)
                        return -EIO;
                t_len = HASH_LEN;
                take = out_len - done < HASH_LEN ? out_len - done : HASH_LEN;
                memcpy(out + done, t, take);
                done += take;
        }
        return 0;
}

int hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
                size_t info_len, uint8_t *out, size_t out_len) {
        uint8_t prk[HASH_LEN];
        CLEANUP_ERASE(prk);
        int r;

        r = hkdf_sha256_extract(salt, salt_len, ikm, ikm_len, prk);
        if (r < 0)
                return r;
        return hkdf_sha256_expand(prk, info, info_len, out, out_len);
}

static int join_derive(const uint8_t cluster_key[static JOIN_KEY_SIZE], const char *info, uint8_t *out, size_t out_len) {
        return hkdf_sha256((const uint8_t *) JOIN_KDF_SALT, strlen(JOIN_KDF_SALT), cluster_key, JOIN_KEY_SIZE,
                           (const uint8_t *) info, strlen(info), out, out_len);
}

int join_derive_seal_key(const uint8_t cluster_key[static JOIN_KEY_SIZE], uint8_t ret[static JOIN_SEAL_KEY_SIZE]) {
        return join_derive(cluster_key, JOIN_SEAL_KEY_INFO, ret, JOIN_SEAL_KEY_SIZE);
}

int join_derive_bearer(const uint8_t cluster_key[static JOIN_KEY_SIZE], char ret[static JOIN_BEARER_LEN + 1]) {
        uint8_t bearer[JOIN_BEARER_LEN / 2];
        CLEANUP_ERASE(bearer);
        int r;

        r = join_derive(cluster_key, JOIN_BEARER_INFO, bearer, sizeof(bearer));
        if (r < 0)
                return r;
        for (size_t i = 0; i < sizeof(bearer); i++)
                snprintf(ret + 2 * i, 3, "%02x", bearer[i]);
        return 0;
}

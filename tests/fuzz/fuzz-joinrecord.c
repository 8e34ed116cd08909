/* SPDX-License-Identifier: MIT */
/* libFuzzer target: opening a join record (join_record_open) under a fixed cluster key and name, as a
 * worker does with whatever the endpoint serves.
 *
 * An input starting with '{' is an envelope as served. The seal stops mutations of the sealed part at
 * the tag check, so an input starting with 'P' is a plaintext that this harness seals itself under the
 * fixed key (AES-256-GCM under the derived record key, version 2's associated data) before opening it:
 * that reaches the parser of
 * the record inside the seal. Corpus: tests/fuzz/joinrecord-corpus.sh. */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "join/joinrecord.h"
#include "log.h"
#include "macro.h"
#include "parse.h"

#define CLUSTER "lab"
#define INPUT_MAX (JOIN_RECORD_MAX + 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "kube-firstboot fuzz key 32 bytes": also the key of joinrecord-corpus.sh */
static const uint8_t key[JOIN_KEY_SIZE] = "kube-firstboot fuzz key 32 bytes";

/* The envelope of plain sealed under key with a fixed nonce, as join_record_seal() builds it. */
static char *seal_plain(const uint8_t *plain, size_t size) {
        static const uint8_t nonce[12] = "fuzz-nonce12";
        EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
        uint8_t *sealed = malloc(size + 16), seal_key[JOIN_SEAL_KEY_SIZE], aad[64];
        char *b64 = malloc((size + 16 + 2) / 3 * 4 + 1), nonce_b64[24], *env = NULL;
        int len, total, aad_len;

        if (!ctx || !sealed || !b64)
                goto finish;
        aad_len = join_record_aad(JOIN_RECORD_VERSION, JOIN_RECORD_ALG, CLUSTER, aad, sizeof(aad));
        if (aad_len < 0 || join_derive_seal_key(key, seal_key) < 0)
                goto finish;
        if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, seal_key, nonce) != 1 ||
            EVP_EncryptUpdate(ctx, NULL, &len, aad, aad_len) != 1 ||
            EVP_EncryptUpdate(ctx, sealed, &len, plain, (int) size) != 1)
                goto finish;
        total = len;
        if (EVP_EncryptFinal_ex(ctx, sealed + total, &len) != 1)
                goto finish;
        total += len;
        if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, sealed + total) != 1)
                goto finish;
        total += 16;
        base64_encode(sealed, (size_t) total, b64, (size + 16 + 2) / 3 * 4 + 1);
        base64_encode(nonce, sizeof(nonce), nonce_b64, sizeof(nonce_b64));
        if (asprintf(&env, "{\"version\":2,\"cluster\":\"" CLUSTER "\",\"alg\":\"A256GCM\",\"nonce\":\"%s\","
                     "\"sealed\":\"%s\"}", nonce_b64, b64) < 0)
                env = NULL;
finish:
        EVP_CIPHER_CTX_free(ctx);
        free(sealed);
        free(b64);
        return env;
}

static bool terminated(const char *s, size_t size) {
        return memchr(s, 0, size) != NULL;
}

/* What an opened record promises join and kubeadm_render_join(). */
static void check_record(const struct join_record *rec) {
        if (!terminated(rec->cluster, sizeof(rec->cluster)) || !streq(rec->cluster, CLUSTER) ||
            !terminated(rec->api_server, sizeof(rec->api_server)) || !strchr(rec->api_server, ':') ||
            !terminated(rec->token, sizeof(rec->token)) || !bootstrap_token_is_valid(rec->token) ||
            rec->n_ca_cert_hashes == 0 || rec->n_ca_cert_hashes > JOIN_RECORD_MAX_HASHES)
                abort();
        for (unsigned i = 0; i < rec->n_ca_cert_hashes; i++)
                if (strlen(rec->ca_cert_hashes[i]) != PUBKEYPIN_LEN || strncmp(rec->ca_cert_hashes[i], "sha256:", 7) != 0)
                        abort();
}

/* Whatever opened must survive a round trip through the agent's own seal. */
static void check_round_trip(const struct join_record *rec) {
        _cleanup_free_ char *env = NULL;
        struct join_record again;
        size_t n;

        if (join_record_seal(key, rec, &env, &n) < 0)
                abort();
        if (join_record_open(key, CLUSTER, env, n, &again) < 0 || memcmp(rec, &again, sizeof(again)) != 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *sealed = NULL;
        struct join_record rec;
        const char *env;
        size_t env_size;
        int r;

        if (size == 0 || size > INPUT_MAX)
                return 0;
        log_set_max_level(LOG_CRIT);
        if (data[0] == 'P') {
                sealed = seal_plain(data + 1, size - 1);
                if (!sealed)
                        return 0;
                env = sealed;
                env_size = strlen(sealed);
        } else {
                env = (const char *) data;
                env_size = size;
        }

        memset(&rec, 0xa5, sizeof(rec));
        r = join_record_open(key, CLUSTER, env, env_size, &rec);
        if (r >= 0) {
                check_record(&rec);
                check_round_trip(&rec);
        } else if (r != -EINVAL && r != -EPROTONOSUPPORT && r != -EXDEV && r != -EBADMSG && r != -ENOMEM && r != -EIO)
                abort();

        /* a record opens for one cluster name only: the one it was sealed for */
        memset(&rec, 0, sizeof(rec));
        if (join_record_open(key, "other", env, env_size, &rec) >= 0 && (r >= 0 || !streq(rec.cluster, "other")))
                abort();
        return 0;
}

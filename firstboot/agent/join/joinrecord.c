/* SPDX-License-Identifier: MIT */
#include <json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto-dl.h"
#include "join/joinrecord.h"
#include "json-member.h"
#include "macro.h"
#include "parse.h"
#include "random.h"
#include "secret.h"

#define NONCE_SIZE 12
#define TAG_SIZE 16
#define AAD_MAX (1 + 1 + 16 + 1 + 63)

static void json_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_putp)

static void cipher_ctx_freep(EVP_CIPHER_CTX **ctx) {
        if (*ctx)
                sym_EVP_CIPHER_CTX_free(*ctx);
}

static char *record_to_json(const struct join_record *rec) {
        _cleanup_json_ json_object *o = json_object_new_object(), *hashes = json_object_new_array();
        const char *s;

        if (!o || !hashes)
                return NULL;
        for (unsigned i = 0; i < rec->n_ca_cert_hashes; i++)
                json_object_array_add(hashes, json_object_new_string(rec->ca_cert_hashes[i]));
        json_object_object_add(o, "version", json_object_new_int(JOIN_RECORD_VERSION));
        json_object_object_add(o, "cluster", json_object_new_string(rec->cluster));
        json_object_object_add(o, "api_server", json_object_new_string(rec->api_server));
        json_object_object_add(o, "token", json_object_new_string(rec->token));
        json_object_object_add(o, "ca_cert_hashes", hashes);
        hashes = NULL; /* owned by o now */
        json_object_object_add(o, "issued", json_object_new_int64(rec->issued));
        json_object_object_add(o, "expires", json_object_new_int64(rec->expires));
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        return s ? strdup(s) : NULL;
}

/* Parses a JSON object of at most max bytes; NULL unless it is an object. */
static json_object *parse_object(const char *data, size_t size, size_t max) {
        json_tokener *tok;
        json_object *o;

        if (size > max || memchr(data, 0, size))
                return NULL;
        tok = json_tokener_new_ex(8);
        if (!tok)
                return NULL;
        o = json_tokener_parse_ex(tok, data, (int) size);
        if (o && (json_tokener_get_error(tok) != json_tokener_success || tok->char_offset != (int) size ||
                  !json_object_is_type(o, json_type_object))) {
                json_object_put(o);
                o = NULL;
        }
        json_tokener_free(tok);
        return o;
}

/* A string member that is also safe to show (string_is_safe()), or NULL. */
static const char *get_string(json_object *o, const char *key, size_t max) {
        const char *s = json_member_string(o, key, max);

        return s && string_is_safe(s, max) ? s : NULL;
}

static bool is_pubkeypin(const char *s) {
        if (strlen(s) != PUBKEYPIN_LEN || strncmp(s, "sha256:", 7) != 0)
                return false;
        for (const char *p = s + 7; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return false;
        return true;
}

/* host:port, the host an IPv4 address or an RFC 1123 name: it ends up in kubeadm's config. */
static bool api_server_is_valid(const char *s) {
        const char *colon = strrchr(s, ':');
        unsigned long long port;
        char host[256];
        uint32_t addr;

        if (!colon || (size_t) (colon - s) >= sizeof(host) || colon == s)
                return false;
        memcpy(host, s, colon - s);
        host[colon - s] = 0;
        if (parse_uint(colon + 1, 1, 65535, &port) < 0)
                return false;
        return parse_ipv4(host, &addr) == 0 || hostname_is_valid(host);
}

static int record_from_json(const char *data, size_t size, struct join_record *rec) {
        _cleanup_json_ json_object *o = parse_object(data, size, JOIN_RECORD_MAX);
        json_object *hashes;
        const char *s;
        int64_t version;

        if (!o)
                return -EINVAL;
        memset(rec, 0, sizeof(*rec));
        if (json_member_int64(o, "version", JOIN_RECORD_VERSION, JOIN_RECORD_VERSION, &version) < 0)
                return -EINVAL;
        s = get_string(o, "cluster", sizeof(rec->cluster) - 1);
        if (!s)
                return -EINVAL;
        strscpy(rec->cluster, sizeof(rec->cluster), s);
        s = get_string(o, "api_server", sizeof(rec->api_server) - 1);
        if (!s || !api_server_is_valid(s))
                return -EINVAL;
        strscpy(rec->api_server, sizeof(rec->api_server), s);
        s = get_string(o, "token", sizeof(rec->token) - 1);
        if (!s || !bootstrap_token_is_valid(s))
                return -EINVAL;
        strscpy(rec->token, sizeof(rec->token), s);
        if (!json_object_object_get_ex(o, "ca_cert_hashes", &hashes) || !json_object_is_type(hashes, json_type_array))
                return -EINVAL;
        /* int in json-c 0.11, size_t in 0.16: go through size_t either way */
        for (size_t i = 0, n = (size_t) json_object_array_length(hashes); i < n; i++) {
                json_object *h = json_object_array_get_idx(hashes, i);
                if (rec->n_ca_cert_hashes >= JOIN_RECORD_MAX_HASHES || !json_object_is_type(h, json_type_string) ||
                    !is_pubkeypin(json_object_get_string(h)))
                        return -EINVAL;
                strscpy(rec->ca_cert_hashes[rec->n_ca_cert_hashes++], PUBKEYPIN_LEN + 1, json_object_get_string(h));
        }
        if (rec->n_ca_cert_hashes == 0)
                return -EINVAL;
        if (json_member_int64(o, "issued", INT64_MIN, INT64_MAX, &rec->issued) < 0 ||
            json_member_int64(o, "expires", INT64_MIN, INT64_MAX, &rec->expires) < 0)
                return -EINVAL;
        return 0;
}

int join_record_aad(int64_t version, const char *alg, const char *cluster, uint8_t *buf, size_t size) {
        size_t alg_len = strlen(alg), cluster_len = strlen(cluster), n = 0;

        if (version < 0 || version > 255 || alg_len > 255 || cluster_len > 255 || 3 + alg_len + cluster_len > size)
                return -EINVAL;
        buf[n++] = (uint8_t) version;
        buf[n++] = (uint8_t) alg_len;
        memcpy(buf + n, alg, alg_len);
        n += alg_len;
        buf[n++] = (uint8_t) cluster_len;
        memcpy(buf + n, cluster, cluster_len);
        n += cluster_len;
        return (int) n;
}

int join_record_seal(const uint8_t key[JOIN_KEY_SIZE], const struct join_record *rec, char **ret, size_t *ret_size) {
        _cleanup_(cipher_ctx_freep) EVP_CIPHER_CTX *ctx = NULL;
        uint8_t seal_key[JOIN_SEAL_KEY_SIZE], aad[AAD_MAX];
        CLEANUP_ERASE(seal_key);
        int aad_len;
        _cleanup_erase_free_ char *plain = NULL;
        _cleanup_erase_free_ uint8_t *sealed = NULL;
        _cleanup_erase_free_ char *sealed_b64 = NULL;
        _cleanup_json_ json_object *env = NULL;
        uint8_t nonce[NONCE_SIZE];
        char nonce_b64[32];
        size_t plain_len, b64_size;
        int len, total, r;
        const char *s;

        r = dlopen_crypto();
        if (r < 0)
                return r;
        aad_len = join_record_aad(JOIN_RECORD_VERSION, JOIN_RECORD_ALG, rec->cluster, aad, sizeof(aad));
        if (aad_len < 0)
                return aad_len;
        r = join_derive_seal_key(key, seal_key);
        if (r < 0)
                return r;
        plain = record_to_json(rec);
        if (!plain)
                return -ENOMEM;
        plain_len = strlen(plain);
        r = random_bytes(nonce, sizeof(nonce));
        if (r < 0)
                goto finish;

        r = -ENOMEM;
        sealed = malloc(plain_len + TAG_SIZE);
        ctx = sym_EVP_CIPHER_CTX_new();
        if (!sealed || !ctx)
                goto finish;
        r = -EIO;
        if (sym_EVP_EncryptInit_ex(ctx, sym_EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
            sym_EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_SIZE, NULL) != 1 ||
            sym_EVP_EncryptInit_ex(ctx, NULL, NULL, seal_key, nonce) != 1 ||
            sym_EVP_EncryptUpdate(ctx, NULL, &len, aad, aad_len) != 1 ||
            sym_EVP_EncryptUpdate(ctx, sealed, &len, (const uint8_t *) plain, (int) plain_len) != 1)
                goto finish;
        total = len;
        if (sym_EVP_EncryptFinal_ex(ctx, sealed + total, &len) != 1)
                goto finish;
        total += len;
        if (sym_EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_SIZE, sealed + total) != 1)
                goto finish;
        total += TAG_SIZE;

        b64_size = ((size_t) total + 2) / 3 * 4 + 1;
        r = -ENOMEM;
        sealed_b64 = malloc(b64_size);
        if (!sealed_b64)
                goto finish;
        base64_encode(sealed, (size_t) total, sealed_b64, b64_size);
        base64_encode(nonce, sizeof(nonce), nonce_b64, sizeof(nonce_b64));

        env = json_object_new_object();
        if (!env)
                goto finish;
        json_object_object_add(env, "version", json_object_new_int(JOIN_RECORD_VERSION));
        json_object_object_add(env, "cluster", json_object_new_string(rec->cluster));
        json_object_object_add(env, "alg", json_object_new_string(JOIN_RECORD_ALG));
        json_object_object_add(env, "nonce", json_object_new_string(nonce_b64));
        json_object_object_add(env, "sealed", json_object_new_string(sealed_b64));
        s = json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN);
        if (!s || strlen(s) > JOIN_RECORD_MAX) {
                r = s ? -E2BIG : -ENOMEM;
                goto finish;
        }
        *ret = strdup(s);
        if (!*ret)
                goto finish;
        if (ret_size)
                *ret_size = strlen(*ret);
        r = 0;
finish:
        return r;
}

int join_record_open(const uint8_t key[JOIN_KEY_SIZE], const char *cluster, const char *data, size_t size,
                     struct join_record *ret) {
        _cleanup_(cipher_ctx_freep) EVP_CIPHER_CTX *ctx = NULL;
        _cleanup_json_ json_object *env = parse_object(data, size, JOIN_RECORD_MAX);
        _cleanup_erase_free_ uint8_t *sealed = NULL;
        _cleanup_erase_free_ char *plain = NULL;
        uint8_t nonce[NONCE_SIZE + 3], seal_key[JOIN_SEAL_KEY_SIZE], aad[AAD_MAX];
        CLEANUP_ERASE(seal_key);
        const char *s, *alg, *env_cluster, *nonce_b64;
        size_t nonce_len, sealed_len, sealed_max;
        int64_t version;
        int len, total, aad_len, r;

        if (!env || json_member_int64(env, "version", 1, INT32_MAX, &version) < 0)
                return -EINVAL;
        if (version != JOIN_RECORD_VERSION) {
                /* Version 1 sealed with the cluster key itself and bound only the cluster name: nodes are
                 * built from one release, so a record of another version is a mismatch to be named. */
                memset(ret, 0, sizeof(*ret));
                ret->version = version;
                return -EPROTONOSUPPORT;
        }
        r = dlopen_crypto();
        if (r < 0)
                return r;
        r = join_derive_seal_key(key, seal_key);
        if (r < 0)
                return r;
        alg = get_string(env, "alg", 16);
        env_cluster = get_string(env, "cluster", 63);
        nonce_b64 = get_string(env, "nonce", 32);
        s = get_string(env, "sealed", JOIN_RECORD_MAX);
        if (!alg || !streq(alg, JOIN_RECORD_ALG) || !env_cluster || !nonce_b64 || !s)
                return -EINVAL;
        if (!streq(env_cluster, cluster))
                return -EXDEV;
        aad_len = join_record_aad(version, alg, env_cluster, aad, sizeof(aad));
        if (aad_len < 0)
                return -EINVAL;
        if (base64_decode(nonce_b64, nonce, sizeof(nonce), &nonce_len) < 0 || nonce_len != NONCE_SIZE)
                return -EINVAL;
        sealed_max = strlen(s) / 4 * 3;
        sealed = malloc(sealed_max + 1);
        if (!sealed)
                return -ENOMEM;
        if (base64_decode(s, sealed, sealed_max, &sealed_len) < 0 || sealed_len <= TAG_SIZE)
                return -EINVAL;
        plain = malloc(sealed_len + 1);
        ctx = sym_EVP_CIPHER_CTX_new();
        if (!plain || !ctx)
                return -ENOMEM;

        r = -EIO;
        if (sym_EVP_DecryptInit_ex(ctx, sym_EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
            sym_EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_SIZE, NULL) != 1 ||
            sym_EVP_DecryptInit_ex(ctx, NULL, NULL, seal_key, nonce) != 1 ||
            sym_EVP_DecryptUpdate(ctx, NULL, &len, aad, aad_len) != 1 ||
            sym_EVP_DecryptUpdate(ctx, (uint8_t *) plain, &len, sealed, (int) (sealed_len - TAG_SIZE)) != 1 ||
            sym_EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_SIZE, sealed + sealed_len - TAG_SIZE) != 1)
                goto finish;
        total = len;
        if (sym_EVP_DecryptFinal_ex(ctx, (uint8_t *) plain + total, &len) != 1) {
                r = -EBADMSG; /* the tag does not match: wrong key or tampered */
                goto finish;
        }
        total += len;
        plain[total] = 0;

        r = record_from_json(plain, (size_t) total, ret);
        if (r >= 0 && !streq(ret->cluster, cluster))
                r = -EXDEV;
finish:
        return r;
}

/* host:port into its parts; false when it is not that. */
static bool split_host_port(const char *s, char *host, size_t host_size, unsigned *ret_port) {
        const char *colon = strrchr(s, ':');
        unsigned long long port;

        if (!colon || colon == s || (size_t) (colon - s) >= host_size || parse_uint(colon + 1, 1, 65535, &port) < 0)
                return false;
        memcpy(host, s, colon - s);
        host[colon - s] = 0;
        *ret_port = (unsigned) port;
        return true;
}

int join_record_check_trust(const struct join_record *rec, const char *control_plane_host, unsigned control_plane_port,
                            int64_t accepted_issued, int64_t now, char *why, size_t why_size) {
        char host[256];
        unsigned port;

        if (!split_host_port(rec->api_server, host, sizeof(host), &port) || strcasecmp(host, control_plane_host) != 0 ||
            port != control_plane_port) {
                snprintf(why, why_size, "it names the API server %s, not this node's control plane %s:%u", rec->api_server,
                         control_plane_host, control_plane_port);
                return -EADDRNOTAVAIL;
        }
        if (rec->issued < accepted_issued) {
                snprintf(why, why_size, "it was issued at %lld, before the record this node accepted (issued at %lld)",
                         (long long) rec->issued, (long long) accepted_issued);
                return -ETIME;
        }
        if (rec->issued > now && rec->issued - now > JOIN_RECORD_FUTURE_MAX_S) {
                snprintf(why, why_size, "it was issued %lld s in the future of this node's clock (at most %d s allowed)",
                         (long long) (rec->issued - now), JOIN_RECORD_FUTURE_MAX_S);
                return -ERANGE;
        }
        return 0;
}

/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The keys of the join protocol, version 2 (docs/join-protocol.md), all derived from the 32-byte
 * cluster key of the seed: the key that seals join records, and the bearer that authorises writes to
 * the metadata endpoint. The agent and the seed generator both derive them here and nowhere else, so
 * that what the control plane seals, what a worker opens and what server.yaml holds agree. */

#define JOIN_KEY_SIZE 32   /* the cluster key */
#define JOIN_SEAL_KEY_SIZE 32
#define JOIN_BEARER_LEN 64 /* lower-case hex of 32 bytes */

/* The HKDF salt and the two info labels, exactly as docs/join-protocol.md gives them (ASCII, no NUL). */
#define JOIN_KDF_SALT "kube-firstboot join v2"
#define JOIN_SEAL_KEY_INFO "kube-firstboot record seal key v2"
#define JOIN_BEARER_INFO "kube-firstboot bearer v2"

/* HKDF with SHA-256 (RFC 5869), on libcrypto's one-shot HMAC(): OpenSSL 1.0.2 has no HKDF of its own.
 * Extract: prk = HMAC-SHA256(salt, ikm); an empty salt stands for 32 zero bytes, as the RFC says.
 * Expand: out_len bytes (at most 255 * 32) of T(1) | T(2) | ... for info of at most 256 bytes.
 * 0, -EINVAL (lengths out of range), -EOPNOTSUPP (no libcrypto) or -EIO. */
int hkdf_sha256_extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len, uint8_t prk[static 32]);
int hkdf_sha256_expand(const uint8_t prk[static 32], const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);
int hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
                size_t info_len, uint8_t *out, size_t out_len);

/* HKDF-SHA256(salt JOIN_KDF_SALT, cluster key, info JOIN_SEAL_KEY_INFO), 32 bytes: the AES-256-GCM key
 * of version 2 records. */
int join_derive_seal_key(const uint8_t cluster_key[static JOIN_KEY_SIZE], uint8_t ret[static JOIN_SEAL_KEY_SIZE]);

/* Lower-case hex of HKDF-SHA256(salt JOIN_KDF_SALT, cluster key, info JOIN_BEARER_INFO), 32 bytes: the
 * bearer of version 2, as the agent sends it and the seed generator writes it into server.yaml. */
int join_derive_bearer(const uint8_t cluster_key[static JOIN_KEY_SIZE], char ret[static JOIN_BEARER_LEN + 1]);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "join/pubkeypin.h"

/* The join record and its seal (docs/join-protocol.md). */

#define JOIN_RECORD_MAX (16 * 1024)  /* sealed form, as stored and served */
#define JOIN_RECORD_MAX_HASHES 4
#define JOIN_KEY_SIZE 32
#define JOIN_BEARER_LEN 64

struct join_record {
        char cluster[64];
        char api_server[300];     /* host:port */
        char token[24];
        char ca_cert_hashes[JOIN_RECORD_MAX_HASHES][PUBKEYPIN_LEN + 1];
        unsigned n_ca_cert_hashes;
        int64_t issued, expires;  /* Unix seconds */
};

/* Seals rec under key: returns the JSON envelope (malloc'd, NUL-terminated) in ret. */
int join_record_seal(const uint8_t key[JOIN_KEY_SIZE], const struct join_record *rec, char **ret, size_t *ret_size);

/* Opens an envelope for cluster. -EINVAL: not a record (malformed); -EXDEV: a record for another
 * cluster; -EBADMSG: does not open under this key (wrong cluster key, or tampered with). */
int join_record_open(const uint8_t key[JOIN_KEY_SIZE], const char *cluster, const char *data, size_t size,
                     struct join_record *ret);

/* The bearer that authorises writes: lower-case hex HMAC-SHA256(key, "kube-firstboot bearer v1"). */
int join_bearer(const uint8_t key[JOIN_KEY_SIZE], char ret[static JOIN_BEARER_LEN + 1]);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "join-keys.h"
#include "join/pubkeypin.h"

/* The join record and its seal (docs/join-protocol.md). */

#define JOIN_RECORD_MAX (16 * 1024)  /* sealed form, as stored and served */
#define JOIN_RECORD_MAX_HASHES 4
#define JOIN_RECORD_VERSION 2        /* the only version sealed and opened */
#define JOIN_RECORD_ALG "A256GCM"
/* How far a record's issued may lie ahead of this node's clock: kubeadm join needs clocks that agree
 * about as well anyway (certificate validity), and a record from the future, once accepted, would make
 * every genuine record after it look like a rollback. */
#define JOIN_RECORD_FUTURE_MAX_S (10 * 60)

struct join_record {
        char cluster[64];
        char api_server[300];     /* host:port */
        char token[24];
        char ca_cert_hashes[JOIN_RECORD_MAX_HASHES][PUBKEYPIN_LEN + 1];
        unsigned n_ca_cert_hashes;
        int64_t issued, expires;  /* Unix seconds */
        int64_t version;          /* the envelope's version when join_record_open() refused it as another */
};

/* The associated data of a sealed record: version (1 byte), then the length (1 byte) and ASCII bytes of
 * alg, then of cluster. Returns its length, or -EINVAL when it does not fit in size. */
int join_record_aad(int64_t version, const char *alg, const char *cluster, uint8_t *buf, size_t size);

/* Seals rec with the record key derived from the cluster key (join-keys.h), as version 2: returns the
 * JSON envelope (malloc'd, NUL-terminated) in ret. */
int join_record_seal(const uint8_t key[JOIN_KEY_SIZE], const struct join_record *rec, char **ret, size_t *ret_size);

/* Opens an envelope for cluster under the record key derived from the cluster key. -EINVAL: not a
 * record (malformed); -EPROTONOSUPPORT: a record of another version than 2 (ret->version says which);
 * -EXDEV: a record for another cluster; -EBADMSG: does not open under this key (wrong cluster key, or
 * tampered with, or its version, alg or cluster changed). */
int join_record_open(const uint8_t key[JOIN_KEY_SIZE], const char *cluster, const char *data, size_t size,
                     struct join_record *ret);

/* Whether a worker may act on an opened record: its api_server must be control_plane_host:port (the
 * worker's own seed; the host compared without regard to case, as DNS does), its issued not older than
 * accepted_issued (the last record this node accepted, 0 for none) nor more than
 * JOIN_RECORD_FUTURE_MAX_S after now. 0, or -EADDRNOTAVAIL (another API server), -ETIME (older than the
 * one accepted: a rollback), -ERANGE (issued in the future), with the reason, free of secrets, in why. */
int join_record_check_trust(const struct join_record *rec, const char *control_plane_host, unsigned control_plane_port,
                            int64_t accepted_issued, int64_t now, char *why, size_t why_size);

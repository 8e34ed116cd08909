/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* kubeadm's --discovery-token-ca-cert-hash: "sha256:" + lower-case hex SHA-256 of the certificate's
 * DER SubjectPublicKeyInfo (cmd/kubeadm/app/util/pubkeypin). The PEM holds one certificate. */
#define PUBKEYPIN_LEN (7 + 64)

int pubkeypin_from_pem(const char *pem, size_t size, char ret[static PUBKEYPIN_LEN + 1]);
int pubkeypin_from_file(const char *path, char ret[static PUBKEYPIN_LEN + 1]);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* PEM certificates as a CA file holds them: the lab CA in user-data (kube_firstboot.endpoint_ca), the
 * seed CA installed by the kickstart, and what the seed generator reads back from openssl. Only the
 * form is checked here (blocks, base64, one DER SEQUENCE each); the TLS library parses the rest. */

/* Far above one CA (about 0.6 KiB for P-256, 2 KiB for RSA 4096) or a short chain. */
#define PEM_CA_MAX (16 * 1024)
#define PEM_CA_MAX_CERTS 8

/* Checks that s (len bytes, no NUL inside) is 1 to PEM_CA_MAX_CERTS "CERTIFICATE" blocks with only
 * white space around them, each holding the base64 of one DER SEQUENCE of exactly its length.
 * Returns the number of certificates, or -EINVAL with *ret_reason saying what is wrong (never the
 * content), or -E2BIG above PEM_CA_MAX bytes. */
int pem_certificates_check(const char *s, size_t len, const char **ret_reason);

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse.h"
#include "pem.h"

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One DER SEQUENCE (tag 0x30, definite length) that fills exactly n bytes. */
static bool der_sequence_fills(const uint8_t *der, size_t n) {
        size_t header = 2, length = 0;

        if (n < 2 || der[0] != 0x30)
                return false;
        if (der[1] < 0x80)
                length = der[1];
        else {
                size_t k = der[1] & 0x7f;
                if (k == 0 || k > 3 || n < 2 + k)
                        return false;
                for (size_t i = 0; i < k; i++)
                        length = length << 8 | der[2 + i];
                header += k;
        }
        return header + length == n;
}

/* The base64 between the markers, white space removed, decoded and checked. */
static int block_check(const char *body, size_t len, const char **ret_reason) {
        _cleanup_free_ char *b64 = malloc(len + 1);
        _cleanup_free_ uint8_t *der = malloc(len);
        size_t n = 0, der_len = 0;

        if (!b64 || !der)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++)
                if (!is_space(body[i]))
                        b64[n++] = body[i];
        b64[n] = 0;
        if (n == 0) {
                *ret_reason = "a certificate block is empty";
                return -EINVAL;
        }
        if (base64_decode(b64, der, len, &der_len) < 0) {
                *ret_reason = "a certificate block is not valid base64";
                return -EINVAL;
        }
        if (!der_sequence_fills(der, der_len)) {
                *ret_reason = "a certificate block does not hold one DER certificate";
                return -EINVAL;
        }
        return 0;
}

int pem_certificates_check(const char *s, size_t len, const char **ret_reason) {
        const size_t begin_len = strlen(PEM_BEGIN), end_len = strlen(PEM_END);
        size_t pos = 0;
        int count = 0, r;

        *ret_reason = NULL;
        if (len > PEM_CA_MAX) {
                *ret_reason = "larger than 16384 bytes";
                return -E2BIG;
        }
        if (memchr(s, 0, len)) {
                *ret_reason = "contains a NUL byte";
                return -EINVAL;
        }
        for (;;) {
                const char *body, *end;

                while (pos < len && is_space(s[pos]))
                        pos++;
                if (pos == len)
                        break;
                if (len - pos < begin_len || memcmp(s + pos, PEM_BEGIN, begin_len) != 0) {
                        *ret_reason = count == 0 ? "does not start with -----BEGIN CERTIFICATE-----"
                                                 : "has something other than certificates between or after them";
                        return -EINVAL;
                }
                if (count == PEM_CA_MAX_CERTS) {
                        *ret_reason = "holds more than 8 certificates";
                        return -EINVAL;
                }
                body = s + pos + begin_len;
                end = NULL;
                for (const char *p = body; (size_t) (p - s) + end_len <= len; p++)
                        if (memcmp(p, PEM_END, end_len) == 0) {
                                end = p;
                                break;
                        }
                if (!end) {
                        *ret_reason = "a certificate block has no -----END CERTIFICATE-----";
                        return -EINVAL;
                }
                r = block_check(body, (size_t) (end - body), ret_reason);
                if (r < 0)
                        return r;
                count++;
                pos = (size_t) (end - s) + end_len;
        }
        if (count == 0) {
                *ret_reason = "holds no certificate";
                return -EINVAL;
        }
        return count;
}

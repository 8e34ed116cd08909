/* SPDX-License-Identifier: MIT */
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto-dl.h"
#include "fileio.h"
#include "macro.h"
#include "join/pubkeypin.h"

#define CA_CERT_MAX (64 * 1024)

int pubkeypin_from_pem(const char *pem, size_t size, char ret[static PUBKEYPIN_LEN + 1]) {
        unsigned char digest[SHA256_DIGEST_LENGTH];
        _cleanup_free_ unsigned char *der = NULL;
        unsigned char *p;
        EVP_PKEY *pkey = NULL;
        X509 *cert = NULL;
        BIO *bio;
        int len, r = -EBADMSG;

        if (size > CA_CERT_MAX)
                return -EFBIG;
        r = dlopen_crypto();
        if (r < 0)
                return r;
        r = -EBADMSG;
        bio = sym_BIO_new_mem_buf((void *) pem, (int) size);
        if (!bio)
                return -ENOMEM;
        cert = sym_PEM_read_bio_X509(bio, NULL, NULL, NULL);
        sym_BIO_free(bio);
        if (!cert)
                return -EBADMSG;

        /* kubeadm pins the SHA-256 of the certificate's DER SubjectPublicKeyInfo. X509_get_pubkey() and
         * i2d_PUBKEY() give it in OpenSSL 1.0.2 (CentOS 7) and 3.x alike; X509_get_X509_PUBKEY() would be
         * shorter but is a macro in 1.0.2, not an exported function. The DER goes into our own buffer, so
         * no OPENSSL_free (a macro whose function differs between versions). */
        pkey = sym_X509_get_pubkey(cert);
        len = pkey ? sym_i2d_PUBKEY(pkey, NULL) : -1;
        if (len <= 0 || len > (int) CA_CERT_MAX)
                goto finish;
        der = malloc((size_t) len);
        if (!der) {
                r = -ENOMEM;
                goto finish;
        }
        p = der;
        if (sym_i2d_PUBKEY(pkey, &p) != len)
                goto finish;
        sym_SHA256(der, (size_t) len, digest);
        memcpy(ret, "sha256:", 7);
        for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
                snprintf(ret + 7 + 2 * i, 3, "%02x", digest[i]);
        r = 0;
finish:
        if (pkey)
                sym_EVP_PKEY_free(pkey);
        sym_X509_free(cert);
        return r;
}

int pubkeypin_from_file(const char *path, char ret[static PUBKEYPIN_LEN + 1]) {
        _cleanup_free_ char *pem = NULL;
        size_t size;
        int r;

        r = read_file_limited(path, CA_CERT_MAX, &pem, &size);
        if (r < 0)
                return r;
        return pubkeypin_from_pem(pem, size, ret);
}

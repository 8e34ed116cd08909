/* SPDX-License-Identifier: MIT */
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

/* libcrypto is loaded with dlopen() when the join protocol first needs it (seal, open, bearer, CA pin):
 * mapping and relocating it costs about 1.6 MiB and a few milliseconds that show-seed, plan, status and a
 * worker's host stage do not need. Only calls that exist in OpenSSL 1.0.2 (CentOS 7) and 3.0 alike. */

extern BIO *(*sym_BIO_new_mem_buf)(const void *buf, int len);
extern int (*sym_BIO_free)(BIO *a);
extern X509 *(*sym_PEM_read_bio_X509)(BIO *bp, X509 **x, pem_password_cb *cb, void *u);
extern void (*sym_X509_free)(X509 *a);
extern X509_PUBKEY *(*sym_X509_get_X509_PUBKEY)(const X509 *x);
extern int (*sym_i2d_X509_PUBKEY)(const X509_PUBKEY *a, unsigned char **out);
extern unsigned char *(*sym_SHA256)(const unsigned char *d, size_t n, unsigned char *md);
extern const EVP_MD *(*sym_EVP_sha256)(void);
extern unsigned char *(*sym_HMAC)(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *d,
                                  size_t n, unsigned char *md, unsigned int *md_len);
extern const EVP_CIPHER *(*sym_EVP_aes_256_gcm)(void);
extern EVP_CIPHER_CTX *(*sym_EVP_CIPHER_CTX_new)(void);
extern void (*sym_EVP_CIPHER_CTX_free)(EVP_CIPHER_CTX *c);
extern int (*sym_EVP_CIPHER_CTX_ctrl)(EVP_CIPHER_CTX *ctx, int type, int arg, void *ptr);
extern int (*sym_EVP_EncryptInit_ex)(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher, ENGINE *impl,
                                     const unsigned char *key, const unsigned char *iv);
extern int (*sym_EVP_EncryptUpdate)(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl, const unsigned char *in,
                                    int inl);
extern int (*sym_EVP_EncryptFinal_ex)(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl);
extern int (*sym_EVP_DecryptInit_ex)(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher, ENGINE *impl,
                                     const unsigned char *key, const unsigned char *iv);
extern int (*sym_EVP_DecryptUpdate)(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl, const unsigned char *in,
                                    int inl);
extern int (*sym_EVP_DecryptFinal_ex)(EVP_CIPHER_CTX *ctx, unsigned char *outm, int *outl);

/* Loads libcrypto and resolves the functions above once: 0, or -EOPNOTSUPP (logged). */
int dlopen_crypto(void);

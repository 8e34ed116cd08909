/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>

#include "crypto-dl.h"
#include "log.h"
#include "macro.h"

BIO *(*sym_BIO_new_mem_buf)(const void *buf, int len);
int (*sym_BIO_free)(BIO *a);
X509 *(*sym_PEM_read_bio_X509)(BIO *bp, X509 **x, pem_password_cb *cb, void *u);
void (*sym_X509_free)(X509 *a);
X509_PUBKEY *(*sym_X509_get_X509_PUBKEY)(const X509 *x);
int (*sym_i2d_X509_PUBKEY)(const X509_PUBKEY *a, unsigned char **out);
unsigned char *(*sym_SHA256)(const unsigned char *d, size_t n, unsigned char *md);
const EVP_MD *(*sym_EVP_sha256)(void);
unsigned char *(*sym_HMAC)(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *d, size_t n,
                           unsigned char *md, unsigned int *md_len);
const EVP_CIPHER *(*sym_EVP_aes_256_gcm)(void);
EVP_CIPHER_CTX *(*sym_EVP_CIPHER_CTX_new)(void);
void (*sym_EVP_CIPHER_CTX_free)(EVP_CIPHER_CTX *c);
int (*sym_EVP_CIPHER_CTX_ctrl)(EVP_CIPHER_CTX *ctx, int type, int arg, void *ptr);
int (*sym_EVP_EncryptInit_ex)(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher, ENGINE *impl, const unsigned char *key,
                              const unsigned char *iv);
int (*sym_EVP_EncryptUpdate)(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl, const unsigned char *in, int inl);
int (*sym_EVP_EncryptFinal_ex)(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl);
int (*sym_EVP_DecryptInit_ex)(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher, ENGINE *impl, const unsigned char *key,
                              const unsigned char *iv);
int (*sym_EVP_DecryptUpdate)(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl, const unsigned char *in, int inl);
int (*sym_EVP_DecryptFinal_ex)(EVP_CIPHER_CTX *ctx, unsigned char *outm, int *outl);

/* The library this was built against first (the SONAME the Makefile passes), then the usual ones:
 * OpenSSL 3 (Debian 12), 1.1, and CentOS 7's 1.0.2 (libcrypto.so.10). */
#ifndef CRYPTO_SONAME
#define CRYPTO_SONAME "libcrypto.so.3"
#endif

int dlopen_crypto(void) {
        static const char *const names[] = { CRYPTO_SONAME, "libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so.10" };
        static int loaded = 0;
        const struct {
                const char *name;
                void **sym;
        } table[] = {
#define SYM(n) { #n, (void **) &sym_##n }
                SYM(BIO_new_mem_buf),     SYM(BIO_free),          SYM(PEM_read_bio_X509),
                SYM(X509_free),           SYM(X509_get_X509_PUBKEY), SYM(i2d_X509_PUBKEY),
                SYM(SHA256),              SYM(EVP_sha256),        SYM(HMAC),
                SYM(EVP_aes_256_gcm),     SYM(EVP_CIPHER_CTX_new), SYM(EVP_CIPHER_CTX_free),
                SYM(EVP_CIPHER_CTX_ctrl), SYM(EVP_EncryptInit_ex), SYM(EVP_EncryptUpdate),
                SYM(EVP_EncryptFinal_ex), SYM(EVP_DecryptInit_ex), SYM(EVP_DecryptUpdate),
                SYM(EVP_DecryptFinal_ex),
#undef SYM
        };
        void *handle = NULL;

        if (loaded)
                return loaded > 0 ? 0 : -EOPNOTSUPP;
        for (size_t i = 0; i < ELEMENTSOF(names) && !handle; i++)
                handle = dlopen(names[i], RTLD_NOW | RTLD_NODELETE);
        if (!handle) {
                loaded = -1;
                return log_error_errno(EOPNOTSUPP, "cannot load libcrypto (%s)", dlerror());
        }
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                *table[i].sym = dlsym(handle, table[i].name);
                if (!*table[i].sym) {
                        loaded = -1;
                        return log_error_errno(EOPNOTSUPP, "libcrypto lacks %s", table[i].name);
                }
        }
        loaded = 1;
        return 0;
}

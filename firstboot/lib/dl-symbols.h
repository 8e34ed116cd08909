/* SPDX-License-Identifier: MIT */
#pragma once

/* Every function kube-firstboot resolves with dlsym(), in one list per library (dlfcn-util.h). The ABI
 * check (tests/abi/check-abi.sh, `make check-abi`) reads these lists and refuses a name that the
 * library version of CentOS 7.9 does not export: OpenSSL 1.0.2k's libcrypto, libcurl 7.29.0. So only
 * functions exported by 1.0.2k and still by 3.x: no 1.1 accessors, and no name that is a macro in
 * 1.0.2 (X509_get_X509_PUBKEY is one: X509_get_pubkey and i2d_PUBKEY serve instead). */

#define LIBCRYPTO_SYMBOLS(X)                                                                             \
        X(BIO_new_mem_buf) X(BIO_free) X(PEM_read_bio_X509) X(X509_free) X(X509_get_pubkey) X(i2d_PUBKEY) \
        X(EVP_PKEY_free) X(SHA256) X(EVP_sha256) X(HMAC) X(EVP_aes_256_gcm) X(EVP_CIPHER_CTX_new)          \
        X(EVP_CIPHER_CTX_free) X(EVP_CIPHER_CTX_ctrl) X(EVP_EncryptInit_ex) X(EVP_EncryptUpdate)          \
        X(EVP_EncryptFinal_ex) X(EVP_DecryptInit_ex) X(EVP_DecryptUpdate) X(EVP_DecryptFinal_ex)

#define LIBCURL_SYMBOLS(X)                                                                               \
        X(curl_global_init) X(curl_easy_init) X(curl_easy_setopt) X(curl_easy_perform)                    \
        X(curl_easy_getinfo) X(curl_easy_cleanup) X(curl_easy_strerror) X(curl_slist_append)             \
        X(curl_slist_free_all)

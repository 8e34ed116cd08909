/* SPDX-License-Identifier: MIT */
/* tls: the certificate and key files, read once at start (before anything else the server does with
 * its privileges), checked, and kept in memory for libmicrohttpd's MHD_OPTION_HTTPS_MEM_*. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "pem.h"
#include "secret.h"
#include "server-config.h"

#define TLS_KEY_MAX (64 * 1024)

static int read_key(const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        /* the mode is checked on the file that is then read, not on the name */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return log_error_errno(-errno, "tls.key %s: cannot open: %m", path);
        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, "tls.key %s: %m", path);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(-EINVAL, "tls.key %s: not a regular file", path);
        /* 0640: the packaged server reads its key through its group, as the seed generator's --group writes it */
        if (st.st_mode & 0037)
                return log_error_errno(-EPERM,
                                       "tls.key %s: writable by its group, or open to others (mode %04o); the "
                                       "private key must be 0600, or 0640 for the server's group: chmod 600 %s",
                                       path, (unsigned) (st.st_mode & 07777), path);
        r = read_opened_file(fd, TLS_KEY_MAX, ret, ret_size);
        if (r == -EFBIG)
                return log_error_errno(r, "tls.key %s: larger than %d bytes", path, TLS_KEY_MAX);
        if (r < 0)
                return log_error_errno(r, "tls.key %s: cannot read: %m", path);
        return 0;
}

int server_tls_load(const struct server_config *c, struct server_tls *ret) {
        _cleanup_free_ char *cert = NULL;
        char *key = NULL;
        const char *reason = NULL;
        size_t cert_size = 0, key_size = 0;
        int r;

        *ret = (struct server_tls) {};
        if (!c->tls_cert && !c->tls_key)
                return 0;
        if (!c->tls_cert || !c->tls_key)
                return log_error_errno(-EINVAL, "tls: needs both cert and key");

        r = read_file_limited(c->tls_cert, PEM_CA_MAX, &cert, &cert_size);
        if (r == -EFBIG)
                return log_error_errno(r, "tls.cert %s: larger than %d bytes", c->tls_cert, PEM_CA_MAX);
        if (r < 0)
                return log_error_errno(r, "tls.cert %s: cannot read: %m", c->tls_cert);
        r = pem_certificates_check(cert, cert_size, &reason);
        if (r < 0)
                return log_error_errno(-EINVAL, "tls.cert %s: not a PEM certificate: %s", c->tls_cert, reason);

        r = read_key(c->tls_key, &key, &key_size);
        if (r < 0)
                return r;
        /* "-----BEGIN PRIVATE KEY-----", "... EC PRIVATE KEY-----", "... RSA PRIVATE KEY-----"; never shown */
        if (key_size != strlen(key) || !strstr(key, "-----BEGIN ") || !strstr(key, " PRIVATE KEY-----") ||
            strstr(key, "ENCRYPTED")) {
                secure_erase(key, key_size);
                free(key);
                return log_error_errno(-EINVAL, "tls.key %s: not an unencrypted PEM private key", c->tls_key);
        }
        ret->cert_pem = TAKE_PTR(cert);
        ret->key_pem = key;
        ret->key_size = key_size;
        return 0;
}

void server_tls_done(struct server_tls *t) {
        if (t->key_pem) {
                secure_erase(t->key_pem, t->key_size);
                free(t->key_pem);
        }
        free(t->cert_pem);
        *t = (struct server_tls) {};
}

/* SPDX-License-Identifier: MIT */
/* An https endpoint's TLS material: a lab CA (kept across --force runs, as the cluster key is) and the
 * server's key and certificate, signed by it, for the endpoint's host (subjectAltName IP: or DNS:).
 *
 * Made by /usr/bin/openssl (found on the spawn helper's fixed path, argv only, no shell) in a private
 * temporary directory: the key files openssl writes there are readable only through that 0700
 * directory, and reach the output through write_file_atomic() with mode 0600. Only commands and
 * options that OpenSSL 1.0.2k (CentOS 7) and 3.x share: no -addext, extensions from a config file. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "memstream.h"
#include "parse.h"
#include "pem.h"
#include "random.h"
#include "secret.h"
#include "seedgen.h"
#include "spawn.h"
#include "yaml-tree.h"

#define OPENSSL_TIMEOUT_MS (60 * 1000)
#define KEY_MAX (16 * 1024)
#define CA_DAYS "3650"     /* the lab CA: ten years, like the cluster key it stays until --new-ca */
#define SERVER_DAYS "825"  /* the server certificate: renewed by every run of the generator */

static int openssl(const char *const argv[]) {
        struct spawn_options opts = { .timeout_ms = OPENSSL_TIMEOUT_MS, .log_fd = -1, .capture_max = 4096 };
        struct spawn_result result = { .exit_status = -1 };
        int r;

        r = spawn_run(argv, &opts, &result);
        if (r == -ENOENT)
                log_error("openssl not found (install openssl); it makes the lab CA and the server certificate for "
                          "an https endpoint");
        else if (r < 0)
                log_error_errno(r, "openssl: cannot run: %m");
        else if (result.timed_out || result.exit_status != 0) {
                /* its messages name files and options, never key material */
                log_error("openssl %s %s%s%s", argv[1], result.timed_out ? "timed out" : "failed",
                          result.output ? ": " : "", result.output ? result.output : "");
                r = -EIO;
        }
        spawn_result_done(&result);
        return r;
}

static int serial_arg(char ret[static 20]) {
        uint8_t b[8];
        int r = random_bytes(b, sizeof(b));

        if (r < 0)
                return log_error_errno(r, "/dev/urandom: %m");
        b[0] &= 0x7f; /* a positive INTEGER */
        b[0] |= 0x01; /* and never zero */
        snprintf(ret, 20, "0x%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
        return 0;
}

/* The endpoint's host: "192.168.220.1" or "lab.example.com". */
static void endpoint_host(const char *endpoint, char ret[static 256]) {
        const char *rest = strstr(endpoint, "://");
        size_t n;

        rest = rest ? rest + 3 : endpoint;
        n = strcspn(rest, ":/");
        if (n >= 256)
                n = 255;
        memcpy(ret, rest, n);
        ret[n] = 0;
}

static int write_text(const char *path, const char *text) {
        int r = write_file_atomic(path, text, strlen(text), 0600, WRITE_ATOMIC_SECRET);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write: %m", path);
        return 0;
}

static int read_pem(const char *path, bool key, char **ret, size_t *ret_size) {
        const char *reason = NULL;
        int r;

        r = read_file_limited(path, key ? KEY_MAX : PEM_CA_MAX, ret, ret_size);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %m", path);
        if (key)
                return strstr(*ret, " PRIVATE KEY-----") ? 0 : log_error_errno(-EINVAL, "%s: not a PEM key", path);
        if (pem_certificates_check(*ret, *ret_size, &reason) != 1)
                return log_error_errno(-EINVAL, "%s: not one PEM certificate: %s", path, reason ? reason : "several");
        return 0;
}

static void remove_tmpdir(const char *dir) {
        static const char *const names[] = { "ca.key", "ca.pem", "ca.cnf", "server.key", "server.csr",
                                             "server.pem", "server.cnf" };
        char path[PATH_MAX];

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                (void) unlink(path);
        }
        (void) rmdir(dir);
}

/* One key and certificate: the config file, a new EC P-256 key, then the openssl steps that make the
 * certificate from them (argv arrays, NULL-terminated list), and both files read back. */
static int issue(const char *cnf, const char *cnf_text, const char *key, const char *const *const steps[],
                 const char *pem, char **ret_key, size_t *ret_key_size, char **ret_pem, size_t *ret_pem_size) {
        const char *genkey[] = { "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key, NULL };
        int r;

        r = write_text(cnf, cnf_text);
        if (r >= 0)
                r = openssl(genkey);
        for (size_t i = 0; r >= 0 && steps[i]; i++)
                r = openssl(steps[i]);
        if (r >= 0)
                r = read_pem(key, true, ret_key, ret_key_size);
        if (r >= 0)
                r = read_pem(pem, false, ret_pem, ret_pem_size);
        return r;
}

int seedgen_tls_prepare(const char *out, const struct seedgen_inventory *inv, bool keep_ca, struct seedgen_tls *ret) {
        char tmp[] = "/tmp/kube-firstboot-seed-tls.XXXXXX";
        char ca_key[PATH_MAX], ca_pem[PATH_MAX], ca_cnf[PATH_MAX], key[PATH_MAX], csr[PATH_MAX], pem[PATH_MAX],
                cnf[PATH_MAX], kept_key[PATH_MAX], kept_pem[PATH_MAX], host[256], serial[20], text[1024];
        const char *sign_key = ca_key, *sign_pem = ca_pem;
        uint32_t addr;
        int r;

        *ret = (struct seedgen_tls) {};
        endpoint_host(inv->cluster.endpoint, host);
        if (!mkdtemp(tmp))
                return log_error_errno(-errno, "%s: cannot create a temporary directory: %m", tmp);
        snprintf(ca_key, sizeof(ca_key), "%s/ca.key", tmp);
        snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", tmp);
        snprintf(ca_cnf, sizeof(ca_cnf), "%s/ca.cnf", tmp);
        snprintf(key, sizeof(key), "%s/server.key", tmp);
        snprintf(csr, sizeof(csr), "%s/server.csr", tmp);
        snprintf(pem, sizeof(pem), "%s/server.pem", tmp);
        snprintf(cnf, sizeof(cnf), "%s/server.cnf", tmp);
        snprintf(kept_key, sizeof(kept_key), "%s/%s/ca.key", out, SEEDGEN_TLS_DIR);
        snprintf(kept_pem, sizeof(kept_pem), "%s/%s/ca.pem", out, SEEDGEN_TLS_DIR);

        if (keep_ca && file_exists(kept_key) && file_exists(kept_pem)) {
                r = read_pem(kept_pem, false, &ret->ca_pem, &ret->ca_pem_size);
                if (r < 0) {
                        log_error("%s: cannot keep this lab's CA; remove %s/%s or use --new-ca", kept_pem, out,
                                  SEEDGEN_TLS_DIR);
                        goto finish;
                }
                sign_key = kept_key;
                sign_pem = kept_pem;
                ret->ca_kept = true;
                log_info("keeping the lab CA in %s/%s", out, SEEDGEN_TLS_DIR);
        } else {
                const char *req[] = { "openssl", "req", "-new", "-x509", "-config", ca_cnf, "-extensions", "ca_ext",
                                      "-key", ca_key, "-sha256", "-days", CA_DAYS, "-set_serial", serial,
                                      "-out", ca_pem, NULL };
                const char *const *steps[] = { req, NULL };

                snprintf(text, sizeof(text),
                         "# kube-firstboot seed: the lab CA\n"
                         "[req]\n"
                         "distinguished_name = dn\n"
                         "prompt = no\n"
                         "[dn]\n"
                         "CN = kube-firstboot lab CA %s\n"
                         "[ca_ext]\n"
                         "basicConstraints = critical, CA:TRUE, pathlen:0\n"
                         "keyUsage = critical, keyCertSign, cRLSign\n"
                         "subjectKeyIdentifier = hash\n",
                         inv->cluster.cluster_name);
                r = serial_arg(serial);
                if (r >= 0)
                        r = issue(ca_cnf, text, ca_key, steps, ca_pem, &ret->ca_key, &ret->ca_key_size, &ret->ca_pem,
                                  &ret->ca_pem_size);
                if (r < 0)
                        goto finish;
        }

        {
                const char *req[] = { "openssl", "req", "-new", "-config", cnf, "-key", key, "-sha256",
                                      "-out", csr, NULL };
                const char *sign[] = { "openssl", "x509", "-req", "-in", csr, "-CA", sign_pem, "-CAkey", sign_key,
                                       "-set_serial", serial, "-sha256", "-days", SERVER_DAYS, "-extfile", cnf,
                                       "-extensions", "server_ext", "-out", pem, NULL };
                const char *const *steps[] = { req, sign, NULL };

                snprintf(text, sizeof(text),
                         "# kube-firstboot seed: the endpoint's server certificate\n"
                         "[req]\n"
                         "distinguished_name = dn\n"
                         "prompt = no\n"
                         "[dn]\n"
                         "CN = %s\n"
                         "[server_ext]\n"
                         "basicConstraints = critical, CA:FALSE\n"
                         "keyUsage = critical, digitalSignature, keyEncipherment\n"
                         "extendedKeyUsage = serverAuth\n"
                         "subjectAltName = %s:%s\n"
                         "subjectKeyIdentifier = hash\n"
                         "authorityKeyIdentifier = keyid\n",
                         host, parse_ipv4(host, &addr) == 0 ? "IP" : "DNS", host);
                r = serial_arg(serial);
                if (r >= 0)
                        r = issue(cnf, text, key, steps, pem, &ret->server_key, &ret->server_key_size,
                                  &ret->server_pem, &ret->server_pem_size);
        }

finish:
        remove_tmpdir(tmp);
        if (r < 0)
                seedgen_tls_done(ret);
        return r;
}

int seedgen_tls_write(const char *out, const struct seedgen_tls *tls) {
        const struct {
                const char *name;
                const char *data;
                size_t size;
                bool secret;
        } files[] = {
                { "ca.key", tls->ca_key, tls->ca_key_size, true },
                { "ca.pem", tls->ca_pem, tls->ca_pem_size, false },
                { "server.key", tls->server_key, tls->server_key_size, true },
                { "server.pem", tls->server_pem, tls->server_pem_size, false },
        };
        char dir[PATH_MAX], path[PATH_MAX + 16];
        int r;

        snprintf(dir, sizeof(dir), "%s/%s", out, SEEDGEN_TLS_DIR);
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "%s: cannot create: %m", dir);
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                if (!files[i].data)
                        continue; /* a kept CA's key stays as it is */
                snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
                r = write_file_atomic(path, files[i].data, files[i].size, files[i].secret ? 0600 : 0644,
                                      files[i].secret ? WRITE_ATOMIC_SECRET : 0);
                if (r < 0)
                        return log_error_errno(r, "%s: cannot write: %m", path);
        }
        return 0;
}

void seedgen_tls_done(struct seedgen_tls *tls) {
        if (tls->ca_key)
                secure_erase(tls->ca_key, tls->ca_key_size);
        if (tls->server_key)
                secure_erase(tls->server_key, tls->server_key_size);
        free(tls->ca_key);
        free(tls->server_key);
        free(tls->ca_pem);
        free(tls->server_pem);
        *tls = (struct seedgen_tls) {};
}

void seedgen_write_server_tls(FILE *f, const char *out_abs) {
        char path[PATH_MAX + 32];

        fprintf(f, "# The endpoint is https://: the server answers TLS itself with the certificate the seed\n"
                     "# generator signed with the lab CA (%s/%s/ca.pem; the nodes have it as endpoint_ca).\n"
                     "tls:\n"
                     "  cert: ",
                out_abs, SEEDGEN_TLS_DIR);
        snprintf(path, sizeof(path), "%s/%s/server.pem", out_abs, SEEDGEN_TLS_DIR);
        yaml_write_scalar(f, path, false, true);
        fprintf(f, "\n  key: ");
        snprintf(path, sizeof(path), "%s/%s/server.key", out_abs, SEEDGEN_TLS_DIR);
        yaml_write_scalar(f, path, false, true);
        fputc('\n', f);
}

char *seedgen_pem_base64(const char *pem) {
        const char *p = strstr(pem, "-----BEGIN CERTIFICATE-----"), *end;
        size_t n = 0;
        char *out;

        if (!p)
                return strdup("");
        p += strlen("-----BEGIN CERTIFICATE-----");
        end = strstr(p, "-----END CERTIFICATE-----");
        if (!end)
                end = p + strlen(p);
        out = malloc((size_t) (end - p) + 1);
        if (!out)
                return NULL;
        for (; p < end; p++)
                if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '+' ||
                    *p == '/' || *p == '=')
                        out[n++] = *p;
        out[n] = 0;
        return out;
}

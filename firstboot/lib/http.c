/* SPDX-License-Identifier: MIT */
/* Every libcurl symbol used here exists in libcurl 7.29 (CentOS 7); tests/integration/test-curl-symbols.sh
 * checks that against libcurl-symbols(3). CURLOPT_PROTOCOLS is deprecated since 7.85 in favour of
 * CURLOPT_PROTOCOLS_STR, which 7.29 lacks: hence the deprecation warnings are switched off. */
#define CURL_DISABLE_DEPRECATION 1
#include "curl-dl.h"
#include <errno.h>
#include <limits.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "http.h"
#include "macro.h"

#ifndef VERSION
#define VERSION "0"
#endif

#define DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_MAX_RESPONSE (1024 * 1024)
#define MAX_REDIRECTS 5L

struct source {
        const char *data;
        size_t size, pos;
};

/* libcurl 7.29 creates its sockets without SOCK_CLOEXEC: this opens them so that no command the agent
 * starts inherits one (lib/spawn.c closes nothing by hand). */
static curl_socket_t open_socket_cloexec(void *userdata, curlsocktype purpose, struct curl_sockaddr *address) {
        (void) userdata;
        (void) purpose;
        return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

static size_t write_body(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct buffer *body = userdata;
        size_t n = size * nmemb;

        if (nmemb != 0 && n / nmemb != size)
                return 0;
        if (buffer_append(body, ptr, n) < 0)
                return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
        return n;
}

static size_t read_body(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct source *s = userdata;
        size_t n = size * nmemb, left = s->size - s->pos;

        if (n > left)
                n = left;
        memcpy(ptr, s->data + s->pos, n);
        s->pos += n;
        return n;
}

static int curlcode_to_errno(CURLcode c, const struct buffer *body) {
        switch (c) {
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                return -EHOSTUNREACH;
        case CURLE_PARTIAL_FILE:
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
                return -EPIPE;
        case CURLE_FILESIZE_EXCEEDED:
                return -EFBIG;
        case CURLE_WRITE_ERROR:
                return body->error == -E2BIG ? -EFBIG : -ENOMEM;
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
                return -EINVAL;
        case CURLE_TOO_MANY_REDIRECTS:
                return -ELOOP;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        case CURLE_PEER_FAILED_VERIFICATION:
                return -EKEYREJECTED;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_USE_SSL_FAILED:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_BAD_CONTENT_ENCODING:
                return -EPROTO;
        default:
                /* 7.29 reports an untrusted certificate as CURLE_SSL_CACERT (60) and a host name mismatch
                 * as 51; 7.62 gave 60 the name CURLE_PEER_FAILED_VERIFICATION and retired 51, so the
                 * numbers stand here for the names one of the two header versions lacks. */
                if ((int) c == 51 || (int) c == 60)
                        return -EKEYREJECTED;
                return -EIO;
        }
}

const char *http_strerror(int error) {
        switch (error < 0 ? -error : error) {
        case ETIMEDOUT:
                return "timed out";
        case ECONNREFUSED:
                return "connection refused";
        case EHOSTUNREACH:
                return "host unreachable or unknown";
        case EPIPE:
                return "connection cut or response truncated";
        case EFBIG:
                return "response too large";
        case EINVAL:
                return "bad URL";
        case ELOOP:
                return "too many redirects";
        case EPROTO:
                return "TLS or protocol error";
        case EKEYREJECTED:
                return "TLS certificate not trusted (not signed by the trusted CA, or not for this host)";
        case ENOMEM:
                return "out of memory";
        default:
                return "transfer failed";
        }
}

static int global_init(void) {
        static bool done = false;

        if (done)
                return 0;
        if (dlopen_curl() < 0)
                return -EOPNOTSUPP;
        if (sym_curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return -EIO;
        done = true;
        return 0;
}

/* The host[:port] of an absolute URL, without user information (which may hold a password); "" when
 * there is none (a relative Location stays on the same host). */
static void url_host(const char *url, char *buf, size_t size) {
        const char *p = strstr(url, "://"), *end, *at;
        size_t n;

        buf[0] = 0;
        if (!p)
                return;
        p += 3;
        end = p + strcspn(p, "/?#");
        at = memchr(p, '@', (size_t) (end - p));
        if (at)
                p = at + 1;
        n = (size_t) (end - p);
        if (n >= size)
                n = size - 1;
        memcpy(buf, p, n);
        buf[n] = 0;
}

void http_response_done(struct http_response *r) {
        free(r->body);
        r->body = NULL;
        r->size = 0;
}

int http_request(const struct http_request *req, struct http_response *ret) {
        const long protocols = CURLPROTO_HTTP | CURLPROTO_HTTPS;
        char errbuf[CURL_ERROR_SIZE] = "";
        struct buffer body = BUFFER_INIT(req->max_response ? req->max_response : DEFAULT_MAX_RESPONSE);
        struct source source = { .data = req->body, .size = req->body_size };
        struct curl_slist *headers = NULL;
        bool put = false;
        double content_length = -1;
        CURL *curl = NULL;
        CURLcode c;
        int r;

        *ret = (struct http_response) {};
        if (req->method && streq(req->method, "PUT"))
                put = true;
        else if (req->method && !streq(req->method, "GET")) {
                snprintf(ret->error, sizeof(ret->error), "unsupported method %s", req->method);
                return -EINVAL;
        }
        if (!req->url || (strncmp(req->url, "http://", 7) != 0 && strncmp(req->url, "https://", 8) != 0)) {
                snprintf(ret->error, sizeof(ret->error), "not an http or https URL");
                return -EINVAL;
        }
        if (put && req->body_size > (size_t) LONG_MAX) {
                snprintf(ret->error, sizeof(ret->error), "request body too large");
                return -EFBIG;
        }

        r = global_init();
        if (r < 0) {
                snprintf(ret->error, sizeof(ret->error), "%s",
                         r == -EOPNOTSUPP ? "libcurl could not be loaded" : "curl_global_init failed");
                return r;
        }
        curl = sym_curl_easy_init();
        if (!curl) {
                snprintf(ret->error, sizeof(ret->error), "curl_easy_init failed");
                return -ENOMEM;
        }

        /* An option libcurl refuses is a bug here or a libcurl without http(s); either way the request
         * must not go out half-configured. */
        c = sym_curl_easy_setopt(curl, CURLOPT_URL, req->url);
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_PROTOCOLS, protocols);
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, protocols);
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, req->no_redirects ? 0L : 1L);
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket_cloexec);
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                                     req->connect_timeout_ms > 0 ? req->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS);
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS);
        if (c == CURLE_OK)
                /* Refuses early when Content-Length announces too much; write_body() enforces it anyway. */
                c = sym_curl_easy_setopt(curl, CURLOPT_MAXFILESIZE, (long) (body.max < (size_t) LONG_MAX ? body.max : LONG_MAX));
        if (c == CURLE_OK)
                /* The agent talks to a metadata endpoint on the lab network, never through a proxy that the
                 * environment may name. */
                c = sym_curl_easy_setopt(curl, CURLOPT_PROXY, "");
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_USERAGENT, "kube-firstboot/" VERSION);
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
        /* Peer and host are always verified (libcurl's defaults, set so that nothing can turn them off). */
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
        if (c == CURLE_OK)
                c = sym_curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
        if (c == CURLE_OK && req->ca_file) {
                c = sym_curl_easy_setopt(curl, CURLOPT_CAINFO, req->ca_file);
                /* A pinned CA replaces the system's: an OpenSSL-backed libcurl would also search its
                 * built-in CA directory (Debian's /etc/ssl/certs) unless that is cleared. */
                if (c == CURLE_OK)
                        c = sym_curl_easy_setopt(curl, CURLOPT_CAPATH, (char *) NULL);
        }
        if (c == CURLE_OK && put) {
                c = sym_curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
                if (c == CURLE_OK)
                        c = sym_curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
                if (c == CURLE_OK)
                        c = sym_curl_easy_setopt(curl, CURLOPT_READDATA, &source);
                if (c == CURLE_OK)
                        c = sym_curl_easy_setopt(curl, CURLOPT_INFILESIZE, (long) req->body_size);
        }

        if (c == CURLE_OK) {
                char line[256];

                /* No "Expect: 100-continue" round trip (and its one-second wait) before a PUT body. */
                if (put) {
                        headers = sym_curl_slist_append(headers, "Expect:");
                        if (headers && req->content_type) {
                                snprintf(line, sizeof(line), "Content-Type: %s", req->content_type);
                                headers = sym_curl_slist_append(headers, line);
                        }
                        if (!headers)
                                c = CURLE_OUT_OF_MEMORY;
                }
                for (size_t i = 0; c == CURLE_OK && req->headers && req->headers[i]; i++) {
                        struct curl_slist *h = sym_curl_slist_append(headers, req->headers[i]);
                        if (!h)
                                c = CURLE_OUT_OF_MEMORY;
                        else
                                headers = h;
                }
                if (c == CURLE_OK && headers)
                        c = sym_curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        }
        if (c != CURLE_OK) {
                snprintf(ret->error, sizeof(ret->error), "cannot set up the request: %s", sym_curl_easy_strerror(c));
                r = c == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
                goto finish;
        }

        c = sym_curl_easy_perform(curl);
        if (c != CURLE_OK) {
                snprintf(ret->error, sizeof(ret->error), "%s", errbuf[0] ? errbuf : sym_curl_easy_strerror(c));
                r = curlcode_to_errno(c, &body);
                goto finish;
        }
        if (sym_curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &ret->status) != CURLE_OK || ret->status == 0) {
                snprintf(ret->error, sizeof(ret->error), "no HTTP status");
                r = -EPROTO;
                goto finish;
        }
        if (req->no_redirects && ret->status >= 300 && ret->status < 400) {
                char *location = NULL;

                /* CURLINFO_REDIRECT_URL (7.18.2): where libcurl would have gone, resolved against the URL. */
                if (sym_curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location)
                        url_host(location, ret->redirect_host, sizeof(ret->redirect_host));
        }
        /* libcurl reports a body cut short by a closed connection itself (CURLE_PARTIAL_FILE); this also
         * catches a length mismatch it let pass. */
        if (sym_curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD, &content_length) == CURLE_OK &&
            content_length >= 0 && (double) body.len != content_length) {
                snprintf(ret->error, sizeof(ret->error), "received %zu bytes of %.0f announced", body.len,
                         content_length);
                r = -EPIPE;
                goto finish;
        }

        r = buffer_steal(&body, &ret->body, &ret->size);

finish:
        buffer_free(&body);
        sym_curl_slist_free_all(headers);
        sym_curl_easy_cleanup(curl);
        return r;
}

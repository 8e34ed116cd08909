/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A small HTTP client on libcurl (7.29 API): one request, bounded in time and size, http and https
 * only (redirects too), no signals, no proxy from the environment. Used for NoCloud-net seeds and the
 * join protocol. */

struct http_request {
        const char *method;          /* "GET" (default when NULL) or "PUT" */
        const char *url;
        const void *body;            /* PUT */
        size_t body_size;
        const char *content_type;    /* PUT; optional */
        const char *const *headers;  /* NULL-terminated extra "Name: value" lines; optional */
        const char *ca_file;         /* CA bundle for https, instead of the system's; NULL: the system's */
        long connect_timeout_ms;     /* 0: 5000 */
        long timeout_ms;             /* whole transfer; 0: 30000 */
        size_t max_response;         /* larger bodies fail with -EFBIG; 0: 1 MiB */
        /* A request that carries a credential in its headers: a 3xx is the response, never followed
         * (libcurl before 7.58, CentOS 7's 7.29 among them, sends custom headers to any redirect target). */
        bool no_redirects;
};

struct http_response {
        long status;                 /* HTTP status code, 0 when no response arrived */
        char *body;                  /* NUL-terminated; never NULL after a response */
        size_t size;
        char error[256];             /* what went wrong, for messages, when http_request() fails */
        char redirect_host[256];     /* no_redirects: the host (and port) a 3xx's Location named, or "" */
};

/* Performs one request. Returns 0 when a complete HTTP response arrived, whatever its status (see
 * ret->status), or:
 *   -ETIMEDOUT     connect or total timeout
 *   -ECONNREFUSED  nothing listens
 *   -EHOSTUNREACH  host name unresolvable or unreachable
 *   -EPIPE         connection cut, truncated body (fewer bytes than Content-Length), empty reply
 *   -EFBIG         body larger than max_response
 *   -EINVAL        bad URL, unsupported scheme, bad method
 *   -ELOOP         too many redirects
 *   -EKEYREJECTED  the server's certificate does not verify (untrusted CA, wrong host name)
 *   -EPROTO        other TLS failure (plain http on a TLS port) or HTTP protocol error
 *   -ENOMEM, -EIO  anything else
 * Logs nothing: ret->error holds libcurl's description. */
int http_request(const struct http_request *req, struct http_response *ret);

void http_response_done(struct http_response *r);

/* "connection refused", "timed out", ... for messages about an http_request() error. */
const char *http_strerror(int error);

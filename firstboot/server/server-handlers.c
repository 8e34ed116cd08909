/* SPDX-License-Identifier: MIT */
/* What the server does with a routed request: refusals, reads (status page, files, reports, the join
 * record) and the two writes. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "log.h"
#include "macro.h"
#include "parse.h"
#include "server-files.h"
#include "server-request.h"
#include "server-seed-access.h"
#include "server-util.h"

/* ---- writes --------------------------------------------------------------------------------- */

static bool bearer_ok(struct request *req) {
        const char *auth = MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Authorization");

        if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
                return false;
        auth += 7;
        while (*auth == ' ')
                auth++;
        return secret_equal(req->match.cluster->bearer, auth);
}

/* The first call of a PUT: refuse early what can be refused before reading the body. */
static mhd_result put_begin(struct request *req) {
        const struct server_limits *limits = &req->server->config->limits;
        const char *length;
        size_t cap = req->match.route == ROUTE_JOIN ? JOIN_RECORD_MAX : REPORT_MAX;
        unsigned long long declared;

        if (!bearer_ok(req))
                return respond_text(req, 401, "a valid bearer for this cluster is required");
        req->body_max = cap < limits->max_body ? cap : limits->max_body;
        length = MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Content-Length");
        if (length) {
                if (parse_uint(length, 0, ~0ULL, &declared) < 0)
                        return respond_text(req, 400, "bad Content-Length");
                if (declared > req->body_max)
                        return respond_text(req, 413, "body too large");
        }
        return MHD_YES;
}

mhd_result put_finish(struct request *req) {
        struct server *s = req->server;
        char err[192] = "";
        int r;

        if (req->too_large)
                return respond_text(req, 413, "body too large");
        if (req->match.route == ROUTE_JOIN) {
                r = store_put_record(&s->store, req->match.cluster, req->body ? req->body : "", req->body_size, err,
                                     sizeof(err));
                if (r >= 0) {
                        forget_record_response(req->match.cluster);
                        log_info("cluster %s: join record %s (%zu bytes)", req->match.cluster->name,
                                 r > 0 ? "published" : "replaced", req->body_size);
                        waitlist_wake(&s->waiters, req->match.cluster);
                }
        } else
                r = store_put_report(&s->store, req->match.cluster, req->match.node, req->body ? req->body : "",
                                     req->body_size, err, sizeof(err));
        if (r == -EINVAL)
                return respond_text(req, 400, err);
        if (r == -ENOSPC)
                return respond_text(req, 507, err);
        if (r < 0)
                return respond_text(req, 500, "cannot store it");
        return respond(req, r > 0 ? 201 : 204, "text/plain; charset=utf-8", "", 0, MHD_RESPMEM_PERSISTENT);
}

/* A GET or HEAD body means nothing here, and reading one would let a client hold the connection by
 * trickling it: such a request is answered 400 from its head and the connection closed. A
 * Content-Length of "0" (some clients send it) is no body. */
static bool body_announced(struct request *req) {
        const char *length = MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Content-Length");

        if (MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Transfer-Encoding"))
                return true;
        return length && !streq(length, "0");
}

/* The 400 for a GET or HEAD with a body cannot go through libmicrohttpd: 0.9.33 (CentOS 7's) sends
 * an answer queued from the head only once the whole body has arrived, and once answered it reads no
 * more of the body, so a trickling client would keep the connection and never see the answer. So it is
 * written here, as the header deadline's 408 is, and the socket's sending side shut so that the client
 * sees the end of it; the next call for the request (body bytes, or the end of the body) ends the
 * connection. Inside TLS plain text would be garbage: the connection is ended without an answer. */
static mhd_result refuse_read_only_body(struct request *req) {
        static const char response[] = "HTTP/1.1 400 Bad Request\r\n"
                                       "Connection: close\r\n"
                                       "Content-Type: text/plain; charset=utf-8\r\n"
                                       "Content-Length: 40\r\n"
                                       "\r\n"
                                       "400 a GET or HEAD request takes no body\n";
        size_t size = sizeof(response) - 1;

        req->status = 400;
        req->end = "body-not-read";
        req->answered_aside = true;
        if (req->server->config->tls || req->fd < 0)
                return MHD_NO;
        if (req->method == METHOD_HEAD)
                size = (size_t) (strstr(response, "\r\n\r\n") + 4 - response);
        else
                req->bytes = 40;
        (void) !send(req->fd, response, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void) shutdown(req->fd, SHUT_WR);
        return MHD_YES;
}

/* The first call, with the request head only. A PUT that will be refused is answered now, without
 * reading its body (libmicrohttpd then closes the connection), and so is a GET or HEAD with a body.
 * Everything else is answered from the next call: answering from this one would make libmicrohttpd
 * 0.9.75 close the connection rather than keep it alive. */
mhd_result request_begin(struct request *req, const char *url, const char *version) {
        bool read_only = req->method == METHOD_GET || req->method == METHOD_HEAD;

        /* the head is complete: from here on the request timeout and long poll deadlines apply */
        conn_disarm(req->server, req->fd);

        req->refused = route_parse(req->server->config, &req->server->store, url, &req->match);
        if (!streq(version, "HTTP/1.1") && !streq(version, "HTTP/1.0"))
                req->refused = 505;
        if (req->refused == 0 && !route_allows(req->match.route, req->method))
                req->refused = 405;
        if (read_only && body_announced(req))
                return refuse_read_only_body(req);
        if (read_only)
                return MHD_YES;
        if (req->refused != 0)
                return respond_text(req, req->refused, req->refused == 405 ? "method not allowed" : "refused");
        return put_begin(req);
}

/* GET and HEAD, once the request is complete. */
mhd_result request_reply(struct request *req) {
        char *data;
        size_t size;

        switch (req->refused) {
        case 0:
                break;
        case 400:
                return respond_text(req, 400, "bad path");
        case 404:
                return respond_text(req, 404, "not found");
        case 405:
                return respond_text(req, 405, "method not allowed");
        case 505:
                return respond_text(req, 505, "HTTP version not supported");
        default:
                return respond_text(req, req->refused, "cannot handle the request");
        }

        switch (req->match.route) {
        case ROUTE_STATUS:
                if (status_page(req->server, &data, &size) < 0)
                        return respond_text(req, 500, "out of memory");
                return respond(req, 200, "text/html; charset=utf-8", data, size, MHD_RESPMEM_MUST_FREE);
        case ROUTE_SEED:
                return seed_reply(req);
        case ROUTE_STATIC:
                return serve_file(req, req->match.static_root, req->match.static_rest,
                                  content_type_for(req->match.static_rest));
        case ROUTE_WARNINGS:
                if (seed_warnings_json(&req->server->seed_warnings, &data, &size) < 0)
                        return respond_text(req, 500, "out of memory");
                return respond(req, 200, "application/json", data, size, MHD_RESPMEM_MUST_FREE);
        case ROUTE_NODES:
                if (store_reports_json(req->match.cluster, &data, &size) < 0)
                        return respond_text(req, 500, "out of memory");
                return respond(req, 200, "application/json", data, size, MHD_RESPMEM_MUST_FREE);
        case ROUTE_JOIN:
                return join_wait_begin(req);
        default:
                return respond_text(req, 404, "not found");
        }
}

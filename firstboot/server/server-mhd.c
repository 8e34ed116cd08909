/* SPDX-License-Identifier: MIT */
/* The libmicrohttpd glue: the daemon and its options, the connection callbacks, request bodies and
 * responses (mhd-compat.h bridges 0.9.33 and later releases). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "parse.h"
#include "server-request.h"
#include "server-seed-access.h"
#include "server-util.h"
#include "time-util.h"

/* A body past the cap is read and dropped up to this much more, so the client gets its 413; beyond,
 * the connection is closed. */
#define DISCARD_MAX (1024 * 1024)
/* The byte the unescaper writes for "%00": outside every path and query character set. */
#define BAD_ESCAPE 0x7f

/* ---- responses ------------------------------------------------------------------------------ */

mhd_result queue(struct request *req, unsigned status, struct MHD_Response *response, uint64_t bytes) {
        mhd_result r = MHD_queue_response(req->connection, status, response);

        req->status = status;
        req->bytes = req->method == METHOD_HEAD ? 0 : bytes;
        return r;
}

mhd_result respond(struct request *req, unsigned status, const char *content_type, const char *body, size_t size,
                   enum MHD_ResponseMemoryMode mode) {
        struct MHD_Response *response;
        mhd_result r;

        response = MHD_create_response_from_buffer(size, (void *) body, mode);
        if (!response) {
                if (mode == MHD_RESPMEM_MUST_FREE)
                        free((void *) body);
                return MHD_NO;
        }
        MHD_add_response_header(response, "Content-Type", content_type);
        MHD_add_response_header(response, "Cache-Control", "no-store");
        MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
        if (strncmp(content_type, "text/html", 9) == 0)
                MHD_add_response_header(response, "Content-Security-Policy",
                                        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
        if (status == 401)
                MHD_add_response_header(response, "WWW-Authenticate", "Bearer realm=\"kube-firstboot\"");
        if (status == 503)
                MHD_add_response_header(response, "Retry-After", "1");
        if (status == 405)
                MHD_add_response_header(response, "Allow", route_allow_header(req->match.route));
        r = queue(req, status, response, size);
        MHD_destroy_response(response);
        return r;
}

mhd_result respond_text(struct request *req, unsigned status, const char *text) {
        char buf[320];
        int n = snprintf(buf, sizeof(buf), "%u %s\n", status, text);

        if (n < 0 || (size_t) n >= sizeof(buf))
                n = (int) sizeof(buf) - 1;
        return respond(req, status, "text/plain; charset=utf-8", buf, (size_t) n, MHD_RESPMEM_MUST_COPY);
}

struct MHD_Response *record_response(struct cluster *c) {
        struct MHD_Response *response = c->record_response;

        if (response)
                return response;
        response = MHD_create_response_from_buffer(c->record_size, c->record, MHD_RESPMEM_MUST_COPY);
        if (!response)
                return NULL;
        MHD_add_response_header(response, "Content-Type", "application/json");
        MHD_add_response_header(response, "Cache-Control", "no-store");
        c->record_response = response;
        return response;
}

void forget_record_response(struct cluster *c) {
        /* responses are reference counted: connections still sending it keep their copy */
        if (c->record_response)
                MHD_destroy_response(c->record_response);
        c->record_response = NULL;
}

void http_forget_responses(struct server *s) {
        for (size_t i = 0; i < s->store.n_clusters; i++)
                forget_record_response(&s->store.clusters[i]);
}

/* ---- request bodies ------------------------------------------------------------------------- */

static mhd_result body_append(struct request *req, const char *data, size_t size) {
        if (req->too_large || req->body_size + size > req->body_max) {
                req->too_large = true;
                req->discarded += size;
                if (req->discarded > DISCARD_MAX) {
                        req->end = "body-too-large";
                        return MHD_NO;
                }
                return MHD_YES;
        }
        if (req->body_size + size + 1 > req->body_alloc) {
                size_t want = req->body_max + 1;
                char *p = realloc(req->body, want);
                if (!p)
                        return MHD_NO;
                req->body = p;
                req->body_alloc = want;
        }
        memcpy(req->body + req->body_size, data, size);
        req->body_size += size;
        req->body[req->body_size] = 0;
        return MHD_YES;
}

/* ---- connection callbacks --------------------------------------------------------------------- */

static void client_format(struct MHD_Connection *connection, char *buf, size_t size) {
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

        if (!info || !info->client_addr || info->client_addr->sa_family != AF_INET)
                snprintf(buf, size, "-");
        else
                peer_format((const struct sockaddr_in *) (const void *) info->client_addr, buf, size);
}

static struct request *request_new(struct server *s, struct MHD_Connection *connection, const char *url,
                                   const char *method) {
        const union MHD_ConnectionInfo *info;
        struct request *req = calloc(1, sizeof(*req));

        if (!req)
                return NULL;
        req->server = s;
        req->connection = connection;
        req->start = now_usec();
        req->method = method_parse(method);
        escape_for_log(method, req->method_log, sizeof(req->method_log));
        escape_for_log(url, req->path_log, sizeof(req->path_log));
        client_format(connection, req->client, sizeof(req->client));
        info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        req->fd = info ? info->connect_fd : -1;
        s->active_requests++;
        return req;
}

static mhd_result http_handle(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls) {
        struct server *s = cls;
        struct request *req = *con_cls;

        if (!req) {
                req = request_new(s, connection, url, method);
                if (!req)
                        return MHD_NO;
                *con_cls = req;
                return request_begin(req, url, version);
        }
        if (req->answered_aside)
                return MHD_NO;
        if (req->waiter.waiting)
                return MHD_YES; /* libmicrohttpd 0.9.33 may call in for a suspended connection */
        if (req->waiter.resuming) {
                waiter_resumed(&s->waiters, &req->waiter);
                if (req->hung_up) {
                        /* nobody to answer: libmicrohttpd closes the connection and frees its place */
                        req->end = "client-abort";
                        return MHD_NO;
                }
                return join_get(req);
        }
        if (*upload_data_size > 0) {
                size_t size = *upload_data_size;
                *upload_data_size = 0;
                /* every body, read or dropped, whatever the method: each trickled byte restarts
                 * libmicrohttpd's inactivity timeout, this one runs from the request head */
                if (now_usec() - req->start > (uint64_t) s->config->limits.request_timeout * 1000000ULL) {
                        req->end = "request-timeout";
                        return MHD_NO;
                }
                if (req->status != 0 || req->method != METHOD_PUT) {
                        /* answered already, or a body nobody asked for */
                        req->discarded += size;
                        return req->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
                }
                return body_append(req, upload_data, size);
        }
        if (req->status != 0)
                return MHD_YES;
        if (req->method == METHOD_PUT)
                return put_finish(req);
        return request_reply(req);
}

static void http_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                           enum MHD_RequestTerminationCode toe) {
        struct server *s = cls;
        struct request *req = *con_cls;
        const char *end = NULL;

        if (!req)
                return;
        join_forget(req);

        switch (toe) {
        case MHD_REQUEST_TERMINATED_COMPLETED_OK:
                break;
        case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
                end = "timeout";
                break;
        case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
                end = "shutdown";
                break;
        case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
                end = "client-abort";
                break;
        case MHD_REQUEST_TERMINATED_READ_ERROR:
                end = "read-error";
                break;
        default:
                end = "error";
                break;
        }
        if (req->end)
                end = req->end;
        /* before the access-log line, so that whoever reads the log finds the mark written */
        seed_request_completed(req, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
        access_log(s, req->client, req->method_log, req->path_log, req->status, req->bytes, now_usec() - req->start, end);

        /* a kept-alive connection gets the same time for its next request head as a new one */
        if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && !s->shutting_down)
                conn_arm(s, req->fd, true, now_usec());

        free(req->body);
        route_match_done(&req->match);
        free(req);
        *con_cls = NULL;
        s->active_requests--;
}

/* %XX decoding for the path and the query, as libmicrohttpd's own, except that "%00" cannot cut a
 * string short: it becomes a byte the path check refuses. A lone '%' stays (and is refused too). */
size_t http_unescape(void *cls, struct MHD_Connection *connection, char *s) {
        char *in = s, *out = s;

        while (*in) {
                int hi, lo;
                if (in[0] == '%' && (hi = hexval(in[1])) >= 0 && (lo = hexval(in[2])) >= 0) {
                        char c = (char) (hi << 4 | lo);
                        *out++ = c == 0 ? (char) BAD_ESCAPE : c;
                        in += 3;
                } else
                        *out++ = *in++;
        }
        *out = 0;
        return (size_t) (out - s);
}

/* ---- the daemon ------------------------------------------------------------------------------ */

static void mhd_logger(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_logger(void *cls, const char *fmt, va_list ap) {
        struct server *s = cls;
        char msg[512];
        size_t n;

        vsnprintf(msg, sizeof(msg), fmt, ap);
        n = strlen(msg);
        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                msg[--n] = 0;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) msg[i] < 0x20 || msg[i] == 0x7f)
                        msg[i] = '?';
        log_debug("libmicrohttpd: %s", msg);
        strscpy(s->mhd_last_message, sizeof(s->mhd_last_message), msg);
}

/* A listening socket nobody can connect to: bound to a path that is removed at once. We accept
 * connections ourselves and hand them over with MHD_add_connection(), but libmicrohttpd 0.9.33 sets up
 * its epoll descriptor only for a daemon with a listening socket (MHD_USE_NO_LISTEN_SOCKET leaves it
 * without one). */
static int unreachable_listen_socket(void) {
        _cleanup_close_ int fd = -1;
        char dir[] = "/tmp/kube-firstboot-server.XXXXXX";
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int r = 0;

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(-errno, "socket: %m");
        if (!mkdtemp(dir))
                return log_error_errno(-errno, "%s: cannot create: %m", dir);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/unused", dir);
        if (bind(fd, (struct sockaddr *) (void *) &sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
                r = log_error_errno(-errno, "%s: cannot bind: %m", sa.sun_path);
        (void) unlink(sa.sun_path);
        (void) rmdir(dir);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

int http_daemon_start(struct server *s) {
        const struct server_limits *l = &s->config->limits;
        const struct server_tls *tls = s->config->tls;
        const union MHD_DaemonInfo *info;
        int placeholder;
        /* TLS options go in an array, so that one call serves both modes; the PEM stays in memory until
         * the daemon stops (0.9.33 keeps the pointers) */
        struct MHD_OptionItem tls_options[] = {
                { tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, tls ? tls->key_pem : NULL },
                { MHD_OPTION_HTTPS_MEM_CERT, 0, tls ? tls->cert_pem : NULL },
                { MHD_OPTION_END, 0, NULL },
        };

        placeholder = unreachable_listen_socket();
        if (placeholder < 0)
                return placeholder;
        s->mhd_last_message[0] = 0;
        /* libmicrohttpd owns placeholder from here on and closes it when stopped */
        s->daemon = MHD_start_daemon(FB_MHD_USE_EPOLL | FB_MHD_SUSPEND_RESUME | FB_MHD_ERROR_LOG |
                                             (tls ? MHD_USE_SSL : 0),
                                     0, NULL, NULL, http_handle, s,
                                     MHD_OPTION_LISTEN_SOCKET, placeholder,
                                     MHD_OPTION_CONNECTION_LIMIT, (unsigned int) l->max_connections,
                                     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int) l->max_per_ip,
                                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) l->connection_timeout,
                                     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) l->connection_memory,
                                     MHD_OPTION_NOTIFY_COMPLETED, http_completed, s,
                                     MHD_OPTION_UNESCAPE_CALLBACK, http_unescape, s,
                                     MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
                                     MHD_OPTION_ARRAY, tls_options,
                                     MHD_OPTION_END);
        if (!s->daemon) {
                close(placeholder);
                /* 0.9.33 has no MHD_is_feature_supported(): a library built without HTTPS refuses
                 * MHD_USE_SSL without a word, one with it says why it refused the certificate or key */
                if (tls && !s->mhd_last_message[0])
                        return log_error_errno(-EOPNOTSUPP, "tls: this libmicrohttpd (%s) was built without "
                                               "HTTPS support; use one built with GnuTLS (EPEL's and Debian's "
                                               "are), or drop tls: and put a TLS proxy in front",
                                               MHD_get_version());
                if (tls)
                        return log_error_errno(-EINVAL, "tls: libmicrohttpd refused the certificate or key (%s, %s): %s",
                                               s->config->tls_cert, s->config->tls_key, s->mhd_last_message);
                return log_error_errno(-EIO, "cannot start libmicrohttpd (epoll support missing?)%s%s",
                                       s->mhd_last_message[0] ? ": " : "", s->mhd_last_message);
        }
        info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD_LINUX_ONLY);
        if (!info || FB_MHD_EPOLL_FD(info) < 0)
                return log_error_errno(-EIO, "libmicrohttpd has no epoll descriptor");
        s->mhd_fd = FB_MHD_EPOLL_FD(info);
        return 0;
}

/* SPDX-License-Identifier: MIT */
/* Routing and request handling: seeds, static trees, join records with long polls, progress. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "log.h"
#include "macro.h"
#include "parse.h"
#include "server-util.h"
#include "time-util.h"
#include "server.h"

#define URL_MAX 1024
#define SEGMENTS_MAX 16
#define SEGMENT_MAX 255
/* A body past the cap is read and dropped up to this much more, so the client gets its 413; beyond,
 * the connection is closed. */
#define DISCARD_MAX (1024 * 1024)
/* The byte the unescaper writes for "%00": outside every path and query character set. */
#define BAD_ESCAPE 0x7f

enum route {
        ROUTE_NONE,
        ROUTE_STATUS,
        ROUTE_SEED,
        ROUTE_STATIC,
        ROUTE_JOIN,
        ROUTE_NODES,
        ROUTE_NODE,
};

enum method {
        METHOD_OTHER,
        METHOD_GET,
        METHOD_HEAD,
        METHOD_PUT,
};

struct request {
        struct server *server;
        struct MHD_Connection *connection;
        uint64_t start;
        int fd;
        enum method method;
        char method_log[16];
        char path_log[200];
        char client[24];
        unsigned status;
        uint64_t bytes;
        const char *end;            /* why the server gave up on it, for the access log */

        enum route route;
        unsigned refused;           /* status decided from the request head, sent with the reply */
        struct cluster *cluster;
        char node[64];
        const char *static_root;
        char *static_rest;          /* path below static_root (or below the node's seed directory) */

        char *body;
        size_t body_size, body_alloc, body_max, discarded;
        bool too_large;

        bool waiting;               /* suspended, on the waiters list */
        bool resuming;              /* resumed, the handler has not run since */
        uint64_t deadline;
        struct request *prev, *next;
};

/* ---- responses ------------------------------------------------------------------------------ */

static mhd_result queue(struct request *req, unsigned status, struct MHD_Response *response, uint64_t bytes) {
        mhd_result r = MHD_queue_response(req->connection, status, response);

        req->status = status;
        req->bytes = req->method == METHOD_HEAD ? 0 : bytes;
        return r;
}

/* Takes body (malloc'd) when mode is MHD_RESPMEM_MUST_FREE. */
static mhd_result respond(struct request *req, unsigned status, const char *content_type, const char *body, size_t size,
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
        if (status == 405) {
                const char *allow = "GET, HEAD";
                if (req->route == ROUTE_JOIN)
                        allow = "GET, HEAD, PUT";
                else if (req->route == ROUTE_NODE)
                        allow = "PUT";
                MHD_add_response_header(response, "Allow", allow);
        }
        r = queue(req, status, response, size);
        MHD_destroy_response(response);
        return r;
}

static mhd_result respond_text(struct request *req, unsigned status, const char *text) {
        char buf[320];
        int n = snprintf(buf, sizeof(buf), "%u %s\n", status, text);

        if (n < 0 || (size_t) n >= sizeof(buf))
                n = (int) sizeof(buf) - 1;
        return respond(req, status, "text/plain; charset=utf-8", buf, (size_t) n, MHD_RESPMEM_MUST_COPY);
}

/* Files up to this size are read and sent from memory: headers and body then leave in one send()
 * instead of a send() and a sendfile() (seeds and kickstart files are a few KiB). */
#define SMALL_FILE_MAX (64 * 1024)

static mhd_result respond_fd(struct request *req, int fd, const struct stat *st, const char *content_type) {
        struct MHD_Response *response;
        uint64_t bytes = (uint64_t) st->st_size;
        mhd_result r;

        if (st->st_size <= SMALL_FILE_MAX) {
                size_t want = (size_t) st->st_size;
                char *data = malloc(want + 1);
                ssize_t n;

                /* one read: a short read of a regular file is its end; one that fills want + 1 bytes
                 * means the file is growing, and it is served as it was when stat()ed */
                do
                        n = data ? read(fd, data, want + 1) : -1;
                while (n < 0 && errno == EINTR);
                close(fd);
                if (n < 0) {
                        free(data);
                        return respond_text(req, 500, "cannot read the file");
                }
                if ((size_t) n > want)
                        n = (ssize_t) want;
                bytes = (uint64_t) n;
                response = MHD_create_response_from_buffer((size_t) n, data, MHD_RESPMEM_MUST_FREE);
                if (!response)
                        free(data);
        } else {
                /* takes fd, closes it when the response is done */
                response = MHD_create_response_from_fd((size_t) st->st_size, fd);
                if (!response)
                        close(fd);
        }
        if (!response)
                return respond_text(req, 500, "cannot serve the file");
        MHD_add_response_header(response, "Content-Type", content_type);
        MHD_add_response_header(response, "Cache-Control", "no-cache");
        MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
        r = queue(req, 200, response, bytes);
        MHD_destroy_response(response);
        return r;
}

static struct MHD_Response *record_response(struct cluster *c) {
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

static void forget_record_response(struct cluster *c) {
        /* responses are reference counted: connections still sending it keep their copy */
        if (c->record_response)
                MHD_destroy_response(c->record_response);
        c->record_response = NULL;
}

void http_forget_responses(struct server *s) {
        for (size_t i = 0; i < s->store.n_clusters; i++)
                forget_record_response(&s->store.clusters[i]);
}

/* ---- files -------------------------------------------------------------------------------- */

/* Opens root/rest, where rest is "a/b/c" of already validated components, without following a
 * symbolic link anywhere below root (root itself is the administrator's and may be one), and only if
 * it is a regular file. */
static int open_beneath(const char *root, const char *rest, struct stat *ret_st) {
        _cleanup_close_ int dir = -1;
        char path[PATH_MAX];
        const char *p = rest, *slash = strchr(rest, '/');
        int fd;

        /* the first component by its full path: one open() instead of opening root, then it */
        if ((size_t) snprintf(path, sizeof(path), "%s/%.*s", root, slash ? (int) (slash - rest) : (int) strlen(rest),
                              rest) >= sizeof(path))
                return -ENAMETOOLONG;
        if (slash) {
                dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dir < 0)
                        return negative_errno();
                p = slash + 1;
                while ((slash = strchr(p, '/'))) {
                        char component[SEGMENT_MAX + 1];
                        size_t n = (size_t) (slash - p);

                        if (n == 0 || n >= sizeof(component))
                                return -ENOENT;
                        memcpy(component, p, n);
                        component[n] = 0;
                        fd = openat(dir, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0)
                                return negative_errno();
                        close(dir);
                        dir = fd;
                        p = slash + 1;
                }
        }
        /* O_NONBLOCK: opening a FIFO must not hang the server */
        if (dir >= 0)
                fd = openat(dir, p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        else
                fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, ret_st) < 0) {
                int r = negative_errno();
                close(fd);
                return r;
        }
        if (!S_ISREG(ret_st->st_mode)) {
                close(fd);
                return -ENOENT;
        }
        return fd;
}

static const char *content_type_for(const char *name) {
        static const struct {
                const char *suffix, *type;
        } types[] = {
                { ".rpm", "application/x-rpm" },
                { ".xml", "application/xml" },
                { ".gz", "application/gzip" },
                { ".bz2", "application/x-bzip2" },
                { ".xz", "application/x-xz" },
                { ".zst", "application/zstd" },
                { ".sqlite", "application/vnd.sqlite3" },
                { ".json", "application/json" },
                { ".html", "text/html; charset=utf-8" },
                { ".cfg", "text/plain; charset=utf-8" },
                { ".ks", "text/plain; charset=utf-8" },
                { ".txt", "text/plain; charset=utf-8" },
                { ".asc", "text/plain; charset=utf-8" },
                { ".repo", "text/plain; charset=utf-8" },
                { ".iso", "application/octet-stream" },
        };
        size_t len = strlen(name);

        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                size_t n = strlen(types[i].suffix);
                if (len > n && strcasecmp(name + len - n, types[i].suffix) == 0)
                        return types[i].type;
        }
        return "application/octet-stream";
}

static mhd_result serve_file(struct request *req, const char *root, const char *rest, const char *content_type) {
        struct stat st = {};
        int fd;

        fd = open_beneath(root, rest, &st);
        if (fd == -EACCES || fd == -EPERM)
                return respond_text(req, 403, "forbidden");
        if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP || fd == -EISDIR || fd == -ENAMETOOLONG)
                return respond_text(req, 404, "not found");
        if (fd < 0) {
                log_warning_errno(fd, "%s/%s: cannot open: %m", root, rest);
                return respond_text(req, 500, "cannot open the file");
        }
        return respond_fd(req, fd, &st, content_type);
}

/* ---- routing ------------------------------------------------------------------------------ */

static bool path_char_ok(unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-' || c == '~' || c == '+' || c == '/';
}

static const char *const seed_files[] = { "meta-data", "user-data", "network-config", "vendor-data" };

/* Parses the (unescaped) URL into req->route and friends. Returns 0, or the status to answer with:
 * 400 for a path outside the fixed character set or with empty, dot or over-long segments (this is
 * where every traversal attempt ends), 404 for a well-formed path that names nothing. */
static unsigned route_parse(struct request *req, const char *url) {
        const struct server_config *config = req->server->config;
        const char *seg[SEGMENTS_MAX];
        size_t seglen[SEGMENTS_MAX], n = 0, len = strlen(url);
        const char *p;

        if (len == 0 || len > URL_MAX || url[0] != '/')
                return 400;
        for (size_t i = 0; i < len; i++)
                if (!path_char_ok((unsigned char) url[i]))
                        return 400;
        if (streq(url, "/")) {
                req->route = ROUTE_STATUS;
                return 0;
        }

#define SEG_IS(i, s) (seglen[i] == strlen(s) && strncmp(seg[i], (s), seglen[i]) == 0)
        for (p = url + 1;;) {
                const char *slash = strchr(p, '/');
                size_t l = slash ? (size_t) (slash - p) : strlen(p);

                if (n >= SEGMENTS_MAX)
                        return 400;
                if (l == 0) {
                        /* "/ks/" or "/repo/sub/": a directory, and there are no listings */
                        if (!slash && n >= 1 && (SEG_IS(0, "ks") || SEG_IS(0, "repo")))
                                return 404;
                        return 400;
                }
                if (p[0] == '.' || l > SEGMENT_MAX)
                        return 400;
                seg[n] = p;
                seglen[n] = l;
                n++;
                if (!slash)
                        break;
                p = slash + 1;
        }

        if ((SEG_IS(0, "ks") || SEG_IS(0, "repo")) && n >= 2) {
                const char *root = SEG_IS(0, "ks") ? config->ks_dir : config->repo_dir;
                if (!root)
                        return 404;
                req->route = ROUTE_STATIC;
                req->static_root = root;
                req->static_rest = strdup(seg[1]);
                return req->static_rest ? 0 : 500;
        }
        if (n < 4 || !SEG_IS(0, "v1"))
                return 404;
        if (SEG_IS(1, "seeds")) {
                if (n != 4)
                        return 404;
                if (seglen[2] >= sizeof(req->node))
                        return 400;
                memcpy(req->node, seg[2], seglen[2]);
                req->node[seglen[2]] = 0;
                if (!name_is_valid(req->node))
                        return 400;
                for (size_t i = 0; i < ELEMENTSOF(seed_files); i++)
                        if (SEG_IS(3, seed_files[i])) {
                                req->route = ROUTE_SEED;
                                req->static_root = config->seed_dir;
                                if (asprintf(&req->static_rest, "%s/%s", req->node, seed_files[i]) < 0) {
                                        req->static_rest = NULL;
                                        return 500;
                                }
                                return 0;
                        }
                return 404;
        }
        if (SEG_IS(1, "clusters") && n <= 5) {
                char name[64];

                if (seglen[2] >= sizeof(name))
                        return 400;
                memcpy(name, seg[2], seglen[2]);
                name[seglen[2]] = 0;
                if (!name_is_valid(name))
                        return 400;
                if (n == 4 && SEG_IS(3, "join"))
                        req->route = ROUTE_JOIN;
                else if (n == 4 && SEG_IS(3, "nodes"))
                        req->route = ROUTE_NODES;
                else if (n == 5 && SEG_IS(3, "nodes")) {
                        if (seglen[4] >= sizeof(req->node))
                                return 400;
                        memcpy(req->node, seg[4], seglen[4]);
                        req->node[seglen[4]] = 0;
                        if (!name_is_valid(req->node))
                                return 400;
                        req->route = ROUTE_NODE;
                } else
                        return 404;
                req->cluster = store_find(&req->server->store, name);
                if (!req->cluster)
                        return 404;
                return 0;
        }
#undef SEG_IS
        return 404;
}

/* ---- long polls ----------------------------------------------------------------------------- */

static void waiter_unlink(struct server *s, struct request *req) {
        if (req->prev)
                req->prev->next = req->next;
        else
                s->waiters_head = req->next;
        if (req->next)
                req->next->prev = req->prev;
        else
                s->waiters_tail = req->prev;
        req->prev = req->next = NULL;
        req->waiting = false;
        req->cluster->n_waiters--;
        s->n_waiters--;
}

static void waiter_resume(struct server *s, struct request *req) {
        waiter_unlink(s, req);
        req->resuming = true;
        s->n_resuming++;
        s->mhd_pending = true;
        MHD_resume_connection(req->connection);
}

void waiters_wake(struct server *s, const struct cluster *c) {
        struct request *req, *next;

        for (req = s->waiters_head; req; req = next) {
                next = req->next;
                if (req->cluster == c)
                        waiter_resume(s, req);
        }
}

void waiters_expire(struct server *s, uint64_t now) {
        struct request *req, *next;
        uint64_t earliest = 0;

        if (!s->shutting_down && (s->next_wait_deadline == 0 || now < s->next_wait_deadline))
                return;
        for (req = s->waiters_head; req; req = next) {
                next = req->next;
                if (s->shutting_down || req->deadline <= now)
                        waiter_resume(s, req);
                else if (earliest == 0 || req->deadline < earliest)
                        earliest = req->deadline;
        }
        s->next_wait_deadline = earliest;
}

static mhd_result join_get(struct request *req) {
        struct server *s = req->server;
        struct cluster *c = req->cluster;
        struct MHD_Response *response;

        if (c->record) {
                response = record_response(c);
                if (!response)
                        return MHD_NO;
                return queue(req, 200, response, c->record_size);
        }
        if (s->shutting_down)
                return respond_text(req, 503, "server shutting down");
        if (now_usec() >= req->deadline)
                return respond_text(req, 404, "no join record yet");

        /* libmicrohttpd 0.9.33 (CentOS 7) neither restarts the inactivity timer of a resumed
         * connection nor, with epoll, looks at it again unless it has a timeout of its own: give it
         * one that outlasts the wait. Harmless on later versions, which fixed both. */
        MHD_set_connection_option(req->connection, MHD_CONNECTION_OPTION_TIMEOUT,
                                  (unsigned int) (s->config->limits.connection_timeout + s->config->limits.max_wait + 5));
        MHD_suspend_connection(req->connection);
        req->waiting = true;
        req->prev = s->waiters_tail;
        req->next = NULL;
        if (s->waiters_tail)
                s->waiters_tail->next = req;
        else
                s->waiters_head = req;
        s->waiters_tail = req;
        c->n_waiters++;
        s->n_waiters++;
        if (s->next_wait_deadline == 0 || req->deadline < s->next_wait_deadline)
                s->next_wait_deadline = req->deadline;
        return MHD_YES;
}

/* ---- writes --------------------------------------------------------------------------------- */

static bool bearer_ok(struct request *req) {
        const char *auth = MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Authorization");

        if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
                return false;
        auth += 7;
        while (*auth == ' ')
                auth++;
        return secret_equal(req->cluster->bearer, auth);
}

/* The first call of a PUT: refuse early what can be refused before reading the body. */
static mhd_result put_begin(struct request *req) {
        const struct server_limits *limits = &req->server->config->limits;
        const char *length;
        size_t cap = req->route == ROUTE_JOIN ? JOIN_RECORD_MAX : REPORT_MAX;
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

static mhd_result put_data(struct request *req, const char *data, size_t size) {
        const struct server_limits *limits = &req->server->config->limits;

        if (now_usec() - req->start > (uint64_t) limits->request_timeout * 1000000ULL) {
                req->end = "request-timeout";
                return MHD_NO;
        }
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

static mhd_result put_finish(struct request *req) {
        struct server *s = req->server;
        char err[192] = "";
        int r;

        if (req->too_large)
                return respond_text(req, 413, "body too large");
        if (req->route == ROUTE_JOIN) {
                r = store_put_record(&s->store, req->cluster, req->body ? req->body : "", req->body_size, err,
                                     sizeof(err));
                if (r >= 0) {
                        forget_record_response(req->cluster);
                        log_info("cluster %s: join record %s (%zu bytes)", req->cluster->name,
                                 r > 0 ? "published" : "replaced", req->body_size);
                        waiters_wake(s, req->cluster);
                }
        } else
                r = store_put_report(&s->store, req->cluster, req->node, req->body ? req->body : "", req->body_size,
                                     err, sizeof(err));
        if (r == -EINVAL)
                return respond_text(req, 400, err);
        if (r == -ENOSPC)
                return respond_text(req, 507, err);
        if (r < 0)
                return respond_text(req, 500, "cannot store it");
        return respond(req, r > 0 ? 201 : 204, "text/plain; charset=utf-8", "", 0, MHD_RESPMEM_PERSISTENT);
}

/* ---- the handler ---------------------------------------------------------------------------- */

static enum method method_parse(const char *m) {
        if (streq(m, "GET"))
                return METHOD_GET;
        if (streq(m, "HEAD"))
                return METHOD_HEAD;
        if (streq(m, "PUT"))
                return METHOD_PUT;
        return METHOD_OTHER;
}

static void client_format(struct MHD_Connection *connection, char *buf, size_t size) {
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr_in *sin;
        char addr[INET_ADDRSTRLEN];

        snprintf(buf, size, "-");
        if (!info || !info->client_addr || info->client_addr->sa_family != AF_INET)
                return;
        sin = (const struct sockaddr_in *) (const void *) info->client_addr;
        if (inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr)))
                snprintf(buf, size, "%s:%u", addr, (unsigned) ntohs(sin->sin_port));
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

/* The first call, with the request head only. A PUT that will be refused is answered now, without
 * reading its body (libmicrohttpd then closes the connection). Everything else is answered from the
 * next call: answering from this one would make libmicrohttpd 0.9.75 close the connection rather than
 * keep it alive. */
static mhd_result request_begin(struct request *req, const char *url, const char *version) {
        bool read_only = req->method == METHOD_GET || req->method == METHOD_HEAD;
        bool writable;

        /* the head is complete: from here on the request timeout and long poll deadlines apply */
        conn_disarm(req->server, req->fd);

        req->refused = route_parse(req, url);
        if (!streq(version, "HTTP/1.1") && !streq(version, "HTTP/1.0"))
                req->refused = 505;
        writable = req->route == ROUTE_JOIN || req->route == ROUTE_NODE;
        if (req->refused == 0 && !(read_only && req->route != ROUTE_NODE) && !(req->method == METHOD_PUT && writable))
                req->refused = 405;
        if (read_only)
                return MHD_YES;
        if (req->refused != 0)
                return respond_text(req, req->refused, req->refused == 405 ? "method not allowed" : "refused");
        return put_begin(req);
}

static mhd_result join_wait_begin(struct request *req) {
        const char *wait = MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, "wait");
        unsigned long long seconds = 0;
        unsigned max = req->server->config->limits.max_wait;

        if (wait && parse_uint(wait, 0, ~0ULL, &seconds) < 0)
                return respond_text(req, 400, "wait must be a number of seconds");
        if (seconds > max)
                seconds = max;
        req->deadline = req->start + seconds * 1000000ULL;
        return join_get(req);
}

/* GET and HEAD, once the request is complete. */
static mhd_result request_reply(struct request *req) {
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

        switch (req->route) {
        case ROUTE_STATUS:
                if (status_page(req->server, &data, &size) < 0)
                        return respond_text(req, 500, "out of memory");
                return respond(req, 200, "text/html; charset=utf-8", data, size, MHD_RESPMEM_MUST_FREE);
        case ROUTE_SEED:
                return serve_file(req, req->static_root, req->static_rest, "text/plain; charset=utf-8");
        case ROUTE_STATIC:
                return serve_file(req, req->static_root, req->static_rest, content_type_for(req->static_rest));
        case ROUTE_NODES:
                if (store_reports_json(req->cluster, &data, &size) < 0)
                        return respond_text(req, 500, "out of memory");
                return respond(req, 200, "application/json", data, size, MHD_RESPMEM_MUST_FREE);
        case ROUTE_JOIN:
                return join_wait_begin(req);
        default:
                return respond_text(req, 404, "not found");
        }
}

mhd_result http_handle(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
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
        if (req->waiting)
                return MHD_YES; /* libmicrohttpd 0.9.33 may call in for a suspended connection */
        if (req->resuming) {
                req->resuming = false;
                s->n_resuming--;
                return join_get(req);
        }
        if (*upload_data_size > 0) {
                size_t size = *upload_data_size;
                *upload_data_size = 0;
                if (req->status != 0 || req->method != METHOD_PUT) {
                        /* answered already, or a body nobody asked for */
                        req->discarded += size;
                        return req->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
                }
                return put_data(req, upload_data, size);
        }
        if (req->status != 0)
                return MHD_YES;
        if (req->method == METHOD_PUT)
                return put_finish(req);
        return request_reply(req);
}

void http_completed(void *cls, struct MHD_Connection *connection, void **con_cls, enum MHD_RequestTerminationCode toe) {
        struct server *s = cls;
        struct request *req = *con_cls;
        const char *end = NULL;

        if (!req)
                return;
        if (req->waiting)
                waiter_unlink(s, req);
        if (req->resuming)
                s->n_resuming--;

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
        access_log(s, req->client, req->method_log, req->path_log, req->status, req->bytes, now_usec() - req->start, end);

        /* a kept-alive connection gets the same time for its next request head as a new one */
        if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && !s->shutting_down)
                conn_arm(s, req->fd, true, now_usec());

        free(req->body);
        free(req->static_rest);
        free(req);
        *con_cls = NULL;
        s->active_requests--;
}

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
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

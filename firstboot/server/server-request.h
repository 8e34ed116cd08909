/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mhd-compat.h"
#include "server-longpoll.h"
#include "server-route.h"
#include "server.h"

/* One HTTP request, from its head to its completion, as the request handlers (server-handlers.c,
 * server-files.c, server-longpoll.c) and the libmicrohttpd glue (server-mhd.c) share it. */
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
        bool answered_aside;        /* answered on the socket, not through libmicrohttpd: ends at the next call */

        struct route_match match;
        unsigned refused;           /* status decided from the request head, sent with the reply */

        char *body;
        size_t body_size, body_alloc, body_max, discarded;
        bool too_large;

        struct waiter waiter;       /* a long poll for the join record */
        bool hangup_watched;        /* its socket is in the server's hang-up set while it waits */
        bool hung_up;               /* its client closed the connection while it waited */
        char *seed_instance_id;     /* user-data going out: marked served under this once sent whole */
};

/* server-mhd.c: responses. Each records the status and size for the access log. */
mhd_result queue(struct request *req, unsigned status, struct MHD_Response *response, uint64_t bytes);
/* Takes body (malloc'd) when mode is MHD_RESPMEM_MUST_FREE. */
mhd_result respond(struct request *req, unsigned status, const char *content_type, const char *body, size_t size,
                   enum MHD_ResponseMemoryMode mode);
/* "STATUS text\n" as text/plain. */
mhd_result respond_text(struct request *req, unsigned status, const char *text);
/* The cluster's join record as a response, made once and kept until the record changes. */
struct MHD_Response *record_response(struct cluster *c);
void forget_record_response(struct cluster *c);

/* server-handlers.c */
/* The first call, with the request head only: routes it, and answers a PUT that is refused. */
mhd_result request_begin(struct request *req, const char *url, const char *version);
/* GET and HEAD, once the request is complete. */
mhd_result request_reply(struct request *req);
/* PUT, once its body is complete. */
mhd_result put_finish(struct request *req);

/* server-longpoll.c */
/* GET .../join: the record, or a wait of up to ?wait=SECONDS for one. */
mhd_result join_wait_begin(struct request *req);
/* Answers with the record, or suspends the request until there is one or its wait is over. */
mhd_result join_get(struct request *req);
/* The request goes away: off the wait list and the hang-up set. */
void join_forget(struct request *req);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mhd-compat.h"
#include "server-config.h"
#include "server-store.h"

/* kube-firstboot-server runs in one thread: its own loop polls the listening socket, a signalfd and
 * libmicrohttpd's epoll descriptor, accepts connections itself (so it can give each a deadline for its
 * request head), and drives libmicrohttpd with MHD_run(). Long polls are suspended connections: a
 * waiter costs its socket and a few hundred bytes, no thread. */

/* One slot per file descriptor number: the header deadline of the connection on that descriptor. */
struct conn_slot {
        dev_t dev;                  /* identity of the socket, so a reused descriptor number is not */
        ino_t ino;                  /* mistaken for the connection the deadline was set for */
        uint64_t deadline;          /* monotonic usec; 0: none */
        bool idle;                  /* between two requests of a kept-alive connection */
        int prev, next;             /* list of armed slots, in deadline order */
        struct sockaddr_in peer;
};

struct request;

struct server {
        struct server_config *config;
        struct store store;
        struct MHD_Daemon *daemon;
        int listen_fd;
        int signal_fd;
        int mhd_fd;
        int64_t started;            /* wall clock */

        bool shutting_down;
        uint64_t shutdown_started;
        uint64_t accept_paused_until;

        /* long polls for a join record */
        struct request *waiters_head, *waiters_tail;
        unsigned n_waiters;         /* suspended, on the list */
        unsigned n_resuming;        /* resumed, libmicrohttpd has not called the handler again yet */
        uint64_t next_wait_deadline; /* earliest deadline on the list, or earlier; 0: none */
        bool mhd_pending;           /* connections were resumed: run libmicrohttpd again before sleeping */
        unsigned active_requests;

        /* header deadlines; all deadlines are now + header_timeout, so the list is sorted by appending */
        struct conn_slot *slots;
        int n_slots, slots_head, slots_tail;
};

/* server-loop.c */
int server_init(struct server *s, struct server_config *config);
int server_run(struct server *s);
void server_done(struct server *s);
void conn_arm(struct server *s, int fd, bool idle, uint64_t now);
void conn_disarm(struct server *s, int fd);
void access_log(const struct server *s, const char *client, const char *method, const char *path, unsigned status,
                uint64_t bytes, uint64_t usec, const char *end);

/* server-http.c: the libmicrohttpd callbacks */
mhd_result http_handle(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                       const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls);
void http_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                    enum MHD_RequestTerminationCode toe);
size_t http_unescape(void *cls, struct MHD_Connection *connection, char *s);
/* Resumes long polls whose wait is over (all of them when shutting down). */
void waiters_expire(struct server *s, uint64_t now);
void waiters_wake(struct server *s, const struct cluster *c);
void http_forget_responses(struct server *s);

/* server-page.c */
int status_page(const struct server *s, char **ret, size_t *ret_size);

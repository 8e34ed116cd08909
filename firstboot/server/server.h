/* SPDX-License-Identifier: MIT */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mhd-compat.h"
#include "server-config.h"
#include "server-longpoll.h"
#include "server-seed-access.h"
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

        struct waitlist waiters;    /* long polls for a join record */
        int hangup_fd;              /* epoll set of the waiting connections' sockets, for hang-ups */
        bool mhd_pending;           /* connections were resumed: run libmicrohttpd again before sleeping */
        unsigned active_requests;
        struct seed_warnings seed_warnings; /* refused fetches of secret seed files */
        bool *user_data_going_out;  /* per node of config->nodes: a GET of its user-data is being sent */
        char mhd_last_message[256]; /* libmicrohttpd's last error message, for start-up failures */

        /* header deadlines; all deadlines are now + header_timeout, so the list is sorted by appending */
        struct conn_slot *slots;
        int n_slots, slots_head, slots_tail;
};

/* server-loop.c */
int server_init(struct server *s, struct server_config *config);
int server_run(struct server *s);
void server_done(struct server *s);
void access_log(const struct server *s, const char *client, const char *method, const char *path, unsigned status,
                uint64_t bytes, uint64_t usec, const char *end);
/* "ADDRESS:PORT" */
void peer_format(const struct sockaddr_in *sa, char *buf, size_t size);

/* server-deadline.c: header deadlines. A connection is armed when accepted and after each request
 * of a kept-alive one, disarmed when its request head is complete. */
void conn_arm(struct server *s, int fd, bool idle, uint64_t now);
void conn_disarm(struct server *s, int fd);
/* Answers 408 to and shuts down every connection whose deadline has passed. */
void deadlines_expire(struct server *s, uint64_t now);

/* server-mhd.c: the libmicrohttpd daemon, with the server's callbacks and options */
int http_daemon_start(struct server *s);
/* %XX decoding of the path and query (libmicrohttpd's unescape callback). */
size_t http_unescape(void *cls, struct MHD_Connection *connection, char *s);
void http_forget_responses(struct server *s);

/* server-longpoll.c: points the wait list's wake-ups at the suspended connections */
void join_waits_init(struct server *s);
/* Ends the long polls whose clients have hung up (hangup_fd is readable): their connections are
 * closed now, not when their wait is over. */
void join_hangups(struct server *s);

/* server-page.c */
int status_page(const struct server *s, char **ret, size_t *ret_size);

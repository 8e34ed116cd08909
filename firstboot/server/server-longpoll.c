/* SPDX-License-Identifier: MIT */
/* Long polls for a join record: the wait list, its wake-ups and deadlines, and GET .../join. */
#include <stddef.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "log.h"
#include "macro.h"
#include "parse.h"
#include "server-longpoll.h"
#include "server-request.h"
#include "server-util.h"
#include "time-util.h"

static void waiter_unlink(struct waitlist *l, struct waiter *w) {
        if (w->prev)
                w->prev->next = w->next;
        else
                l->head = w->next;
        if (w->next)
                w->next->prev = w->prev;
        else
                l->tail = w->prev;
        w->prev = w->next = NULL;
        w->waiting = false;
        w->cluster->n_waiters--;
        l->n_waiting--;
}

static void waiter_resume(struct waitlist *l, struct waiter *w) {
        waiter_unlink(l, w);
        w->resuming = true;
        l->n_resuming++;
        l->resume(w, l->userdata);
}

void waitlist_add(struct waitlist *l, struct waiter *w) {
        w->waiting = true;
        w->prev = l->tail;
        w->next = NULL;
        if (l->tail)
                l->tail->next = w;
        else
                l->head = w;
        l->tail = w;
        w->cluster->n_waiters++;
        l->n_waiting++;
        if (l->next_deadline == 0 || w->deadline < l->next_deadline)
                l->next_deadline = w->deadline;
}

void waitlist_wake(struct waitlist *l, const struct cluster *c) {
        struct waiter *w, *next;

        for (w = l->head; w; w = next) {
                next = w->next;
                if (w->cluster == c)
                        waiter_resume(l, w);
        }
}

void waitlist_expire(struct waitlist *l, uint64_t now, bool all) {
        struct waiter *w, *next;
        uint64_t earliest = 0;

        if (!all && (l->next_deadline == 0 || now < l->next_deadline))
                return;
        for (w = l->head; w; w = next) {
                next = w->next;
                if (all || w->deadline <= now)
                        waiter_resume(l, w);
                else if (earliest == 0 || w->deadline < earliest)
                        earliest = w->deadline;
        }
        l->next_deadline = earliest;
}

void waiter_cancel(struct waitlist *l, struct waiter *w) {
        if (w->waiting)
                waiter_resume(l, w);
}

void waiter_resumed(struct waitlist *l, struct waiter *w) {
        if (!w->resuming)
                return;
        w->resuming = false;
        l->n_resuming--;
}

void waiter_forget(struct waitlist *l, struct waiter *w) {
        if (w->waiting)
                waiter_unlink(l, w);
        waiter_resumed(l, w);
}

/* ---- GET .../join ---------------------------------------------------------------------------- */

/* libmicrohttpd does not look at a suspended connection's socket, so a client that hangs up during
 * its wait would keep its connection, and its place under the connection limits, until the wait is
 * over. The server watches those sockets itself; EPOLLRDHUP: the client has closed (or shut down
 * its side), while data it sends early does not count. */
static void hangup_watch(struct server *s, struct request *req) {
        struct epoll_event ev = { .events = EPOLLRDHUP, .data.ptr = req };

        if (s->hangup_fd < 0 || req->fd < 0)
                return;
        if (epoll_ctl(s->hangup_fd, EPOLL_CTL_ADD, req->fd, &ev) < 0) {
                log_debug_errno(-errno, "epoll_ctl(ADD %d): %m", req->fd);
                return;
        }
        req->hangup_watched = true;
}

static void hangup_unwatch(struct server *s, struct request *req) {
        if (!req->hangup_watched)
                return;
        /* before libmicrohttpd can close the socket: an entry left behind would point at freed memory */
        if (epoll_ctl(s->hangup_fd, EPOLL_CTL_DEL, req->fd, NULL) < 0)
                log_debug_errno(-errno, "epoll_ctl(DEL %d): %m", req->fd);
        req->hangup_watched = false;
}

void join_hangups(struct server *s) {
        struct epoll_event events[64];
        int n;

        n = epoll_wait(s->hangup_fd, events, (int) ELEMENTSOF(events), 0);
        for (int i = 0; i < n; i++) {
                struct request *req = events[i].data.ptr;

                /* off the list and resumed: the handler's next call closes the connection */
                req->hung_up = true;
                waiter_cancel(&s->waiters, &req->waiter);
        }
}

void join_forget(struct request *req) {
        hangup_unwatch(req->server, req);
        waiter_forget(&req->server->waiters, &req->waiter);
}

static void request_resume(struct waiter *w, void *userdata) {
        struct server *s = userdata;
        struct request *req = (struct request *) (void *) ((char *) w - offsetof(struct request, waiter));

        hangup_unwatch(s, req);
        s->mhd_pending = true;
        MHD_resume_connection(req->connection);
}

void join_waits_init(struct server *s) {
        s->waiters.resume = request_resume;
        s->waiters.userdata = s;
}

mhd_result join_get(struct request *req) {
        struct server *s = req->server;
        struct cluster *c = req->match.cluster;
        struct MHD_Response *response;

        if (c->record) {
                response = record_response(c);
                if (!response)
                        return MHD_NO;
                return queue(req, 200, response, c->record_size);
        }
        if (s->shutting_down)
                return respond_text(req, 503, "server shutting down");
        if (now_usec() >= req->waiter.deadline)
                return respond_text(req, 404, "no join record yet");

        /* libmicrohttpd 0.9.33 (CentOS 7) neither restarts the inactivity timer of a resumed
         * connection nor, with epoll, looks at it again unless it has a timeout of its own: give it
         * one that outlasts the wait. Harmless on later versions, which fixed both. */
        MHD_set_connection_option(req->connection, MHD_CONNECTION_OPTION_TIMEOUT,
                                  (unsigned int) (s->config->limits.connection_timeout + s->config->limits.max_wait + 5));
        MHD_suspend_connection(req->connection);
        req->waiter.cluster = c;
        waitlist_add(&s->waiters, &req->waiter);
        hangup_watch(s, req);
        return MHD_YES;
}

mhd_result join_wait_begin(struct request *req) {
        const char *wait = MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, "wait");
        unsigned long long seconds = 0;
        unsigned max = req->server->config->limits.max_wait;

        if (wait && parse_uint(wait, 0, ~0ULL, &seconds) < 0)
                return respond_text(req, 400, "wait must be a number of seconds");
        if (seconds > max)
                seconds = max;
        req->waiter.deadline = req->start + seconds * 1000000ULL;
        return join_get(req);
}

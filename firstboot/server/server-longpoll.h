/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "server-store.h"

/* Long polls for a join record (GET .../join?wait=SECONDS): a request that finds no record is
 * suspended on a wait list until a PUT publishes one for its cluster, its deadline passes or the
 * server shuts down. The list itself knows no connections: taking a waiter off calls resume(), which
 * the HTTP layer points at MHD_resume_connection(). */

struct waiter {
        struct waiter *prev, *next;
        struct cluster *cluster;
        uint64_t deadline;          /* monotonic usec */
        bool waiting;               /* on the list */
        bool resuming;              /* taken off and resumed, its owner has not run since */
};

struct waitlist {
        struct waiter *head, *tail;
        unsigned n_waiting;         /* on the list */
        unsigned n_resuming;        /* resumed, their owner has not run again yet */
        uint64_t next_deadline;     /* earliest deadline on the list, or earlier; 0: none */
        void (*resume)(struct waiter *w, void *userdata);
        void *userdata;
};

/* Puts w (cluster and deadline set) at the end of the list. */
void waitlist_add(struct waitlist *l, struct waiter *w);
/* Resumes every waiter of cluster c. */
void waitlist_wake(struct waitlist *l, const struct cluster *c);
/* Resumes the waiters whose deadline is not after now; all of them when all is set. */
void waitlist_expire(struct waitlist *l, uint64_t now, bool all);
/* Resumes w alone (its client has gone), if it is on the list. */
void waiter_cancel(struct waitlist *l, struct waiter *w);
/* The owner of a resumed waiter runs again. */
void waiter_resumed(struct waitlist *l, struct waiter *w);
/* The owner goes away: off the list and the counts, whatever its state. */
void waiter_forget(struct waitlist *l, struct waiter *w);

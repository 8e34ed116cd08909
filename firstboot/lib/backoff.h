/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>

#include "time-util.h"

/* The pause between the attempts of every retry loop: exponential from base to cap, each pause within
 * +-25% of its nominal value so that machines started together do not retry in lockstep, and never past
 * the deadline. Every retry loop has this shape:
 *
 *         struct backoff b;
 *         backoff_init(&b, 500, 15000, deadline_in_ms(timeout_ms));
 *         for (;;) {
 *                 r = attempt();
 *                 if (done or final)
 *                         return r;
 *                 if (backoff_wait(&b) < 0)
 *                         return -ETIMEDOUT;
 *         }
 */
#define BACKOFF_NO_DEADLINE UINT64_MAX

struct backoff {
        usec_t base, cap, next, deadline;
        unsigned waits;        /* pauses taken since init or reset */
        uint64_t jitter_state; /* xorshift64* state, never 0 */
};

/* base_ms >= 1; a cap below base is taken as base (a fixed interval). deadline on CLOCK_MONOTONIC
 * (deadline_in_ms()), or BACKOFF_NO_DEADLINE. */
void backoff_init(struct backoff *b, unsigned base_ms, unsigned cap_ms, usec_t deadline);

/* Starts again from base (after progress: the next failure is a new one). */
void backoff_reset(struct backoff *b);

/* The next pause, without waiting and without regard to the deadline: within +-25% of
 * min(base * 2^n, cap) for the nth call since init or reset. */
usec_t backoff_next(struct backoff *b);

/* Waits the next pause, cut short at the deadline. 0 when time is left for another attempt; -ETIMEDOUT
 * once the deadline is reached (at once when it already has: no pause then). */
int backoff_wait(struct backoff *b);

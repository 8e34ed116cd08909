/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <unistd.h>

#include "backoff.h"
#include "random.h"

static uint64_t jitter_seed(void) {
        uint64_t seed = 0;

        /* Without /dev/urandom (an early-boot chroot), the clock and the pid still differ between
         * machines enough to spread retries. */
        if (random_bytes(&seed, sizeof(seed)) < 0 || seed == 0)
                seed = now_realtime_usec() ^ ((uint64_t) getpid() << 40);
        return seed ? seed : 1;
}

/* xorshift64*: plenty for spreading retries, no cryptographic use. */
static uint64_t jitter_next(uint64_t *state) {
        uint64_t x = *state;

        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        return x * UINT64_C(2685821657736338717);
}

void backoff_init(struct backoff *b, unsigned base_ms, unsigned cap_ms, usec_t deadline) {
        *b = (struct backoff) {
                .base = (usec_t) (base_ms > 0 ? base_ms : 1) * USEC_PER_MSEC,
                .deadline = deadline,
                .jitter_state = jitter_seed(),
        };
        b->cap = (usec_t) cap_ms * USEC_PER_MSEC;
        if (b->cap < b->base)
                b->cap = b->base;
        b->next = b->base;
}

void backoff_reset(struct backoff *b) {
        b->next = b->base;
        b->waits = 0;
}

usec_t backoff_next(struct backoff *b) {
        usec_t nominal = b->next, spread = nominal / 2;

        b->next = nominal > b->cap / 2 ? b->cap : nominal * 2;
        b->waits++;
        return nominal - nominal / 4 + jitter_next(&b->jitter_state) % (spread + 1);
}

int backoff_wait(struct backoff *b) {
        usec_t now = now_usec(), pause;

        if (now >= b->deadline)
                return -ETIMEDOUT;
        pause = backoff_next(b);
        if (pause > b->deadline - now)
                pause = b->deadline - now;
        sleep_usec(pause);
        return now_usec() >= b->deadline ? -ETIMEDOUT : 0;
}

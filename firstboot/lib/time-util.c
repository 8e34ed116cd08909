/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <time.h>

#include "time-util.h"

static usec_t timespec_to_usec(const struct timespec *ts) {
        return (usec_t) ts->tv_sec * USEC_PER_SEC + (usec_t) ts->tv_nsec / 1000;
}

usec_t now_usec(void) {
        struct timespec ts;

        /* Cannot fail for CLOCK_MONOTONIC with a valid pointer. */
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return timespec_to_usec(&ts);
}

usec_t now_realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return timespec_to_usec(&ts);
}

int64_t now_realtime_sec(void) {
        return (int64_t) (now_realtime_usec() / USEC_PER_SEC);
}

usec_t deadline_in_ms(long long ms) {
        return now_usec() + (ms > 0 ? (usec_t) ms * USEC_PER_MSEC : 0);
}

long long deadline_remaining_ms(usec_t deadline) {
        usec_t now = now_usec();

        if (now >= deadline)
                return 0;
        return (long long) ((deadline - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC);
}

bool deadline_passed(usec_t deadline) {
        return now_usec() >= deadline;
}

void sleep_usec(usec_t usec) {
        struct timespec ts = {
                .tv_sec = (time_t) (usec / USEC_PER_SEC),
                .tv_nsec = (long) (usec % USEC_PER_SEC) * 1000,
        };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

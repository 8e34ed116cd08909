/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* One time unit for everything that measures or waits: microseconds on CLOCK_MONOTONIC, which neither
 * NTP steps nor a wrong RTC at first boot move. Wall-clock time only through the now_realtime_*()
 * functions, for timestamps that are stored or shown. */
typedef uint64_t usec_t;

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)

/* CLOCK_MONOTONIC. */
usec_t now_usec(void);

/* CLOCK_REALTIME: for timestamps that outlive the process (state files, records, logs), never for
 * measuring intervals. */
usec_t now_realtime_usec(void);
int64_t now_realtime_sec(void);

/* A deadline ms milliseconds from now (now itself for ms <= 0). */
usec_t deadline_in_ms(long long ms);
/* Milliseconds left until deadline, rounded up so that waiting that long reaches it; 0 once passed. */
long long deadline_remaining_ms(usec_t deadline);
bool deadline_passed(usec_t deadline);

/* Sleeps usec, resuming after a signal with the time that was left. */
void sleep_usec(usec_t usec);
static inline void sleep_ms(uint64_t ms) {
        sleep_usec(ms * USEC_PER_MSEC);
}

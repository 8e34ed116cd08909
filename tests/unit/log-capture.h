/* SPDX-License-Identifier: MIT */
/* The log of the code under test, captured for assertions: capture_start(), the calls, capture_end(),
 * then `logged` holds what they logged. Header-only, since every unit test is built from its one
 * source file; include it after <cmocka.h>. */
#pragma once

#include <stdio.h>
#include <string.h>

#include "log.h"

static FILE *capture;
static char logged[64 * 1024];

static inline void capture_start(void) {
        capture = tmpfile();
        assert_non_null(capture);
        log_set_extra_fd(fileno(capture));
        log_set_max_level(LOG_CRIT); /* keep the test output quiet; everything goes to the capture */
}

static inline const char *capture_end(void) {
        size_t n;

        log_set_extra_fd(-1);
        log_set_max_level(LOG_INFO);
        rewind(capture);
        n = fread(logged, 1, sizeof(logged) - 1, capture);
        logged[n] = 0;
        fclose(capture);
        capture = NULL;
        return logged;
}

static inline void assert_logged(const char *log, const char *needle) {
        if (!strstr(log, needle))
                fail_msg("expected in the log:\n  %s\nlog was:\n%s", needle, log);
}

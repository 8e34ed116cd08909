/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log-capture.h"
#include "log.h"

static FILE *capture;
static int saved_level = LOG_INFO;
static char *text; /* what log_capture_text() and friends last returned */

static const char *read_capture(void) {
        struct stat st;
        size_t n;

        assert_non_null(capture);
        assert_int_equal(fstat(fileno(capture), &st), 0);
        free(text);
        text = malloc((size_t) st.st_size + 1);
        assert_non_null(text);
        rewind(capture);
        n = fread(text, 1, (size_t) st.st_size, capture);
        text[n] = 0;
        return text;
}

void log_capture_start(void) {
        assert_null(capture);
        capture = tmpfile();
        assert_non_null(capture);
        log_set_extra_fd(fileno(capture));
        saved_level = log_get_max_level();
        log_set_max_level(LOG_CRIT);
}

const char *log_capture_end(void) {
        const char *all = read_capture();

        log_set_extra_fd(-1);
        log_set_max_level(saved_level);
        fclose(capture);
        capture = NULL;
        return all;
}

const char *log_capture_text(void) {
        return read_capture();
}

const char *log_capture_take(void) {
        const char *so_far = read_capture();

        assert_int_equal(ftruncate(fileno(capture), 0), 0);
        rewind(capture);
        return so_far;
}

int log_capture_setup(void **state) {
        log_capture_start();
        return 0;
}

int log_capture_teardown(void **state) {
        (void) log_capture_end();
        free(text);
        text = NULL;
        return 0;
}

void log_capture_assert_contains_(const char *log, const char *needle, const char *file, int line) {
        if (!strstr(log, needle)) {
                print_error("expected in the log:\n  %s\nthe log was:\n%s", needle, log);
                _fail(file, line);
        }
}

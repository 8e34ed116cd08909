/* SPDX-License-Identifier: MIT */
/* The log (firstboot/lib/log.c): which levels reach stderr, the extra sink that gets every level, the
 * line format, what the errno variants return, %m, and errno_text(). Its redaction of every line is
 * tested with redact() in test-redact.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit-test.h"

#include "log-capture.h"
#include "log.h"
#include "macro.h"

/* stderr, redirected into a temporary file while a test writes to it */
static FILE *stderr_file;
static int saved_stderr = -1;

static void stderr_start(void) {
        stderr_file = tmpfile();
        assert_non_null(stderr_file);
        saved_stderr = dup(STDERR_FILENO);
        assert_true(saved_stderr >= 0);
        assert_int_equal(dup2(fileno(stderr_file), STDERR_FILENO), STDERR_FILENO);
}

static char *stderr_end(void) {
        static char text[8192];
        size_t n;

        assert_int_equal(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
        close(saved_stderr);
        saved_stderr = -1;
        rewind(stderr_file);
        n = fread(text, 1, sizeof(text) - 1, stderr_file);
        text[n] = 0;
        fclose(stderr_file);
        return text;
}

static void log_every_level(void) {
        log_debug("at debug");
        log_info("at info");
        log_notice("at notice");
        log_warning("at warning");
        log_error("at error");
}

static void test_levels_on_stderr(void **state) {
        const char *out;

        log_set_max_level(LOG_NOTICE);
        assert_int_equal(log_get_max_level(), LOG_NOTICE);
        stderr_start();
        log_every_level();
        out = stderr_end();
        assert_string_equal(out, "kube-firstboot: notice: at notice\n"
                                 "kube-firstboot: warning: at warning\n"
                                 "kube-firstboot: error: at error\n");

        log_set_max_level(LOG_DEBUG);
        stderr_start();
        log_every_level();
        out = stderr_end();
        assert_string_equal(out, "kube-firstboot: debug: at debug\n"
                                 "kube-firstboot: at info\n"
                                 "kube-firstboot: notice: at notice\n"
                                 "kube-firstboot: warning: at warning\n"
                                 "kube-firstboot: error: at error\n");
        log_set_max_level(LOG_INFO);
}

/* The extra sink (the agent's 0600 log) gets every level, whatever reaches stderr. */
static void test_extra_sink_gets_every_level(void **state) {
        const char *out, *log;

        log_set_max_level(LOG_ERR);
        stderr_start();
        log_capture_start(); /* the extra sink */
        log_set_max_level(LOG_ERR); /* as it was: log_capture_start() keeps stderr quiet */
        log_every_level();
        log = log_capture_end();
        out = stderr_end();
        assert_string_equal(out, "kube-firstboot: error: at error\n");
        assert_string_equal(log, "kube-firstboot: debug: at debug\n"
                                 "kube-firstboot: at info\n"
                                 "kube-firstboot: notice: at notice\n"
                                 "kube-firstboot: warning: at warning\n"
                                 "kube-firstboot: error: at error\n");
        assert_int_equal(log_get_max_level(), LOG_ERR);
        log_set_max_level(LOG_INFO);
}

static void test_program_name(void **state) {
        const char *log;

        log_capture_start();
        log_set_program("kube-firstboot-server");
        log_warning("listening on %s:%d", "127.0.0.1", 8780);
        log_set_program("kube-firstboot");
        log_info("back");
        log = log_capture_end();
        assert_string_equal(log, "kube-firstboot-server: warning: listening on 127.0.0.1:8780\nkube-firstboot: back\n");
}

static void test_errno_results_and_percent_m(void **state) {
        const char *log;

        log_capture_start();
        errno = EAGAIN;
        assert_int_equal(log_error_errno(-ENOENT, "/etc/x: cannot read: %m"), -ENOENT);
        assert_int_equal(errno, EAGAIN); /* left as it was */
        assert_int_equal(log_warning_errno(EACCES, "positive: %m"), -EACCES);
        assert_int_equal(log_debug_errno(0, "no error"), -EIO);
        assert_int_equal(log_full_errno(LOG_NOTICE, -ENOSPC, "full: %m"), -ENOSPC);
        log = log_capture_end();
        assert_string_equal(log, "kube-firstboot: error: /etc/x: cannot read: No such file or directory\n"
                                 "kube-firstboot: warning: positive: Permission denied\n"
                                 "kube-firstboot: debug: no error\n"
                                 "kube-firstboot: notice: full: No space left on device\n");
}

/* A message longer than the line buffer is cut, and the line still ends with its newline. */
static void test_long_message_is_cut(void **state) {
        char *big = malloc(10000);
        const char *log;
        size_t len;

        assert_non_null(big);
        memset(big, 'x', 9999);
        big[9999] = 0;
        log_capture_start();
        log_error("%s", big);
        log_info("next");
        log = log_capture_end();
        len = strcspn(log, "\n");
        assert_true(len > 2000 && len < 2300);
        assert_string_equal(log + len, "\nkube-firstboot: next\n");
        free(big);
}

static void test_errno_text(void **state) {
        char buf[64];

        assert_string_equal(errno_text(-ENOENT, buf, sizeof(buf)), "No such file or directory");
        assert_string_equal(errno_text(ENOENT, buf, sizeof(buf)), "No such file or directory");
        assert_string_equal(errno_text(-99999, buf, sizeof(buf)), "Unknown error 99999");
}

UNIT_TEST_MAIN(NULL, NULL, test_levels_on_stderr, test_extra_sink_gets_every_level, test_program_name,
               test_errno_results_and_percent_m, test_long_message_is_cut, test_errno_text)

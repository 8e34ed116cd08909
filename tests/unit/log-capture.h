/* SPDX-License-Identifier: MIT */
#pragma once

/* What the code under test logs (firstboot/lib/log.c), captured so that a test can assert on it. Linked
 * into every unit test (the Makefile links every tests/unit/ source not named test-* into each test).
 *
 *   log_capture_start();              from here on every message, at any level, is kept, and stderr only
 *                                     gets LOG_CRIT (the test's output stays quiet)
 *   r = code_that_logs();
 *   log = log_capture_end();          stops, restores the level; the whole text, valid until the next start
 *   assert_logged(log, "cannot read");   fails the test, showing the whole log, when the text is missing
 *
 * log_capture_text() is the text so far while capturing; log_capture_take() the text since the last
 * take, then forgotten. For a whole group: cmocka_run_group_tests(tests, log_capture_setup,
 * log_capture_teardown), and log_capture_take() in each test. */

void log_capture_start(void);
const char *log_capture_end(void);
const char *log_capture_text(void);
const char *log_capture_take(void);

int log_capture_setup(void **state);
int log_capture_teardown(void **state);

#define assert_logged(log, needle) log_capture_assert_contains_((log), (needle), __FILE__, __LINE__)
void log_capture_assert_contains_(const char *log, const char *needle, const char *file, int line);

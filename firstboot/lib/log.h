/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

#include "macro.h"

/* Logging goes to stderr (the journal under systemd). Messages never carry file contents, tokens or
 * keys: callers pass names and positions, not values. In case one does anyway, every line goes through
 * redact() (redact.h) before any sink gets it. */

void log_set_max_level(int level);
int log_get_max_level(void);
/* The -v/--verbose and -q/--quiet entries of a getopt_long() table (with <getopt.h>); log_level_option()
 * applies what getopt_long() returns for them. */
#define LOG_LEVEL_OPTIONS { "verbose", no_argument, NULL, 'v' }, { "quiet", no_argument, NULL, 'q' }
/* -v: debug messages too; -q: warnings and errors only. false (nothing done) for any other option. */
bool log_level_option(int c);
void log_set_program(const char *name);
/* Also append every message (at any level) to this file descriptor, e.g. the 0600 agent log. */
void log_set_extra_fd(int fd);

/* strerror() of abs(error), thread-safe (strerror_r): the text, in buf when it is not a constant. */
const char *errno_text(int error, char *buf, size_t size);

/* error is a negative errno value, as everywhere in this code (`make lint` refuses a positive one at a
 * log call). Returns it (-EIO when error is 0) so callers can write "return log_error_errno(r, ...)". */
int log_internal(int level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...) log_internal((level), (error), __VA_ARGS__)
#define log_debug(...) (void) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) (void) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) (void) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) (void) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) (void) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_DEBUG, (e), __VA_ARGS__)
#define log_notice_errno(e, ...) log_internal(LOG_NOTICE, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_ERR, (e), __VA_ARGS__)

#ifdef __clang_analyzer__
/* Only clang's static analyzer (scan-build, `make lint`) compiles this: it cannot see into log.c, so it
 * is shown here what log_internal() returns, and "return log_error_errno(r, ...)" is then known to be
 * negative instead of any int (which made it report every caller's error path as going on). Errors are
 * negative here (make lint refuses a positive one at a log call), so a negative error is returned as it
 * is; -EIO stands for anything else. Negating a negative symbol ("-errno", then "-error") was more than
 * the analyzer could follow: it lost the sign. */
static inline int log_errno_result_(int error) {
        return error < 0 ? error : -EIO;
}
#undef log_full_errno
#undef log_debug_errno
#undef log_notice_errno
#undef log_warning_errno
#undef log_error_errno
#define log_full_errno(level, error, ...) (log_internal((level), (error), __VA_ARGS__), log_errno_result_(error))
#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_notice_errno(e, ...) log_full_errno(LOG_NOTICE, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)
#endif

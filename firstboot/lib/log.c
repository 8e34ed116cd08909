/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "log.h"
#include "redact.h"
#include "secret.h"

static int max_level = LOG_INFO;
static const char *program = "kube-firstboot";
static int extra_fd = -1;

void log_set_max_level(int level) {
        max_level = level;
}

bool log_level_option(int c) {
        if (c != 'v' && c != 'q')
                return false;
        max_level = c == 'v' ? LOG_DEBUG : LOG_WARNING;
        return true;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_program(const char *name) {
        program = name;
}

void log_set_extra_fd(int fd) {
        extra_fd = fd;
}

static const char *level_name(int level) {
        switch (level) {
        case LOG_EMERG:
        case LOG_ALERT:
        case LOG_CRIT:
        case LOG_ERR:
                return "error: ";
        case LOG_WARNING:
                return "warning: ";
        case LOG_NOTICE:
                return "notice: ";
        case LOG_DEBUG:
                return "debug: ";
        default:
                return "";
        }
}

const char *errno_text(int error, char *buf, size_t size) {
        /* the GNU strerror_r (_GNU_SOURCE): returns the text, a constant or buf */
        return strerror_r(error < 0 ? -error : error, buf, size);
}

int log_internal(int level, int error, const char *fmt, ...) {
        int saved = errno;
        char msg[2048];
        CLEANUP_ERASE(msg); /* before redaction it may hold what a command printed */
        va_list ap;
        int n;

        if (error < 0)
                error = -error;

        /* so that %m in fmt names the error passed in */
        errno = error;
        va_start(ap, fmt);
        n = vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (n < 0)
                msg[0] = 0;

        if (level <= max_level || extra_fd >= 0) {
                char shown[2 * sizeof(msg) + 16], line[sizeof(shown) + 64];
                int len;

                /* every sink gets the line without its secrets */
                (void) redact(msg, strlen(msg), shown, sizeof(shown));
                len = snprintf(line, sizeof(line), "%s: %s%s\n", program, level_name(level), shown);
                if (len > (int) sizeof(line) - 1)
                        len = sizeof(line) - 1;
                if (len > 0) {
                        if (level <= max_level)
                                (void) !write(STDERR_FILENO, line, len);
                        if (extra_fd >= 0)
                                (void) !write(extra_fd, line, len);
                }
        }

        errno = saved;
        return error > 0 ? -error : -EIO;
}

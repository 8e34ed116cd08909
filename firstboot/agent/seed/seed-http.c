/* SPDX-License-Identifier: MIT */
/* NoCloud-net: meta-data, user-data, network-config and vendor-data under a base URL. A metadata service
 * may be down, starting, or not yet populated at boot, so connection failures, timeouts, truncated
 * answers, 5xx, 408, 429 and a 404 on a required file are retried with capped exponential backoff and
 * jitter until the overall deadline (taking a 404 as final is Afterburn's bug 632). A 404 on an optional
 * file means the file is absent. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "macro.h"
#include "seed/seed.h"

#define URL_MAX 2048
#define CONNECT_TIMEOUT_MS 5000
#define REQUEST_TIMEOUT_MS 30000
#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 10000
#define PROGRESS_EVERY_MS 30000 /* how often a still-failing fetch says so above debug level */

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void sleep_ms(uint64_t ms) {
        struct timespec ts = { .tv_sec = (time_t) (ms / 1000), .tv_nsec = (long) (ms % 1000) * 1000000 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* xorshift64*: plenty for spreading retries; seeded from /dev/urandom so that machines booted together
 * do not retry in lockstep. */
static uint64_t jitter_next(uint64_t *state) {
        uint64_t x = *state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        return x * UINT64_C(2685821657736338717);
}

static uint64_t jitter_seed(void) {
        uint64_t seed = 0;
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd >= 0) {
                if (read(fd, &seed, sizeof(seed)) != (ssize_t) sizeof(seed))
                        seed = 0;
                close(fd);
        }
        if (seed == 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                seed = (uint64_t) ts.tv_nsec ^ ((uint64_t) ts.tv_sec << 20) ^ ((uint64_t) getpid() << 40);
        }
        return seed ? seed : 1;
}

/* "Equal jitter": half the delay fixed, half random. */
static uint64_t jittered(uint64_t delay, uint64_t *state) {
        return delay / 2 + jitter_next(state) % (delay / 2 + 1);
}

/* Only plain http(s)://host[:port]/path URLs: no credentials (they would end up in logs), no query or
 * fragment (file names are appended), no control characters or spaces. */
static int check_base_url(const char *url, char *ret, size_t size) {
        const char *authority, *end;
        size_t len = strlen(url);

        if (strncmp(url, "http://", 7) == 0)
                authority = url + 7;
        else if (strncmp(url, "https://", 8) == 0)
                authority = url + 8;
        else
                return log_error_errno(EINVAL, "%s: not an http or https URL", url);
        for (const char *c = url; *c; c++)
                if ((unsigned char) *c <= 0x20 || (unsigned char) *c == 0x7f)
                        return log_error_errno(EINVAL, "seed URL contains a space or control character");
        end = authority + strcspn(authority, "/");
        if (end == authority)
                return log_error_errno(EINVAL, "%s: URL without a host", url);
        if (memchr(authority, '@', (size_t) (end - authority)))
                return log_error_errno(EINVAL, "seed URL with credentials (user@host) is not supported");
        if (strpbrk(url, "?#"))
                return log_error_errno(EINVAL, "%s: a seed URL cannot have a query or fragment: file names are "
                                       "appended to it", url);
        if (len + 2 + strlen("network-config") > size)
                return log_error_errno(EINVAL, "seed URL longer than %zu bytes", size - 2 - strlen("network-config"));
        memcpy(ret, url, len + 1);
        if (ret[len - 1] != '/') {
                ret[len] = '/';
                ret[len + 1] = 0;
        }
        return 0;
}

struct fetch {
        const char *url;
        bool required;
        uint64_t deadline;
        uint64_t *jitter;
};

static bool retryable_status(long status, bool required) {
        return status >= 500 || status == 408 || status == 429 || (status == 404 && required);
}

/* One file, retried until the deadline. 0 with the body in ret, -ENOENT for an absent optional file. */
static int fetch_file(const struct fetch *f, struct http_response *ret) {
        uint64_t start = now_ms(), last_report = 0, delay = BACKOFF_FIRST_MS;
        char last_error[300] = "";
        unsigned attempts = 0;
        int r;

        for (;;) {
                uint64_t now = now_ms(), remaining = f->deadline > now ? f->deadline - now : 0;
                struct http_request req = {
                        .url = f->url,
                        .max_response = SEED_FILE_MAX,
                };

                if (remaining == 0) {
                        if (attempts == 0)
                                return log_error_errno(ETIMEDOUT, "%s: deadline passed before it could be fetched",
                                                       f->url);
                        return log_error_errno(ETIMEDOUT, "%s: no usable answer after %u attempts in %llu s (last: "
                                               "%s)", f->url, attempts,
                                               (unsigned long long) (now - start + 500) / 1000, last_error);
                }
                req.connect_timeout_ms = (long) (remaining < CONNECT_TIMEOUT_MS ? remaining : CONNECT_TIMEOUT_MS);
                req.timeout_ms = (long) (remaining < REQUEST_TIMEOUT_MS ? remaining : REQUEST_TIMEOUT_MS);

                attempts++;
                r = http_request(&req, ret);
                if (r == 0 && ret->status == 200) {
                        if (attempts > 1)
                                log_info("%s: fetched after %u attempts", f->url, attempts);
                        return 0;
                }
                if (r == 0 && ret->status == 404 && !f->required) {
                        log_debug("%s: absent (404)", f->url);
                        http_response_done(ret);
                        return -ENOENT;
                }
                if (r == 0 && !retryable_status(ret->status, f->required)) {
                        long status = ret->status;
                        http_response_done(ret);
                        return log_error_errno(status == 401 || status == 403 ? EACCES : EPROTO,
                                               "%s: HTTP status %ld", f->url, status);
                }
                if (r == -EFBIG)
                        return log_error_errno(r, "%s: larger than the limit of %d bytes", f->url, SEED_FILE_MAX);
                if (r == -EINVAL || r == -ELOOP || r == -ENOMEM)
                        return log_error_errno(r, "%s: %s", f->url, ret->error);

                if (r == 0)
                        snprintf(last_error, sizeof(last_error), "HTTP status %ld%s", ret->status,
                                 ret->status == 404 ? ", not there yet" : "");
                else
                        snprintf(last_error, sizeof(last_error), "%s: %s", http_strerror(r), ret->error);
                http_response_done(ret);

                now = now_ms();
                if (attempts == 1 || now - last_report >= PROGRESS_EVERY_MS) {
                        log_notice("%s: %s; retrying for up to %llu s more", f->url, last_error,
                                   (unsigned long long) (f->deadline > now ? f->deadline - now : 0) / 1000);
                        last_report = now;
                } else
                        log_debug("%s: attempt %u: %s", f->url, attempts, last_error);

                if (f->deadline > now) {
                        uint64_t pause = jittered(delay, f->jitter);
                        sleep_ms(pause < f->deadline - now ? pause : f->deadline - now);
                }
                delay = delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2;
        }
}

int seed_read_url(const char *url, int deadline_ms, struct seed *ret) {
        char base[URL_MAX];
        uint64_t jitter = jitter_seed();
        struct fetch f = {
                .deadline = now_ms() + (deadline_ms > 0 ? (uint64_t) deadline_ms : 0),
                .jitter = &jitter,
        };
        int r;

        r = check_base_url(url, base, sizeof(base));
        if (r < 0)
                return r;

        for (int i = 0; i < _SEED_FILE_MAX; i++) {
                struct http_response resp = {};
                char file_url[URL_MAX];

                snprintf(file_url, sizeof(file_url), "%s%s", base, seed_file_to_string(i));
                f.url = file_url;
                f.required = i == SEED_META_DATA || i == SEED_USER_DATA;
                r = fetch_file(&f, &resp);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                free(ret->data[i]);
                ret->data[i] = TAKE_PTR(resp.body);
                ret->size[i] = resp.size;
                snprintf(ret->name[i], sizeof(ret->name[i]), "%s", file_url);
        }
        snprintf(ret->origin, sizeof(ret->origin), "%s", base);
        return 0;
}

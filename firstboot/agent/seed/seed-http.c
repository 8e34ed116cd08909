/* SPDX-License-Identifier: MIT */
/* NoCloud-net: meta-data, user-data, network-config and vendor-data under a base URL. A metadata service
 * may be down, starting, or not yet populated at boot, so connection failures, timeouts, truncated
 * answers, 5xx, 408, 429 and a 404 on a required file are retried with capped exponential backoff and
 * jitter until the overall deadline (taking a 404 as final is Afterburn's bug 632). A 404 on an optional
 * file means the file is absent. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "http.h"
#include "join/ca-file.h"
#include "log.h"
#include "macro.h"
#include "secret.h"
#include "seed/seed.h"
#include "time-util.h"

#define URL_MAX 2048
#define CONNECT_TIMEOUT_MS 5000
#define REQUEST_TIMEOUT_MS 30000
#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 10000
#define PROGRESS_EVERY_MS 30000 /* how often a still-failing fetch says so above debug level */

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
                return log_error_errno(-EINVAL, "%s: not an http or https URL", url);
        for (const char *c = url; *c; c++)
                if ((unsigned char) *c <= 0x20 || (unsigned char) *c == 0x7f)
                        return log_error_errno(-EINVAL, "seed URL contains a space or control character");
        end = authority + strcspn(authority, "/");
        if (end == authority)
                return log_error_errno(-EINVAL, "%s: URL without a host", url);
        if (memchr(authority, '@', (size_t) (end - authority)))
                return log_error_errno(-EINVAL, "seed URL with credentials (user@host) is not supported");
        if (strpbrk(url, "?#"))
                return log_error_errno(-EINVAL, "%s: a seed URL cannot have a query or fragment: file names are "
                                       "appended to it", url);
        if (len + 2 + strlen("network-config") > size)
                return log_error_errno(-EINVAL, "seed URL longer than %zu bytes", size - 2 - strlen("network-config"));
        memcpy(ret, url, len + 1);
        if (ret[len - 1] != '/') {
                ret[len] = '/';
                ret[len + 1] = 0;
        }
        return 0;
}

struct fetch {
        const char *url;
        const char *ca_file;    /* https: the seed CA's file, NULL for the system's CA store */
        bool required;
        usec_t deadline;
        const char *refused_hint; /* said after a 401 or 403 */
};

static bool retryable_status(long status, bool required) {
        return status >= 500 || status == 408 || status == 429 || (status == 404 && required);
}

/* One file, retried until the deadline. 0 with the body in ret, -ENOENT for an absent optional file. */
static int fetch_file(const struct fetch *f, struct http_response *ret) {
        usec_t start = now_usec(), last_report = 0;
        char last_error[300] = "";
        unsigned attempts = 0;
        struct backoff b;
        int r;

        backoff_init(&b, BACKOFF_FIRST_MS, BACKOFF_MAX_MS, f->deadline);
        for (;;) {
                long long remaining = deadline_remaining_ms(f->deadline);
                struct http_request req = {
                        .url = f->url,
                        .ca_file = f->ca_file,
                        .max_response = SEED_FILE_MAX,
                };
                usec_t now;

                if (remaining == 0) {
                        if (attempts == 0)
                                return log_error_errno(-ETIMEDOUT, "%s: deadline passed before it could be fetched",
                                                       f->url);
                        return log_error_errno(-ETIMEDOUT, "%s: no usable answer after %u attempts in %llu s (last: "
                                               "%s)", f->url, attempts,
                                               (unsigned long long) ((now_usec() - start) / USEC_PER_MSEC + 500) / 1000,
                                               last_error);
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
                        bool refused = status == 401 || status == 403;
                        return log_error_errno(refused ? -EACCES : -EPROTO, "%s: HTTP status %ld%s", f->url, status,
                                               refused && f->refused_hint ? f->refused_hint : "");
                }
                if (r == -EFBIG)
                        return log_error_errno(r, "%s: larger than the limit of %d bytes", f->url, SEED_FILE_MAX);
                if (r == -EINVAL || r == -ELOOP || r == -ENOMEM)
                        return log_error_errno(r, "%s: %s", f->url, ret->error);
                /* Not retried: whoever answers holds no certificate the trusted CA signed for this host,
                 * and the seed holds the cluster key. */
                if (r == -EKEYREJECTED)
                        return log_error_errno(r, "%s: refused: %s (%s; trusted: %s)", f->url, http_strerror(r),
                                               ret->error, f->ca_file ? f->ca_file : "the system's CA store");

                if (r == 0)
                        snprintf(last_error, sizeof(last_error), "HTTP status %ld%s", ret->status,
                                 ret->status == 404 ? ", not there yet" : "");
                else
                        snprintf(last_error, sizeof(last_error), "%s: %s", http_strerror(r), ret->error);
                http_response_done(ret);

                now = now_usec();
                if (attempts == 1 || now - last_report >= PROGRESS_EVERY_MS * USEC_PER_MSEC) {
                        log_notice("%s: %s; retrying for up to %llu s more", f->url, last_error,
                                   (unsigned long long) deadline_remaining_ms(f->deadline) / 1000);
                        last_report = now;
                } else
                        log_debug("%s: attempt %u: %s", f->url, attempts, last_error);

                /* At the deadline, the check at the top gives up. */
                (void) backoff_wait(&b);
        }
}

/* An endpoint may serve user-data once per instance-id (kube-firstboot-server does). */
static const char user_data_refused[] =
        "; the endpoint serves a node's user-data to that node's address (or MAC) only, once per instance-id: "
        "its status page says why; if this node never got it whole, re-arm it there "
        "(kube-firstboot-server --config FILE --rearm NODE)";

int seed_read_url_kept(const char *url, int deadline_ms, const struct seed_keep *keep, struct seed *ret) {
        _cleanup_free_ char *ca_file = NULL;
        char base[URL_MAX], instance_id[256] = "";
        struct fetch f = {
                .deadline = deadline_in_ms(deadline_ms),
        };
        int r;

        r = check_base_url(url, base, sizeof(base));
        if (r < 0)
                return r;
        if (strncmp(base, "https://", 8) == 0) {
                r = ca_file_for_seed(&ca_file);
                if (r < 0)
                        return r;
                f.ca_file = ca_file;
        }

        for (int i = 0; i < _SEED_FILE_MAX; i++) {
                struct http_response resp = {};
                char file_url[URL_MAX];

                snprintf(file_url, sizeof(file_url), "%s%s", base, seed_file_to_string(i));
                if (i == SEED_USER_DATA && keep && instance_id[0]) {
                        char *kept = NULL;
                        size_t kept_size = 0;

                        r = seed_keep_load(keep, base, instance_id, &kept, &kept_size);
                        if (r < 0)
                                return log_error_errno(r, "%s: %m", file_url);
                        if (r > 0) {
                                erase_and_free(ret->data[i]);
                                ret->data[i] = kept;
                                ret->size[i] = kept_size;
                                snprintf(ret->name[i], sizeof(ret->name[i]), "%s", file_url);
                                continue;
                        }
                }
                f.url = file_url;
                f.required = i == SEED_META_DATA || i == SEED_USER_DATA;
                f.refused_hint = i == SEED_USER_DATA ? user_data_refused : NULL;
                r = fetch_file(&f, &resp);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                free(ret->data[i]);
                ret->data[i] = TAKE_PTR(resp.body);
                ret->size[i] = resp.size;
                snprintf(ret->name[i], sizeof(ret->name[i]), "%s", file_url);
                /* meta-data's instance-id says which kept user-data fits; without one nothing is kept */
                if (i == SEED_META_DATA && keep &&
                    seed_keep_instance_id(ret->data[i], ret->size[i], file_url, instance_id, sizeof(instance_id)) < 0)
                        instance_id[0] = 0;
                /* kept before anything else can fail: the next run may not get it from the endpoint again */
                if (i == SEED_USER_DATA && keep && instance_id[0])
                        (void) seed_keep_save(keep, base, instance_id, ret->data[i], ret->size[i]);
        }
        snprintf(ret->origin, sizeof(ret->origin), "%s", base);
        return 0;
}

int seed_read_url(const char *url, int deadline_ms, struct seed *ret) {
        return seed_read_url_kept(url, deadline_ms, NULL, ret);
}

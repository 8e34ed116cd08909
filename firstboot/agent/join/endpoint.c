/* SPDX-License-Identifier: MIT */
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "join/ca-file.h"
#include "join/endpoint.h"
#include "http.h"
#include "join/joinrecord.h"
#include "log.h"
#include "macro.h"
#include "redact.h"
#include "secret.h"
#include "time-util.h"

#define REPORT_MESSAGE_MAX 256

int endpoint_cluster_url(const struct fb_config *c, const char *suffix, char *buf, size_t size) {
        size_t n = strlen(c->endpoint);
        int k = snprintf(buf, size, "%s%sv1/clusters/%s/%s", c->endpoint, n > 0 && c->endpoint[n - 1] == '/' ? "" : "/",
                         c->cluster_name, suffix);
        return k < 0 || (size_t) k >= size ? -ENAMETOOLONG : 0;
}

/* With endpoint_ca, https requests trust that CA alone: its file, written once per process (and again
 * should the CA differ). NULL in *ret: no pin, the system's CA store (http, or no endpoint_ca). */
static int endpoint_ca_file(const struct fb_config *c, const char **ret) {
        static char *cached_pem, *cached_path;
        char *pem, *path = NULL;
        int r;

        *ret = NULL;
        if (!c->endpoint_ca || strncmp(c->endpoint, "https://", 8) != 0)
                return 0;
        if (cached_pem && streq(cached_pem, c->endpoint_ca)) {
                *ret = cached_path;
                return 0;
        }
        pem = strdup(c->endpoint_ca);
        if (!pem)
                return log_error_errno(-ENOMEM, "out of memory");
        r = ca_file_install(c->endpoint_ca, c->endpoint_ca_size, "endpoint-ca.pem", &path);
        if (r < 0) {
                free(pem);
                return r;
        }
        free(cached_pem);
        free(cached_path);
        cached_pem = pem;
        cached_path = path;
        *ret = path;
        return 0;
}

static int bearer_header(const struct fb_config *c, char buf[static 100]) {
        char bearer[JOIN_BEARER_LEN + 1];
        CLEANUP_ERASE(bearer);
        int r = join_derive_bearer(c->cluster_key, bearer);
        if (r < 0)
                return r;
        snprintf(buf, 100, "Authorization: Bearer %s", bearer);
        return 0;
}

static int put(const struct fb_config *c, const char *url, const char *body, size_t size, long timeout_ms,
               struct http_response *res) {
        char auth[100];
        CLEANUP_ERASE(auth);
        const char *headers[] = { auth, NULL };
        struct http_request req = {
                .method = "PUT",
                .url = url,
                .body = body,
                .body_size = size,
                .content_type = "application/json",
                .headers = headers,
                .timeout_ms = timeout_ms,
                .max_response = 64 * 1024,
                .no_redirects = true, /* the bearer goes to the seed's endpoint and nowhere else */
        };
        int r;

        r = endpoint_ca_file(c, &req.ca_file);
        if (r < 0)
                return r;
        r = bearer_header(c, auth);
        if (r < 0)
                return r;
        return http_request(&req, res);
}

int endpoint_put_record(const struct fb_config *c, const char *body, size_t size, int deadline_ms) {
        struct backoff b;
        char url[1024];
        int r;

        r = endpoint_cluster_url(c, "join", url, sizeof(url));
        if (r < 0)
                return log_error_errno(r, "endpoint URL too long");

        backoff_init(&b, 500, 15000, deadline_in_ms(deadline_ms));
        for (;;) {
                struct http_response res = {};

                r = put(c, url, body, size, 15000, &res);
                if (r >= 0 && res.status >= 200 && res.status < 300) {
                        http_response_done(&res);
                        return 0;
                }
                if (r >= 0 && res.status >= 300 && res.status < 400) {
                        log_error("%s: PUT answered HTTP %ld, a redirect to %s: not followed, a request carrying the "
                                  "bearer goes to the seed's kube_firstboot.endpoint only", url, res.status,
                                  res.redirect_host[0] ? res.redirect_host : "the same host");
                        http_response_done(&res);
                        return -EREMOTE;
                }
                if (r >= 0 && res.status >= 400 && res.status < 500 && res.status != 404 && res.status != 408 &&
                    res.status != 429) {
                        /* 401/403: the endpoint does not accept our bearer: a different cluster key. */
                        log_error("%s: PUT refused with HTTP %ld%s", url, res.status,
                                  res.status == 401 || res.status == 403 ? " (the endpoint expects another cluster key)"
                                                                         : "");
                        http_response_done(&res);
                        return -EACCES;
                }
                if (r == -EKEYREJECTED) {
                        /* the record would tell whoever answers how to join: never retried */
                        log_error("%s: PUT refused: %s (%s)", url, http_strerror(r), res.error);
                        http_response_done(&res);
                        return r;
                }
                if (r >= 0)
                        log_notice("%s: PUT answered HTTP %ld; retrying", url, res.status);
                else
                        log_notice("%s: PUT failed: %s; retrying", url, http_strerror(r));
                http_response_done(&res);

                if (backoff_wait(&b) < 0)
                        return log_error_errno(-ETIMEDOUT, "%s: could not publish the join record before the deadline",
                                               url);
        }
}

int endpoint_get_record(const struct fb_config *c, int wait_s, char **ret, size_t *ret_size) {
        char url[1100], base[1024];
        struct http_response res = {};
        struct http_request req = {
                .url = url,
                .connect_timeout_ms = 5000,
                .timeout_ms = (wait_s + 10) * 1000L,
                .max_response = JOIN_RECORD_MAX,
        };
        int r;

        r = endpoint_cluster_url(c, "join", base, sizeof(base));
        if (r < 0)
                return r;
        snprintf(url, sizeof(url), "%s?wait=%d", base, wait_s);
        r = endpoint_ca_file(c, &req.ca_file);
        if (r < 0)
                return r;

        r = http_request(&req, &res);
        if (r == -EKEYREJECTED) {
                /* said once; the caller's progress lines repeat it while it waits */
                static bool said;
                if (!said)
                        log_error("%s: %s (%s)", base, http_strerror(r), res.error);
                said = true;
                http_response_done(&res);
                return r;
        }
        if (r < 0) {
                log_debug("%s: %s", base, http_strerror(r));
                http_response_done(&res);
                return r;
        }
        if (res.status == 404) {
                http_response_done(&res);
                return 0;
        }
        if (res.status != 200) {
                log_debug("%s: HTTP %ld", base, res.status);
                http_response_done(&res);
                return -EAGAIN;
        }
        *ret = res.body;
        *ret_size = res.size;
        res.body = NULL;
        http_response_done(&res);
        return 1;
}

int endpoint_report(const struct fb_config *c, const char *stage, const char *status, const char *message) {
        json_object *o;
        struct http_response res = {};
        char url[1024], suffix[128];
        const char *body;
        int r;

        if (!c->endpoint[0] || !c->have_cluster_key)
                return 0;
        snprintf(suffix, sizeof(suffix), "nodes/%s", c->hostname);
        r = endpoint_cluster_url(c, suffix, url, sizeof(url));
        if (r < 0)
                return r;
        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "node", json_object_new_string(c->hostname));
        json_object_object_add(o, "role", json_object_new_string(role_to_string(c->role)));
        json_object_object_add(o, "stage", json_object_new_string(stage));
        json_object_object_add(o, "status", json_object_new_string(status));
        {
                char shown[2 * REPORT_MESSAGE_MAX + 16]; /* the endpoint's readers see no secret either */
                size_t n = redact(message, strnlen(message, REPORT_MESSAGE_MAX), shown, sizeof(shown));
                if (n > REPORT_MESSAGE_MAX)
                        n = REPORT_MESSAGE_MAX;
                json_object_object_add(o, "message", json_object_new_string_len(shown, (int) n));
        }
        json_object_object_add(o, "time", json_object_new_int64(now_realtime_sec()));
        body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

        r = put(c, url, body, strlen(body), 3000, &res);
        if (r == -EKEYREJECTED)
                /* a fake endpoint gets nothing, and the operator hears of it */
                log_warning("progress report to %s not sent: %s (%s)", url, http_strerror(r), res.error);
        else if (r < 0)
                log_debug("progress report to %s not delivered: %s", url, http_strerror(r));
        else if (res.status >= 300 && res.status < 400) {
                log_debug("progress report to %s answered HTTP %ld, a redirect to %s: not followed", url, res.status,
                          res.redirect_host[0] ? res.redirect_host : "the same host");
                r = -EREMOTE;
        } else if (res.status < 200 || res.status >= 300) {
                log_debug("progress report to %s answered HTTP %ld", url, res.status);
                r = -EIO;
        } else
                r = 0;
        http_response_done(&res);
        json_object_put(o);
        return r;
}

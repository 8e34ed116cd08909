/* SPDX-License-Identifier: MIT */
/* A worker: wait for the control plane's join record, then kubeadm join. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "join/endpoint.h"
#include "http.h"
#include "fileio.h"
#include "join/joinrecord.h"
#include "role/kubeadm.h"
#include "log.h"
#include "macro.h"
#include "path.h"
#include "random.h"
#include "role/role.h"

#define JOIN_ATTEMPTS 4
#define JOIN_TIMEOUT_MS (10 * 60 * 1000)
#define LONG_POLL_S 30
#define PROGRESS_EVERY_S 30
#define API_WAIT_S (10 * 60)

/* The record opened by the wait step, for the join step; wiped after use. */
static struct join_record record;
static bool have_record;

static long long monotonic_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool already_joined(void) {
        return root_exists(KUBELET_CONF);
}

static const char *open_error(int r) {
        switch (r) {
        case -EBADMSG:
                return "it does not open with this node's cluster key: the seed's kube_firstboot.cluster_key differs "
                       "from the control plane's (or the record was tampered with)";
        case -EXDEV:
                return "it belongs to another cluster";
        default:
                return "it is not a kube-firstboot join record";
        }
}

/* Fetches the join record until one opens (the endpoint's URL in userdata). */
static int wait_record_now(struct fb_run *run, void *userdata) {
        const struct fb_config *c = run->config;
        const char *url = userdata;
        long long start = monotonic_ms(), deadline, next_progress;
        char last[300] = "no answer yet";
        int last_open_error = 0, attempt = 0, r;

        if (!c->have_cluster_key)
                return log_error_errno(EINVAL, "no kube_firstboot.cluster_key in the seed: cannot open a join record");

        endpoint_report(c, "wait-record", "running", "waiting for the join record");
        deadline = start + (long long) c->join_timeout_s * 1000;
        next_progress = start + PROGRESS_EVERY_S * 1000;

        for (;;) {
                _cleanup_free_ char *body = NULL;
                long long t0 = monotonic_ms(), now;
                size_t size = 0;
                int delay = 0;

                r = endpoint_get_record(c, LONG_POLL_S, &body, &size);
                now = monotonic_ms();
                if (r > 0) {
                        r = join_record_open(c->cluster_key, c->cluster_name, body, size, &record);
                        if (r < 0) {
                                if (r != last_open_error) {
                                        log_error("join record at %s rejected: %s; waiting for a good one", url,
                                                  open_error(r));
                                        endpoint_report(c, "wait-record", "failed",
                                                        r == -EBADMSG ? "join record does not open: wrong cluster key?"
                                                                      : "join record rejected");
                                        last_open_error = r;
                                }
                                snprintf(last, sizeof(last), "a record that does not open");
                                delay = backoff_next_ms(attempt++, 1000, 15000);
                        } else if (record.expires <= (int64_t) time(NULL)) {
                                if (last_open_error != -ESTALE)
                                        log_warning("join record at %s expired %lld s ago; waiting for a fresh one", url,
                                                    (long long) time(NULL) - (long long) record.expires);
                                last_open_error = -ESTALE;
                                snprintf(last, sizeof(last), "an expired record");
                                secure_erase(&record, sizeof(record));
                                delay = backoff_next_ms(attempt++, 1000, 15000);
                        } else {
                                have_record = true;
                                log_info("join record received after %lld s (API server %s)", (now - start) / 1000,
                                         record.api_server);
                                return 0;
                        }
                } else if (r == 0) {
                        snprintf(last, sizeof(last), "no record yet (404)");
                        attempt = 0;
                        /* A store that ignores ?wait= answers at once: poll about once a second. */
                        if (now - t0 < 1000)
                                delay = backoff_next_ms(0, 1000, 1000);
                } else {
                        snprintf(last, sizeof(last), "%s", r == -EAGAIN ? "server error" : http_strerror(r));
                        delay = backoff_next_ms(attempt++, 500, 15000);
                }

                if (now >= next_progress) {
                        log_info("still waiting for the join record at %s (%lld s; last: %s)", url, (now - start) / 1000,
                                 last);
                        next_progress = now + PROGRESS_EVERY_S * 1000;
                }
                if (now + delay >= deadline)
                        return log_error_errno(ETIMEDOUT, "no usable join record at %s after %llu s (last: %s)", url,
                                               c->join_timeout_s, last);
                if (delay > 0)
                        usleep((useconds_t) delay * 1000);
        }
}

int step_wait_record(struct fb_run *run) {
        static const char STEP[] = "wait";
        const struct fb_config *c = run->config;
        char url[1024];
        int r;

        r = endpoint_cluster_url(c, "join", url, sizeof(url));
        if (r < 0)
                return log_error_errno(r, "endpoint URL too long");
        if (already_joined()) {
                run_unchanged(run, STEP, "node already joined (" KUBELET_CONF " present)");
                return 0;
        }
        return action_take(run, &(struct action) { .step = STEP, .what = "wait for the join record at", .after = url,
                                                   .kind = ACTION_CALL, .perform = wait_record_now, .userdata = url });
}

/* TCP connect with a timeout: is anything listening on the API server's port yet? */
static bool tcp_port_answers(const char *host_port, int timeout_ms) {
        char host[256], *colon;
        struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai = NULL;
        bool ok = false;

        if (strscpy(host, sizeof(host), host_port) < 0 || !(colon = strrchr(host, ':')))
                return false;
        *colon = 0;
        if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
                return false;
        for (struct addrinfo *a = ai; a && !ok; a = a->ai_next) {
                _cleanup_close_ int fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                struct pollfd p = { .fd = fd, .events = POLLOUT };
                int err = 0;
                socklen_t len = sizeof(err);

                if (fd < 0)
                        continue;
                if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS)
                        continue;
                if (poll(&p, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
                        ok = true;
        }
        freeaddrinfo(ai);
        return ok;
}

int step_join(struct fb_run *run) {
        static const char STEP[] = "join";
        const struct fb_config *c = run->config;
        _cleanup_free_ char *yaml = NULL;
        char what[400];
        long long start;
        size_t size;
        int r;

        if (already_joined()) {
                run_unchanged(run, STEP, "node already joined (" KUBELET_CONF " present)");
                return 0;
        }
        if (run->dry_run) {
                run_action(run, STEP, "kubeadm join --config " RUN_DIR "/kubeadm-join.yaml with the record's token and "
                           "CA hash", "not joined", "worker");
                return 1;
        }
        if (!have_record)
                return log_error_errno(EINVAL, "no join record to join with");

        snprintf(what, sizeof(what), "kubeadm join %s --config " RUN_DIR "/kubeadm-join.yaml", record.api_server);
        run_action(run, STEP, what, "not joined", "worker");

        start = monotonic_ms();
        while (!tcp_port_answers(record.api_server, 3000)) {
                if (monotonic_ms() - start > API_WAIT_S * 1000LL)
                        return log_error_errno(ETIMEDOUT, "the API server %s did not answer within %d s",
                                               record.api_server, API_WAIT_S);
                if ((monotonic_ms() - start) / 1000 % 30 == 0)
                        log_info("waiting for the API server %s to answer", record.api_server);
                sleep(1);
        }

        r = kubeadm_render_join(c, &record, &yaml, &size);
        if (r < 0)
                return log_error_errno(r, "cannot render the kubeadm join configuration: %m");
        r = kubeadm_run_config(run, "join", "kubeadm-join.yaml", yaml, size, JOIN_ATTEMPTS, JOIN_TIMEOUT_MS);
        secure_erase(&record, sizeof(record));
        have_record = false;
        if (r < 0)
                return r;
        if (!already_joined())
                return log_error_errno(ENOENT, "kubeadm join succeeded but wrote no " KUBELET_CONF);
        return 1;
}

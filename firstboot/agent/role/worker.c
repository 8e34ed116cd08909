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

#include "action.h"
#include "backoff.h"
#include "join/endpoint.h"
#include "http.h"
#include "fileio.h"
#include "join/joinrecord.h"
#include "role/kubeadm.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "path.h"
#include "role/role.h"
#include "secret.h"
#include "spawn.h"
#include "time-util.h"

/* kubeadm join is tried at least this often, and again until kube_firstboot.join_timeout has passed: a
 * control plane slower than kubeadm's 10 s client timeouts (a TCG guest, or one that still settles after
 * init) fails attempts that a later one gets through. */
#define JOIN_ATTEMPTS 4
#define JOIN_TIMEOUT_MS (10 * 60 * 1000)
#define LONG_POLL_S 30
#define PROGRESS_EVERY_S 30
#define API_WAIT_S (10 * 60)
#define ANNOTATE_WAIT_S (5 * 60)
/* In the state base directory, not the instance's: a re-seeded node keeps refusing rollbacks. */
#define JOIN_ACCEPTED "join-accepted"


/* The kubelet's client certificate in its --cert-dir, which kubeadm leaves at the default. The kubelet writes
 * kubelet.conf, pointing at it, as soon as its TLS bootstrap starts; the certificate comes once its CSR is
 * signed, which a busy control plane may not do before kubeadm join gives up. */
#define KUBELET_CLIENT_CERT "/var/lib/kubelet/pki/kubelet-client-current.pem"

/* Joined: the kubelet has its kubeconfig and the certificate it names (what kubeadm join waits for). */
static bool already_joined(void) {
        return root_exists(KUBELET_CONF) && root_exists(KUBELET_CLIENT_CERT);
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

/* state base/join-accepted: "CLUSTER ISSUED\n" of the last record this node accepted (0600, atomic). */
static char *accepted_path(const struct fb_run *run) {
        const char *slash = strrchr(run->state_dir, '/');
        char *path;

        if (!slash || asprintf(&path, "%.*s/" JOIN_ACCEPTED, (int) (slash - run->state_dir), run->state_dir) < 0)
                return NULL;
        return path;
}

/* The issued of the last record accepted for this cluster, 0 when none. A file that does not parse is
 * an error: forgetting the floor would let a rollback through. */
static int accepted_load(const char *path, const char *cluster, int64_t *ret) {
        _cleanup_free_ char *text = NULL;
        unsigned long long issued;
        char *space, *end;
        size_t size;
        int r;

        *ret = 0;
        r = root_read_file(path, 256, &text, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s%s: cannot read: %m", root_get(), path);
        space = memchr(text, ' ', size);
        end = size > 0 ? memchr(text, '\n', size) : NULL;
        if (!space || !end || end != text + size - 1 || space > end ||
            parse_uint_n(space + 1, (size_t) (end - space - 1), 0, INT64_MAX, &issued) < 0)
                return log_error_errno(-EBADMSG, "%s%s: not \"CLUSTER ISSUED\"; remove it to accept any record",
                                       root_get(), path);
        *space = 0;
        if (streq(text, cluster))
                *ret = (int64_t) issued;
        return 0;
}

static int accepted_store(const char *path, const char *cluster, int64_t issued) {
        char text[128];
        int n = snprintf(text, sizeof(text), "%s %lld\n", cluster, (long long) issued), r;

        r = root_write_file(path, text, (size_t) n, 0600, WRITE_ATOMIC_MKDIR);
        if (r < 0)
                return log_error_errno(r, "%s%s: cannot write: %m", root_get(), path);
        return 0;
}

/* Fetches the join record until one opens (the endpoint's URL in userdata). */
static int wait_record_now(struct fb_run *run, void *userdata) {
        struct join_record *rec = &run->join_record;
        const struct fb_config *c = run->config;
        const char *url = userdata;
        usec_t start = now_usec(), deadline, next_progress;
        char last[300] = "no answer yet", why[512];
        _cleanup_free_ char *accepted = NULL;
        struct backoff rejected, failing, no_record;
        int last_open_error = 0, r;
        int64_t accepted_issued;

        if (!c->have_cluster_key)
                return log_error_errno(-EINVAL, "no kube_firstboot.cluster_key in the seed: cannot open a join record");
        accepted = accepted_path(run);
        if (!accepted)
                return log_error_errno(-ENOMEM, "%s: %m", run->state_dir);
        r = accepted_load(accepted, c->cluster_name, &accepted_issued);
        if (r < 0)
                return r;

        endpoint_report(c, "wait-record", "running", "waiting for the join record");
        deadline = start + (usec_t) c->join_timeout_s * USEC_PER_SEC;
        run->join_deadline = deadline;
        next_progress = start + PROGRESS_EVERY_S * USEC_PER_SEC;
        /* A record that does not open, or a failing server, is retried with backoff; while there is no
         * record yet, a store that ignores ?wait= and answers at once is polled about once a second. */
        backoff_init(&rejected, 1000, 15000, deadline);
        backoff_init(&failing, 500, 15000, deadline);
        backoff_init(&no_record, 1000, 1000, deadline);

        for (;;) {
                _cleanup_erase_free_ char *body = NULL;
                usec_t t0 = now_usec(), now;
                struct backoff *pause = NULL;
                size_t size = 0;

                r = endpoint_get_record(c, LONG_POLL_S, &body, &size);
                now = now_usec();
                if (r > 0) {
                        r = join_record_open(c->cluster_key, c->cluster_name, body, size, rec);
                        if (r >= 0)
                                r = join_record_check_trust(rec, c->k8s.control_plane_host, c->k8s.control_plane_port,
                                                            accepted_issued, now_realtime_sec(), why, sizeof(why));
                        if (r == -EADDRNOTAVAIL || r == -ETIME || r == -ERANGE) {
                                /* It opened: whoever sealed it holds the cluster key, but that is not enough. */
                                if (r != last_open_error) {
                                        log_error("join record at %s refused: %s; waiting for a good one", url, why);
                                        endpoint_report(c, "wait-record", "failed", "join record refused");
                                        last_open_error = r;
                                }
                                snprintf(last, sizeof(last), "a refused record");
                                secure_erase(rec, sizeof(*rec));
                                pause = &rejected;
                        } else if (r == -EPROTONOSUPPORT) {
                                if (r != last_open_error) {
                                        log_error("join record at %s rejected: it is a version %lld record; this agent "
                                                  "opens version %d only (the control plane runs another kube-firstboot "
                                                  "release: build every node from one); waiting for a good one",
                                                  url, (long long) rec->version, JOIN_RECORD_VERSION);
                                        endpoint_report(c, "wait-record", "failed", "join record of another version");
                                        last_open_error = r;
                                }
                                snprintf(last, sizeof(last), "a record of version %lld", (long long) rec->version);
                                pause = &rejected;
                        } else if (r < 0) {
                                if (r != last_open_error) {
                                        log_error("join record at %s rejected: %s; waiting for a good one", url,
                                                  open_error(r));
                                        endpoint_report(c, "wait-record", "failed",
                                                        r == -EBADMSG ? "join record does not open: wrong cluster key?"
                                                                      : "join record rejected");
                                        last_open_error = r;
                                }
                                snprintf(last, sizeof(last), "a record that does not open");
                                pause = &rejected;
                        } else if (rec->expires <= now_realtime_sec()) {
                                if (last_open_error != -ESTALE)
                                        log_warning("join record at %s expired %lld s ago; waiting for a fresh one", url,
                                                    (long long) now_realtime_sec() - (long long) rec->expires);
                                last_open_error = -ESTALE;
                                snprintf(last, sizeof(last), "an expired record");
                                secure_erase(rec, sizeof(*rec));
                                pause = &rejected;
                        } else {
                                if (rec->issued > accepted_issued) {
                                        r = accepted_store(accepted, c->cluster_name, rec->issued);
                                        if (r < 0) {
                                                secure_erase(rec, sizeof(*rec));
                                                return r;
                                        }
                                }
                                run->have_join_record = true;
                                log_info("join record received after %llu s (API server %s)",
                                         (unsigned long long) ((now - start) / USEC_PER_SEC), rec->api_server);
                                return 0;
                        }
                } else if (r == 0) {
                        snprintf(last, sizeof(last), "no record yet (404)");
                        backoff_reset(&rejected);
                        backoff_reset(&failing);
                        if (now - t0 < USEC_PER_SEC)
                                pause = &no_record;
                } else {
                        snprintf(last, sizeof(last), "%s", r == -EAGAIN ? "server error" : http_strerror(r));
                        pause = &failing;
                }

                if (now >= next_progress) {
                        log_info("still waiting for the join record at %s (%llu s; last: %s)", url,
                                 (unsigned long long) ((now - start) / USEC_PER_SEC), last);
                        next_progress = now + PROGRESS_EVERY_S * USEC_PER_SEC;
                }
                if (pause ? backoff_wait(pause) < 0 : deadline_passed(deadline))
                        return log_error_errno(-ETIMEDOUT, "no usable join record at %s after %llu s (last: %s)", url,
                                               c->join_timeout_s, last);
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

/* kubeadm, unless the node has joined. */
int check_join(struct fb_run *run) {
        return already_joined() ? 0 : role_need_command("kubeadm", "kubeadm join joins the cluster");
}

/* kubeadm join's last act for a worker, after the kubelet's TLS bootstrap: the CRI socket annotation on its
 * Node, which `kubeadm upgrade node` and `kubeadm reset` read back. kubeadm 1.23 gives that request its
 * client's 10 s and retries only the API server's own timeouts, so a control plane slower than that (a
 * TCG guest) fails the join although the node has joined. The agent then sets the annotation itself, as
 * the node (kubelet.conf: NodeRestriction lets a kubelet change its own Node), with longer requests, until
 * the Node is there and takes it. The alternative, a reset and another join, throws the kubelet's
 * certificate away, and once the Node is Ready kubeadm refuses to join a node of that name again. */
static int annotate_cri_socket(struct fb_run *run) {
        const char *node = run->config->hostname;
        const char *argv[] = { "kubectl", "--kubeconfig", KUBELET_CONF, "--request-timeout=60s", "annotate", "--overwrite",
                               "node", node, CRI_SOCKET_ANNOTATION "=" CRI_SOCKET_DOCKER, NULL };
        struct backoff b;
        int r;

        log_info("kubeadm join failed after the kubelet's TLS bootstrap (its client certificate is there): node %s "
                 "has joined; setting its CRI socket annotation, kubeadm's last step, with kubectl as the node", node);
        backoff_init(&b, 2000, 15000, deadline_in_ms(ANNOTATE_WAIT_S * 1000LL));
        for (;;) {
                r = spawn_simple(argv, 90 * 1000, run->log_fd);
                if (r == 0) {
                        log_info("node %s annotated " CRI_SOCKET_ANNOTATION "=" CRI_SOCKET_DOCKER "; joined without a "
                                 "reset", node);
                        return 0;
                }
                if (r < 0 && r != -ETIMEDOUT) {
                        log_warning_errno(r, "cannot run kubectl: %m");
                        return r;
                }
                if (backoff_wait(&b) < 0) {
                        log_warning("node %s: the annotation did not take within %d s; see " AGENT_LOG, node,
                                    ANNOTATE_WAIT_S);
                        return -ETIMEDOUT;
                }
        }
}

/* kubeadm join until it succeeds: JOIN_ATTEMPTS attempts, and more until run->join_deadline, with
 * `kubeadm reset -f` and a pause between them (a half-done join leaves files that fail the next one's
 * preflight: reset first, as kubeadm's documentation advises), unless the attempt got as far as the
 * kubelet's certificate. The agent's own already_joined() holds then too, so an agent that stops there is
 * done on its next run. */
static int join_with_retries(struct fb_run *run, const char *config_path) {
        const char *argv[] = { "kubeadm", "join", "--config", config_path, NULL };
        usec_t deadline = run->join_deadline; /* set by the wait step, which gave step_join its record */
        struct backoff b;
        int attempt;

        /* 2 s, 4 s, 8 s, ... up to a minute between attempts */
        backoff_init(&b, 2000, 60000, deadline);
        for (attempt = 1;; attempt++) {
                /* kubelet.conf left by an earlier attempt or run is not this attempt's bootstrap */
                bool conf_before = root_exists(KUBELET_CONF);
                int r;

                log_info("kubeadm join (attempt %d); full output in " AGENT_LOG, attempt);
                r = kubeadm_command(run, argv, "kubeadm join", JOIN_TIMEOUT_MS);
                if (r == 0) {
                        log_info("kubeadm join succeeded");
                        return 0;
                }
                if (r < 0)
                        return r;
                if (!conf_before && already_joined() && annotate_cri_socket(run) == 0)
                        return 0;
                if (attempt >= JOIN_ATTEMPTS && deadline_passed(deadline))
                        break;
                kubeadm_reset(run);
                if (deadline_passed(deadline))
                        sleep_usec(backoff_next(&b)); /* the attempts still owed to the minimum, paused as before */
                else if (backoff_wait(&b) < 0 && attempt >= JOIN_ATTEMPTS)
                        break; /* join_timeout passed during the pause: no attempt starts after it */
        }
        return log_error_errno(-EIO, "kubeadm join failed %d times, and join_timeout has passed; giving up", attempt);
}

int step_join(struct fb_run *run) {
        struct join_record *rec = &run->join_record;
        static const char STEP[] = "join";
        const struct fb_config *c = run->config;
        _cleanup_erase_free_ char *yaml = NULL;
        char what[400];
        usec_t next_progress;
        struct backoff b;
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
        if (!run->have_join_record)
                return log_error_errno(-EINVAL, "no join record to join with");

        snprintf(what, sizeof(what), "kubeadm join %s --config " RUN_DIR "/kubeadm-join.yaml", rec->api_server);
        run_action(run, STEP, what, "not joined", "worker");

        backoff_init(&b, 1000, 1000, deadline_in_ms(API_WAIT_S * 1000LL));
        next_progress = now_usec();
        while (!tcp_port_answers(rec->api_server, 3000)) {
                if (now_usec() >= next_progress) {
                        log_info("waiting for the API server %s to answer", rec->api_server);
                        next_progress = now_usec() + PROGRESS_EVERY_S * USEC_PER_SEC;
                }
                if (backoff_wait(&b) < 0)
                        return log_error_errno(-ETIMEDOUT, "the API server %s did not answer within %d s",
                                               rec->api_server, API_WAIT_S);
        }

        r = kubeadm_render_join(c, run->facts.cni_plugin_dir, rec, &yaml, &size);
        if (r < 0)
                return log_error_errno(r, "cannot render the kubeadm join configuration: %m");
        r = kubeadm_run_config(run, "join", "kubeadm-join.yaml", yaml, size, join_with_retries);
        secure_erase(rec, sizeof(*rec));
        run->have_join_record = false;
        if (r < 0)
                return r;
        if (!already_joined())
                return log_error_errno(-ENOENT, "kubeadm join succeeded but wrote no " KUBELET_CONF);
        return 1;
}

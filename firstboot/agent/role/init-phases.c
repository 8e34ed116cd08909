/* SPDX-License-Identifier: MIT */
/* kubeadm init in phases: the phases that only write files and start the kubelet, one by one; the
 * kubelet's healthz awaited as long as the seed allows; then kubeadm init for the rest.
 *
 * Why not one kubeadm init: after starting the kubelet, kubeadm 1.23 waits 40 s for its healthz, then
 * tries 5 more times (about 4 minutes in all), and fails init when it never answers, whatever
 * apiServer.timeoutForControlPlane says. Under emulation the kubelet needed 171-189 s from its start to
 * its healthz: just too late, and every failed attempt then cost a reset and all the certificates again.
 * Here the agent waits for the kubelet itself, and a retry reuses what the phases made: after a failed
 * phase it runs the phases again (preflight not, which refuses their files; after certs or kubeconfig, a
 * reset first, and preflight too), after a failed rest only the rest. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "backoff.h"
#include "http.h"
#include "join/endpoint.h"
#include "log.h"
#include "macro.h"
#include "role/role.h"
#include "time-util.h"

#define INIT_ATTEMPTS 3
/* One phase writes files, or (kubelet-start) restarts the kubelet: bounded against a hang. */
#define PHASE_TIMEOUT_MS (10 * 60 * 1000)
/* The rest of init: the control plane's own wait (kubernetes.control_plane_timeout) comes on top. */
#define INIT_REST_TIMEOUT_MS (10 * 60 * 1000)
/* The kubelet's healthz as kubeadm's KubeletConfiguration defaults it (healthzBindAddress, healthzPort),
 * which the rendered configuration keeps. */
#define KUBELET_HEALTHZ_URL "http://127.0.0.1:10248/healthz"
/* At least what kubeadm's own kubelet check would have waited. */
#define KUBELET_WAIT_MIN_S 240
/* The phases below, for init --skip-phases once they ran. */
#define FILE_PHASES "preflight,certs,kubeconfig,kubelet-start,control-plane,etcd"

static const struct init_phase {
        const char *name, *sub;
        bool fresh_only;    /* refuses the files and ports of an earlier attempt (preflight) */
        bool reset_on_fail; /* a failure may leave files a retry cannot reuse (another CA, another URL) */
} init_phases[] = {
        { "preflight", NULL, true, false },
        { "certs", "all", false, true },
        { "kubeconfig", "all", false, true },
        { "kubelet-start", NULL, false, false },
        { "control-plane", "all", false, false },
        { "etcd", "local", false, false },
};

/* How an attempt ended, beyond 0 and -errno: */
enum {
        ATTEMPT_FAILED = 1,       /* retry as it is: the phases reuse or rewrite their files */
        ATTEMPT_FAILED_RESET = 2, /* retry after kubeadm reset, preflight included */
};

/* What earlier attempts left on the host, which decides where the next one starts. */
enum init_progress {
        INIT_FRESH,       /* nothing (or reset): every phase, preflight first */
        INIT_SOME_PHASES, /* a phase failed: the phases again but preflight, which refuses their files */
        INIT_PHASES_DONE, /* all ran, the rest failed: only the rest again; running the phases again would
                           * restart the kubelet and its static pods for nothing, as their files come out the
                           * same */
};

static int kubelet_wait_s(const struct fb_config *c) {
        return c->k8s.control_plane_timeout_s > KUBELET_WAIT_MIN_S ? (int) c->k8s.control_plane_timeout_s
                                                                  : KUBELET_WAIT_MIN_S;
}

/* kubeadm init phase NAME [SUB] --config PATH: 0, ATTEMPT_FAILED(_RESET) (logged), or -errno (logged). */
static int run_phase(struct fb_run *run, const struct init_phase *p, const char *config_path) {
        const char *argv[8] = { "kubeadm", "init", "phase", p->name };
        char shown[64];
        size_t n = 4;
        int r;

        if (p->sub)
                argv[n++] = p->sub;
        argv[n++] = "--config";
        argv[n++] = config_path;
        argv[n] = NULL;
        snprintf(shown, sizeof(shown), "kubeadm init phase %s%s%s", p->name, p->sub ? " " : "", p->sub ? p->sub : "");

        log_info("%s", shown);
        (void) endpoint_report(run->config, "init", "running", shown);
        r = kubeadm_command(run, argv, shown, PHASE_TIMEOUT_MS);
        if (r <= 0)
                return r;
        return p->reset_on_fail ? ATTEMPT_FAILED_RESET : ATTEMPT_FAILED;
}

static bool kubelet_healthy(void) {
        struct http_response resp = {};
        int r = http_request(&(struct http_request) { .url = KUBELET_HEALTHZ_URL, .connect_timeout_ms = 2000,
                                                      .timeout_ms = 5000, .max_response = 4096 },
                             &resp);
        bool ok = r == 0 && resp.status == 200;
        http_response_done(&resp);
        return ok;
}

/* 0 once the kubelet serves its healthz, -ETIMEDOUT (logged) when it has not within kubelet_wait_s(). */
static int wait_for_kubelet(struct fb_run *run) {
        int wait_s = kubelet_wait_s(run->config);
        usec_t start = now_usec();
        struct backoff b;

        log_info("waiting up to %d s for the kubelet to serve its healthz (" KUBELET_HEALTHZ_URL ")", wait_s);
        (void) endpoint_report(run->config, "init", "running", "waiting for the kubelet");
        backoff_init(&b, 1000, 5000, deadline_in_ms(wait_s * 1000LL));
        for (;;) {
                if (kubelet_healthy()) {
                        log_info("the kubelet serves its healthz (waited %llu s)",
                                 (unsigned long long) ((now_usec() - start) / USEC_PER_SEC));
                        return 0;
                }
                if (backoff_wait(&b) < 0)
                        return log_error_errno(-ETIMEDOUT,
                                               "the kubelet did not serve its healthz within %d s (" KUBELET_HEALTHZ_URL
                                               "); see journalctl -u kubelet%s",
                                               wait_s,
                                               run->config->k8s.control_plane_timeout_s
                                                       ? ""
                                                       : " (a slow host: kubernetes.control_plane_timeout waits longer)");
        }
}

/* One attempt: the phases still to run, the kubelet, then init --skip-phases; *progress moves on. */
static int init_attempt(struct fb_run *run, const char *config_path, enum init_progress *progress) {
        const char *rest[] = { "kubeadm", "init", "--config", config_path, "--skip-phases=" FILE_PHASES, NULL };
        int timeout_ms = INIT_REST_TIMEOUT_MS + (int) run->config->k8s.control_plane_timeout_s * 1000;
        int r;

        for (size_t i = 0; *progress != INIT_PHASES_DONE && i < ELEMENTSOF(init_phases); i++) {
                if (init_phases[i].fresh_only && *progress != INIT_FRESH)
                        continue;
                r = run_phase(run, &init_phases[i], config_path);
                /* a failed preflight wrote nothing: the next attempt checks the host again */
                if (r > 0 && !init_phases[i].fresh_only)
                        *progress = r == ATTEMPT_FAILED_RESET ? INIT_FRESH : INIT_SOME_PHASES;
                if (r != 0)
                        return r;
        }
        *progress = INIT_PHASES_DONE;
        r = wait_for_kubelet(run);
        if (r < 0)
                return r;
        log_info("kubeadm init --skip-phases=" FILE_PHASES);
        (void) endpoint_report(run->config, "init", "running", "kubeadm init, the phases after etcd");
        r = kubeadm_command(run, rest, "kubeadm init", timeout_ms);
        return r <= 0 ? r : ATTEMPT_FAILED;
}

int kubeadm_init_in_phases(struct fb_run *run, const char *config_path) {
        enum init_progress progress = INIT_FRESH;
        struct backoff b;

        /* 2 s, 4 s, 8 s, ... between attempts */
        backoff_init(&b, 2000, 60000, BACKOFF_NO_DEADLINE);
        for (int attempt = 1;; attempt++) {
                int r;

                log_info("kubeadm init in phases (attempt %d of %d); full output in " AGENT_LOG, attempt,
                         INIT_ATTEMPTS);
                r = init_attempt(run, config_path, &progress);
                if (r == 0) {
                        log_info("kubeadm init succeeded");
                        return 0;
                }
                if (r < 0) /* could not run kubeadm, or the kubelet never came: another attempt does no better */
                        return r;
                if (attempt >= INIT_ATTEMPTS)
                        return log_error_errno(-EIO, "kubeadm init failed %d times; giving up", INIT_ATTEMPTS);
                if (r == ATTEMPT_FAILED_RESET) {
                        log_info("kubeadm reset -f: the certificates or kubeconfigs are not reusable");
                        kubeadm_reset(run);
                }
                /* otherwise the files stay: certs and kubeconfig reuse theirs, the others rewrite theirs */
                (void) backoff_wait(&b);
        }
}

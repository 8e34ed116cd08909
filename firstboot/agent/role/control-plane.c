/* SPDX-License-Identifier: MIT */
/* The control plane: kubeadm init, root's kubeconfig, the CNI, the join record. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action.h"
#include "backoff.h"
#include "crypto-dl.h"
#include "join/endpoint.h"
#include "fileio.h"
#include "join/joinrecord.h"
#include "role/kubeadm.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "path.h"
#include "join/pubkeypin.h"
#include "random.h"
#include "role/host-gw.h"
#include "role/role.h"
#include "spawn.h"
#include "role/token.h"
#include "secret.h"
#include "time-util.h"

#define FLANNEL_REGISTRY "docker.io/flannel"
#define MANIFEST_MAX (256 * 1024)

/* abs under the --root prefix, for commands' arguments and messages; NULL (logged) when out of memory. */
static char *rooted(const char *abs) {
        char *p = root_path(abs);
        if (!p)
                log_error_errno(-ENOMEM, "%s: %m", abs);
        return p;
}

/* "<state dir>/name", under the root, in *ret; *ret_shown (optional) the same with the --root prefix. */
static int state_file(struct fb_run *run, const char *name, char **ret, char **ret_shown) {
        if (asprintf(ret, "%s/%s", run->state_dir, name) < 0) {
                *ret = NULL;
                return log_error_errno(-ENOMEM, "%s/%s: %m", run->state_dir, name);
        }
        if (ret_shown && !(*ret_shown = rooted(*ret)))
                return -ENOMEM;
        return 0;
}

/* kubectl --kubeconfig admin.conf get --raw /readyz: does the API server answer? */
static bool api_server_answers(struct fb_run *run, const char *admin_conf) {
        const char *argv[] = { "kubectl", "--kubeconfig", admin_conf, "get", "--raw", "/readyz", NULL };
        return spawn_simple(argv, 15000, run->log_fd) == 0;
}

/* After a reboot the kubelet needs a while to bring the static pods back: wait for an API server that
 * kubeadm init was seen to set up, up to API_RETURN_WAIT_S, polling every few seconds. */
#define API_RETURN_WAIT_S (5 * 60)
static bool api_server_comes_back(struct fb_run *run, const char *admin_conf) {
        struct backoff b;

        backoff_init(&b, 5000, 5000, deadline_in_ms(API_RETURN_WAIT_S * 1000LL));
        log_info("the cluster was initialised; waiting up to %d s for its API server to answer", API_RETURN_WAIT_S);
        for (;;) {
                if (api_server_answers(run, admin_conf))
                        return true;
                if (backoff_wait(&b) < 0)
                        return false;
        }
}

/* A 0600 marker in the state directory (abs under the root; shown names it in the error). */
static int write_marker(const char *abs, const char *shown, const char *text, size_t size) {
        int r = root_write_file(abs, text, size, 0600, 0);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write: %s", shown, chase_strerror(r));
        return 0;
}

struct token_expiry {
        const char *token;
        long long expires;
};

static int save_token(struct fb_run *run, void *userdata) {
        const struct token_expiry *t = userdata;
        return control_plane_token_save(run, t->token, t->expires);
}

int control_plane_token(struct fb_run *run, char token[static 24], long long *ret_expires) {
        const struct fb_config *c = run->config;
        _cleanup_erase_free_ char *text = NULL;
        _cleanup_free_ char *abs_path = NULL, *path = NULL;
        size_t size;
        int r;

        r = state_file(run, "token", &abs_path, &path);
        if (r < 0)
                return r;
        r = root_read_file(abs_path, 128, &text, &size);
        if (r >= 0) {
                char *words[2]; /* "TOKEN EXPIRES\n", as control_plane_token_save() writes it */
                unsigned long long expires;
                if (split_words(text, words, 2) == 2 && bootstrap_token_is_valid(words[0]) &&
                    parse_uint(words[1], 0, LLONG_MAX, &expires) >= 0) {
                        strscpy(token, 24, words[0]);
                        *ret_expires = (long long) expires;
                        return 0;
                }
                log_warning("%s: unreadable, making a new token", path);
        } else if (r != -ENOENT)
                return log_error_errno(r, "%s: cannot read: %s", path, chase_strerror(r));

        if (c->token[0])
                strscpy(token, 24, c->token);
        else {
                r = bootstrap_token_generate(token);
                if (r < 0)
                        return log_error_errno(r, "cannot generate a bootstrap token: %m");
        }
        *ret_expires = (long long) now_realtime_sec() + (long long) c->token_ttl_s;
        /* kept for the next steps and runs; no line of its own (the step that needs it has one) */
        r = action_take(run, &(struct action) { .step = "token", .kind = ACTION_CALL, .perform = save_token,
                                                .userdata = &(struct token_expiry) { token, *ret_expires } });
        return r < 0 ? r : 0;
}

int control_plane_token_save(struct fb_run *run, const char *token, long long expires) {
        _cleanup_free_ char *abs_path = NULL;
        char text[64];
        CLEANUP_ERASE(text);
        int n, r;

        r = state_file(run, "token", &abs_path, NULL);
        if (r < 0)
                return r;
        n = snprintf(text, sizeof(text), "%s %lld\n", token, expires);
        r = root_write_file(abs_path, text, (size_t) n, 0600, WRITE_ATOMIC_SECRET | WRITE_ATOMIC_MKDIR);
        if (r < 0)
                return log_error_errno(r, "%s%s: cannot write: %s", root_get(), abs_path, chase_strerror(r));
        return 0;
}

struct init_files {
        const char *admin, *marker_abs, *marker;
};

/* kubeadm init with a fresh configuration, then the marker that says it succeeded. */
static int init_now(struct fb_run *run, void *userdata) {
        const struct init_files *f = userdata;
        const struct fb_config *c = run->config;
        _cleanup_erase_free_ char *yaml = NULL;
        char token[24];
        CLEANUP_ERASE(token);
        long long expires;
        size_t size;
        int r;

        r = control_plane_token(run, token, &expires);
        if (r < 0)
                return r;
        r = kubeadm_render_init(c, run->facts.cni_plugin_dir, token, &yaml, &size);
        if (r < 0)
                return log_error_errno(r, "cannot render the kubeadm configuration: %m");
        r = kubeadm_run_config(run, "init", "kubeadm-init.yaml", yaml, size, kubeadm_init_in_phases);
        if (r < 0)
                return r;
        if (!root_exists(ADMIN_CONF))
                return log_error_errno(-ENOENT, "kubeadm init succeeded but wrote no %s", f->admin);
        return write_marker(f->marker_abs, f->marker, "kubeadm init succeeded\n", 23);
}

/* kubeadm, unless the control plane is initialised (admin.conf: a half-done init is reset with kubeadm). */
int check_init(struct fb_run *run) {
        return root_exists(ADMIN_CONF) ? 0 : role_need_command("kubeadm", "kubeadm init sets up the control plane");
}

int step_init(struct fb_run *run) {
        static const char STEP[] = "init";
        const struct fb_config *c = run->config;
        _cleanup_free_ char *admin = NULL, *marker_abs = NULL, *marker = NULL;
        char what[512];
        int r;

        admin = rooted(ADMIN_CONF);
        if (!admin)
                return -ENOMEM;
        /* kubeadm init writes admin.conf early, and the API server answers long before init has made the
         * bootstrap token: only an init seen to succeed (the marker, written right after) is finished. */
        r = state_file(run, "init-done", &marker_abs, &marker);
        if (r < 0)
                return r;
        if (root_exists(ADMIN_CONF)) {
                if (run->dry_run || root_exists(marker_abs)) {
                        /* A control plane that init set up is never reset here: workers may have joined it
                         * and hold its CA. If it does not come back, a person must look. */
                        if (!run->dry_run && !api_server_answers(run, admin) && !api_server_comes_back(run, admin))
                                return log_error_errno(-ETIMEDOUT,
                                                       "kubeadm init succeeded earlier (%s), but the API server has not "
                                                       "answered for %d s; not resetting an initialised control plane: "
                                                       "see journalctl -u kubelet and docker ps -a",
                                                       marker, API_RETURN_WAIT_S);
                        run_unchanged(run, STEP, "cluster initialised (" ADMIN_CONF " present, API server answers)");
                        return 0;
                }
                log_warning(ADMIN_CONF " exists but no init was seen to succeed: an earlier init did not finish; "
                            "resetting and initialising again");
                kubeadm_reset(run);
        }

        snprintf(what, sizeof(what), "kubeadm init --config " RUN_DIR "/kubeadm-init.yaml in phases: preflight to "
                 "etcd, the kubelet's healthz, the rest (kubernetes %s, advertise %s:%u, pod network %s)", c->k8s.version,
                 c->k8s.control_plane_host, c->k8s.control_plane_port, c->k8s.cni);
        return action_take(run, &(struct action) { .step = STEP, .what = what, .before = "not initialised",
                                                   .after = "control plane", .kind = ACTION_CALL, .perform = init_now,
                                                   .userdata = &(struct init_files) { admin, marker_abs, marker } });
}

struct kubeconfig_copy {
        const char *data, *dest;
        size_t size;
};

static int copy_kubeconfig(struct fb_run *run, void *userdata) {
        const struct kubeconfig_copy *k = userdata;
        int r;

        r = root_mkdir_p("/root/.kube", 0700);
        if (r >= 0)
                r = root_write_file("/root/.kube/config", k->data, k->size, 0600, WRITE_ATOMIC_SECRET);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write: %s", k->dest, chase_strerror(r));
        return 0;
}

int step_kubeconfig(struct fb_run *run) {
        static const char STEP[] = "kubeconfig";
        _cleanup_free_ char *data = NULL, *admin = NULL, *dest = NULL;
        _cleanup_free_ char *old = NULL;
        size_t size, old_size;
        int r;

        admin = rooted(ADMIN_CONF);
        dest = rooted("/root/.kube/config");
        if (!admin || !dest)
                return -ENOMEM;
        r = root_read_file(ADMIN_CONF, 1024 * 1024, &data, &size);
        if (r == -ENOENT && run->dry_run) {
                run_action(run, STEP, "copy " ADMIN_CONF " to /root/.kube/config (0600)", NULL, "admin kubeconfig");
                return 1;
        }
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s", admin, chase_strerror(r));
        r = root_read_file("/root/.kube/config", 1024 * 1024, &old, &old_size);
        if (r >= 0 && old_size == size && memcmp(old, data, size) == 0) {
                run_unchanged(run, STEP, "/root/.kube/config is the admin kubeconfig");
                return 0;
        }
        return action_take(run, &(struct action) { .step = STEP, .what = "copy " ADMIN_CONF " to /root/.kube/config (0600)",
                                                   .before = r >= 0 ? "different" : NULL, .after = "admin kubeconfig",
                                                   .kind = ACTION_CALL, .perform = copy_kubeconfig,
                                                   .userdata = &(struct kubeconfig_copy) { data, dest, size } });
}

/* Replaces every @NAME@ of the template that vars names; fails on one it does not know. */
static int render_template(const char *tmpl, const char *const vars[][2], size_t n_vars, char **ret, size_t *ret_size) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        const char *p = tmpl;

        if (!f)
                return -ENOMEM;
        while (*p) {
                const char *at = strchr(p, '@'), *end;
                size_t i;

                if (!at) {
                        fputs(p, f);
                        break;
                }
                fwrite(p, 1, (size_t) (at - p), f);
                end = strchr(at + 1, '@');
                for (i = 0; end && i < n_vars; i++)
                        if (strlen(vars[i][0]) == (size_t) (end - at - 1) && strncmp(at + 1, vars[i][0], end - at - 1) == 0)
                                break;
                if (!end || i == n_vars) {
                        fclose(f);
                        free(buf);
                        return -EBADMSG;
                }
                fputs(vars[i][1], f);
                p = end + 1;
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_size = size;
        return 0;
}

struct cni_apply {
        const char *admin, *rendered, *marker_abs, *marker;
        size_t size;
        char *digest_hex; /* 64 hex digits, room for a newline */
};

/* The manifest written and applied (a few tries: the API server may still be settling right after init),
 * then the marker with its digest. */
static int apply_cni(struct fb_run *run, void *userdata) {
        const struct cni_apply *a = userdata;
        _cleanup_free_ char *manifest = NULL;
        struct backoff b;
        int r;

        r = write_run_file("kube-flannel.yml", a->rendered, a->size, &manifest);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write: %s", RUN_DIR "/kube-flannel.yml", chase_strerror(r));
        endpoint_report(run->config, "cni", "running", "applying flannel");
        backoff_init(&b, 2000, 8000, BACKOFF_NO_DEADLINE);
        for (int attempt = 1;; attempt++) {
                const char *argv[] = { "kubectl", "--kubeconfig", a->admin, "apply", "-f", manifest, NULL };
                r = spawn_simple(argv, 2 * 60 * 1000, run->log_fd);
                if (r == 0)
                        break;
                if (attempt >= 5)
                        return log_error_errno(r < 0 ? r : -EIO, "kubectl apply of the flannel manifest failed; see "
                                               AGENT_LOG);
                (void) backoff_wait(&b);
        }
        a->digest_hex[64] = '\n';
        return write_marker(a->marker_abs, a->marker, a->digest_hex, 65);
}

/* The flannel manifest the package installs, kept for the step, and kubectl, which applies it. */
int check_cni(struct fb_run *run) {
        _cleanup_free_ char *tmpl_path = NULL;
        int r, first;

        if (config_cni_host_gw(run->config)) /* as the preflight's check found them (plan/preflight.c) */
                return host_gw_check_plugins(run);
        /* a worker applies no manifest */
        if (streq(run->config->k8s.cni, "none") || run->config->role != FB_ROLE_CONTROL_PLANE)
                return 0;
        tmpl_path = rooted(PKGDATADIR "/kube-flannel.yml.in");
        if (!tmpl_path)
                return -ENOMEM;
        free(run->facts.cni_template);
        run->facts.cni_template = NULL;
        first = root_read_file(PKGDATADIR "/kube-flannel.yml.in", MANIFEST_MAX, &run->facts.cni_template, NULL);
        if (first < 0)
                log_error_errno(first, "%s: cannot read the flannel manifest: %s", tmpl_path, chase_strerror(first));
        r = role_need_command("kubectl", "kubectl applies the flannel manifest");
        first = first < 0 ? first : r;
        return first;
}

int step_cni(struct fb_run *run) {
        static const char STEP[] = "cni";
        const struct fb_config *c = run->config;
        _cleanup_free_ char *rendered = NULL, *applied = NULL, *tmpl_path = NULL, *admin = NULL,
                            *manifest = NULL, *marker_abs = NULL, *marker = NULL;
        char pod[32], digest_hex[66];
        unsigned char digest[SHA256_DIGEST_LENGTH];
        size_t size;
        int r;

        if (streq(c->k8s.cni, "none")) {
                run_unchanged(run, STEP, "no CNI requested (kubernetes.cni: none)");
                return 0;
        }
        if (config_cni_host_gw(c)) /* no manifest: this node's own configuration, as on every worker */
                return step_cni_host_gw(run, STEP);
        if (c->role != FB_ROLE_CONTROL_PLANE) {
                run_unchanged(run, STEP, "flannel runs from the manifest the control plane applies");
                return 0;
        }
        tmpl_path = rooted(PKGDATADIR "/kube-flannel.yml.in");
        admin = rooted(ADMIN_CONF);
        if (!tmpl_path || !admin)
                return -ENOMEM;
        format_ipv4(c->k8s.pod_net, pod);
        snprintf(pod + strlen(pod), sizeof(pod) - strlen(pod), "/%u", c->k8s.pod_prefix);
        {
                const char *const vars[][2] = { { "POD_CIDR", pod }, { "FLANNEL_REGISTRY", FLANNEL_REGISTRY } };
                r = render_template(run->facts.cni_template, vars, ELEMENTSOF(vars), &rendered, &size);
        }
        if (r < 0)
                return log_error_errno(r, "%s: unknown @placeholder@ in the manifest", tmpl_path);

        r = dlopen_crypto();
        if (r < 0)
                return r;
        sym_SHA256((const unsigned char *) rendered, size, digest);
        for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
                snprintf(digest_hex + 2 * i, 3, "%02x", digest[i]);
        r = state_file(run, "cni-applied", &marker_abs, &marker);
        if (r < 0)
                return r;
        if (root_read_file(marker_abs, 128, &applied, NULL) >= 0 && strncmp(applied, digest_hex, 64) == 0) {
                run_unchanged(run, STEP, "flannel manifest applied");
                return 0;
        }
        return action_take(run, &(struct action) {
                        .step = STEP, .what = "kubectl apply -f " RUN_DIR "/kube-flannel.yml (flannel, vxlan)", .after = pod,
                        .kind = ACTION_CALL, .perform = apply_cni,
                        .userdata = &(struct cni_apply) { admin, rendered, marker_abs, marker, size, digest_hex } });
}

int publish_record(struct fb_run *run, const char *token, long long expires) {
        const struct fb_config *c = run->config;
        struct join_record rec = {};
        CLEANUP_ERASE(rec);
        _cleanup_erase_free_ char *sealed = NULL;
        _cleanup_free_ char *ca = NULL, *pem = NULL;
        size_t size, pem_size;
        int r;

        ca = rooted(CA_CERT);
        if (!ca)
                return -ENOMEM;
        strscpy(rec.cluster, sizeof(rec.cluster), c->cluster_name);
        r = kubeadm_api_server(c, rec.api_server, sizeof(rec.api_server));
        if (r < 0)
                return log_error_errno(r, "API server address too long");
        strscpy(rec.token, sizeof(rec.token), token);
        r = root_read_file(CA_CERT, 64 * 1024, &pem, &pem_size);
        if (r >= 0)
                r = pubkeypin_from_pem(pem, pem_size, rec.ca_cert_hashes[0]);
        if (r < 0)
                return log_error_errno(r, "%s: cannot compute the CA certificate hash: %m", ca);
        rec.n_ca_cert_hashes = 1;
        rec.issued = now_realtime_sec();
        rec.expires = expires;

        r = join_record_seal(c->cluster_key, &rec, &sealed, &size);
        if (r < 0)
                return log_error_errno(r, "cannot seal the join record: %m");
        r = endpoint_put_record(c, sealed, size, (int) (c->join_timeout_s * 1000));
        if (r < 0)
                return r;
        log_info("join record published (token expires in %lld min)", (expires - (long long) now_realtime_sec()) / 60);
        return 0;
}

int step_publish(struct fb_run *run) {
        static const char STEP[] = "publish";
        const struct fb_config *c = run->config;
        _cleanup_free_ char *published = NULL, *marker_abs = NULL, *marker = NULL;
        char stamp[128], url[1024];
        char token[24], keyed[64];
        CLEANUP_ERASE(token);
        CLEANUP_ERASE(keyed);
        unsigned char digest[SHA256_DIGEST_LENGTH];
        long long expires;
        int r, n;

        r = endpoint_cluster_url(c, "join", url, sizeof(url));
        if (r < 0)
                return log_error_errno(r, "endpoint URL too long");
        if (!c->have_cluster_key)
                return log_error_errno(-EINVAL, "no kube_firstboot.cluster_key in the seed: cannot seal a join record");
        if (run->dry_run) {
                run_action(run, STEP, "seal the join record and PUT it to", NULL, url);
                return 1;
        }
        r = control_plane_token(run, token, &expires);
        if (r < 0)
                return r;
        r = dlopen_crypto();
        if (r < 0)
                return r;
        /* What was published is remembered by a hash of token and expiry, never the token itself. */
        n = snprintf(keyed, sizeof(keyed), "%s %lld", token, expires);
        sym_SHA256((const unsigned char *) keyed, (size_t) n, digest);
        for (int i = 0; i < 16; i++)
                snprintf(stamp + 2 * i, 3, "%02x", digest[i]);
        snprintf(stamp + 32, sizeof(stamp) - 32, " %lld\n", expires);
        r = state_file(run, "published", &marker_abs, &marker);
        if (r < 0)
                return r;
        if (root_read_file(marker_abs, 128, &published, NULL) >= 0 && streq(published, stamp)) {
                run_unchanged(run, STEP, "join record published");
                return 0;
        }
        run_action(run, STEP, "seal the join record and PUT it to", NULL, url);
        endpoint_report(c, "publish", "running", "publishing the join record");
        r = publish_record(run, token, expires);
        if (r < 0)
                return r;
        r = write_marker(marker_abs, marker, stamp, strlen(stamp));
        return r < 0 ? r : 1;
}

/* kubeadm token create, without a token: kubeadm draws it and prints it on stdout, so that it is on no
 * command line (/proc/PID/cmdline is world-readable). The output goes to the agent log redacted; the token
 * is the one line that is nothing but a token (kubeadm's warnings come on the same pipe). */
static int kubeadm_token_create(struct fb_run *run, const char *admin, const char *ttl, char ret[static 24]) {
        const char *argv[] = { "kubeadm", "token", "create", "--ttl", ttl, "--description", "kube-firstboot join token",
                               "--kubeconfig", admin, NULL };
        struct spawn_options opts = { .timeout_ms = 2 * 60 * 1000, .log_fd = run->log_fd, .capture_max = 64 * 1024 };
        struct spawn_result res;
        _cleanup_erase_free_ char *output = NULL;
        char *line, *save = NULL;
        unsigned found = 0;
        int r;

        r = spawn_run(argv, &opts, &res);
        output = TAKE_PTR(res.output);
        spawn_result_done(&res);
        if (r < 0)
                return log_error_errno(r, "cannot run kubeadm token create: %m");
        if (res.timed_out || res.exit_status != 0)
                return log_error_errno(-EIO, "kubeadm token create %s; see " AGENT_LOG,
                                       res.timed_out ? "timed out" : "failed");
        for (line = output ? strtok_r(output, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
                line[strcspn(line, "\r")] = 0;
                if (!bootstrap_token_is_valid(line))
                        continue;
                if (found++ == 0)
                        strscpy(ret, 24, line);
        }
        if (found != 1)
                return log_error_errno(-EBADMSG, "kubeadm token create printed %s; see " AGENT_LOG,
                                       found ? "more than one token" : "no token");
        return 0;
}

int refresh_token(struct fb_run *run) {
        const struct fb_config *c = run->config;
        _cleanup_free_ char *admin = NULL;
        char ttl[32];
        char token[24], fresh[24];
        CLEANUP_ERASE(token);
        CLEANUP_ERASE(fresh);
        long long expires, now = (long long) now_realtime_sec(), left;
        int r;

        if (c->role != FB_ROLE_CONTROL_PLANE)
                return log_error_errno(-EINVAL, "refresh-token runs on the control plane only (this node is a %s)",
                                       role_to_string(c->role));
        admin = rooted(ADMIN_CONF);
        if (!admin)
                return -ENOMEM;
        if (!root_exists(ADMIN_CONF)) {
                log_info("cluster not initialised yet (" ADMIN_CONF " absent): nothing to refresh");
                return 0;
        }
        r = control_plane_token(run, token, &expires);
        if (r < 0)
                return r;
        left = expires - now;
        /* Renew once less than a third of the token's life is left, so a node rebuilt days later still
         * finds a token that works. */
        if (left > (long long) c->token_ttl_s / 3) {
                log_info("join token valid for %lld more minutes: nothing to do", left / 60);
                return 0;
        }
        if (run->dry_run) {
                printf("would create a new bootstrap token and republish the join record\n");
                return 1;
        }

        format_go_duration(c->token_ttl_s, ttl);
        r = kubeadm_token_create(run, admin, ttl, fresh);
        if (r < 0)
                return r;
        expires = (long long) now_realtime_sec() + (long long) c->token_ttl_s;
        r = control_plane_token_save(run, fresh, expires);
        if (r >= 0)
                r = publish_record(run, fresh, expires);
        if (r < 0)
                return r;
        log_info("new join token created and published (valid %llu min)", c->token_ttl_s / 60);
        return 1;
}

/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backoff.h"
#include "buffer.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "path.h"
#include "role/role.h"
#include "spawn.h"

#define MAX_IMAGE_TARBALLS 64
#define IMAGES_LOADED_MAX (64 * 1024) /* the state file naming the tarballs loaded */

static const struct fb_step control_plane_steps[] = {
        { "images", "load pre-seeded container images (offline first boot)", step_images },
        { "init", "kubeadm init with the seed's settings", step_init },
        { "kubeconfig", "root's kubeconfig, as the reference copies admin.conf", step_kubeconfig },
        { "cni", "the pod network (flannel)", step_cni },
        { "publish", "the sealed join record on the metadata endpoint", step_publish },
        { "done", "the success sentinel", step_done },
};

static const struct fb_step worker_steps[] = {
        { "images", "load pre-seeded container images (offline first boot)", step_images },
        { "wait", "the join record from the metadata endpoint", step_wait_record },
        { "join", "kubeadm join with the record's token and CA hash", step_join },
        { "done", "the success sentinel", step_done },
};

const struct fb_step *role_steps(const struct fb_config *c, size_t *ret_n) {
        if (c->role == FB_ROLE_CONTROL_PLANE) {
                *ret_n = ELEMENTSOF(control_plane_steps);
                return control_plane_steps;
        }
        *ret_n = ELEMENTSOF(worker_steps);
        return worker_steps;
}

int write_run_file(const char *name, const char *data, size_t size, char *ret_path, size_t path_size) {
        char dir[PATH_MAX];
        int r;

        r = root_path(dir, sizeof(dir), RUN_DIR);
        if (r < 0)
                return r;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        if (snprintf(ret_path, path_size, "%s/%s", dir, name) >= (int) path_size)
                return -ENAMETOOLONG;
        r = write_file_atomic(ret_path, data, size, 0600, WRITE_ATOMIC_SECRET);
        return r < 0 ? r : 0;
}

/* Image tarballs the lab image ships (docker save output), loaded once each; the state directory
 * remembers which were loaded (name, size and mtime), so a re-run does not load them again. */
int step_images(struct fb_run *run) {
        static const char STEP[] = "images";
        char dir[PATH_MAX], marker[PATH_MAX];
        _cleanup_buffer_ struct buffer loaded = BUFFER_INIT(IMAGES_LOADED_MAX);
        _cleanup_free_ char *text = NULL;
        struct dirent **names = NULL;
        int n, r = 0, changed = 0, seen = 0;
        size_t size = 0;

        r = root_path(dir, sizeof(dir), IMAGES_DIR);
        if (r < 0)
                return log_error_errno(r, "%s: path too long", IMAGES_DIR);
        n = scandir(dir, &names, NULL, alphasort);
        if (n < 0) {
                if (errno != ENOENT)
                        return log_error_errno(errno, "%s: cannot list: %m", dir);
                run_unchanged(run, STEP, "no pre-seeded images (" IMAGES_DIR " absent)");
                return 0;
        }
        snprintf(marker, sizeof(marker), "%s/images-loaded", run->state_dir);
        r = read_file_limited(marker, IMAGES_LOADED_MAX, &text, &size);
        if (r < 0 && r != -ENOENT) {
                log_error_errno(r, "%s: cannot read: %m", marker);
                goto finish;
        }
        r = buffer_append(&loaded, text, r < 0 ? 0 : size);
        if (r < 0)
                goto finish;

        for (int i = 0; i < n; i++) {
                const char *name = names[i]->d_name;
                char path[PATH_MAX], key[PATH_MAX + 64], what[PATH_MAX + 32];
                struct stat st;
                size_t len = strlen(name);

                if (len < 5 || strcmp(name + len - 4, ".tar") != 0 || name[0] == '.')
                        continue;
                if (++seen > MAX_IMAGE_TARBALLS) {
                        r = log_error_errno(E2BIG, "%s: more than %d image tarballs", dir, MAX_IMAGE_TARBALLS);
                        goto finish;
                }
                if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int) sizeof(path) || stat(path, &st) < 0 ||
                    !S_ISREG(st.st_mode))
                        continue;
                snprintf(key, sizeof(key), "%s %lld %lld\n", name, (long long) st.st_size, (long long) st.st_mtime);
                snprintf(what, sizeof(what), "docker load -i %s", name);
                if (loaded.data && strstr(loaded.data, key)) {
                        run_unchanged(run, STEP, what);
                        continue;
                }
                run_action(run, STEP, what, NULL, NULL);
                changed = 1;
                if (run->dry_run)
                        continue;
                {
                        const char *argv[] = { "docker", "load", "-i", path, NULL };
                        r = spawn_simple(argv, 10 * 60 * 1000, run->log_fd);
                }
                if (r != 0) {
                        r = log_error_errno(r < 0 ? r : EIO, "docker load -i %s failed (%s); see " AGENT_LOG, path,
                                            r < 0 ? "could not run" : "non-zero exit");
                        goto finish;
                }
                r = buffer_puts(&loaded, key);
                if (r < 0) {
                        log_error_errno(r, "%s: cannot remember %s: %m", marker, name);
                        goto finish;
                }
                r = write_file_atomic(marker, loaded.data, loaded.len, 0600, 0);
                if (r < 0) {
                        log_error_errno(r, "%s: cannot write: %m", marker);
                        goto finish;
                }
        }
        if (seen == 0)
                run_unchanged(run, STEP, "no image tarballs in " IMAGES_DIR);
        r = changed;
finish:
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return r;
}

int step_done(struct fb_run *run) {
        static const char STEP[] = "done";
        char path[PATH_MAX];
        int r;

        r = root_path(path, sizeof(path), SUCCESS_SENTINEL);
        if (r < 0)
                return log_error_errno(r, "%s: path too long", SUCCESS_SENTINEL);
        if (file_exists(path)) {
                run_unchanged(run, STEP, SUCCESS_SENTINEL " present");
                return 0;
        }
        run_action(run, STEP, "create " SUCCESS_SENTINEL, NULL, NULL);
        if (run->dry_run)
                return 1;
        r = write_run_file("bootstrap-success.complete", "success\n", 8, path, sizeof(path));
        if (r < 0)
                return log_error_errno(r, "%s: cannot write: %m", path);
        return 1;
}

int kubeadm_run_with_retries(struct fb_run *run, const char *subcommand, const char *config_path, int attempts,
                             int timeout_ms) {
        struct backoff b;

        /* 2 s, 4 s, 8 s, ... between attempts */
        backoff_init(&b, 2000, 60000, BACKOFF_NO_DEADLINE);
        for (int attempt = 1;; attempt++) {
                const char *argv[] = { "kubeadm", subcommand, "--config", config_path, NULL };
                const char *reset[] = { "kubeadm", "reset", "-f", NULL };
                int r;

                log_info("kubeadm %s (attempt %d of %d); full output in " AGENT_LOG, subcommand, attempt, attempts);
                r = spawn_simple(argv, timeout_ms, run->log_fd);
                if (r == 0) {
                        log_info("kubeadm %s succeeded", subcommand);
                        return 0;
                }
                if (r == -ETIMEDOUT)
                        log_warning("kubeadm %s timed out after %d s", subcommand, timeout_ms / 1000);
                else if (r < 0)
                        return log_error_errno(r, "cannot run kubeadm: %m");
                else
                        log_warning("kubeadm %s failed with exit status %d; see " AGENT_LOG, subcommand, r);

                if (attempt >= attempts)
                        return log_error_errno(EIO, "kubeadm %s failed %d times; giving up", subcommand, attempts);

                /* A half-done init or join leaves manifests and certificates that make the next attempt's
                 * preflight fail: reset first, as the kubeadm documentation advises. */
                r = spawn_simple(reset, 5 * 60 * 1000, run->log_fd);
                if (r != 0)
                        log_warning("kubeadm reset -f %s", r < 0 ? "could not run" : "failed");
                (void) backoff_wait(&b);
        }
}

/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "backoff.h"
#include "buffer.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "join/endpoint.h"
#include "path.h"
#include "random.h"
#include "role/image-archive.h"
#include "role/role.h"
#include "spawn.h"

#define MAX_IMAGE_TARBALLS 64

static const struct fb_step control_plane_steps[] = {
        { "images", "load pre-seeded container images (offline first boot)", step_images },
        { "init", "kubeadm init with the seed's settings", step_init, check_init },
        { "kubeconfig", "root's kubeconfig, as the reference copies admin.conf", step_kubeconfig },
        { "cni", "the pod network (flannel, or host-gw's CNI configuration)", step_cni, check_cni },
        { "publish", "the sealed join record on the metadata endpoint", step_publish },
        { "done", "the success sentinel", step_done },
};

static const struct fb_step worker_steps[] = {
        { "images", "load pre-seeded container images (offline first boot)", step_images },
        { "cni", "the pod network (host-gw's CNI configuration; flannel comes from the control plane)", step_cni,
          check_cni },
        { "wait", "the join record from the metadata endpoint", step_wait_record },
        { "join", "kubeadm join with the record's token and CA hash", step_join, check_join },
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

int role_need_command(const char *name, const char *what_for) {
        char exe[PATH_MAX];
        int r = spawn_find(name, exe, sizeof(exe));

        if (r < 0)
                return log_error_errno(r, "%s: command not found on the search path (is it installed? the image or "
                                       "kickstart installs it): %s", name, what_for);
        return 0;
}

int write_run_file(const char *name, const char *data, size_t size, char **ret_path) {
        _cleanup_free_ char *abs_path = NULL;
        int r;

        *ret_path = NULL;
        if (asprintf(&abs_path, RUN_DIR "/%s", name) < 0)
                return -ENOMEM;
        *ret_path = root_path(abs_path); /* for messages even when the write fails */
        if (!*ret_path)
                return -ENOMEM;
        r = root_mkdir_p(RUN_DIR, 0700);
        if (r < 0)
                return r;
        r = root_write_file(abs_path, data, size, 0600, WRITE_ATOMIC_SECRET);
        return r < 0 ? r : 0;
}

#define IMAGES_LOADED_MAX (64 * 1024) /* the state file naming the tarballs loaded */

struct image_load {
        const char *path, *key, *marker;
        struct buffer *loaded; /* the marker's lines: key appended once loaded */
};

static int load_image(struct fb_run *run, void *userdata) {
        const struct image_load *l = userdata;
        const char *argv[] = { "docker", "load", "-i", l->path, NULL };
        int r;

        r = spawn_simple(argv, 10 * 60 * 1000, run->log_fd);
        if (r != 0)
                return log_error_errno(r < 0 ? r : -EIO, "docker load -i %s failed (%s); see " AGENT_LOG, l->path,
                                       r < 0 ? "could not run" : "non-zero exit");
        r = buffer_puts(l->loaded, l->key);
        if (r < 0)
                return log_error_errno(r, "%s%s: cannot remember %s: %m", root_get(), l->marker, l->path);
        r = root_write_file(l->marker, l->loaded->data, l->loaded->len, 0600, 0);
        if (r < 0)
                return log_error_errno(r, "%s%s: cannot write: %s", root_get(), l->marker, chase_strerror(r));
        return 0;
}

/* On a worker: 1 when the archive holds only images a control plane runs (its manifest.json's RepoTags), so
 * that it is not loaded; 0 to load it (also when its manifest cannot be read: docker load then judges). */
static int worker_skips_image(struct fb_run *run, int dir_fd, const char *dir, const char *name) {
        _cleanup_close_ int fd = -1;
        char tag[256], why[PATH_MAX + 256 + 64]; /* the file's name, its tag and the words around them */
        int r;

        if (run->config->role == FB_ROLE_CONTROL_PLANE)
                return 0;
        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        r = fd < 0 ? negative_errno() : image_archive_control_plane_only(fd, tag, sizeof(tag));
        if (r == -EBADMSG)
                log_warning("%s/%s: no readable manifest.json (not a docker-archive tarball?); loading it", dir, name);
        else if (r < 0)
                log_warning_errno(r, "%s/%s: cannot read its manifest.json: %m; loading it", dir, name);
        if (r < 0)
                return 0;
        if (r == 0)
                return 0;
        snprintf(why, sizeof(why), "%s: %s, a control-plane image; a worker does not run it", name, tag);
        run_unchanged(run, "images", why);
        return 1;
}

/* Image tarballs the lab image ships (docker save output), loaded once each; the state directory
 * remembers which were loaded (name, size and mtime), so a re-run does not load them again. A worker
 * skips the control plane's own images. */
int step_images(struct fb_run *run) {
        static const char STEP[] = "images";
        _cleanup_buffer_ struct buffer loaded = BUFFER_INIT(IMAGES_LOADED_MAX);
        _cleanup_free_ char *text = NULL, *dir = root_path(IMAGES_DIR), *marker = NULL;
        size_t size = 0;
        _cleanup_close_ int dir_fd = -1;
        struct dirent **names = NULL;
        int n = 0, r = 0, changed = 0, seen = 0;

        if (!dir || asprintf(&marker, "%s/images-loaded", run->state_dir) < 0)
                return log_error_errno(-ENOMEM, "%s: %m", IMAGES_DIR);
        dir_fd = root_open_file(IMAGES_DIR, 0, O_RDONLY | O_DIRECTORY, 0);
        if (dir_fd == -ENOENT) {
                run_unchanged(run, STEP, "no pre-seeded images (" IMAGES_DIR " absent)");
                return 0;
        }
        if (dir_fd >= 0) {
                n = scandirat(dir_fd, ".", &names, NULL, alphasort);
                r = n < 0 ? negative_errno() : 0;
        } else
                r = dir_fd;
        if (r < 0)
                return log_error_errno(r, "%s: cannot list: %s", dir, chase_strerror(r));
        r = root_read_file(marker, IMAGES_LOADED_MAX, &text, &size);
        if (r < 0 && r != -ENOENT) {
                log_error_errno(r, "%s%s: cannot read: %s", root_get(), marker, chase_strerror(r));
                goto finish;
        }
        r = buffer_append(&loaded, text, r < 0 ? 0 : size);
        if (r < 0)
                goto finish;

        for (int i = 0; i < n; i++) {
                const char *name = names[i]->d_name;
                _cleanup_free_ char *path = NULL, *key = NULL, *what = NULL;
                struct stat st;
                size_t len = strlen(name);

                if (len < 5 || strcmp(name + len - 4, ".tar") != 0 || name[0] == '.')
                        continue;
                if (++seen > MAX_IMAGE_TARBALLS) {
                        r = log_error_errno(-E2BIG, "%s: more than %d image tarballs", dir, MAX_IMAGE_TARBALLS);
                        goto finish;
                }
                /* a link is not loaded: docker would follow it wherever it leads, out of the root too */
                if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (asprintf(&path, "%s/%s", dir, name) < 0 ||
                    asprintf(&key, "%s %lld %lld\n", name, (long long) st.st_size, (long long) st.st_mtime) < 0 ||
                    asprintf(&what, "docker load -i %s", name) < 0) {
                        r = log_error_errno(-ENOMEM, "%s/%s: %m", dir, name);
                        goto finish;
                }
                if (worker_skips_image(run, dir_fd, dir, name))
                        continue;
                if (loaded.data && strstr(loaded.data, key)) {
                        run_unchanged(run, STEP, what);
                        continue;
                }
                changed = 1;
                r = action_take(run, &(struct action) { .step = STEP, .what = what, .kind = ACTION_CALL,
                                                        .perform = load_image,
                                                        .userdata = &(struct image_load) { path, key, marker, &loaded } });
                if (r < 0)
                        goto finish;
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

static int write_sentinel(struct fb_run *run, void *userdata) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = write_run_file("bootstrap-success.complete", "success\n", 8, &path);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write: %s", path ? path : SUCCESS_SENTINEL, chase_strerror(r));
        return 0;
}

int step_done(struct fb_run *run) {
        static const char STEP[] = "done";

        if (root_exists(SUCCESS_SENTINEL)) {
                run_unchanged(run, STEP, SUCCESS_SENTINEL " present");
                return 0;
        }
        return action_take(run, &(struct action) { .step = STEP, .what = "create " SUCCESS_SENTINEL, .kind = ACTION_CALL,
                                                   .perform = write_sentinel });
}

/* The rendered kubeadm configurations: they hold the token, and are removed once kubeadm has read them. */
static const char *const rendered_configs[] = { "kubeadm-init.yaml", "kubeadm-join.yaml" };

/* 1 removed, 0 there was none, -errno. */
static int remove_run_file(const char *name) {
        _cleanup_free_ char *abs_path = NULL;
        int r;

        if (asprintf(&abs_path, RUN_DIR "/%s", name) < 0)
                return log_error_errno(-ENOMEM, "%s/%s: %m", RUN_DIR, name);
        r = root_unlink(abs_path);
        if (r < 0 && r != -ENOENT)
                return log_warning_errno(r, "%s%s: cannot remove: %s", root_get(), abs_path, chase_strerror(r));
        return r > 0;
}

void role_remove_rendered_configs(void) {
        for (size_t i = 0; i < ELEMENTSOF(rendered_configs); i++)
                if (remove_run_file(rendered_configs[i]) > 0)
                        log_info("%s/%s: removed, left by a run that did not finish", RUN_DIR, rendered_configs[i]);
}

int kubeadm_run_config(struct fb_run *run, const char *subcommand, const char *name, char *yaml, size_t size,
                       int (*run_kubeadm)(struct fb_run *run, const char *config_path)) {
        _cleanup_free_ char *config_path = NULL;
        char started[64];
        int r;

        r = write_run_file(name, yaml, size, &config_path); /* yaml holds the token: the caller's erases it */
        if (r < 0) {
                (void) remove_run_file(name);
                return log_error_errno(r, "%s/%s: cannot write: %s", RUN_DIR, name, chase_strerror(r));
        }
        snprintf(started, sizeof(started), "kubeadm %s started", subcommand);
        endpoint_report(run->config, subcommand, "running", started);
        r = run_kubeadm(run, config_path);
        /* read by kubeadm, whatever came of it: the token is not left in a file */
        (void) remove_run_file(name);
        return r;
}

int kubeadm_command(struct fb_run *run, const char *const argv[], const char *shown, int timeout_ms) {
        int r = spawn_simple(argv, timeout_ms, run->log_fd);

        if (r == 0)
                return 0;
        if (r == -ETIMEDOUT)
                log_warning("%s timed out after %d s", shown, timeout_ms / 1000);
        else if (r < 0)
                return log_error_errno(r, "cannot run kubeadm: %m");
        else
                log_warning("%s failed with exit status %d; see " AGENT_LOG, shown, r);
        return 1;
}

void kubeadm_reset(struct fb_run *run) {
        const char *reset[] = { "kubeadm", "reset", "-f", NULL };
        int r = spawn_simple(reset, 5 * 60 * 1000, run->log_fd);

        if (r != 0)
                log_warning("kubeadm reset -f %s", r < 0 ? "could not run" : "failed");
}

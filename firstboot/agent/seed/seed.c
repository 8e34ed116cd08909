/* SPDX-License-Identifier: MIT */
/* Seed discovery: tries each source in order and stops at the first that has a seed. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "path.h"
#include "seed/seed.h"

#define CMDLINE_MAX 8192

static const char *const seed_file_names[_SEED_FILE_MAX] = {
        [SEED_META_DATA] = "meta-data",
        [SEED_USER_DATA] = "user-data",
        [SEED_NETWORK_CONFIG] = "network-config",
        [SEED_VENDOR_DATA] = "vendor-data",
};

const char *seed_file_to_string(enum seed_file f) {
        return f < _SEED_FILE_MAX ? seed_file_names[f] : NULL;
}

void seed_done(struct seed *s) {
        for (int i = 0; i < _SEED_FILE_MAX; i++) {
                free(s->data[i]);
                s->data[i] = NULL;
                s->size[i] = 0;
        }
}

int seed_set_file(struct seed *s, enum seed_file f, const char *name, const char *data, size_t size) {
        char *copy;

        if (size > SEED_FILE_MAX)
                return -EFBIG;
        copy = malloc(size + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, data, size);
        copy[size] = 0;
        free(s->data[f]);
        s->data[f] = copy;
        s->size[f] = size;
        snprintf(s->name[f], sizeof(s->name[f]), "%s", name);
        return 0;
}

/* dir is a host path under the root when rooted, else the caller's own (--seed). */
static int seed_read_dir_in(const char *dir, bool rooted, struct seed *ret) {
        bool any = false;

        for (int f = 0; f < _SEED_FILE_MAX; f++) {
                _cleanup_free_ char *data = NULL, *path = NULL, *shown = NULL;
                size_t size;
                int r;

                if (asprintf(&path, "%s/%s", dir, seed_file_names[f]) < 0 ||
                    !(shown = rooted ? root_path(path) : strdup(path)))
                        return log_error_errno(ENOMEM, "%s: %m", dir);
                r = rooted ? root_read_file(path, SEED_FILE_MAX, &data, &size)
                           : read_file_limited(path, SEED_FILE_MAX, &data, &size);
                if (r == -ENOENT)
                        continue;
                if (r == -EFBIG)
                        return log_error_errno(r, "%s: larger than the limit of %d bytes", shown, SEED_FILE_MAX);
                if (r < 0)
                        return log_error_errno(r, "%s: cannot read: %s", shown, chase_strerror(r));
                free(ret->data[f]);
                ret->data[f] = TAKE_PTR(data);
                ret->size[f] = size;
                snprintf(ret->name[f], sizeof(ret->name[f]), "%s", shown);
                any = true;
        }
        if (!any)
                return -ENOENT;
        snprintf(ret->origin, sizeof(ret->origin), "%s%s", rooted ? root_get() : "", dir);
        return 0;
}

int seed_read_dir(const char *dir, struct seed *ret) {
        return seed_read_dir_in(dir, false, ret);
}

/* A source must at least have meta-data and user-data, as cloud-init's NoCloud requires. */
static int seed_check_complete(struct seed *s) {
        if (!s->data[SEED_META_DATA] || !s->data[SEED_USER_DATA]) {
                enum seed_file missing = s->data[SEED_META_DATA] ? SEED_USER_DATA : SEED_META_DATA;
                log_error("%s: seed has no %s (NoCloud needs meta-data and user-data)", s->origin,
                          seed_file_names[missing]);
                return -EINVAL;
        }
        return 0;
}

static bool is_url(const char *s) {
        return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* --seed or a kernel command line location: a URL, a directory, or an image file / block device. */
static int seed_read_location(const char *location, bool rooted, int http_deadline_ms, struct seed *ret) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        if (is_url(location))
                return seed_read_url(location, http_deadline_ms, ret);
        if (strncmp(location, "file://", 7) == 0)
                location += 7;
        if (location[0] != '/' && rooted)
                return log_error_errno(EINVAL, "seed location \"%s\" is neither an http(s) URL nor an absolute path",
                                       location);
        path = rooted ? root_path(location) : strdup(location);
        if (!path)
                return log_error_errno(ENOMEM, "%s: %m", location);
        if (!rooted) {
                if (stat(path, &st) < 0)
                        return log_error_errno(errno, "seed %s: %m", path);
        } else {
                /* O_NONBLOCK: a CD-ROM drive must not try to close its tray, a FIFO must not block the open. */
                fd = root_open_file(location, 0, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
                if (fd < 0)
                        return log_error_errno(fd, "seed %s: %s", path, chase_strerror(fd));
                if (fstat(fd, &st) < 0)
                        return log_error_errno(errno, "seed %s: %m", path);
        }
        if (S_ISDIR(st.st_mode)) {
                r = seed_read_dir_in(rooted ? location : path, rooted, ret);
                if (r == -ENOENT)
                        return log_error_errno(r, "seed directory %s holds no meta-data or user-data", path);
                return r;
        }
        return rooted ? seed_read_image_fd(fd, path, ret) : seed_read_image(path, ret);
}

int seed_find(const struct seed_options *opts, struct seed *ret) {
        static const char *const seed_dirs[] = {
                "/var/lib/cloud/seed/nocloud",
                "/var/lib/cloud/seed/nocloud-net",
        };
        _cleanup_free_ char *cmdline = NULL;
        char location[CMDLINE_MAX];
        int r;

        /* 1. --seed: taken as given (relative paths allowed, not put under --root: the operator named it). */
        if (opts->explicit_source) {
                r = seed_read_location(opts->explicit_source, false, opts->http_deadline_ms, ret);
                if (r < 0)
                        return r == -ENOENT ? -EINVAL : r;
                return seed_check_complete(ret);
        }

        /* 2. The kernel command line. */
        r = root_read_file("/proc/cmdline", CMDLINE_MAX - 1, &cmdline, NULL);
        if (r >= 0) {
                r = cmdline_find_seed(cmdline, location, sizeof(location));
                if (r < 0)
                        return r; /* logged by cmdline_find_seed(), with the reason */
                if (r > 0) {
                        log_debug("kernel command line names seed %s", location);
                        r = seed_read_location(location, true, opts->http_deadline_ms, ret);
                        if (r < 0)
                                return r;
                        return seed_check_complete(ret);
                }
        } else if (r != -ENOENT)
                log_warning_errno(r, "%s/proc/cmdline: cannot read: %s", root_get(), chase_strerror(r));

        /* 3. A cidata / config-2 volume. */
        r = seed_find_device(opts->device_wait_ms, ret);
        if (r >= 0)
                return seed_check_complete(ret);
        if (r != -ENOENT)
                return r;

        /* 4. Seed directories baked into the image. */
        for (size_t i = 0; i < ELEMENTSOF(seed_dirs); i++) {
                r = seed_read_dir_in(seed_dirs[i], true, ret);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                return seed_check_complete(ret);
        }

        log_error("no seed found: no --seed, no ds=nocloud on the kernel command line, no volume labelled "
                  "cidata or config-2, and nothing in /var/lib/cloud/seed/nocloud{,-net}");
        return -ENOENT;
}

/* SPDX-License-Identifier: MIT */
/* Seed discovery: the sources in their search order, the first that has a seed wins; and what every
 * source shares: the seed's files, a seed directory, the readers of a named location. */
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
#include "secret.h"
#include "seed/seed.h"

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
                erase_and_free(s->data[i]); /* user-data holds the cluster key */
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
                        return log_error_errno(-ENOMEM, "%s: %m", dir);
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
int seed_read_location(const char *location, bool rooted, const struct seed_options *opts, struct seed *ret) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        if (is_url(location))
                return seed_read_url_kept(location, opts->http_deadline_ms, opts->keep, ret);
        if (strncmp(location, "file://", 7) == 0)
                location += 7;
        if (location[0] != '/' && rooted)
                return log_error_errno(-EINVAL, "seed location \"%s\" is neither an http(s) URL nor an absolute path",
                                       location);
        path = rooted ? root_path(location) : strdup(location);
        if (!path)
                return log_error_errno(-ENOMEM, "%s: %m", location);
        if (!rooted) {
                if (stat(path, &st) < 0)
                        return log_error_errno(-errno, "seed %s: %m", path);
        } else {
                /* O_NONBLOCK: a CD-ROM drive must not try to close its tray, a FIFO must not block the open. */
                fd = root_open_file(location, 0, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
                if (fd < 0)
                        return log_error_errno(fd, "seed %s: %s", path, chase_strerror(fd));
                if (fstat(fd, &st) < 0)
                        return log_error_errno(-errno, "seed %s: %m", path);
        }
        if (S_ISDIR(st.st_mode)) {
                r = seed_read_dir_in(rooted ? location : path, rooted, ret);
                if (r == -ENOENT)
                        return log_error_errno(r, "seed directory %s holds no meta-data or user-data", path);
                return r;
        }
        return rooted ? seed_read_image_fd(fd, path, ret) : seed_read_image(path, ret);
}

/* --seed: taken as given (relative paths allowed, not put under --root: the operator named it). */
static int option_probe(const struct seed_options *opts, struct seed *ret) {
        int r;

        if (!opts->explicit_source)
                return 0;
        r = seed_read_location(opts->explicit_source, false, opts, ret);
        if (r < 0)
                return r == -ENOENT ? -EINVAL : r;
        return 1;
}

const struct seed_source seed_source_option = { .name = "--seed", .probe = option_probe };

/* Seed directories baked into the image. */
static int dirs_probe(const struct seed_options *opts, struct seed *ret) {
        static const char *const seed_dirs[] = {
                "/var/lib/cloud/seed/nocloud",
                "/var/lib/cloud/seed/nocloud-net",
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(seed_dirs); i++) {
                r = seed_read_dir_in(seed_dirs[i], true, ret);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                return 1;
        }
        return 0;
}

const struct seed_source seed_source_dirs = { .name = "nocloud-dir", .probe = dirs_probe };

/* The operator's choice first, then what the machine was booted with, then what it was built with. */
static const struct seed_source *const search_order[] = {
        &seed_source_option,
        &seed_source_cmdline,
        &seed_source_device,
        &seed_source_dirs,
};

const struct seed_source *const *seed_search_order(size_t *n_ret) {
        *n_ret = ELEMENTSOF(search_order);
        return search_order;
}

/* network-config= on the kernel command line comes before the seed's own, as in cloud-init (its
 * network_config_sources: the command line first, the datasource last); "disabled" leaves the network
 * as it is. */
static int seed_cmdline_network_config(struct seed *s) {
        _cleanup_free_ char *cmdline = NULL, *data = NULL, *name = NULL;
        size_t size, n = strlen(s->origin);
        int r;

        r = root_read_file("/proc/cmdline", 8191, &cmdline, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return 0; /* the cmdline source said so already */
        r = cmdline_network_config(cmdline, &data, &size);
        if (r <= 0)
                return r;
        if (r == CMDLINE_NETWORK_CONFIG_DISABLED) {
                if (s->data[SEED_NETWORK_CONFIG])
                        log_notice("%s: not used: network-config=disabled on the kernel command line",
                                   s->name[SEED_NETWORK_CONFIG]);
                erase_and_free(s->data[SEED_NETWORK_CONFIG]);
                s->data[SEED_NETWORK_CONFIG] = NULL;
                s->size[SEED_NETWORK_CONFIG] = 0;
                snprintf(s->origin + n, sizeof(s->origin) - n,
                         "; network-config disabled by network-config=disabled on the kernel command line");
                return 1;
        }
        name = root_path("/proc/cmdline");
        if (!name)
                return -ENOMEM;
        if (s->data[SEED_NETWORK_CONFIG])
                log_notice("%s: not used: network-config= on the kernel command line comes first, as in cloud-init",
                           s->name[SEED_NETWORK_CONFIG]);
        r = seed_set_file(s, SEED_NETWORK_CONFIG, "", data, size);
        if (r < 0)
                return log_error_errno(r, "%s: network-config=: %m", name);
        snprintf(s->name[SEED_NETWORK_CONFIG], sizeof(s->name[SEED_NETWORK_CONFIG]), "%s:network-config=", name);
        snprintf(s->origin + n, sizeof(s->origin) - n,
                 "; network-config from network-config= on the kernel command line (before the seed's, as in "
                 "cloud-init)");
        return 1;
}

static int seed_find_sources(const struct seed_options *opts, struct seed *ret) {
        for (size_t i = 0; i < ELEMENTSOF(search_order); i++) {
                int r = search_order[i]->probe(opts, ret);
                if (r < 0)
                        return r;
                if (r > 0) {
                        log_debug("seed from source %s: %s", search_order[i]->name, ret->origin);
                        r = seed_check_complete(ret);
                        if (r < 0)
                                return r;
                        r = seed_cmdline_network_config(ret);
                        return r < 0 ? r : 0;
                }
        }

        log_error("no seed found: no --seed, no ds=nocloud on the kernel command line or in the SMBIOS system "
                  "serial, no volume labelled "
                  "cidata or config-2, and nothing in /var/lib/cloud/seed/nocloud{,-net}");
        return -ENOENT;
}

/* The sources report a seed or location they cannot use (bad URL, damaged volume, file over the limit,
 * no meta-data) as -EINVAL, -EFBIG, -E2BIG or -EBADMSG, and the network's failures as http_request()'s
 * codes; this is where those meanings are known, so the class is set here and travels with the error. */
static enum fb_failure seed_failure(int r) {
        switch (r) {
        case 0:
                return FB_SUCCESS;
        case -ENOENT:
                return FB_FAILURE_NO_SEED;
        case -EINVAL:
        case -EFBIG:
        case -E2BIG:
        case -EBADMSG:
                return FB_FAILURE_BAD_INPUT;
        case -ETIMEDOUT:
        case -ECONNREFUSED:
        case -EHOSTUNREACH:
        case -EPIPE:
        case -EPROTO:
        case -EKEYREJECTED:
                return FB_FAILURE_TRANSIENT;
        case -ENOMEM:
                return FB_FAILURE_INTERNAL;
        default:
                return FB_FAILURE_HOST;
        }
}

int seed_find(const struct seed_options *opts, struct seed *ret, enum fb_failure *ret_failure) {
        int r = seed_find_sources(opts, ret);

        *ret_failure = seed_failure(r < 0 ? r : 0);
        /* the seed stage runs before any change: say so, as the config stage does for a seed it refuses */
        if (*ret_failure == FB_FAILURE_BAD_INPUT)
                log_error("seed refused; nothing was changed");
        return r;
}

/* SPDX-License-Identifier: MIT */
/* Finds the seed volume among the block devices: a filesystem labelled cidata (NoCloud) or config-2
 * (ConfigDrive), in any case, as cloud-init looks for LABEL=cidata, LABEL=CIDATA and LABEL_FATBOOT=cidata.
 * Candidates come from /proc/partitions and /sys/class/block (a CD-ROM drive may be missing from
 * /proc/partitions), each opened as /dev/NAME under --root and checked against its device number. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "backoff.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "path.h"
#include "seed/volume.h"
#include "seed/seed.h"
#include "time-util.h"

#define CANDIDATES_MAX 256
#define PARTITIONS_MAX (256 * 1024)
#define DEVICE_NAME_MAX 64
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 1000

struct candidate {
        char name[DEVICE_NAME_MAX];
        dev_t devnum;
        bool has_devnum;
};

struct candidates {
        struct candidate list[CANDIDATES_MAX];
        size_t n;
        bool overflow;
};

enum match {
        MATCH_NONE,
        MATCH_CONFIG_DRIVE,
        MATCH_NOCLOUD,
};

/* Kernel device names: letters, digits and a few punctuation marks; sysfs writes '/' as '!'. */
static bool device_name_valid(const char *s) {
        if (!*s || *s == '.' || strlen(s) >= DEVICE_NAME_MAX || strstr(s, ".."))
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      strchr("._-+:!", *s)))
                        return false;
        return true;
}

static void candidate_add(struct candidates *c, const char *name, bool has_devnum, dev_t devnum) {
        char fixed[DEVICE_NAME_MAX];

        if (!device_name_valid(name))
                return;
        snprintf(fixed, sizeof(fixed), "%s", name);
        for (char *p = fixed; *p; p++)
                if (*p == '!')
                        *p = '/';
        for (size_t i = 0; i < c->n; i++)
                if (streq(c->list[i].name, fixed))
                        return;
        if (c->n >= CANDIDATES_MAX) {
                c->overflow = true;
                return;
        }
        snprintf(c->list[c->n].name, sizeof(c->list[c->n].name), "%s", fixed);
        c->list[c->n].has_devnum = has_devnum;
        c->list[c->n].devnum = devnum;
        c->n++;
}

/* "major minor #blocks name" lines after a header. Returns 0, or -ENOENT when the file is absent. */
static int candidates_from_partitions(struct candidates *c) {
        _cleanup_free_ char *data = NULL;
        int r;

        r = root_read_file("/proc/partitions", PARTITIONS_MAX, &data, NULL);
        if (r < 0) {
                if (r != -ENOENT)
                        log_debug_errno(r, "%s/proc/partitions: cannot read: %s", root_get(), chase_strerror(r));
                return -ENOENT;
        }
        for (char *line = data, *next; line && *line; line = next) {
                unsigned long long major, minor, blocks;
                char *words[4]; /* "   8        0   20971520 sda" */

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (split_words(line, words, 4) == 4 && parse_uint(words[0], 0, UINT_MAX, &major) >= 0 &&
                    parse_uint(words[1], 0, UINT_MAX, &minor) >= 0 &&
                    parse_uint(words[2], 0, ULLONG_MAX, &blocks) >= 0 && strlen(words[3]) < DEVICE_NAME_MAX)
                        candidate_add(c, words[3], true, makedev((unsigned) major, (unsigned) minor));
        }
        return 0;
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* /sys/class/block/NAME/dev holds "major:minor". Returns 0, or -ENOENT when the directory is absent. */
static int candidates_from_sysfs(struct candidates *c) {
        char *names[CANDIDATES_MAX];
        size_t n = 0;
        struct dirent *de;
        DIR *d;

        d = root_opendir("/sys/class/block");
        if (!d)
                return -ENOENT;
        while ((de = readdir(d)) && n < CANDIDATES_MAX) {
                if (!device_name_valid(de->d_name))
                        continue;
                names[n] = strdup(de->d_name);
                if (!names[n])
                        break;
                n++;
        }
        closedir(d);
        /* readdir order is arbitrary; sorted, the choice between two seed volumes is reproducible. */
        qsort(names, n, sizeof(names[0]), compare_names);

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *dev = NULL, *path = NULL;
                unsigned major, minor;
                bool has = false;

                if (asprintf(&path, "/sys/class/block/%s/dev", names[i]) >= 0 &&
                    root_read_file(path, 64, &dev, NULL) >= 0 && parse_devnum(dev, &major, &minor) >= 0)
                        has = true;
                candidate_add(c, names[i], has, has ? makedev(major, minor) : 0);
                free(names[i]);
        }
        return 0;
}

static enum match label_match(const char *label) {
        if (ascii_strcasecmp(label, "cidata") == 0)
                return MATCH_NOCLOUD;
        if (ascii_strcasecmp(label, "config-2") == 0)
                return MATCH_CONFIG_DRIVE;
        return MATCH_NONE;
}

/* Probes one candidate. Returns the match and leaves the open descriptor in *ret_fd and the device's name
 * (with the --root prefix, on the heap) in *ret_path for a match. */
static enum match probe_candidate(const struct candidate *cand, char **ret_path, char *type, size_t type_size,
                                  char *label, size_t label_size, int *ret_fd) {
        _cleanup_free_ char *abs_path = NULL, *path = NULL;
        _cleanup_close_ int fd = -1;
        enum match m;
        struct stat st;
        int r;

        if (asprintf(&abs_path, "/dev/%s", cand->name) < 0) {
                abs_path = NULL;
                return MATCH_NONE;
        }
        path = root_path(abs_path);
        if (!path)
                return MATCH_NONE;
        /* /dev/disk/by-label/x and friends are links inside /dev: followed, inside the root */
        fd = root_open_file(abs_path, 0, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
        if (fd < 0) {
                log_debug_errno(fd, "%s: cannot open: %s", path, chase_strerror(fd));
                return MATCH_NONE;
        }
        if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode)) {
                log_debug("%s: not a block device", path);
                return MATCH_NONE;
        }
        if (cand->has_devnum && st.st_rdev != cand->devnum) {
                log_debug("%s: device %u:%u, but the kernel lists %s as %u:%u; skipped", path, major(st.st_rdev),
                          minor(st.st_rdev), cand->name, major(cand->devnum), minor(cand->devnum));
                return MATCH_NONE;
        }
        r = volume_probe(fd, type, type_size, label, label_size);
        if (r < 0) {
                if (r != -ENOENT)
                        log_debug_errno(r, "%s: probe failed: %m", path);
                return MATCH_NONE;
        }
        m = label_match(label);
        if (m == MATCH_NONE)
                return MATCH_NONE;
        if (!streq(type, "iso9660") && !streq(type, "vfat")) {
                /* cloud-init considers only these two types, too. */
                log_warning("%s: labelled \"%s\" but holds %s, not iso9660 or vfat; ignored", path, label, type);
                return MATCH_NONE;
        }
        *ret_fd = TAKE_FD(fd);
        *ret_path = TAKE_PTR(path);
        return m;
}

/* One pass over the devices. 1 when a seed volume was found and read, 0 when there is none, -ENOENT when
 * this root has no device lists at all, other -errno (logged) when the seed volume is unreadable. */
static int scan_once(struct seed *ret) {
        struct candidates c = {};
        _cleanup_close_ int best_fd = -1;
        _cleanup_free_ char *best_path = NULL;
        char best_type[64], best_label[256];
        enum match best = MATCH_NONE;
        int r_partitions, r_sysfs, r;

        r_partitions = candidates_from_partitions(&c);
        r_sysfs = candidates_from_sysfs(&c);
        if (r_partitions == -ENOENT && r_sysfs == -ENOENT)
                return -ENOENT;
        if (c.overflow)
                log_debug("more than %d block devices; only the first are looked at", CANDIDATES_MAX);

        for (size_t i = 0; i < c.n; i++) {
                _cleanup_free_ char *path = NULL;
                char type[64], label[256];
                int fd = -1;
                enum match m;

                m = probe_candidate(&c.list[i], &path, type, sizeof(type), label, sizeof(label), &fd);
                if (m == MATCH_NONE)
                        continue;
                if (m > best) {
                        if (best != MATCH_NONE)
                                log_notice("%s (label %s) is preferred over %s (label %s): NoCloud before ConfigDrive",
                                           path, label, best_path, best_label);
                        closep(&best_fd);
                        best_fd = fd;
                        best = m;
                        free(best_path);
                        best_path = TAKE_PTR(path);
                        snprintf(best_type, sizeof(best_type), "%s", type);
                        snprintf(best_label, sizeof(best_label), "%s", label);
                } else {
                        log_warning("%s is labelled \"%s\" too; using %s", path, label, best_path);
                        closep(&fd);
                }
        }
        if (best == MATCH_NONE)
                return 0;

        log_debug("seed volume %s (%s, label %s)", best_path, best_type, best_label);
        r = seed_read_fd(best_fd, best_path, best_type, best_label, ret);
        if (r < 0)
                return r == -ENOENT ? -EINVAL : r; /* -ENOENT would mean "no device" to the caller */
        return 1;
}

int seed_find_device(int wait_ms, struct seed *ret) {
        usec_t deadline = deadline_in_ms(wait_ms);
        bool announced = false;
        struct backoff b;
        int r;

        backoff_init(&b, BACKOFF_FIRST_MS, BACKOFF_MAX_MS, deadline);
        for (;;) {
                r = scan_once(ret);
                if (r == -ENOENT) {
                        log_debug("no /proc/partitions or /sys/class/block under the root: no block devices to scan");
                        return -ENOENT;
                }
                if (r < 0)
                        return r;
                if (r > 0)
                        return 0;

                if (deadline_passed(deadline))
                        break;
                if (!announced) {
                        log_info("no volume labelled cidata or config-2 yet; waiting up to %d ms for one to appear",
                                 wait_ms);
                        announced = true;
                }
                /* Cut short at the deadline: the last scan is at the deadline. */
                (void) backoff_wait(&b);
        }
        log_debug("no volume labelled cidata or config-2 after %d ms", wait_ms);
        return -ENOENT;
}

static int device_probe(const struct seed_options *opts, struct seed *ret) {
        int r = seed_find_device(opts->device_wait_ms, ret);
        if (r == -ENOENT)
                return 0;
        return r < 0 ? r : 1;
}

const struct seed_source seed_source_device = { .name = "device", .probe = device_probe };

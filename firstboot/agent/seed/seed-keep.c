/* SPDX-License-Identifier: MIT */
/* user-data fetched over the network, kept in the agent's state directory. A metadata endpoint may serve
 * a node's user-data once per instance-id (it holds the cluster key): a node that reboots halfway through
 * provisioning must not need it a second time. So the first fetch is kept, 0600, with the location and
 * the instance-id it belongs to; a later run with the same location and instance-id (meta-data, which is
 * not secret, is fetched again to know it) reads this copy instead. Another location or instance-id, or a
 * copy others could read or that does not parse, is dropped (by a run; plan and show-seed only read).
 *
 * The file: four header lines, an empty line, then exactly SIZE bytes of user-data:
 *   kube-firstboot user-data copy v1
 *   location http://192.168.220.1:8780/v1/seeds/master/
 *   instance-id lab-master-20250102T030405Z-1a2b
 *   size 1234
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config-parse.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "path.h"
#include "secret.h"
#include "seed/seed.h"

#define KEEP_MAGIC "kube-firstboot user-data copy v1\n"
#define KEEP_HEADER_MAX 4096

int seed_keep_instance_id(const char *meta_data, size_t size, const char *name, char *ret, size_t ret_size) {
        _cleanup_free_ struct fb_config *c = malloc(sizeof(*c));
        int level = log_get_max_level(), r;

        if (!c)
                return -ENOMEM;
        config_init(c);
        /* Quietly: the config stage parses meta-data again and reports what is wrong with it, once. */
        log_set_max_level(-1);
        r = metadata_parse(meta_data, size, name, c);
        log_set_max_level(level);
        if (r >= 0)
                r = c->instance_id[0] ? strscpy(ret, ret_size, c->instance_id) : -EINVAL;
        config_done(c);
        return r;
}

int seed_keep_format(const char *location, const char *instance_id, const char *data, size_t size, char **ret,
                     size_t *ret_size) {
        char *text = NULL;
        int n;

        /* the location is a checked base URL and the instance-id a checked name: neither holds a newline */
        if (strchr(location, '\n') || strchr(instance_id, '\n') || size > SEED_FILE_MAX)
                return -EINVAL;
        n = asprintf(&text, KEEP_MAGIC "location %s\ninstance-id %s\nsize %zu\n\n", location, instance_id, size);
        if (n < 0)
                return -ENOMEM;
        if (n > KEEP_HEADER_MAX) {
                free(text);
                return -ENAMETOOLONG;
        }
        *ret = malloc((size_t) n + size + 1);
        if (!*ret) {
                free(text);
                return -ENOMEM;
        }
        memcpy(*ret, text, (size_t) n);
        memcpy(*ret + n, data, size);
        (*ret)[n + size] = 0;
        *ret_size = (size_t) n + size;
        free(text);
        return 0;
}

/* One header line "KEY VALUE\n" at *p: the value's start and length; *p moves past the line. */
static int header_line(const char **p, const char *end, const char *key, const char **ret, size_t *ret_len) {
        size_t key_len = strlen(key);
        const char *eol = memchr(*p, '\n', (size_t) (end - *p));

        if (!eol || (size_t) (eol - *p) <= key_len + 1 || memcmp(*p, key, key_len) != 0 || (*p)[key_len] != ' ')
                return -EBADMSG;
        *ret = *p + key_len + 1;
        *ret_len = (size_t) (eol - *ret);
        if (memchr(*ret, 0, *ret_len))
                return -EBADMSG;
        *p = eol + 1;
        return 0;
}

int seed_keep_parse(const char *text, size_t size, struct seed_kept *ret) {
        const char *p = text, *end = text + size, *size_text;
        size_t size_len;
        unsigned long long n;
        char number[24];

        memset(ret, 0, sizeof(*ret));
        if (size < strlen(KEEP_MAGIC) || memcmp(text, KEEP_MAGIC, strlen(KEEP_MAGIC)) != 0)
                return -EBADMSG;
        p += strlen(KEEP_MAGIC);
        if (header_line(&p, end, "location", &ret->location, &ret->location_len) < 0 ||
            header_line(&p, end, "instance-id", &ret->instance_id, &ret->instance_id_len) < 0 ||
            header_line(&p, end, "size", &size_text, &size_len) < 0 || size_len >= sizeof(number))
                return -EBADMSG;
        memcpy(number, size_text, size_len);
        number[size_len] = 0;
        if (parse_uint(number, 0, SEED_FILE_MAX, &n) < 0 || p >= end || *p != '\n')
                return -EBADMSG;
        p++;
        if ((size_t) (end - p) != n)
                return -EBADMSG;
        ret->data = p;
        ret->size = (size_t) n;
        return 0;
}

static bool field_is(const char *field, size_t len, const char *value) {
        return strlen(value) == len && memcmp(field, value, len) == 0;
}

/* Drops the copy (a run only): it belongs to another seed, or cannot be used. */
static void keep_drop(const struct seed_keep *k, const char *shown, const char *why) {
        int r;

        if (!k->write) {
                log_debug("%s: %s; not used", shown, why);
                return;
        }
        r = root_unlink(k->path);
        if (r < 0)
                log_warning_errno(r, "%s: %s, and cannot be removed: %s", shown, why, chase_strerror(r));
        else
                log_info("%s: %s; removed", shown, why);
}

int seed_keep_load(const struct seed_keep *k, const char *location, const char *instance_id, char **ret,
                   size_t *ret_size) {
        _cleanup_free_ char *shown = root_path(k->path);
        _cleanup_erase_free_ char *text = NULL;
        _cleanup_close_ int fd = -1;
        struct seed_kept kept;
        struct stat st;
        size_t size;
        int r;

        if (!shown)
                return -ENOMEM;
        fd = root_open_file(k->path, CHASE_NOFOLLOW, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0) {
                log_warning_errno(fd, "%s: cannot open: %s; user-data is fetched again", shown, chase_strerror(fd));
                return 0;
        }
        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, "%s: %m", shown);
        if (!S_ISREG(st.st_mode) || (st.st_mode & 077) || st.st_uid != geteuid()) {
                keep_drop(k, shown, "not a file of this user that only it can read");
                return 0;
        }
        r = read_opened_file(fd, KEEP_HEADER_MAX + SEED_FILE_MAX, &text, &size);
        if (r < 0) {
                log_warning_errno(r, "%s: cannot read: %s; user-data is fetched again", shown, chase_strerror(r));
                return 0;
        }
        if (seed_keep_parse(text, size, &kept) < 0) {
                keep_drop(k, shown, "damaged");
                return 0;
        }
        if (!field_is(kept.location, kept.location_len, location)) {
                keep_drop(k, shown, "kept for another seed location");
                return 0;
        }
        if (!field_is(kept.instance_id, kept.instance_id_len, instance_id)) {
                keep_drop(k, shown, "kept for another instance");
                return 0;
        }
        *ret = malloc(kept.size + 1);
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, kept.data, kept.size);
        (*ret)[kept.size] = 0;
        *ret_size = kept.size;
        log_info("user-data of instance %s: the copy kept in %s (fetched from %s before; not fetched again)",
                 instance_id, shown, location);
        return 1;
}

int seed_keep_save(const struct seed_keep *k, const char *location, const char *instance_id, const char *data,
                   size_t size) {
        _cleanup_erase_free_ char *text = NULL;
        _cleanup_free_ char *shown = root_path(k->path);
        size_t text_size;
        int r;

        if (!k->write)
                return 0;
        if (!shown)
                return -ENOMEM;
        r = seed_keep_format(location, instance_id, data, size, &text, &text_size);
        if (r >= 0)
                r = root_write_file(k->path, text, text_size, 0600, WRITE_ATOMIC_SECRET | WRITE_ATOMIC_MKDIR);
        if (r < 0)
                return log_warning_errno(r, "%s: cannot keep user-data: %s; a later run fetches it again, which the "
                                         "endpoint may refuse",
                                         shown, chase_strerror(r));
        log_debug("%s: user-data of instance %s kept", shown, instance_id);
        return 1;
}

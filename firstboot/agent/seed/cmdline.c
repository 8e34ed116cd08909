/* SPDX-License-Identifier: MIT */
/* The seed location on the kernel command line, as cloud-init's NoCloud reads it (parse_cmdline_data in
 * cloudinit/sources/DataSourceNoCloud.py): a word "ds=nocloud" or "ds=nocloud-net", followed by
 * ";key=value" pairs where "s" or "seedfrom" names the seed. The last such word wins, as in cloud-init.
 * "kube_firstboot.seed=LOCATION" is ours and wins over ds=. Words are split as the kernel splits them:
 * at white space outside double quotes, the quotes removed. The "cmdline" seed source at the end reads
 * <root>/proc/cmdline and the seed it names. */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "path.h"
#include "seed/seed.h"

#define CMDLINE_MAX 8192
#define WORD_MAX 4096
#define OUR_KEY "kube_firstboot.seed="

struct found {
        char value[WORD_MAX];
        bool set;
        const char *what; /* "ds=nocloud;s=", "kube_firstboot.seed=" for messages */
};

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copies the next word of *p into word, quotes removed. Returns false at the end of the line; a word may
 * be empty ("" alone). *truncated and *unterminated tell what went wrong, for callers that care about
 * this word. */
static bool next_word(const char **p, char word[static WORD_MAX], bool *truncated, bool *unterminated) {
        const char *s = *p, *start;
        bool in_quote = false;
        size_t n = 0;

        *truncated = *unterminated = false;
        while (is_space(*s))
                s++;
        start = s;
        for (; *s && (in_quote || !is_space(*s)); s++) {
                if (*s == '"') {
                        in_quote = !in_quote;
                        continue;
                }
                if (n + 1 < WORD_MAX)
                        word[n++] = *s;
                else
                        *truncated = true;
        }
        word[n] = 0;
        *unterminated = in_quote;
        *p = s;
        return s != start;
}

/* "ds=nocloud;s=http://h/;i=iid-1". Returns -1 when the word names another datasource, 0 for a nocloud
 * word without a location, 1 (and ret filled) with one. */
static int parse_ds_word(const char *word, struct found *ret) {
        const char *name = word + 3, *end;
        size_t name_len;

        /* The datasource name, compared without case like cloud-init's ds= override. */
        name_len = strcspn(name, ";");
        if (!(name_len == 7 && strncasecmp(name, "nocloud", 7) == 0) &&
            !(name_len == 11 && strncasecmp(name, "nocloud-net", 11) == 0))
                return -1;

        ret->set = false;
        for (end = name + name_len; *end == ';';) {
                const char *item = end + 1, *eq;
                size_t key_len;

                end = item + strcspn(item, ";");
                eq = memchr(item, '=', (size_t) (end - item));
                key_len = eq ? (size_t) (eq - item) : (size_t) (end - item);
                if (key_len == 0)
                        continue;
                if ((key_len == 1 && item[0] == 's') || (key_len == 8 && strncmp(item, "seedfrom", 8) == 0)) {
                        size_t len = eq ? (size_t) (end - eq - 1) : 0;
                        memcpy(ret->value, eq ? eq + 1 : "", len);
                        ret->value[len] = 0;
                        ret->set = true;
                        ret->what = "ds=nocloud;s=";
                } else if ((key_len == 1 && (item[0] == 'h' || item[0] == 'i')) ||
                           (key_len == 14 && strncmp(item, "local-hostname", 14) == 0) ||
                           (key_len == 11 && strncmp(item, "instance-id", 11) == 0))
                        log_warning("kernel command line: \"%.*s=\" in ds=%.*s is ignored: instance-id and "
                                    "local-hostname come from meta-data", (int) key_len, item, (int) name_len, name);
        }
        return ret->set;
}

/* Checks a location and normalises it into ret: URLs end in '/', so that files are found as
 * URL + "meta-data" (cloud-init appends the slash too); paths lose trailing slashes, file:// goes. */
static int normalise(const struct found *f, char *ret, size_t size) {
        const char *v = f->value;
        size_t len;

        if (!*v)
                return log_error_errno(-EINVAL, "kernel command line: %s has an empty location", f->what);
        for (const char *c = v; *c; c++)
                if ((unsigned char) *c < 0x21 || (unsigned char) *c == 0x7f)
                        return log_error_errno(-EINVAL, "kernel command line: %s location contains a control "
                                               "character", f->what);
        if (strstr(v, "%s"))
                return log_error_errno(-EINVAL, "kernel command line: %s location uses cloud-init's %%s "
                                       "substitution, which is not supported", f->what);

        if (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0) {
                const char *host = v + (v[4] == 's' ? 8 : 7);
                if (!*host || *host == '/')
                        return log_error_errno(-EINVAL, "kernel command line: %s URL \"%s\" has no host", f->what, v);
                if (strpbrk(v, "?#"))
                        return log_error_errno(-EINVAL, "kernel command line: %s URL \"%s\" has a query or fragment; "
                                               "file names are appended to it", f->what, v);
                len = strlen(v);
                if (len + (v[len - 1] != '/') >= size)
                        return log_error_errno(-EINVAL, "kernel command line: %s location longer than %zu bytes",
                                               f->what, size - 1);
                memcpy(ret, v, len);
                if (v[len - 1] != '/')
                        ret[len++] = '/';
                ret[len] = 0;
                return 1;
        }

        if (strncmp(v, "file://", 7) == 0)
                v += 7;
        if (v[0] != '/')
                return log_error_errno(-EINVAL, "kernel command line: %s location \"%s\" is neither an http(s) URL "
                                       "nor an absolute path", f->what, f->value);
        len = strlen(v);
        while (len > 1 && v[len - 1] == '/')
                len--;
        if (len >= size)
                return log_error_errno(-EINVAL, "kernel command line: %s location longer than %zu bytes", f->what,
                                       size - 1);
        memcpy(ret, v, len);
        ret[len] = 0;
        return 1;
}

int cmdline_find_seed(const char *cmdline, char *ret, size_t size) {
        struct found ds = {}, ours = {};
        char word[WORD_MAX] = "";
        const char *p = cmdline;
        bool truncated, unterminated;

        if (size == 0)
                return -EINVAL;

        while (next_word(&p, word, &truncated, &unterminated)) {
                bool is_ds = strncmp(word, "ds=", 3) == 0, is_ours = strncmp(word, OUR_KEY, strlen(OUR_KEY)) == 0;

                if (!is_ds && !is_ours)
                        continue;
                if (truncated)
                        return log_error_errno(-EINVAL, "kernel command line: \"%.40s...\" is longer than %d bytes",
                                               word, WORD_MAX - 1);
                if (unterminated)
                        return log_error_errno(-EINVAL, "kernel command line: \"%.40s\" has an unterminated quote",
                                               word);
                if (is_ours) {
                        strscpy(ours.value, sizeof(ours.value), word + strlen(OUR_KEY));
                        ours.set = true;
                        ours.what = OUR_KEY;
                        continue;
                }
                (void) parse_ds_word(word, &ds);
        }

        if (ours.set)
                return normalise(&ours, ret, size);
        if (ds.set)
                return normalise(&ds, ret, size);
        return 0;
}

/* The seed that <root>/proc/cmdline names, if any. */
static int cmdline_probe(const struct seed_options *opts, struct seed *ret) {
        _cleanup_free_ char *cmdline = NULL;
        char location[CMDLINE_MAX];
        int r;

        r = root_read_file("/proc/cmdline", CMDLINE_MAX - 1, &cmdline, NULL);
        if (r >= 0) {
                r = cmdline_find_seed(cmdline, location, sizeof(location));
                if (r < 0)
                        return r; /* logged by cmdline_find_seed(), with the reason */
                if (r > 0) {
                        log_debug("kernel command line names seed %s", location);
                        r = seed_read_location(location, true, opts, ret);
                        if (r < 0)
                                return r;
                        return 1;
                }
        } else if (r != -ENOENT)
                log_warning_errno(r, "%s/proc/cmdline: cannot read: %s", root_get(), chase_strerror(r));
        return 0;
}

const struct seed_source seed_source_cmdline = { .name = "cmdline", .probe = cmdline_probe };

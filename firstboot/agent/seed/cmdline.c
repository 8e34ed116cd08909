/* SPDX-License-Identifier: MIT */
/* The seed location in a "line configuration", as cloud-init's NoCloud reads it (parse_cmdline_data in
 * cloudinit/sources/DataSourceNoCloud.py) from the kernel command line and from the SMBIOS system serial
 * (qemu -smbios type=1,serial=..., libvirt's <sysinfo>): a word "ds=nocloud" or "ds=nocloud-net",
 * followed by ";key=value" pairs where "s" or "seedfrom" names the seed. The last such word wins, as in
 * cloud-init. Its other keys go into meta-data in cloud-init, over the seed's own ("h" or
 * "local-hostname", "i" or "instance-id"); kube-firstboot takes who a node is from meta-data only, so a
 * line that sets them is refused with what to write instead. "kube_firstboot.seed=LOCATION" is ours
 * (kernel command line only) and wins over ds=. Words are split as the kernel splits them: at white space
 * outside double quotes, the quotes removed. Also here: "network-config=" on the kernel command line
 * (cloudinit/net/cmdline.py). The "cmdline" seed source at the end reads <root>/proc/cmdline and the
 * DMI serial, and the seed they name. */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileio.h"
#include "gunzip.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "path.h"
#include "seed/seed.h"

#define CMDLINE_MAX 8192
#define WORD_MAX 4096
#define OUR_KEY "kube_firstboot.seed="
#define NETWORK_CONFIG_KEY "network-config="
#define DMI_SERIAL "/sys/class/dmi/id/product_serial"
#define DMI_SERIAL_MAX 4096

struct found {
        char value[WORD_MAX];
        bool set;
        const char *what; /* "ds=nocloud;s=", "kube_firstboot.seed=" for messages */
        const char *where; /* "kernel command line", the DMI serial's file */
        /* the first key of the word that cloud-init would put into meta-data and we do not */
        char md_given[16];
        const char *md_key;
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

/* The meta-data keys a ds= word can set in cloud-init (its short names, and role, which meta-data holds
 * too): the long name, or NULL. */
static const char *meta_data_key(const char *item, size_t key_len) {
        static const struct {
                const char *given, *key;
        } keys[] = {
                { "h", "local-hostname" }, { "local-hostname", "local-hostname" },
                { "i", "instance-id" },    { "instance-id", "instance-id" },
                { "role", "role" },
        };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strlen(keys[i].given) == key_len && strncmp(item, keys[i].given, key_len) == 0)
                        return keys[i].key;
        return NULL;
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
        ret->md_key = NULL;
        for (end = name + name_len; *end == ';';) {
                const char *item = end + 1, *eq, *md_key;
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
                } else if ((md_key = meta_data_key(item, key_len)) && !ret->md_key) {
                        ret->md_key = md_key;
                        snprintf(ret->md_given, sizeof(ret->md_given), "%.*s", (int) key_len, item);
                }
        }
        return ret->set;
}

/* Checks a location and normalises it into ret: URLs end in '/', so that files are found as
 * URL + "meta-data" (cloud-init appends the slash too); paths lose trailing slashes, file:// goes. */
static int normalise(const struct found *f, char *ret, size_t size) {
        const char *v = f->value;
        size_t len;

        if (!*v)
                return log_error_errno(-EINVAL, "%s: %s has an empty location", f->where, f->what);
        for (const char *c = v; *c; c++)
                if ((unsigned char) *c < 0x21 || (unsigned char) *c == 0x7f)
                        return log_error_errno(-EINVAL, "%s: %s location contains a control character",
                                               f->where, f->what);
        if (strstr(v, "%s"))
                return log_error_errno(-EINVAL, "%s: %s location uses cloud-init's %%s substitution, "
                                       "which is not supported", f->where, f->what);

        if (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0) {
                const char *host = v + (v[4] == 's' ? 8 : 7);
                if (!*host || *host == '/')
                        return log_error_errno(-EINVAL, "%s: %s URL \"%s\" has no host", f->where, f->what, v);
                if (strpbrk(v, "?#"))
                        return log_error_errno(-EINVAL, "%s: %s URL \"%s\" has a query or fragment; "
                                               "file names are appended to it", f->where, f->what, v);
                len = strlen(v);
                if (len + (v[len - 1] != '/') >= size)
                        return log_error_errno(-EINVAL, "%s: %s location longer than %zu bytes", f->where,
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
                return log_error_errno(-EINVAL, "%s: %s location \"%s\" is neither an http(s) URL "
                                       "nor an absolute path", f->where, f->what, f->value);
        len = strlen(v);
        while (len > 1 && v[len - 1] == '/')
                len--;
        if (len >= size)
                return log_error_errno(-EINVAL, "%s: %s location longer than %zu bytes", f->where,
                                       f->what, size - 1);
        memcpy(ret, v, len);
        ret[len] = 0;
        return 1;
}

int line_find_seed(const char *line, const char *where, bool ours_allowed, char *ret, size_t size, bool *ret_ours) {
        struct found ds = { .where = where }, ours = { .where = where };
        char word[WORD_MAX] = "";
        const char *p = line;
        bool truncated, unterminated;

        if (size == 0)
                return -EINVAL;

        while (next_word(&p, word, &truncated, &unterminated)) {
                bool is_ds = strncmp(word, "ds=", 3) == 0,
                     is_ours = ours_allowed && strncmp(word, OUR_KEY, strlen(OUR_KEY)) == 0;

                if (!is_ds && !is_ours)
                        continue;
                if (truncated)
                        return log_error_errno(-EINVAL, "%s: \"%.40s...\" is longer than %d bytes", where, word,
                                               WORD_MAX - 1);
                if (unterminated)
                        return log_error_errno(-EINVAL, "%s: \"%.40s\" has an unterminated quote", where, word);
                if (is_ours) {
                        strscpy(ours.value, sizeof(ours.value), word + strlen(OUR_KEY));
                        ours.set = true;
                        ours.what = OUR_KEY;
                        continue;
                }
                (void) parse_ds_word(word, &ds);
        }

        if (ret_ours)
                *ret_ours = ours.set;
        if (ours.set)
                return normalise(&ours, ret, size);
        if (ds.md_key)
                /* cloud-init would set it over meta-data's; that two places say who a node is is a mistake
                 * waiting to happen, and the seed-access rules of the server read meta-data's */
                return log_error_errno(-EINVAL, "%s: \"%s=\" in ds=nocloud sets meta-data's %s in cloud-init, which "
                                       "kube-firstboot reads from meta-data only: write \"%s: VALUE\" in the seed's "
                                       "meta-data and remove \"%s=\" here", where, ds.md_given, ds.md_key, ds.md_key,
                                       ds.md_given);
        if (ds.set)
                return normalise(&ds, ret, size);
        return 0;
}

int cmdline_find_seed(const char *cmdline, char *ret, size_t size) {
        return line_find_seed(cmdline, "kernel command line", true, ret, size, NULL);
}

int cmdline_network_config(const char *cmdline, char **ret, size_t *ret_size) {
        _cleanup_free_ char *decoded = NULL;
        char word[WORD_MAX] = "", value[WORD_MAX] = "";
        const char *p = cmdline;
        bool truncated, unterminated, found = false;
        size_t len;
        int r;

        *ret = NULL;
        *ret_size = 0;
        while (next_word(&p, word, &truncated, &unterminated)) {
                if (strncmp(word, NETWORK_CONFIG_KEY, strlen(NETWORK_CONFIG_KEY)) != 0)
                        continue;
                if (truncated)
                        return log_error_errno(-EINVAL, "kernel command line: \"%.40s...\" is longer than %d bytes",
                                               word, WORD_MAX - 1);
                if (unterminated)
                        return log_error_errno(-EINVAL, "kernel command line: \"%.40s\" has an unterminated quote",
                                               word);
                /* the last one counts, as in cloud-init */
                strscpy(value, sizeof(value), word + strlen(NETWORK_CONFIG_KEY));
                found = true;
        }
        if (!found || !value[0]) /* cloud-init too reads an empty value as none */
                return 0;
        if (streq(value, "disabled"))
                return CMDLINE_NETWORK_CONFIG_DISABLED;

        decoded = malloc(strlen(value) / 4 * 3 + 1);
        if (!decoded)
                return -ENOMEM;
        r = base64_decode(value, (uint8_t *) decoded, strlen(value) / 4 * 3, &len);
        if (r < 0)
                return log_error_errno(-EINVAL, "kernel command line: network-config=\"%.40s%s\" is not base64 "
                                       "(padded, without white space); write the base64 of the network-config, or "
                                       "network-config=disabled", value, strlen(value) > 40 ? "..." : "");
        if (gzip_magic(decoded, len)) {
                /* cloud-init's form for a longer configuration: the base64 of its gzip */
                char *text;

                r = gunzip(decoded, len, SEED_FILE_MAX, &text, &len);
                if (r == -ENOMEM)
                        return log_error_errno(-ENOMEM, "out of memory");
                if (r < 0)
                        return log_error_errno(-EINVAL, "kernel command line: network-config= holds %s; write the "
                                               "base64 of the network-config, or of its gzip",
                                               r == -E2BIG ? "gzip data larger than a seed file may be once expanded"
                                                           : "data that starts as gzip but is not one whole gzip member");
                free(decoded);
                decoded = text;
        }
        if (memchr(decoded, 0, len))
                return log_error_errno(-EINVAL, "kernel command line: network-config= decodes to binary data, not "
                                       "the text of a network-config");
        decoded[len] = 0;
        *ret = TAKE_PTR(decoded);
        *ret_size = len;
        return 1;
}

/* The system serial's text, which cloud-init reads as a line configuration; 0 when there is none. A
 * serial number with bytes a line cannot hold is some machine's own, unless it means to be one. */
static int dmi_serial(char *ret, size_t size) {
        _cleanup_free_ char *data = NULL;
        size_t data_size;
        int r;

        r = root_read_file(DMI_SERIAL, DMI_SERIAL_MAX, &data, &data_size);
        if (r == -ENOENT)
                return 0;
        if (r == -EFBIG)
                return 0; /* no SMBIOS string is that long: not a serial a line could be in */
        if (r < 0) {
                /* cloud-init reads it as nothing too: a machine without readable DMI has no seed there */
                log_warning_errno(r, "%s" DMI_SERIAL ": cannot read: %s", root_get(), chase_strerror(r));
                return 0;
        }
        r = dmi_value_clean(data, data_size, ret, size);
        if (r == -EBADMSG || r == -ENAMETOOLONG) {
                if (memmem(data, data_size, "ds=", 3))
                        return log_error_errno(-EINVAL, "%s" DMI_SERIAL ": a line configuration (ds=) with %s",
                                               root_get(), r == -EBADMSG ? "a control character" : "too many bytes");
                log_debug("%s" DMI_SERIAL ": not a line configuration", root_get());
                return 0;
        }
        return r;
}

/* The seed that <root>/proc/cmdline or the DMI serial names, if any: kube_firstboot.seed= first (ours),
 * then ds=nocloud in the DMI serial, then on the kernel command line; cloud-init merges the two with the
 * serial's first. Two different locations are refused: one of them would be ignored. */
static int cmdline_probe(const struct seed_options *opts, struct seed *ret) {
        _cleanup_free_ char *cmdline = NULL;
        char serial[CMDLINE_MAX], where[4200], on_cmdline[CMDLINE_MAX], in_serial[CMDLINE_MAX],
                location[CMDLINE_MAX];
        const char *chosen = NULL, *named_by = NULL;
        bool ours = false;
        int r, rc = 0, rd = 0;

        r = root_read_file("/proc/cmdline", CMDLINE_MAX - 1, &cmdline, NULL);
        if (r >= 0) {
                rc = line_find_seed(cmdline, "kernel command line", true, on_cmdline, sizeof(on_cmdline), &ours);
                if (rc < 0)
                        return rc; /* logged by line_find_seed(), with the reason */
        } else if (r != -ENOENT)
                log_warning_errno(r, "%s/proc/cmdline: cannot read: %s", root_get(), chase_strerror(r));

        if (!ours) {
                r = dmi_serial(serial, sizeof(serial));
                if (r < 0)
                        return r;
                if (r > 0) {
                        snprintf(where, sizeof(where), "SMBIOS system serial (%s" DMI_SERIAL ")", root_get());
                        rd = line_find_seed(serial, where, false, in_serial, sizeof(in_serial), NULL);
                        if (rd < 0)
                                return rd;
                }
        }

        if (rc > 0 && ours) {
                chosen = on_cmdline;
                named_by = "kube_firstboot.seed= on the kernel command line";
        } else if (rd > 0) {
                if (rc > 0 && !streq(on_cmdline, in_serial))
                        return log_error_errno(-EINVAL, "the SMBIOS system serial (%s" DMI_SERIAL ") names seed %s "
                                               "and the kernel command line's ds=nocloud names %s; cloud-init would "
                                               "use the serial's and ignore the other: name one seed, or the same "
                                               "in both", root_get(), in_serial, on_cmdline);
                chosen = in_serial;
                named_by = "ds=nocloud in the SMBIOS system serial";
        } else if (rc > 0) {
                chosen = on_cmdline;
                named_by = "ds=nocloud on the kernel command line";
        } else
                return 0;

        r = seed_sub_dmi(chosen, location, sizeof(location));
        if (r < 0)
                return r;
        log_debug("%s names seed %s", named_by, location);
        r = seed_read_location(location, true, opts, ret);
        if (r < 0)
                return r;
        if (chosen == in_serial || !streq(chosen, location)) {
                size_t n = strlen(ret->origin);
                snprintf(ret->origin + n, sizeof(ret->origin) - n, " (named by %s%s%s)", named_by,
                         streq(chosen, location) ? "" : " as ", streq(chosen, location) ? "" : chosen);
        }
        return 1;
}

const struct seed_source seed_source_cmdline = { .name = "cmdline", .probe = cmdline_probe };

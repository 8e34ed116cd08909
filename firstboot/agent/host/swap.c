/* SPDX-License-Identifier: MIT */
/* Swap off for kubelet: every active swap off now (/proc/swaps), swap lines of /etc/fstab commented
 * out, and the systemd swap units masked so nothing (fstab generator, gpt-auto) turns swap on again.
 *
 * The units are those of every swap device known: active in /proc/swaps, in fstab, or in a line we
 * commented out earlier; they are masked first, so that a run killed after a swapoff or after the fstab
 * edit still finds all of them next time. "Masked" is what `systemctl is-enabled UNIT` says.
 * The swapoff is verified by reading /proc/swaps again: under --root that is the tree's proc/swaps, which
 * the test stand-in for swapoff (tests/stand-ins/host-model.c) updates as the kernel would.
 *
 * One command per verb for all units and devices: `systemctl is-enabled U1 U2 ...`, `systemctl mask U1
 * U2 ...` and `swapoff P1 P2 ...` all take several names (systemd 219, util-linux 2.23). systemd 219's
 * is-enabled prints one state line per unit but stops at the first unit whose state it cannot get (a
 * swap unit made by the fstab generator has no unit file, so "No such file or directory"), with the
 * error on stderr, which may reach the shared pipe before the buffered stdout does. So: the state words,
 * in order, are the first units' states; the unit after them failed (not masked: a masked unit always
 * has a state); any after that were not asked, and are masked too (masking a masked unit changes
 * nothing), reported with the state "unknown". */
#include <ctype.h>
#include <limits.h>

#include "action.h"
#include "fileio.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "host/unit.h"
#include "log.h"
#include "macro.h"
#include "path.h"

#define STEP "swap"
#define MAX_SWAP_DEVICES 64

static bool unit_char_is_plain(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
               c == '_' || c == '.';
}

int unit_name_from_path(const char *path, const char *suffix, char *ret, size_t size) {
        static const char hex[] = "0123456789abcdef";
        size_t n = 0;
        bool first = true;
        const char *p = path;

        if (!path || path[0] != '/')
                return -EINVAL;

#define PUT(c)                                \
        do {                                  \
                if (n + 1 >= size)            \
                        return -ENAMETOOLONG; \
                ret[n++] = (c);               \
        } while (0)

        /* Components of the normalised path ("//" and "." dropped, ".." refused), '/' between them. */
        while (*p) {
                const char *comp, *q;
                size_t len;

                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                comp = p;
                while (*p && *p != '/')
                        p++;
                len = p - comp;
                if (len == 1 && comp[0] == '.')
                        continue;
                if (len == 2 && comp[0] == '.' && comp[1] == '.')
                        return -EINVAL;
                if (!first)
                        PUT('-');
                for (q = comp; q < comp + len; q++) {
                        /* A leading '.' is escaped too, so no unit name starts with one. */
                        if (unit_char_is_plain(*q) && !(first && q == comp && *q == '.'))
                                PUT(*q);
                        else {
                                PUT('\\');
                                PUT('x');
                                PUT(hex[(unsigned char) *q >> 4]);
                                PUT(hex[(unsigned char) *q & 15]);
                        }
                }
                first = false;
        }
        if (first)
                PUT('-'); /* the root directory */
        if (suffix) {
                PUT('.');
                for (const char *s = suffix; *s; s++)
                        PUT(*s);
        }
#undef PUT
        ret[n] = 0;
        return 0;
}

/* udev's encoding of a tag value into a /dev/disk/by-* name (encode_devnode_name()). */
static int encode_devnode_name(const char *s, char *ret, size_t size) {
        static const char hex[] = "0123456789abcdef";
        size_t n = 0;

        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                bool plain = isalnum(c) || strchr("#+-.:=@_", c) || c >= 0x80;

                if (n + (plain ? 1 : 4) >= size)
                        return -ENAMETOOLONG;
                if (plain)
                        ret[n++] = *s;
                else {
                        ret[n++] = '\\';
                        ret[n++] = 'x';
                        ret[n++] = hex[c >> 4];
                        ret[n++] = hex[c & 15];
                }
        }
        ret[n] = 0;
        return 0;
}

int fstab_spec_to_path(const char *spec, char *ret, size_t size) {
        static const struct {
                const char *tag, *dir;
        } tags[] = {
                { "UUID=", "/dev/disk/by-uuid/" },
                { "LABEL=", "/dev/disk/by-label/" },
                { "PARTUUID=", "/dev/disk/by-partuuid/" },
                { "PARTLABEL=", "/dev/disk/by-partlabel/" },
        };

        if (spec[0] == '/')
                return strscpy(ret, size, spec);
        for (size_t i = 0; i < ELEMENTSOF(tags); i++) {
                size_t tl = strlen(tags[i].tag), dl = strlen(tags[i].dir), vl;
                char value[256];

                if (strncmp(spec, tags[i].tag, tl) != 0)
                        continue;
                spec += tl;
                vl = strlen(spec);
                if (vl >= 2 && (spec[0] == '"' || spec[0] == '\'') && spec[vl - 1] == spec[0]) {
                        spec++;
                        vl -= 2;
                }
                if (vl == 0 || vl >= sizeof(value))
                        return -EINVAL;
                memcpy(value, spec, vl);
                value[vl] = 0;
                if (dl >= size)
                        return -ENAMETOOLONG;
                memcpy(ret, tags[i].dir, dl);
                return encode_devnode_name(value, ret + dl, size - dl);
        }
        return -EINVAL;
}

/* Undoes the octal escapes (\040 for a space) the kernel and fstab use in paths. */
static int unescape_octal(const char *s, size_t len, char *ret, size_t size) {
        size_t n = 0;

        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (c == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
                    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
                        c = (char) (((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
                        i += 3;
                }
                if (c == 0 || n + 1 >= size)
                        return -EINVAL;
                ret[n++] = c;
        }
        ret[n] = 0;
        return 0;
}

static size_t field(const char **p, const char *end, const char **ret) {
        const char *s = *p;

        while (s < end && (*s == ' ' || *s == '\t'))
                s++;
        *ret = s;
        while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
                s++;
        *p = s;
        return s - *ret;
}

int proc_swaps_parse(const char *text, size_t size, swap_device_cb cb, void *userdata) {
        const char *p = text, *end = text + size, *line;
        size_t len;
        bool header = true;
        int r;

        while (text_next_line(&p, end, &line, &len)) {
                const char *q = line, *name;
                _cleanup_free_ char *path = NULL;
                size_t n;

                if (header) {
                        header = false;
                        if (len >= 8 && memcmp(line, "Filename", 8) == 0)
                                continue;
                }
                n = field(&q, line + len, &name);
                if (n == 0)
                        continue;
                path = malloc(n + 1); /* unescaping only shortens */
                if (!path)
                        return -ENOMEM;
                r = unescape_octal(name, n, path, n + 1);
                if (r < 0 || path[0] != '/') {
                        log_error("/proc/swaps: unexpected line \"%.*s\"", (int) (n > 200 ? 200 : n), name);
                        return -EBADMSG;
                }
                r = cb(path, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Device spec of a swap entry, or 0 when the line is not one. */
static size_t fstab_swap_spec(const char *line, size_t len, const char **ret_spec) {
        const char *p = line, *end = line + len, *spec, *mnt, *type;
        size_t spec_len;

        spec_len = field(&p, end, &spec);
        if (spec_len == 0 || spec[0] == '#')
                return 0;
        if (field(&p, end, &mnt) == 0)
                return 0;
        if (field(&p, end, &type) != 4 || memcmp(type, "swap", 4) != 0)
                return 0;
        *ret_spec = spec;
        return spec_len;
}

static int call_with_spec(const char *spec, size_t len, swap_device_cb cb, void *userdata) {
        /* unescaping only shortens; the longest tag directory is /dev/disk/by-partlabel/ */
        _cleanup_free_ char *raw = calloc(1, len + 1), *path = calloc(1, len + 32);

        if (!raw || !path)
                return -ENOMEM;
        if (unescape_octal(spec, len, raw, len + 1) < 0 || fstab_spec_to_path(raw, path, len + 32) < 0) {
                log_warning("/etc/fstab: swap entry \"%.*s\" names no device path; no unit to mask for it",
                            (int) (len > 200 ? 200 : len), spec);
                return 0;
        }
        return cb(path, userdata);
}

int fstab_disable_swap(const char *old, size_t old_size, swap_device_cb cb, void *userdata, char **ret,
                       size_t *ret_size, unsigned *ret_n_commented) {
        const char *p = old, *end = old + old_size, *line, *spec;
        size_t len, marker_len = strlen(FSTAB_SWAP_MARKER), spec_len;
        struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        unsigned n = 0;
        int r = 0;

        while (r >= 0 && text_next_line(&p, end, &line, &len)) {
                bool has_newline = p > line + len;

                if (len >= marker_len && memcmp(line, FSTAB_SWAP_MARKER, marker_len) == 0) {
                        spec_len = fstab_swap_spec(line + marker_len, len - marker_len, &spec);
                        if (spec_len > 0 && cb)
                                r = call_with_spec(spec, spec_len, cb, userdata);
                } else {
                        spec_len = fstab_swap_spec(line, len, &spec);
                        if (spec_len > 0) {
                                r = buffer_puts(&b, FSTAB_SWAP_MARKER);
                                n++;
                                if (r >= 0 && cb)
                                        r = call_with_spec(spec, spec_len, cb, userdata);
                        }
                }
                if (r >= 0)
                        r = buffer_append(&b, line, len + (has_newline ? 1 : 0));
        }
        if (r >= 0)
                r = buffer_steal(&b, ret, ret_size);
        buffer_free(&b);
        if (r >= 0 && ret_n_commented)
                *ret_n_commented = n;
        return r;
}

/* ---- the step ---- */

struct swap_list {
        char *paths[MAX_SWAP_DEVICES];
        size_t n;
};

static void swap_list_done(struct swap_list *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->paths[i]);
        l->n = 0;
}

static int swap_list_add(const char *path, void *userdata) {
        struct swap_list *l = userdata;

        for (size_t i = 0; i < l->n; i++)
                if (streq(l->paths[i], path))
                        return 0;
        if (l->n >= MAX_SWAP_DEVICES)
                return log_error_errno(-E2BIG, "more than %d swap devices, refusing to go on", MAX_SWAP_DEVICES);
        l->paths[l->n] = strdup(path);
        if (!l->paths[l->n])
                return log_error_errno(-ENOMEM, "out of memory");
        l->n++;
        return 0;
}

static int read_active_swaps(struct swap_list *active) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = host_read_file("/proc/swaps", HOST_FILE_MAX, &text, &size);
        if (r == -ENOENT)
                return 0; /* no swap support in the kernel (or a --root tree without one) */
        if (r < 0)
                return r;
        return proc_swaps_parse(text, size, swap_list_add, active);
}

static int verify_swaps_off(struct fb_run *run, void *userdata) {
        _cleanup_(swap_list_done) struct swap_list still = {};
        int r;

        r = read_active_swaps(&still);
        if (r < 0)
                return r;
        if (still.n > 0)
                return log_error_errno(-EBUSY, "%s is still an active swap after swapoff", still.paths[0]);
        return 0;
}

static int swapoff_active(struct fb_run *run, const struct swap_list *active) {
        const char *argv[MAX_SWAP_DEVICES + 2];
        char failed[64];
        size_t k = 0;

        if (run->offline) {
                /* the tree has no swap in use: the running system's is not the tree's */
                run_left_out(run, STEP, "swapoff of the active swap devices");
                return 0;
        }
        if (active->n == 0) {
                run_unchanged(run, STEP, "no active swap");
                return 0;
        }
        argv[k++] = "swapoff";
        for (size_t i = 0; i < active->n; i++) {
                _cleanup_free_ char *what = NULL;

                if (asprintf(&what, "swapoff %s", active->paths[i]) < 0)
                        return log_error_errno(-ENOMEM, "swapoff %s: %m", active->paths[i]);
                run_action(run, STEP, what, "active", "off");
                argv[k++] = active->paths[i];
        }
        argv[k] = NULL;
        snprintf(failed, sizeof(failed), "swapoff of %zu device(s)", active->n);
        /* one swapoff for the devices listed above; /proc/swaps then must list none of them */
        return action_take(run, &(struct action) { .step = STEP, .kind = ACTION_COMMAND, .argv = argv,
                                                   .failed = failed, .verify = verify_swaps_off });
}


/* Every swap device we know of, from /proc/swaps and fstab as check_swap read them (NULL: absent): the
 * active ones, and in units those and fstab's, commented out by us before or not; and fstab's new
 * content. */
static int swap_devices(const struct fb_host_facts *f, struct swap_list *active, struct swap_list *units,
                        char **ret_new, size_t *ret_new_size, unsigned *ret_n_commented) {
        int r;

        r = f->swap_proc ? proc_swaps_parse(f->swap_proc, f->swap_proc_size, swap_list_add, active) : 0;
        if (r < 0)
                return r;
        for (size_t i = 0; i < active->n; i++) {
                r = swap_list_add(active->paths[i], units);
                if (r < 0)
                        return r;
        }
        if (!f->swap_fstab)
                return 0;
        r = fstab_disable_swap(f->swap_fstab, f->swap_fstab_size, swap_list_add, units, ret_new, ret_new_size,
                               ret_n_commented);
        if (r < 0)
                return r == -E2BIG ? r : log_error_errno(r, "/etc/fstab: cannot build the new content: %m");
        return 0;
}

static int fstab_update(struct fb_run *run, const char *old, const char *content, size_t size, unsigned n_commented) {
        char after[64];

        if (!old) {
                run_unchanged(run, STEP, "/etc/fstab absent: no swap entries");
                return 0;
        }
        if (n_commented == 0) {
                run_unchanged(run, STEP, "no active swap entry in /etc/fstab");
                return 0;
        }
        snprintf(after, sizeof(after), "%u commented out", n_commented);
        return host_update_file(run, STEP, "/etc/fstab", NULL, 0, content, size, 0644, 0,
                                "comment out the swap entries of /etc/fstab", "active swap entries", after);
}

/* The unit names of paths' devices, in units and names (n of them); a path with none is warned about
 * when warn (the check's turn: the run builds the same list again from the same paths). */
static size_t swap_unit_names(const struct swap_list *paths, char units[][512], const char **names, bool warn) {
        size_t n = 0;

        for (size_t i = 0; i < paths->n; i++) {
                if (unit_name_from_path(paths->paths[i], "swap", units[n], sizeof(units[n])) < 0) {
                        if (warn)
                                log_warning("%s: no systemd unit name for this path, not masked", paths->paths[i]);
                        continue;
                }
                names[n] = units[n];
                n++;
        }
        return n;
}

static int mask_units(struct fb_run *run, const struct swap_list *paths) {
        const struct fb_host_facts *f = &run->facts; /* check_swap's */
        const char *names[MAX_SWAP_DEVICES], *mask[MAX_SWAP_DEVICES + 4];
        char units[MAX_SWAP_DEVICES][512];
        char failed[64], root[PATH_MAX + 8];
        char (*states)[FB_RUN_UNIT_STATE_MAX] = f->swap_unit_states;
        size_t n, n_mask = 0, k = 0;

        n = swap_unit_names(paths, units, names, false);
        if (n == 0)
                return 0;
        if (f->swap_units_query == -ENOENT) {
                run_unchanged(run, STEP, "no systemctl: no swap units to mask");
                return 0;
        }
        if (n != f->swap_n_units || !states)
                return log_error_errno(-EIO, "the swap units are not those the check before any change found");

        mask[k++] = "systemctl";
        if (run->offline) { /* masking is a symlink in the tree's /etc/systemd/system */
                snprintf(root, sizeof(root), "--root=%s", root_get());
                mask[k++] = root;
        }
        mask[k++] = "mask";
        for (size_t i = 0; i < n; i++) {
                /* the units systemctl printed no state for come last; the first of them has none */
                const char *before = states[i][0] ? states[i] : i == 0 || states[i - 1][0] ? "not masked" : "unknown";
                char what[600];

                snprintf(what, sizeof(what), "mask %.*s", (int) sizeof(units[i]), units[i]);
                if (streq(before, "masked")) {
                        run_unchanged(run, STEP, what);
                        continue;
                }
                run_action(run, STEP, what, before, "masked");
                mask[k++] = units[i];
                n_mask++;
        }
        mask[k] = NULL;
        if (n_mask == 0)
                return 0;
        snprintf(failed, sizeof(failed), "systemctl mask of %zu swap unit(s)", n_mask);
        /* one systemctl mask for the units listed above */
        return action_take(run, &(struct action) { .step = STEP, .kind = ACTION_COMMAND, .argv = mask,
                                                   .failed = failed });
}

/* What the step reads of the host, kept for the run: /proc/swaps and /etc/fstab, each parsed here (a line
 * the step cannot read is refused before any change), fstab a file the run can replace, and the swap
 * units' is-enabled words. */
int check_swap(struct fb_run *run) {
        struct fb_host_facts *f = &run->facts;
        _cleanup_(swap_list_done) struct swap_list active = {}, units = {};
        _cleanup_free_ char *fstab_new = NULL;
        const char *names[MAX_SWAP_DEVICES];
        char unit_names[MAX_SWAP_DEVICES][512];
        size_t fstab_new_size = 0, n;
        unsigned n_commented = 0;
        int r;

        _Static_assert(FB_RUN_UNIT_STATE_MAX == UNIT_STATE_MAX, "unit.h's UNIT_STATE_MAX");
        free(f->swap_proc);
        free(f->swap_fstab);
        free(f->swap_unit_states);
        f->swap_proc = f->swap_fstab = NULL;
        f->swap_unit_states = NULL;
        f->swap_proc_size = f->swap_fstab_size = f->swap_n_units = 0;
        f->swap_units_query = 0;
        if (run->config->host.swap == FB_SWAP_KEEP)
                return 0;
        /* offline, the tree has no swap in use: the running system's is not the tree's */
        r = run->offline ? -ENOENT : host_read_file("/proc/swaps", HOST_FILE_MAX, &f->swap_proc, &f->swap_proc_size);
        if (r < 0 && r != -ENOENT)
                return r;
        r = host_read_file("/etc/fstab", HOST_FILE_MAX, &f->swap_fstab, &f->swap_fstab_size);
        if (r < 0 && r != -ENOENT)
                return r;
        r = swap_devices(f, &active, &units, &fstab_new, &fstab_new_size, &n_commented);
        if (r < 0)
                return r;
        if (n_commented > 0) {
                r = host_check_writable("/etc/fstab");
                if (r < 0)
                        return r;
        }

        n = swap_unit_names(&units, unit_names, names, true);
        if (n == 0)
                return 0;
        f->swap_unit_states = calloc(n, sizeof(*f->swap_unit_states));
        if (!f->swap_unit_states)
                return log_error_errno(-ENOMEM, "out of memory");
        f->swap_n_units = n;
        r = unit_query_many(run, UNIT_IS_ENABLED, names, n, f->swap_unit_states);
        f->swap_units_query = r;
        return r < 0 && r != -ENOENT ? r : 0;
}

int step_swap(struct fb_run *run) {
        const struct fb_host_facts *f = &run->facts; /* check_swap's */
        _cleanup_(swap_list_done) struct swap_list active = {}, units = {};
        _cleanup_free_ char *fstab_new = NULL;
        size_t fstab_new_size = 0;
        unsigned n_commented = 0;
        int r, changed = 0;

        if (run->config->host.swap == FB_SWAP_KEEP) {
                run_unchanged(run, STEP, "swap left as it is (host.swap: keep)");
                return 0;
        }

        /* Every swap device we know of: active ones, fstab's, and those we commented out before. */
        r = swap_devices(f, &active, &units, &fstab_new, &fstab_new_size, &n_commented);
        if (r < 0)
                return r;

        /* Masks first: a run killed after a swapoff or the fstab edit must still know every unit next time,
         * and only /proc/swaps and fstab can tell. */
        r = mask_units(run, &units);
        if (r < 0)
                return r;
        changed |= r > 0;

        r = swapoff_active(run, &active);
        if (r < 0)
                return r;
        changed |= r > 0;

        r = fstab_update(run, f->swap_fstab, fstab_new, fstab_new_size, n_commented);
        if (r < 0)
                return r;
        changed |= r > 0;
        return changed;
}

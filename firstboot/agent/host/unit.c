/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "action.h"
#include "host/hostedit.h"
#include "host/unit.h"
#include "log.h"
#include "macro.h"
#include "path.h"

#define UNITS_MAX 16

/* The verbs that only change unit files: on an offline --root they act on the tree (`systemctl --root`,
 * which systemd 219 has for these); every other verb (start, stop, restart, daemon-reload) talks to the
 * running systemd. */
static bool verb_is_file_only(const char *verb) {
        return streq(verb, "enable") || streq(verb, "disable") || streq(verb, "mask") || streq(verb, "unmask") ||
               streq(verb, "is-enabled");
}

/* "--root=DIR" for an offline run, into buf; NULL otherwise. */
static const char *root_arg(const struct fb_run *run, char *buf, size_t size) {
        if (!run->offline)
                return NULL;
        snprintf(buf, size, "--root=%s", root_get());
        return buf;
}

/* A line that is a state word ("masked", "static", "enabled-runtime", ...), not an error message ("Failed
 * to get unit file state for X: No such file or directory"). */
static bool is_state_word(const char *s, size_t len) {
        if (len == 0 || len >= UNIT_STATE_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!(s[i] >= 'a' && s[i] <= 'z') && s[i] != '-')
                        return false;
        return true;
}

/* systemctl's answer is its last line ("enabled"; SysV services print chkconfig's chatter first); an
 * error message instead of a state word becomes "". */
static void systemctl_state_word(const char *out, char *ret, size_t size) {
        const char *end = out + strlen(out), *start;

        while (end > out && isspace((unsigned char) end[-1]))
                end--;
        for (start = end; start > out && start[-1] != '\n'; start--)
                ;
        while (start < end && isspace((unsigned char) *start))
                start++;
        if ((size_t) (end - start) >= size || memchr(start, ' ', end - start) || memchr(start, ':', end - start))
                ret[0] = 0;
        else
                snprintf(ret, size, "%.*s", (int) (end - start), start);
}

static const char *query_verb(enum unit_query q) {
        return q == UNIT_IS_ENABLED ? "is-enabled" : "is-active";
}

int unit_query(struct fb_run *run, enum unit_query q, const char *unit, bool quiet_missing,
               char ret_word[UNIT_STATE_MAX]) {
        char root[PATH_MAX + 8];
        const char *argv[5];
        _cleanup_free_ char *out = NULL;
        size_t k = 0;
        int r;

        if (run->offline && q == UNIT_IS_ACTIVE) {
                /* nothing runs in a tree */
                snprintf(ret_word, UNIT_STATE_MAX, "inactive");
                return 0;
        }
        argv[k++] = "systemctl";
        if (root_arg(run, root, sizeof(root)))
                argv[k++] = root;
        argv[k++] = query_verb(q);
        argv[k++] = unit;
        argv[k] = NULL;
        r = host_command(run, argv, quiet_missing, &out);
        if (r < 0)
                return r;
        if (r != 0 && strstr(out, "No such file"))
                return -ENOENT;
        systemctl_state_word(out, ret_word, UNIT_STATE_MAX);
        if (!ret_word[0])
                snprintf(ret_word, UNIT_STATE_MAX, r == 0 ? "yes" : "unknown");
        return r == 0;
}

int unit_query_many(struct fb_run *run, enum unit_query q, const char *const *units, size_t n,
                    char (*states)[UNIT_STATE_MAX]) {
        const char *argv[UNITS_MAX + 4];
        char root[PATH_MAX + 8];
        _cleanup_free_ char *out = NULL;
        const char *p, *end, *line;
        size_t n_states = 0, len, k = 0;
        int r;

        if (n > UNITS_MAX)
                return log_error_errno(-E2BIG, "systemctl %s: more than %d units", query_verb(q), UNITS_MAX);
        if (run->offline && q == UNIT_IS_ACTIVE) {
                for (size_t i = 0; i < n; i++)
                        snprintf(states[i], UNIT_STATE_MAX, "inactive");
                return 3; /* systemctl is-active's "none active" */
        }
        argv[k++] = "systemctl";
        if (root_arg(run, root, sizeof(root)))
                argv[k++] = root;
        argv[k++] = query_verb(q);
        for (size_t i = 0; i < n; i++) {
                argv[k++] = units[i];
                states[i][0] = 0;
        }
        argv[k] = NULL;
        r = host_command(run, argv, true, &out);
        if (r < 0)
                return r;
        for (p = out, end = out + strlen(out); n_states < n && text_next_line(&p, end, &line, &len);) {
                while (len > 0 && isspace((unsigned char) line[len - 1]))
                        len--;
                if (is_state_word(line, len))
                        snprintf(states[n_states++], UNIT_STATE_MAX, "%.*s", (int) len, line);
        }
        return r;
}

int unit_run(struct fb_run *run, const char *verb, const char *const *units, const char *hint) {
        const char *argv[UNITS_MAX + 4];
        char names[256] = "", root[PATH_MAX + 8];
        size_t n = 0, used = 0;
        int r;

        if (run->offline && !verb_is_file_only(verb))
                /* the actions that call this are marked live: reaching here is a bug, not the host's fault */
                return log_error_errno(-EPERM, "systemctl %s: refused on an offline --root tree", verb);
        argv[n++] = "systemctl";
        if (root_arg(run, root, sizeof(root)))
                argv[n++] = root;
        argv[n++] = verb;
        for (size_t i = 0; units[i]; i++) {
                if (n >= ELEMENTSOF(argv) - 1)
                        return log_error_errno(-E2BIG, "systemctl %s: more than %d units", verb, UNITS_MAX);
                argv[n++] = units[i];
                if (used < sizeof(names))
                        used += (size_t) snprintf(names + used, sizeof(names) - used, " %s", units[i]);
        }
        argv[n] = NULL;
        r = host_command(run, argv, false, NULL);
        if (r <= 0)
                return r;
        if (hint)
                return log_error_errno(-EIO, "systemctl %s%s failed (exit status %d; %s)", verb, names, r, hint);
        return log_error_errno(-EIO, "systemctl %s%s failed (exit status %d; see the agent log and journalctl -u%s)",
                               verb, names, r, names);
}

struct unit_verb {
        const char *verb, *unit;
};

static int unit_verb_perform(struct fb_run *run, void *userdata) {
        const struct unit_verb *u = userdata;
        return unit_run(run, u->verb, (const char *const[]) { u->unit, NULL }, NULL);
}

int unit_action(struct fb_run *run, const char *step, const char *what, const char *before, const char *after,
                const char *verb, const char *unit) {
        return action_take(run, &(struct action) { .step = step, .what = what, .before = before, .after = after,
                                                   .kind = ACTION_CALL, .perform = unit_verb_perform,
                                                   .userdata = &(struct unit_verb) { verb, unit },
                                                   .live = !verb_is_file_only(verb) });
}

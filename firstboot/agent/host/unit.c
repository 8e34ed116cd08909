/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "action.h"
#include "host/hostedit.h"
#include "host/unit.h"
#include "log.h"
#include "macro.h"

#define UNITS_MAX 16

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
        const char *argv[] = { "systemctl", query_verb(q), unit, NULL };
        _cleanup_free_ char *out = NULL;
        int r;

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
        const char *argv[UNITS_MAX + 3];
        _cleanup_free_ char *out = NULL;
        const char *p, *end, *line;
        size_t n_states = 0, len;
        int r;

        if (n > UNITS_MAX)
                return log_error_errno(-E2BIG, "systemctl %s: more than %d units", query_verb(q), UNITS_MAX);
        argv[0] = "systemctl";
        argv[1] = query_verb(q);
        for (size_t i = 0; i < n; i++) {
                argv[2 + i] = units[i];
                states[i][0] = 0;
        }
        argv[2 + n] = NULL;
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
        const char *argv[UNITS_MAX + 3];
        char names[256] = "";
        size_t n = 0, used = 0;
        int r;

        argv[n++] = "systemctl";
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
                                                   .userdata = &(struct unit_verb) { verb, unit } });
}

/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fileio.h"
#include "macro.h"
#include "parse.h"
#include "path.h"
#include "state.h"
#include "time-util.h"

#define STATE_FILE_MAX 4096

static int state_parse(struct state *s, const char *text) {
        const char *p = text;

        s->n_done = 0;
        while (*p) {
                char name[32] = "";
                unsigned long long usec;
                const char *eol = strchr(p, '\n');
                /* "STAGE USEC": a name of [a-z-], blanks, a number, the end of the line */
                size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz-"), blanks = strspn(p + n, " \t");

                if (n > 0 && n < sizeof(name) && blanks > 0 && s->n_done < STATE_MAX_STAGES &&
                    parse_uint_n(p + n + blanks, (eol ? (size_t) (eol - p) : strlen(p)) - n - blanks, 0, ULLONG_MAX,
                                 &usec) >= 0) {
                        memcpy(name, p, n);
                        memcpy(s->done[s->n_done].name, name, sizeof(name));
                        s->done[s->n_done].usec = usec;
                        s->n_done++;
                } else
                        return -EBADMSG;
                if (!eol)
                        break;
                p = eol + 1;
        }
        return 0;
}

int state_open(const char *state_base, const char *instance_id, bool create, struct state *ret) {
        _cleanup_free_ char *text = NULL, *path = NULL;
        size_t size;
        int r;

        memset(ret, 0, sizeof(*ret));
        if (snprintf(ret->abs_dir, sizeof(ret->abs_dir), "%s/%s", state_base, instance_id) >=
                    (int) sizeof(ret->abs_dir) ||
            snprintf(ret->dir, sizeof(ret->dir), "%s%s", root_get(), ret->abs_dir) >= (int) sizeof(ret->dir))
                return -ENAMETOOLONG;
        if (create) {
                r = root_mkdir_p(ret->abs_dir, 0700);
                if (r < 0)
                        return r;
        }
        if (asprintf(&path, "%s/stages", ret->abs_dir) < 0)
                return -ENOMEM;
        r = root_read_file(path, STATE_FILE_MAX, &text, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        /* a NUL would hide the stages after it */
        if (memchr(text, 0, size))
                return -EBADMSG;
        return state_parse(ret, text);
}

bool state_stage_done(const struct state *s, const char *stage, uint64_t *ret_usec) {
        for (unsigned i = 0; i < s->n_done; i++)
                if (streq(s->done[i].name, stage)) {
                        if (ret_usec)
                                *ret_usec = s->done[i].usec;
                        return true;
                }
        return false;
}

static int state_save(const struct state *s) {
        _cleanup_free_ char *path = NULL;
        char text[STATE_FILE_MAX];
        size_t n = 0;

        for (unsigned i = 0; i < s->n_done; i++)
                n += snprintf(text + n, sizeof(text) - n, "%s %llu\n", s->done[i].name,
                              (unsigned long long) s->done[i].usec);
        if (asprintf(&path, "%s/stages", s->abs_dir) < 0)
                return -ENOMEM;
        return root_write_file(path, text, n, 0600, WRITE_ATOMIC_MKDIR);
}

int state_mark_done(struct state *s, const char *stage) {
        if (state_stage_done(s, stage, NULL))
                return 0;
        if (s->n_done >= STATE_MAX_STAGES || strlen(stage) >= sizeof(s->done[0].name))
                return -E2BIG;
        strscpy(s->done[s->n_done].name, sizeof(s->done[0].name), stage);
        s->done[s->n_done].usec = now_realtime_usec();
        s->n_done++;
        return state_save(s);
}

int state_reset(struct state *s) {
        s->n_done = 0;
        return state_save(s);
}

int state_write_current_instance(const char *state_base, const char *instance_id) {
        _cleanup_free_ char *path = NULL;
        char text[300];
        int n;

        n = snprintf(text, sizeof(text), "%s\n", instance_id);
        if (n >= (int) sizeof(text))
                return -ENAMETOOLONG;
        if (asprintf(&path, "%s/instance", state_base) < 0)
                return -ENOMEM;
        return root_write_file(path, text, n, 0644, WRITE_ATOMIC_MKDIR);
}

int state_read_current_instance(const char *state_base, char *ret, size_t size) {
        _cleanup_free_ char *text = NULL, *path = NULL;
        size_t n;
        int r;

        if (asprintf(&path, "%s/instance", state_base) < 0)
                return -ENOMEM;
        r = root_read_file(path, 300, &text, &n);
        if (r < 0)
                return r;
        while (n > 0 && text[n - 1] == '\n')
                text[--n] = 0;
        if (n == 0 || strlen(text) != n || strchr(text, '/') || strchr(text, '\n'))
                return -EBADMSG;
        return strscpy(ret, size, text);
}

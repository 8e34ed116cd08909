/* SPDX-License-Identifier: MIT */
/* The cloud-config's ssh_authorized_keys for root, merged into /root/.ssh/authorized_keys (directory
 * 0700, file 0600, as sshd's StrictModes wants): keys already there, whatever their options or comment,
 * are not added twice, and every existing line stays byte for byte. Keys are never logged: only counts. */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "action.h"
#include "fileio.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "log.h"
#include "macro.h"
#include "path.h"

#define STEP "ssh"
#define SSH_DIR "/root/.ssh"
#define AUTHORIZED_KEYS "/root/.ssh/authorized_keys"

static bool is_key_type(const char *s, size_t len) {
        static const char *const prefixes[] = { "ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-" };

        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                size_t pl = strlen(prefixes[i]);
                if (len > pl && memcmp(s, prefixes[i], pl) == 0)
                        return true;
        }
        return false;
}

/* The part of a line that names the key: "TYPE BLOB" (options before and comment after left out),
 * or the whole trimmed line when it holds no recognisable key. */
static void key_identity(const char *line, size_t len, const char **ret, size_t *ret_len) {
        const char *p = line, *end = line + len;

        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                end--;
        *ret = p;
        *ret_len = end - p;

        while (p < end) {
                const char *tok = p, *blob, *blob_end;
                bool quoted = false;

                /* options may hold quoted blanks: command="a b" */
                while (p < end && (quoted || (*p != ' ' && *p != '\t'))) {
                        if (*p == '"')
                                quoted = !quoted;
                        p++;
                }
                if (is_key_type(tok, p - tok)) {
                        blob = p;
                        while (blob < end && (*blob == ' ' || *blob == '\t'))
                                blob++;
                        blob_end = blob;
                        while (blob_end < end && *blob_end != ' ' && *blob_end != '\t')
                                blob_end++;
                        if (blob_end > blob) {
                                *ret = tok;
                                *ret_len = blob_end - tok;
                        }
                        return;
                }
                while (p < end && (*p == ' ' || *p == '\t'))
                        p++;
        }
}

static bool line_is_key(const char *line, size_t len) {
        while (len > 0 && (*line == ' ' || *line == '\t'))
                line++, len--;
        return len > 0 && *line != '#' && *line != '\r';
}

/* Do the two identities name the same key? Blanks between type and blob may differ. */
static bool same_identity(const char *a, size_t al, const char *b, size_t bl) {
        const char *ae = a + al, *be = b + bl;

        while (a < ae && b < be) {
                bool ab = *a == ' ' || *a == '\t', bb = *b == ' ' || *b == '\t';
                if (ab && bb) {
                        while (a < ae && (*a == ' ' || *a == '\t'))
                                a++;
                        while (b < be && (*b == ' ' || *b == '\t'))
                                b++;
                        continue;
                }
                if (*a != *b)
                        return false;
                a++, b++;
        }
        return a == ae && b == be;
}

static bool text_has_key(const char *text, size_t size, const char *id, size_t id_len) {
        const char *p = text, *end = text + size, *line;
        size_t len;

        while (text_next_line(&p, end, &line, &len)) {
                const char *lid;
                size_t lid_len;

                if (!line_is_key(line, len))
                        continue;
                key_identity(line, len, &lid, &lid_len);
                if (same_identity(lid, lid_len, id, id_len))
                        return true;
        }
        return false;
}

int authorized_keys_merge(const char *old, size_t old_size, char *const *keys, size_t n_keys, char **ret,
                          size_t *ret_size, unsigned *ret_n_added, unsigned *ret_n_before) {
        const char *p = old, *end = old + old_size, *line;
        struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        unsigned n_before = 0, n_added = 0;
        size_t len;
        int r;

        while (text_next_line(&p, end, &line, &len))
                if (line_is_key(line, len))
                        n_before++;

        r = buffer_append(&b, old, old_size);
        for (size_t i = 0; r >= 0 && i < n_keys; i++) {
                const char *key = keys[i], *id;
                size_t key_len = strcspn(key, "\r\n"), id_len;

                while (key_len > 0 && (*key == ' ' || *key == '\t'))
                        key++, key_len--;
                while (key_len > 0 && (key[key_len - 1] == ' ' || key[key_len - 1] == '\t'))
                        key_len--;

                if (!line_is_key(key, key_len))
                        continue;
                key_identity(key, key_len, &id, &id_len);
                /* b holds the old lines and the keys added so far: no duplicates within the seed either */
                if (text_has_key(b.data ? b.data : "", b.len, id, id_len))
                        continue;
                if (b.len > 0 && b.data && b.data[b.len - 1] != '\n')
                        r = buffer_puts(&b, "\n");
                if (r >= 0)
                        r = buffer_append(&b, key, key_len);
                if (r >= 0)
                        r = buffer_puts(&b, "\n");
                n_added++;
        }
        if (r >= 0)
                r = buffer_steal(&b, ret, ret_size);
        buffer_free(&b);
        if (r < 0)
                return r;
        *ret_n_added = n_added;
        *ret_n_before = n_before;
        return 0;
}

struct path_mode {
        const char *abs_path, *shown;
        mode_t mode;
};

/* chmod() of <root>abs_path, never through a symlink. */
static int set_mode(struct fb_run *run, void *userdata) {
        const struct path_mode *p = userdata;
        _cleanup_close_ int fd = root_open_file(p->abs_path, CHASE_NOFOLLOW, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);

        if (fd < 0 || fchmod(fd, p->mode) < 0) {
                int r = fd < 0 ? fd : negative_errno();
                return log_error_errno(r, "%s: cannot chmod: %s", p->shown, chase_strerror(r));
        }
        return 0;
}

/* mkdir -p of <root>abs_path, then its mode whatever the umask. */
static int make_dir(struct fb_run *run, void *userdata) {
        const struct path_mode *p = userdata;
        int r;

        r = root_mkdir_p(p->abs_path, p->mode);
        if (r < 0)
                return log_error_errno(r, "%s: cannot create: %s", p->shown, chase_strerror(r));
        return set_mode(run, userdata);
}

/* The type and mode of <root>abs_path (0 when absent), never through a link: a directory or a regular file
 * as wanted, or a problem (logged). */
static int path_mode(const char *abs_path, bool directory, unsigned *ret_mode) {
        _cleanup_free_ char *path = root_path(abs_path);
        struct stat st;
        int r;

        *ret_mode = 0;
        if (!path)
                return log_error_errno(-ENOMEM, "%s: %m", abs_path);
        r = root_lstat(abs_path, &st);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot stat: %s", path, chase_strerror(r));
        if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
                return log_error_errno(-EEXIST, "%s: not a %s (a symlink?), refusing to use it", path,
                                       directory ? "directory" : "regular file");
        *ret_mode = (unsigned) st.st_mode;
        return 0;
}

/* abs_path to mode: created when absent (a directory; a file is created with its mode), chmod()ed when
 * another mode. current is what check_ssh() found (path_mode()). */
static int ensure_mode(struct fb_run *run, const char *abs_path, unsigned current, mode_t mode, bool directory) {
        _cleanup_free_ char *path = root_path(abs_path), *what = NULL;
        char before[16], after[16];

        if (!path)
                return log_error_errno(-ENOMEM, "%s: %m", abs_path);
        if (!current) {
                if (!directory)
                        return 0; /* the file is created with its mode */
                if (asprintf(&what, "create %s", abs_path) < 0)
                        return log_error_errno(-ENOMEM, "%s: %m", abs_path);
                snprintf(after, sizeof(after), "%04o", (unsigned) mode);
                return action_take(run, &(struct action) { .step = STEP, .what = what, .after = after,
                                                           .kind = ACTION_CALL, .perform = make_dir,
                                                           .userdata = &(struct path_mode) { abs_path, path, mode } });
        }
        if ((current & 07777) == mode) {
                if (asprintf(&what, "mode of %s", abs_path) < 0)
                        return log_error_errno(-ENOMEM, "%s: %m", abs_path);
                run_unchanged(run, STEP, what);
                return 0;
        }
        snprintf(before, sizeof(before), "%04o", current & 07777);
        snprintf(after, sizeof(after), "%04o", (unsigned) mode);
        if (asprintf(&what, "set the mode of %s", abs_path) < 0)
                return log_error_errno(-ENOMEM, "%s: %m", abs_path);
        return action_take(run, &(struct action) { .step = STEP, .what = what, .before = before, .after = after,
                                                   .kind = ACTION_CALL, .perform = set_mode,
                                                   .userdata = &(struct path_mode) { abs_path, path, mode } });
}

/* root's .ssh must be a directory and its authorized_keys a regular file, where they exist (the step never
 * follows a link there); the keys file as merged is kept. */
int check_ssh(struct fb_run *run) {
        const struct fb_config *c = run->config;
        struct fb_host_facts *f = &run->facts;
        _cleanup_free_ char *old = NULL;
        size_t old_size = 0;
        int r, first;

        if (c->n_ssh_keys == 0)
                return 0;
        first = path_mode(SSH_DIR, true, &f->ssh_dir_mode);
        r = path_mode(AUTHORIZED_KEYS, false, &f->ssh_keys_mode);
        if (r >= 0 && f->ssh_keys_mode) {
                r = host_read_file(AUTHORIZED_KEYS, HOST_FILE_MAX, &old, &old_size);
                if (r == -ENOENT) /* gone since: written anew */
                        r = 0;
        }
        if (r >= 0) {
                free(f->ssh_keys_new);
                f->ssh_keys_new = NULL;
                r = authorized_keys_merge(old ? old : "", old_size, c->ssh_keys, c->n_ssh_keys, &f->ssh_keys_new,
                                          &f->ssh_keys_new_size, &f->ssh_keys_added, &f->ssh_keys_before);
                if (r < 0)
                        r = log_error_errno(r, AUTHORIZED_KEYS ": cannot build the new content: %m");
        }
        first = first ?: (r < 0 ? r : 0);
        return first;
}

int step_ssh(struct fb_run *run) {
        const struct fb_config *c = run->config;
        const struct fb_host_facts *f = &run->facts;
        char before[32], after[32];
        int r, changed = 0;

        if (c->n_ssh_keys == 0) {
                run_unchanged(run, STEP, "no ssh_authorized_keys in the seed");
                return 0;
        }

        r = ensure_mode(run, SSH_DIR, f->ssh_dir_mode, 0700, true);
        if (r < 0)
                return r;
        changed |= r > 0;

        if (f->ssh_keys_added > 0) {
                if (f->ssh_keys_mode)
                        snprintf(before, sizeof(before), "%u key(s)", f->ssh_keys_before);
                else
                        snprintf(before, sizeof(before), "absent");
                snprintf(after, sizeof(after), "%u key(s)", f->ssh_keys_before + f->ssh_keys_added);
                r = host_update_file(run, STEP, AUTHORIZED_KEYS, NULL, 0, f->ssh_keys_new, f->ssh_keys_new_size, 0600,
                                     WRITE_ATOMIC_SECRET, "add the seed's keys to " AUTHORIZED_KEYS, before, after);
                if (r < 0)
                        return r;
                changed |= r > 0;
        } else {
                run_unchanged(run, STEP, "every key of the seed in " AUTHORIZED_KEYS);
                r = ensure_mode(run, AUTHORIZED_KEYS, f->ssh_keys_mode, 0600, false);
                if (r < 0)
                        return r;
                changed |= r > 0;
        }
        return changed;
}

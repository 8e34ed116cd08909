/* SPDX-License-Identifier: MIT */
/* SELinux permissive, as the kubeadm install guide for CentOS 7 does: SELINUX=permissive in
 * /etc/selinux/config for the next boots (only that line changes; "disabled" stays disabled, since
 * turning it into permissive would relabel the whole disk at the next boot), and now by writing 0 to
 * /sys/fs/selinux/enforce, which is all setenforce(8) does. */
#include <ctype.h>

#include "action.h"
#include "fileio.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "log.h"
#include "macro.h"
#include "parse.h"

#define STEP "selinux"
#define SELINUX_CONFIG "/etc/selinux/config"
#define SELINUX_ENFORCE "/sys/fs/selinux/enforce"
#define SELINUX_TAG "SELINUX="

int selinux_config_permissive(const char *old, size_t old_size, char **ret, size_t *ret_size,
                              char *ret_old_mode, size_t old_mode_size) {
        const char *p = old, *end = old + old_size, *line;
        size_t len, tag_len = strlen(SELINUX_TAG);
        bool found = false;
        struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        int r = 0;

        if (old_mode_size > 0)
                snprintf(ret_old_mode, old_mode_size, "absent");

        while (r >= 0 && text_next_line(&p, end, &line, &len)) {
                bool has_newline = p > line + len;
                const char *s = line, *e = line + len, *v;

                /* libselinux reads the first SELINUX= line, tag at the start, leading blanks allowed. */
                while (s < e && (*s == ' ' || *s == '\t'))
                        s++;
                if (!found && (size_t) (e - s) >= tag_len && memcmp(s, SELINUX_TAG, tag_len) == 0) {
                        found = true;
                        v = s + tag_len;
                        while (e > v && isspace((unsigned char) e[-1]))
                                e--;
                        if (old_mode_size > 0)
                                snprintf(ret_old_mode, old_mode_size, "%.*s", (int) (e - v), v);
                        if ((size_t) (e - v) == strlen("enforcing") && strncasecmp(v, "enforcing", e - v) == 0) {
                                r = buffer_append(&b, line, s - line); /* keep the indentation */
                                if (r >= 0)
                                        r = buffer_puts(&b, SELINUX_TAG "permissive");
                                if (r >= 0 && has_newline)
                                        r = buffer_puts(&b, "\n");
                                continue;
                        }
                }
                r = buffer_append(&b, line, len + (has_newline ? 1 : 0));
        }
        if (r >= 0 && !found) {
                if (b.len > 0 && b.data[b.len - 1] != '\n')
                        r = buffer_puts(&b, "\n");
                if (r >= 0)
                        r = buffer_puts(&b, SELINUX_TAG "permissive\n");
        }
        if (r >= 0)
                r = buffer_steal(&b, ret, ret_size);
        buffer_free(&b);
        return r;
}

static int selinux_config(struct fb_run *run) {
        _cleanup_free_ char *content = NULL;
        const char *old = run->facts.selinux_old; /* check_selinux's */
        size_t old_size = run->facts.selinux_old_size, size;
        char old_mode[32];
        int r;

        if (!old) {
                run_unchanged(run, STEP, SELINUX_CONFIG " absent: SELinux is not installed");
                return 0;
        }
        r = selinux_config_permissive(old, old_size, &content, &size, old_mode, sizeof(old_mode));
        if (r < 0)
                return log_error_errno(r, SELINUX_CONFIG ": cannot build the new content: %m");
        if (!string_is_safe(old_mode, sizeof(old_mode) - 1))
                snprintf(old_mode, sizeof(old_mode), "other");
        return host_update_file(run, STEP, SELINUX_CONFIG, old, old_size, content, size, 0644, 0,
                                "set SELINUX=permissive in " SELINUX_CONFIG, old_mode, "permissive");
}

static int selinux_permissive_now(struct fb_run *run, void *userdata) {
        char value[16];
        int r;

        r = host_read_kernel_value(SELINUX_ENFORCE, value, sizeof(value));
        if (r < 0)
                return r == -ENOENT ? log_error_errno(r, SELINUX_ENFORCE " vanished after writing it") : r;
        if (!streq(value, "0"))
                return log_error_errno(-EIO, SELINUX_ENFORCE ": wrote 0 but it still reads %s (a policy forbids "
                                       "setenforce?)", value);
        return 0;
}

static int selinux_now(struct fb_run *run) {
        const char *value = run->facts.selinux_enforce; /* check_selinux's */

        if (run->offline) {
                run_left_out(run, STEP, "switch SELinux to permissive now (setenforce 0)");
                return 0;
        }
        if (!value[0]) {
                run_unchanged(run, STEP, "SELinux not enabled in the kernel: nothing to switch now");
                return 0;
        }
        if (!streq(value, "1")) {
                run_unchanged(run, STEP, "SELinux permissive now");
                return 0;
        }
        return action_take(run, &(struct action) { .step = STEP, .what = "switch SELinux to permissive now (setenforce 0)",
                                                   .before = "enforcing", .after = "permissive",
                                                   .kind = ACTION_KERNEL_VALUE, .path = SELINUX_ENFORCE, .value = "0",
                                                   .verify = selinux_permissive_now, .live = true });
}

/* /etc/selinux/config (read and rewritten in memory: a file the run can replace) and the kernel's mode
 * now, kept for the run. */
int check_selinux(struct fb_run *run) {
        struct fb_host_facts *f = &run->facts;
        _cleanup_free_ char *content = NULL;
        size_t size;
        int r;

        free(f->selinux_old);
        f->selinux_old = NULL;
        f->selinux_old_size = 0;
        f->selinux_enforce[0] = 0;
        if (run->config->host.selinux == FB_SELINUX_KEEP)
                return 0;
        r = host_read_file(SELINUX_CONFIG, HOST_FILE_MAX, &f->selinux_old, &f->selinux_old_size);
        if (r < 0 && r != -ENOENT)
                return r;
        if (f->selinux_old) {
                r = host_check_writable(SELINUX_CONFIG);
                if (r < 0)
                        return r;
                r = selinux_config_permissive(f->selinux_old, f->selinux_old_size, &content, &size, NULL, 0);
                if (r < 0)
                        return log_error_errno(r, SELINUX_CONFIG ": cannot build the new content: %m");
        }
        if (run->offline)
                return 0;
        r = host_read_kernel_value(SELINUX_ENFORCE, f->selinux_enforce, sizeof(f->selinux_enforce));
        if (r == -ENOENT) {
                f->selinux_enforce[0] = 0;
                return 0;
        }
        return r < 0 ? r : 0;
}

int step_selinux(struct fb_run *run) {
        int r, changed = 0;

        if (run->config->host.selinux == FB_SELINUX_KEEP) {
                run_unchanged(run, STEP, "SELinux left as it is (host.selinux: keep)");
                return 0;
        }
        r = selinux_config(run);
        if (r < 0)
                return r;
        changed |= r > 0;
        r = selinux_now(run);
        if (r < 0)
                return r;
        changed |= r > 0;
        return changed;
}

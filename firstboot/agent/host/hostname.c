/* SPDX-License-Identifier: MIT */
/* The hostname from meta-data: sethostname(2) now (no dbus or hostnamectl on a minimal guest) and
 * /etc/hostname for the next boot. */
#include <ctype.h>
#include <sys/utsname.h>

#include "action.h"
#include "fileio.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "log.h"
#include "macro.h"
#include "parse.h"

#define STEP "hostname"

static int set_hostname(struct fb_run *run, void *userdata) {
        const char *name = userdata;

        if (sethostname(name, strlen(name)) < 0)
                return log_error_errno(-errno, "sethostname(\"%s\"): %m", name);
        return 0;
}

static int verify_hostname(struct fb_run *run, void *userdata) {
        const char *name = userdata;
        struct utsname u;

        if (uname(&u) < 0)
                return log_error_errno(-errno, "uname: %m");
        if (!streq(u.nodename, name))
                return log_error_errno(-EIO, "sethostname(\"%s\") succeeded but the kernel reports \"%s\"", name,
                                       u.nodename);
        return 0;
}

static int running_hostname(struct fb_run *run, const char *name) {
        struct utsname u;

        if (run->offline) {
                /* the running system's name is not the tree's: /etc/hostname names it at the tree's boot */
                run_left_out(run, STEP, "set the running hostname");
                return 0;
        }
        if (uname(&u) < 0)
                return log_error_errno(-errno, "uname: %m");
        if (streq(u.nodename, name)) {
                run_unchanged(run, STEP, "running hostname");
                return 0;
        }
        return action_take(run, &(struct action) { .step = STEP, .what = "set the running hostname",
                                                   .before = u.nodename, .after = name, .kind = ACTION_CALL,
                                                   .perform = set_hostname, .verify = verify_hostname,
                                                   .userdata = (void *) name, .live = true });
}

static int hostname_file(struct fb_run *run, const char *name) {
        _cleanup_free_ char *content = NULL;
        char *old = run->facts.hostname_old; /* check_hostname's */
        size_t old_size = run->facts.hostname_old_size, len = strlen(name);
        char before[64] = "absent";
        char *p;

        if (old) {
                /* The name is what counts; a file with the same name and other blanks is left alone. */
                char *start = old, *end = old + old_size;
                while (start < end && isspace((unsigned char) *start))
                        start++;
                while (end > start && isspace((unsigned char) end[-1]))
                        end--;
                *end = 0;
                if (streq(start, name)) {
                        run_unchanged(run, STEP, "/etc/hostname");
                        return 0;
                }
                if (strscpy(before, sizeof(before), hostname_is_valid(start) ? start : "another name") < 0)
                        strscpy(before, sizeof(before), "another name");
        }

        content = malloc(len + 2);
        if (!content)
                return log_error_errno(-ENOMEM, "out of memory");
        p = mempcpy(content, name, len);
        *p = '\n';
        return host_update_file(run, STEP, "/etc/hostname", NULL, 0, content, len + 1, 0644, WRITE_ATOMIC_MKDIR,
                                "write /etc/hostname", before, name);
}

/* /etc/hostname, kept for the run, and a file the run can replace. */
int check_hostname(struct fb_run *run) {
        return host_check_file("/etc/hostname", &run->facts.hostname_old, &run->facts.hostname_old_size);
}

int step_hostname(struct fb_run *run) {
        const char *name = run->config->hostname;
        int r, changed = 0;

        if (!hostname_is_valid(name))
                return log_error_errno(-EINVAL, "hostname \"%s\" is not a valid RFC 1123 name", name);

        r = running_hostname(run, name);
        if (r < 0)
                return r;
        changed |= r > 0;

        r = hostname_file(run, name);
        if (r < 0)
                return r;
        changed |= r > 0;
        return changed;
}

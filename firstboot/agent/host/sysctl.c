/* SPDX-License-Identifier: MIT */
/* The reference sysctls plus the seed's extras: in /etc/sysctl.d for every boot (systemd-sysctl reads
 * it) and applied now through /proc/sys, only where the value differs. Runs after the modules step: the
 * bridge keys exist only once br_netfilter is loaded, so a key still missing then is an error. */
#include <limits.h>

#include "action.h"
#include "fileio.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "log.h"
#include "macro.h"
#include "path.h"

#define STEP "sysctl"
#define SYSCTL_FILE "/etc/sysctl.d/90-kube-firstboot.conf"
#define MAX_SETTINGS (FB_MAX_SYSCTLS + 8)

static const struct sysctl_setting reference[] = {
        { "net.bridge.bridge-nf-call-iptables", "1" },
        { "net.bridge.bridge-nf-call-ip6tables", "1" },
        { "net.ipv4.ip_forward", "1" },
        { "net.ipv4.ip_nonlocal_bind", "1" },
        { "vm.swappiness", "0" },
};

int sysctl_key_to_path(const char *key, char *ret, size_t size) {
        size_t n = strlen(key), first = strcspn(key, "./");

        if (n == 0 || n >= size)
                return -ENAMETOOLONG;
        for (size_t i = 0; i <= n; i++) {
                char c = key[i];
                if (key[first] == '.' && (c == '.' || c == '/'))
                        c = c == '.' ? '/' : '.';
                ret[i] = c;
        }
        return 0;
}

static bool same_key(const char *a, const char *b) {
        char pa[256], pb[256];

        if (sysctl_key_to_path(a, pa, sizeof(pa)) < 0 || sysctl_key_to_path(b, pb, sizeof(pb)) < 0)
                return streq(a, b);
        return streq(pa, pb);
}

size_t sysctl_settings(const struct fb_config *c, struct sysctl_setting *ret, size_t max) {
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(reference) && n < max; i++)
                ret[n++] = reference[i];
        for (size_t i = 0; i < c->host.n_sysctls; i++) {
                size_t j;
                for (j = 0; j < n; j++)
                        if (same_key(ret[j].key, c->host.sysctls[i].key))
                                break;
                if (j == n && n >= max)
                        break;
                ret[j].key = c->host.sysctls[i].key;
                ret[j].value = c->host.sysctls[i].value;
                if (j == n)
                        n++;
        }
        return n;
}

int sysctl_render(const struct sysctl_setting *s, size_t n, char **ret, size_t *ret_size) {
        struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        int r;

        r = buffer_puts(&b, "# kube-firstboot: sysctls kubeadm needs (the reference set and the seed's extras).\n");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = buffer_appendf(&b, "%s = %s\n", s[i].key, s[i].value);
        if (r >= 0)
                r = buffer_steal(&b, ret, ret_size);
        buffer_free(&b);
        return r;
}

struct sysctl_write {
        const struct sysctl_setting *s;
        const char *abs;
};

static int sysctl_took(struct fb_run *run, void *userdata) {
        const struct sysctl_write *w = userdata;
        const struct sysctl_setting *s = w->s;
        const char *abs = w->abs;
        char current[HOST_KERNEL_VALUE_MAX];
        int r;

        r = host_read_kernel_value(abs, current, sizeof(current));
        if (r < 0)
                return r == -ENOENT ? log_error_errno(r, "%s vanished after writing it", abs) : r;
        if (!kernel_value_equal(current, s->value))
                return log_error_errno(-EIO, "sysctl %s: wrote \"%s\" but the kernel reports \"%s\"", s->key, s->value,
                                       current);
        return 0;
}

static int apply_one(struct fb_run *run, const struct sysctl_setting *s) {
        char rel[256], abs[300], current[HOST_KERNEL_VALUE_MAX], what[200];
        int r;

        r = sysctl_key_to_path(s->key, rel, sizeof(rel));
        if (r < 0)
                return log_error_errno(r, "sysctl %s: key too long", s->key);
        snprintf(abs, sizeof(abs), "/proc/sys/%s", rel);
        snprintf(what, sizeof(what), "set %s", s->key);
        if (run->offline) {
                /* systemd-sysctl applies the file above when the tree boots */
                run_left_out(run, STEP, what);
                return 0;
        }

        r = host_read_kernel_value(abs, current, sizeof(current));
        if (r == -ENOENT) {
                /* In a real run the modules step has loaded br_netfilter by now; a plan cannot know the value
                 * the kernel (or udev's systemd-sysctl) gives the bridge keys then, so it lists the write. */
                if (run->dry_run && strncmp(rel, "net/bridge/", strlen("net/bridge/")) == 0) {
                        run_action(run, STEP, what, "absent until br_netfilter is loaded", s->value);
                        return 1;
                }
                return log_error_errno(r, "sysctl %s: %s does not exist (no such key in this kernel, or its module "
                                       "is not loaded)", s->key, abs);
        }
        if (r < 0)
                return r;
        if (kernel_value_equal(current, s->value)) {
                run_unchanged(run, STEP, what);
                return 0;
        }
        return action_take(run, &(struct action) { .step = STEP, .what = what, .before = current, .after = s->value,
                                                   .kind = ACTION_KERNEL_VALUE, .path = abs, .value = s->value,
                                                   .verify = sysctl_took,
                                                   .userdata = &(struct sysctl_write) { .s = s, .abs = abs },
                                                   .live = true });
}

/* The sysctl.d file, kept for the run, and one the run can replace; every key exists now, or is a bridge
 * key, which the modules step (before this one) makes exist by loading br_netfilter. Every missing key is
 * named. */
int check_sysctl(struct fb_run *run) {
        struct fb_host_facts *f = &run->facts;
        struct sysctl_setting settings[MAX_SETTINGS];
        size_t n;
        int r, first = 0;

        r = host_check_file(SYSCTL_FILE, &f->sysctl_old, &f->sysctl_old_size);
        if (r < 0)
                return r;
        if (run->offline)
                return 0;
        n = sysctl_settings(run->config, settings, ELEMENTSOF(settings));
        for (size_t i = 0; i < n; i++) {
                char rel[256], abs[300];

                r = sysctl_key_to_path(settings[i].key, rel, sizeof(rel));
                if (r < 0) {
                        log_error_errno(r, "sysctl %s: key too long", settings[i].key);
                        first = first < 0 ? first : r;
                        continue;
                }
                if (strncmp(rel, "net/bridge/", strlen("net/bridge/")) == 0)
                        continue;
                snprintf(abs, sizeof(abs), "/proc/sys/%s", rel);
                if (root_exists(abs))
                        continue;
                log_error("sysctl %s: %s does not exist (no such key in this kernel, or its module is not loaded)",
                          settings[i].key, abs);
                first = first < 0 ? first : -ENOENT;
        }
        return first;
}

int step_sysctl(struct fb_run *run) {
        struct sysctl_setting settings[MAX_SETTINGS];
        _cleanup_free_ char *content = NULL;
        const char *old = run->facts.sysctl_old; /* check_sysctl's */
        size_t n, old_size = run->facts.sysctl_old_size, size;
        char after[64];
        int r, changed = 0;

        n = sysctl_settings(run->config, settings, ELEMENTSOF(settings));
        r = sysctl_render(settings, n, &content, &size);
        if (r < 0)
                return log_error_errno(r, SYSCTL_FILE ": cannot build the content: %m");
        snprintf(after, sizeof(after), "%zu setting(s)", n);
        r = host_update_file(run, STEP, SYSCTL_FILE, old, old_size, content, size, 0644, WRITE_ATOMIC_MKDIR,
                             "write " SYSCTL_FILE, old ? "other settings" : "absent", after);
        if (r < 0)
                return r;
        changed |= r > 0;

        for (size_t i = 0; i < n; i++) {
                r = apply_one(run, &settings[i]);
                if (r < 0)
                        return r;
                changed |= r > 0;
        }
        return changed;
}

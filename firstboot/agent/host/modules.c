/* SPDX-License-Identifier: MIT */
/* br_netfilter (without it the bridge sysctls do not exist: the reference guide forgets it) and
 * overlay (docker's overlay2 storage): loaded now, and listed in modules-load.d for every boot.
 *
 * "Loaded" means /sys/module/NAME exists (the kernel creates it for every loaded module), or the module
 * is built into the running kernel (listed in /lib/modules/RELEASE/modules.builtin). After modprobe the
 * same check must hold, or the step fails. Under --root both paths are read inside the tree, so a test
 * stand-in for modprobe proves the load by creating <root>/sys/module/NAME, as the kernel would. */
#include <limits.h>
#include <sys/utsname.h>

#include "action.h"
#include "fileio.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "log.h"
#include "macro.h"
#include "path.h"

#define STEP "modules"
#define MODULES_LOAD_FILE "/etc/modules-load.d/kube-firstboot.conf"

static const char *const modules[] = { "br_netfilter", "overlay" };

static bool module_builtin(const char *name) {
        _cleanup_free_ char *text = NULL, *abs = NULL;
        struct utsname u;
        char want[64];
        const char *p, *end, *line;
        size_t size, len, wl;

        if (uname(&u) < 0)
                return false;
        if (asprintf(&abs, "/lib/modules/%s/modules.builtin", u.release) < 0) {
                abs = NULL;
                return false;
        }
        if (host_read_file(abs, 4 * HOST_FILE_MAX, &text, &size) < 0)
                return false;
        wl = (size_t) snprintf(want, sizeof(want), "/%s.ko", name);
        for (p = text, end = text + size; text_next_line(&p, end, &line, &len);)
                if (len >= wl && memcmp(line + len - wl, want, wl) == 0)
                        return true;
        return false;
}

/* Whether modules.dep of the running kernel lists the module (its file's name, NAME.ko with any
 * compression suffix; kmod takes '-' and '_' alike): 1 yes, 0 no, -ENOENT when there is no modules.dep
 * (nothing to tell by: modprobe will say), other -errno (logged). */
static int module_listed(const char *name, const char *release) {
        _cleanup_free_ char *text = NULL, *abs = NULL;
        const char *p, *end, *line;
        size_t size, len, nl = strlen(name);
        int r;

        if (asprintf(&abs, "/lib/modules/%s/modules.dep", release) < 0) {
                abs = NULL;
                return log_error_errno(-ENOMEM, "out of memory");
        }
        r = host_read_file(abs, 16 * HOST_FILE_MAX, &text, &size);
        if (r < 0)
                return r;
        for (p = text, end = text + size; text_next_line(&p, end, &line, &len);) {
                const char *colon = memchr(line, ':', len), *base = line;
                size_t i;

                if (!colon)
                        continue;
                for (const char *q = line; q < colon; q++)
                        if (*q == '/')
                                base = q + 1;
                if ((size_t) (colon - base) < nl + 3 || memcmp(base + nl, ".ko", 3) != 0)
                        continue;
                for (i = 0; i < nl; i++)
                        if (base[i] != name[i] && !(strchr("-_", base[i]) && strchr("-_", name[i])))
                                break;
                if (i == nl)
                        return 1;
        }
        return 0;
}

static int module_loaded(const char *name) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "/sys/module/%s", name) < 0)
                return log_error_errno(-ENOMEM, "/sys/module/%s: %m", name);
        return root_exists(path) || module_builtin(name);
}

/* After modprobe: every module it was to load (userdata: bool[ELEMENTSOF(modules)], true = was missing). */
static int modules_loaded(struct fb_run *run, void *userdata) {
        const bool *missing = userdata;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(modules); i++) {
                if (!missing[i])
                        continue;
                r = module_loaded(modules[i]);
                if (r < 0)
                        return r;
                if (r == 0)
                        return log_error_errno(-ENOENT, "modprobe %s succeeded but /sys/module/%s does not exist",
                                               modules[i], modules[i]);
        }
        return 0;
}

/* Loads every module not loaded yet with one modprobe: `modprobe NAME`, or `modprobe -a NAME...` (kmod's
 * "insert all module names on the command line") when several are missing. */
static int load_modules(struct fb_run *run) {
        const char *argv[ELEMENTSOF(modules) + 3];
        bool missing[ELEMENTSOF(modules)];
        char failed[64];
        size_t k = 0, n_missing = 0;

        if (run->offline) {
                /* the tree's kernel loads them from modules-load.d when it boots */
                for (size_t i = 0; i < ELEMENTSOF(modules); i++) {
                        char what[64];
                        snprintf(what, sizeof(what), "load %s", modules[i]);
                        run_left_out(run, STEP, what);
                }
                return 0;
        }
        argv[k++] = "modprobe";
        argv[k++] = "-a";
        for (size_t i = 0; i < ELEMENTSOF(modules); i++) {
                char what[64];

                missing[i] = !run->facts.modules_loaded[i]; /* check_modules' */
                snprintf(what, sizeof(what), "load %s", modules[i]);
                if (!missing[i]) {
                        run_unchanged(run, STEP, what);
                        continue;
                }
                run_action(run, STEP, what, "not loaded", "loaded");
                argv[k++] = modules[i];
                n_missing++;
        }
        argv[k] = NULL;
        if (n_missing == 0)
                return 0;
        if (n_missing == 1) { /* plain `modprobe NAME` */
                argv[1] = argv[2];
                argv[2] = NULL;
        }
        snprintf(failed, sizeof(failed), "modprobe %s%s", n_missing == 1 ? "" : "-a ",
                 n_missing == 1 ? argv[1] : "(every missing module)");
        /* the lines were given per module above */
        return action_take(run, &(struct action) { .step = STEP, .kind = ACTION_COMMAND, .argv = argv,
                                                   .failed = failed, .verify = modules_loaded, .userdata = missing,
                                                   .live = true });
}

/* The modules-load.d file, kept for the run, and one the run can replace; which modules are loaded, and
 * that the running kernel has the others (its modules.dep lists them). Every missing module is named. */
int check_modules(struct fb_run *run) {
        struct fb_host_facts *f = &run->facts;
        struct utsname u;
        int r, first = 0;

        _Static_assert(ELEMENTSOF(modules) == ELEMENTSOF(f->modules_loaded), "modules_loaded has one per module");
        r = host_check_file(MODULES_LOAD_FILE, &f->modules_old, &f->modules_old_size);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(modules); i++) {
                f->modules_loaded[i] = false;
                if (run->offline)
                        continue;
                r = module_loaded(modules[i]);
                if (r < 0)
                        return r;
                f->modules_loaded[i] = r > 0;
                if (r > 0)
                        continue;
                if (uname(&u) < 0)
                        return log_error_errno(-errno, "uname: %m");
                r = module_listed(modules[i], u.release);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (r == 0) {
                        log_error("%s: no such module for the running kernel %s (neither loaded, built in, nor in "
                                  "%s/lib/modules/%s/modules.dep): install that kernel's modules, or boot the kernel "
                                  "they are for", modules[i], u.release, root_get(), u.release);
                        first = first < 0 ? first : -ENOENT;
                }
        }
        return first;
}

int step_modules(struct fb_run *run) {
        struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        _cleanup_free_ char *content = NULL;
        const char *old = run->facts.modules_old; /* check_modules' */
        size_t old_size = run->facts.modules_old_size, size;
        int r, changed = 0;

        r = buffer_puts(&b, "# kube-firstboot: kernel modules kubeadm needs at every boot\n"
                            "# (br_netfilter for the bridge sysctls, overlay for docker's overlay2).\n");
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(modules); i++)
                r = buffer_appendf(&b, "%s\n", modules[i]);
        if (r >= 0)
                r = buffer_steal(&b, &content, &size);
        buffer_free(&b);
        if (r < 0)
                return log_error_errno(r, "out of memory");

        r = host_update_file(run, STEP, MODULES_LOAD_FILE, old, old_size, content, size, 0644, WRITE_ATOMIC_MKDIR,
                             "write " MODULES_LOAD_FILE, old ? "other content" : "absent", "br_netfilter overlay");
        if (r < 0)
                return r;
        changed |= r > 0;

        r = load_modules(run);
        if (r < 0)
                return r;
        changed |= r > 0;
        return changed;
}

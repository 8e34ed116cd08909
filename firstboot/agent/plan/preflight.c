/* SPDX-License-Identifier: MIT */
/* The checks before the first change (preflight.h). Each one is something kubeadm refuses later, after
 * the host stage has already rewritten the host, and that no step of the agent repairs: better to refuse
 * the seed on this machine while nothing is changed. The words are kubeadm 1.23's where it has them. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/hostedit.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "plan/preflight.h"
#include "role/host-gw.h"
#include "spawn.h"

/* kubeadm 1.23's constants.ControlPlaneNumCPU and ControlPlaneMem (MB). */
#define CONTROL_PLANE_NUM_CPU 2
#define CONTROL_PLANE_MEM_MB 1700
/* Only a guard against a kubelet that hangs: kubeadm's own check waits without limit, and at boot on a slow
 * machine (a guest under emulation, beside others) `kubelet --version` has taken over a minute. */
#define KUBELET_VERSION_TIMEOUT_MS (5 * 60 * 1000)
#define KUBELET_VERSION_OUTPUT_MAX 4096

#define IGNORE_FIELD "kube_firstboot.kubernetes.ignore_preflight_errors"

struct checks {
        const struct fb_config *config;
        bool print;
        char *reason;
        size_t reason_size;
        int result;
};

/* One line of plan's list, "  NAME       STATE   what" (flushed: the errors about it go to stderr). In run, a
 * check that passed is logged; the others are logged with their full message by the caller. */
static void show(struct checks *k, const char *name, const char *state, const char *fmt, ...) _printf_(4, 5);
static void show(struct checks *k, const char *name, const char *state, const char *fmt, ...) {
        char what[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        if (k->print) {
                printf("  %-10s %-7s %s\n", name, state, what);
                fflush(stdout);
        } else if (streq(state, "ok"))
                log_info("before any change: %s ok: %s", name, what);
}

/* A refusal: the full message is logged (by the caller), the short one shown and kept for the report. */
static void refused(struct checks *k, const char *name, const char *fmt, ...) _printf_(3, 4);
static void refused(struct checks *k, const char *name, const char *fmt, ...) {
        char what[256];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        show(k, name, "REFUSED", "%s", what);
        if (k->result == 0 && k->reason && k->reason_size > 0)
                snprintf(k->reason, k->reason_size, "%s: %s", name, what);
        k->result = -EINVAL;
}

int preflight_parse_kubelet_version(const char *output, unsigned ret[3]) {
        const char *p = output;
        unsigned v[3];

        p += strspn(p, " \t\r\n");
        if (strncmp(p, "Kubernetes v", 12) != 0)
                return -EINVAL;
        p += 12;
        for (int i = 0; i < 3; i++) {
                unsigned long x;
                char *end;

                if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
                        return -EINVAL; /* semver: digits, no leading zero */
                x = strtoul(p, &end, 10);
                if (x > 100000)
                        return -EINVAL;
                v[i] = (unsigned) x;
                p = end;
                if (i < 2 && *p++ != '.')
                        return -EINVAL;
        }
        /* a pre-release or build suffix as kubeadm's pattern allows it ([-0-9a-zA-Z_.+]*), then blanks only */
        while (*p && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      strchr("-_.+", *p)))
                p++;
        p += strspn(p, " \t\r\n");
        if (*p)
                return -EINVAL;
        memcpy(ret, v, sizeof(v));
        return 0;
}

int preflight_kubelet_fit(const unsigned kubelet[3], const unsigned seed[3]) {
        if (kubelet[0] != seed[0])
                return kubelet[0] > seed[0] ? 1 : -1;
        if (kubelet[1] > seed[1])
                return 1;
        if (kubelet[1] + 1 < seed[1])
                return -1;
        return 0;
}

/* Printable ASCII of s, at most 60 characters, for showing a command's unexpected output. */
static void printable(const char *s, char buf[static 64]) {
        size_t n = 0;

        s += strspn(s, " \t\r\n");
        for (; *s && n < 60; s++)
                buf[n++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
        while (n > 0 && buf[n - 1] == '?')
                n--; /* the trailing newline */
        buf[n] = 0;
}

/* Logs "FILE:LINE:COLUMN: kube_firstboot.kubernetes.version: ..." at the version, or at the
 * kube_firstboot key when the version is the default (as the seed's other errors about defaults). */
static void version_error(const struct fb_config *c, const char *fmt, ...) _printf_(2, 3);
static void version_error(const struct fb_config *c, const char *fmt, ...) {
        const struct yaml_pos *p = c->k8s.version_pos.file ? &c->k8s.version_pos : &c->kube_firstboot_pos;
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (p->file)
                log_error("%s:%u:%u: kube_firstboot.kubernetes.version: %s%s", p->file, p->line, p->column,
                          c->k8s.version_pos.file ? "" : "the default ", msg);
        else
                log_error("kube_firstboot.kubernetes.version: %s", msg);
}

static void check_kubelet(struct checks *k) {
        const struct fb_config *c = k->config;
        const char *argv[] = { "kubelet", "--version", NULL };
        struct spawn_options opts = { .timeout_ms = KUBELET_VERSION_TIMEOUT_MS, .log_fd = -1,
                                      .capture_max = KUBELET_VERSION_OUTPUT_MAX };
        struct spawn_result res;
        unsigned seed[3], kubelet[3];
        char exe[PATH_MAX], shown[64];
        int r, fit;

        if (parse_k8s_version_numbers(c->k8s.version, &seed[0], &seed[1], &seed[2]) < 0) {
                /* validated when the seed was read: not reached */
                refused(k, "kubelet", "kubernetes.version %s is not a version", c->k8s.version);
                return;
        }
        r = spawn_find("kubelet", exe, sizeof(exe));
        if (r < 0) {
                log_error("kubelet is not installed (not found on the search path): kubeadm's preflight check "
                          "KubeletVersion refuses a host without it; install kubelet %u.%u (kube_firstboot.kubernetes."
                          "version is %s)",
                          seed[0], seed[1], c->k8s.version);
                refused(k, "kubelet", "not installed (kubeadm's check KubeletVersion refuses that)");
                return;
        }
        r = spawn_run(argv, &opts, &res);
        if (r < 0 || res.timed_out || res.exit_status != 0) {
                char status[64], error[48];
                if (r < 0)
                        snprintf(status, sizeof(status), "could not run: %s",
                                 errno_text(r, error, sizeof(error)));
                else if (res.timed_out)
                        snprintf(status, sizeof(status), "timed out");
                else
                        snprintf(status, sizeof(status), "exit status %d", res.exit_status);
                log_error("%s --version failed (%s): kubeadm's preflight check KubeletVersion refuses a kubelet "
                          "whose version it cannot get", exe, status);
                refused(k, "kubelet", "%s --version failed (%s)", exe, status);
                spawn_result_done(&res);
                return;
        }
        r = preflight_parse_kubelet_version(res.output ? res.output : "", kubelet);
        printable(res.output ? res.output : "", shown);
        spawn_result_done(&res);
        if (r < 0) {
                log_error("%s --version printed \"%s\", not \"Kubernetes vMAJOR.MINOR.PATCH\": kubeadm's preflight "
                          "check KubeletVersion refuses a kubelet whose version it cannot parse", exe, shown);
                refused(k, "kubelet", "%s --version printed \"%s\"", exe, shown);
                return;
        }

        fit = preflight_kubelet_fit(kubelet, seed);
        if (fit > 0) {
                version_error(c,
                              "%s does not fit the installed kubelet %u.%u.%u (%s --version): a kubelet newer than "
                              "the control plane is refused by kubeadm init's preflight check KubeletVersion, and on "
                              "a worker it would be newer than the cluster's API server, which Kubernetes does not "
                              "support; set version to a v%u.%u release, or install kubelet %u.%u",
                              c->k8s.version, kubelet[0], kubelet[1], kubelet[2], exe, kubelet[0], kubelet[1], seed[0],
                              seed[1]);
                refused(k, "kubelet", "kubelet %u.%u.%u is newer than kubernetes.version %s", kubelet[0], kubelet[1],
                        kubelet[2], c->k8s.version);
        } else if (fit < 0) {
                version_error(c,
                              "%s does not fit the installed kubelet %u.%u.%u (%s --version): kubeadm's preflight "
                              "check KubeletVersion refuses a kubelet more than one minor version older than the "
                              "control plane; install kubelet %u.%u",
                              c->k8s.version, kubelet[0], kubelet[1], kubelet[2], exe, seed[0], seed[1]);
                refused(k, "kubelet", "kubelet %u.%u.%u is too old for kubernetes.version %s", kubelet[0], kubelet[1],
                        kubelet[2], c->k8s.version);
        } else
                show(k, "kubelet", "ok", "kubelet %u.%u.%u (%s) fits kubernetes.version %s", kubelet[0], kubelet[1],
                     kubelet[2], exe, c->k8s.version);
}

/* The number of "processor : N" lines of /proc/cpuinfo, or -errno (-EBADMSG for none: a format this does
 * not know, better left to kubeadm than taken for no CPU at all). */
static int count_cpus(void) {
        _cleanup_free_ char *text = NULL;
        const char *p, *end, *line;
        size_t size, len;
        int r, n = 0;

        r = host_read_file("/proc/cpuinfo", HOST_FILE_MAX, &text, &size);
        if (r < 0)
                return r;
        p = text;
        end = text + size;
        while (text_next_line(&p, end, &line, &len)) {
                size_t i = 9;
                if (len < 10 || strncmp(line, "processor", 9) != 0)
                        continue;
                while (i < len && (line[i] == ' ' || line[i] == '\t'))
                        i++;
                if (i < len && line[i] == ':')
                        n++;
        }
        return n > 0 ? n : -EBADMSG;
}

/* MemTotal of /proc/meminfo in MB (kB / 1024, as kubeadm's sysinfo(2) total / 1024 / 1024), or -errno. */
static long long memory_mb(void) {
        _cleanup_free_ char *text = NULL;
        const char *p, *end, *line;
        size_t size, len;
        int r;

        r = host_read_file("/proc/meminfo", HOST_FILE_MAX, &text, &size);
        if (r < 0)
                return r;
        p = text;
        end = text + size;
        while (text_next_line(&p, end, &line, &len)) {
                unsigned long long kb;
                if (len > 9 && strncmp(line, "MemTotal:", 9) == 0 && parse_uint_n(line + 9 + strspn(line + 9, " "), strspn(line + 9 + strspn(line + 9, " "), "0123456789"), 0, ULLONG_MAX, &kb) >= 0)
                        return (long long) (kb / 1024);
        }
        return -EBADMSG;
}

/* NumCPU or Mem: have (or -errno) against need; unit after have, need_unit after need. */
static void check_size(struct checks *k, const char *check, unsigned bit, long long have, long long need,
                       const char *source, const char *kubeadm_words, const char *unit, const char *need_unit,
                       const char *advice) {
        if (have < 0) {
                char error[64];
                /* kubeadm init checks it anyway; the agent cannot know better than the machine says */
                log_warning("%s: cannot read (%s): the preflight check %s is left to kubeadm init", source,
                            errno_text((int) have, error, sizeof(error)), check);
                show(k, check, "?", "%s: cannot read (%s); left to kubeadm init", source, error);
                return;
        }
        if (have >= need) {
                show(k, check, "ok", "%lld %s (%s; kubeadm init needs %lld%s)", have, unit, source, need, need_unit);
                return;
        }
        if (k->config->k8s.ignore_preflight & bit) {
                log_warning("kubeadm's preflight check %s: %s (%s); ignored as %s lists it: kubeadm only warns",
                            check, kubeadm_words, source, IGNORE_FIELD);
                show(k, check, "ignored", "%lld %s, kubeadm init needs %lld%s (listed in ignore_preflight_errors: a "
                     "warning)", have, unit, need, need_unit);
                return;
        }
        log_error("kubeadm's preflight check %s refuses this control plane: %s (%s); %s, or list %s in %s", check,
                  kubeadm_words, source, advice, check, IGNORE_FIELD);
        refused(k, check, "%lld %s, kubeadm init needs %lld%s", have, unit, need, need_unit);
}

/* kubernetes.cni host-gw: the kubelet runs the standard CNI plugins, which no image brings. */
static void check_cni_plugins(struct checks *k, struct fb_run *run) {
        if (!config_cni_host_gw(k->config))
                return;
        if (host_gw_check_plugins(run) >= 0) {
                show(k, "cni", "ok", "bridge, host-local, loopback and portmap in %s (kubernetes.cni host-gw)",
                     run->facts.cni_plugin_dir);
                return;
        }
        refused(k, "cni", "the CNI plugins host-gw needs are not installed");
}

/* Each step's check (struct fb_step): its problems are logged by the check, and listed here. A step whose
 * check passed is not: plan lists its actions under its stage. */
static void check_steps(struct checks *k, struct fb_run *run, const struct fb_step *const *steps, size_t n_steps) {
        run->n_refused = run->n_checked = 0;
        for (size_t i = 0; i < n_steps; i++) {
                if (!steps[i]->check)
                        continue;
                if (run->n_checked < ELEMENTSOF(run->checked))
                        run->checked[run->n_checked++] = steps[i];
                if (steps[i]->check(run) >= 0)
                        continue;
                if (run->n_refused < ELEMENTSOF(run->refused))
                        run->refused[run->n_refused++] = steps[i];
                refused(k, steps[i]->name, "this host cannot take the step (the error above says why)");
        }
}

int preflight_check(struct fb_run *run, const struct fb_step *const *steps, size_t n_steps, char *reason,
                    size_t reason_size) {
        const struct fb_config *c = run->config;
        struct checks k = { .config = c, .print = run->dry_run, .reason = reason, .reason_size = reason_size };

        if (reason && reason_size > 0)
                reason[0] = 0;
        if (k.print) {
                printf("Checks before any change (what kubeadm would refuse later, what the steps need of "
                       "this host):\n");
                fflush(stdout);
        }
        check_kubelet(&k);
        check_cni_plugins(&k, run);
        if (c->role == FB_ROLE_CONTROL_PLANE) {
                /* kubeadm join runs neither check: only the control plane's size matters */
                char words[128];
                int cpus = count_cpus();
                long long mb = memory_mb();

                snprintf(words, sizeof(words), "the number of available CPUs %d is less than the required %d", cpus,
                         CONTROL_PLANE_NUM_CPU);
                check_size(&k, "NumCPU", FB_PREFLIGHT_NUMCPU, cpus, CONTROL_PLANE_NUM_CPU, "/proc/cpuinfo", words,
                           cpus == 1 ? "CPU" : "CPUs", "", "give the machine 2 CPUs");
                snprintf(words, sizeof(words), "the system RAM (%lld MB) is less than the minimum %d MB", mb,
                         CONTROL_PLANE_MEM_MB);
                check_size(&k, "Mem", FB_PREFLIGHT_MEM, mb, CONTROL_PLANE_MEM_MB, "MemTotal of /proc/meminfo", words,
                           "MB of memory", " MB", "give the machine more memory (a VM of 2 GiB has enough)");
        }
        check_steps(&k, run, steps, n_steps);
        if (k.print)
                putchar('\n');
        return k.result;
}

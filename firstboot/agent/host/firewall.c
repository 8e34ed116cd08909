/* SPDX-License-Identifier: MIT */
/* firewalld, as the seed says: "open" adds the ports this role needs (permanently and at run time, only
 * those not listed yet), "disable" stops and disables firewalld, "keep" leaves it. A firewalld that is
 * not installed or not running is left alone: there is nothing to open.
 *
 * firewall-cmd is Python talking D-Bus, about half a second to a second per call on CentOS 7, so the
 * step makes as few as it can (firewalld 0.6's firewall-cmd(1)):
 *  - no --state first: every other call of a stopped firewalld fails with NOT_RUNNING (252), so the
 *    first --permanent --list-ports tells "not running" as well;
 *  - --add-port is a sequence option: one call adds every missing port, one call for the permanent
 *    configuration and one for the runtime. A sequence exits 0 when at least one item succeeded
 *    (ALREADY_ENABLED counts as success and is only a warning), so its exit status does not prove that
 *    every port was added: the step always lists the ports again afterwards and checks each. */
#include <stdio.h>

#include "action.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "host/unit.h"
#include "log.h"
#include "macro.h"

#define STEP "firewall"
#define MAX_PORTS 8
#define FIREWALLD_NOT_RUNNING 252 /* firewall-cmd's NOT_RUNNING exit status */

/* The ports other machines reach on this one, as kubeadm 1.23 sets a node up. Not 10251/10252, the old
 * insecure ports kubeadm turns off, nor their successors: the scheduler and the controller manager serve
 * on 10259 and 10257, which kubeadm binds to 127.0.0.1 (--bind-address), so nothing from outside ever
 * connects to them and opening them would only widen the host's surface. */
static size_t role_ports(const struct fb_config *c, char ports[][32]) {
        size_t n = 0;

        if (c->role == FB_ROLE_CONTROL_PLANE) {
                snprintf(ports[n++], 32, "%u/tcp", c->k8s.control_plane_port ? c->k8s.control_plane_port : 6443);
                snprintf(ports[n++], 32, "2379-2380/tcp");  /* etcd: clients and peers */
                snprintf(ports[n++], 32, "10250/tcp");      /* kubelet API (the API server's exec, logs) */
        } else {
                snprintf(ports[n++], 32, "10250/tcp");       /* kubelet */
                snprintf(ports[n++], 32, "30000-32767/tcp"); /* NodePort services */
        }
        if (!config_cni_host_gw(c)) /* host-gw routes pod traffic as it is: no tunnel */
                snprintf(ports[n++], 32, "8472/udp"); /* flannel VXLAN */
        return n;
}

/* Is word one of the blank-separated words of list? */
static bool word_listed(const char *list, const char *word) {
        size_t wl = strlen(word);

        for (const char *p = list; *p;) {
                size_t len;
                p += strspn(p, " \t\r\n");
                len = strcspn(p, " \t\r\n");
                if (len == wl && memcmp(p, word, wl) == 0)
                        return true;
                p += len;
        }
        return false;
}

static int list_ports(struct fb_run *run, bool permanent, char **ret) {
        const char *argv_perm[] = { "firewall-cmd", "--permanent", "--list-ports", NULL };
        const char *argv_now[] = { "firewall-cmd", "--list-ports", NULL };
        int r;

        r = host_command(run, permanent ? argv_perm : argv_now, false, ret);
        if (r < 0)
                return r;
        if (r != 0) {
                free(*ret);
                *ret = NULL;
                return log_error_errno(-EIO, "firewall-cmd %s--list-ports failed (exit status %d; see the agent log)",
                                       permanent ? "--permanent " : "", r);
        }
        return 0;
}

/* One firewall-cmd call adding every port of ports[] whose missing[] is set, permanently or now. Each is
 * reported as its own action. 0 when none was missing, 1 when added (or would be, in plan). */
static int add_ports(struct fb_run *run, char ports[][32], const bool *missing, size_t n, bool permanent) {
        char args[MAX_PORTS][48], failed[80];
        const char *argv[MAX_PORTS + 3];
        size_t k = 0, m = 0;

        argv[k++] = "firewall-cmd";
        if (permanent)
                argv[k++] = "--permanent";
        for (size_t i = 0; i < n; i++) {
                char what[300];

                if (!missing[i])
                        continue;
                snprintf(args[m], sizeof(args[m]), "--add-port=%s", ports[i]);
                argv[k++] = args[m++];
                snprintf(what, sizeof(what), "open %s %s", ports[i], permanent ? "permanently" : "now");
                run_action(run, STEP, what, "closed", "open");
        }
        argv[k] = NULL;
        if (m == 0)
                return 0;
        snprintf(failed, sizeof(failed), "firewall-cmd %s--add-port (%zu port(s))", permanent ? "--permanent " : "", m);
        /* one firewall-cmd for the ports listed above */
        return action_take(run, &(struct action) { .step = STEP, .kind = ACTION_COMMAND, .argv = argv,
                                                   .failed = failed });
}

struct role_ports {
        char (*ports)[32];
        size_t n;
};

/* Verifies with firewalld's own view: a sequence's exit status 0 does not prove every item. */
static int ports_listed(struct fb_run *run, void *userdata) {
        const struct role_ports *p = userdata;
        _cleanup_free_ char *permanent = NULL, *now = NULL;
        int r;

        r = list_ports(run, true, &permanent);
        if (r >= 0)
                r = list_ports(run, false, &now);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n; i++)
                if (!word_listed(permanent, p->ports[i]) || !word_listed(now, p->ports[i]))
                        return log_error_errno(-EIO, "firewalld does not list port %s %s after adding it", p->ports[i],
                                               word_listed(permanent, p->ports[i]) ? "at run time" : "permanently");
        return 0;
}

/* firewalld's ports, permanent and now, kept for firewall_open(); whether it is installed and runs. */
static int check_open(struct fb_run *run) {
        const char *list_permanent[] = { "firewall-cmd", "--permanent", "--list-ports", NULL };
        struct fb_host_facts *f = &run->facts;
        int r;

        /* The first query also tells whether firewalld runs (see the top of this file). */
        r = host_command(run, list_permanent, true, &f->firewall_ports_permanent);
        f->firewall_list_status = r;
        if (r == -ENOENT || r == FIREWALLD_NOT_RUNNING)
                return 0;
        if (r < 0)
                return r;
        if (r != 0)
                return log_error_errno(-EIO, "firewall-cmd --permanent --list-ports failed (exit status %d; see the "
                                       "agent log)", r);
        return list_ports(run, false, &f->firewall_ports_now);
}

static int firewall_open(struct fb_run *run) {
        const struct fb_host_facts *f = &run->facts; /* check_firewall's */
        const char *permanent = f->firewall_ports_permanent, *now = f->firewall_ports_now;
        char ports[MAX_PORTS][32];
        bool missing_permanent[MAX_PORTS], missing_now[MAX_PORTS];
        size_t n;
        int r, changed = 0;

        if (run->offline) {
                /* firewall-cmd, --permanent too, changes the running firewalld and its /etc/firewalld */
                run_left_out(run, STEP, "open this role's ports in firewalld (firewall-cmd)");
                return 0;
        }
        if (f->firewall_list_status == -ENOENT) {
                run_unchanged(run, STEP, "firewalld not installed: no ports to open");
                return 0;
        }
        if (f->firewall_list_status == FIREWALLD_NOT_RUNNING) {
                run_unchanged(run, STEP, "firewalld not running: no ports to open");
                return 0;
        }

        n = role_ports(run->config, ports);
        for (size_t i = 0; i < n; i++) {
                missing_permanent[i] = !word_listed(permanent, ports[i]);
                missing_now[i] = !word_listed(now, ports[i]);
                if (!missing_permanent[i] && !missing_now[i]) {
                        char what[300];
                        snprintf(what, sizeof(what), "port %s open", ports[i]);
                        run_unchanged(run, STEP, what);
                }
        }
        r = add_ports(run, ports, missing_permanent, n, true);
        if (r < 0)
                return r;
        changed |= r > 0;
        r = add_ports(run, ports, missing_now, n, false);
        if (r < 0)
                return r;
        changed |= r > 0;
        if (!changed)
                return 0;
        /* no line of its own: the check after the additions above */
        return action_take(run, &(struct action) { .step = STEP, .verify = ports_listed,
                                                   .userdata = &(struct role_ports) { .ports = ports, .n = n } });
}

/* firewalld.service's is-enabled and is-active words (unit.h); -ENOENT when there is no systemctl or no
 * such unit. */
static int firewalld_query(struct fb_run *run, char enabled[UNIT_STATE_MAX], char active[UNIT_STATE_MAX]) {
        int r = unit_query(run, UNIT_IS_ENABLED, "firewalld", true, enabled);
        if (r >= 0)
                r = unit_query(run, UNIT_IS_ACTIVE, "firewalld", true, active);
        return r < 0 ? r : 0;
}

struct firewalld_state {
        bool is_enabled, is_active;
};

/* `systemctl disable` and `systemctl stop`, each only when needed: systemd 219 (CentOS 7) has no
 * `disable --now` (systemd 220). */
static int disable_and_stop(struct fb_run *run, void *userdata) {
        const struct firewalld_state *s = userdata;
        static const char *const firewalld[] = { "firewalld", NULL };
        int r;

        if (s->is_enabled) {
                r = unit_run(run, "disable", firewalld, NULL);
                if (r < 0)
                        return r;
        }
        if (s->is_active) {
                r = unit_run(run, "stop", firewalld, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int disabled_and_stopped(struct fb_run *run, void *userdata) {
        char enabled[UNIT_STATE_MAX], active[UNIT_STATE_MAX];
        int r;

        r = firewalld_query(run, enabled, active);
        if (r < 0)
                return r == -ENOENT ? 0 : r; /* gone is disabled and stopped */
        if (streq(enabled, "enabled") || streq(active, "active"))
                return log_error_errno(-EIO, "firewalld is still %s after systemctl disable and stop",
                                       streq(enabled, "enabled") ? "enabled" : "active");
        return 0;
}

static int firewall_disable(struct fb_run *run) {
        const struct fb_host_facts *f = &run->facts; /* check_firewall's */
        const char *enabled = f->firewalld_enabled, *active = f->firewalld_active;
        char before[80];
        bool is_enabled, is_active;

        if (f->firewalld_query_result == -ENOENT) {
                run_unchanged(run, STEP, "no systemctl or no firewalld.service: no firewalld to disable");
                return 0;
        }
        is_enabled = streq(enabled, "enabled");
        is_active = streq(active, "active") || streq(active, "activating") || streq(active, "reloading");
        if (!is_enabled && !is_active) {
                run_unchanged(run, STEP, "firewalld disabled and stopped (or not installed)");
                return 0;
        }

        snprintf(before, sizeof(before), "%s, %s", is_enabled ? "enabled" : "disabled", is_active ? "active" : "inactive");
        return action_take(run, &(struct action) { .step = STEP, .what = "disable and stop firewalld", .before = before,
                                                   .after = "disabled, inactive", .kind = ACTION_CALL,
                                                   .perform = disable_and_stop, .verify = disabled_and_stopped,
                                                   .userdata = &(struct firewalld_state) { is_enabled, is_active } });
}

/* What the step acts on, kept for its run: firewalld's open ports (host.firewall open) or its unit's state
 * (disable). A firewall-cmd or systemctl that cannot answer is refused before any change. */
int check_firewall(struct fb_run *run) {
        struct fb_host_facts *f = &run->facts;
        int r;

        _Static_assert(sizeof(f->firewalld_enabled) == UNIT_STATE_MAX, "unit.h's UNIT_STATE_MAX");
        free(f->firewall_ports_permanent);
        free(f->firewall_ports_now);
        f->firewall_ports_permanent = f->firewall_ports_now = NULL;
        f->firewall_list_status = f->firewalld_query_result = 0;
        switch (run->config->host.firewall) {
        case FB_FIREWALL_OPEN:
                return run->offline ? 0 : check_open(run);
        case FB_FIREWALL_DISABLE:
                r = firewalld_query(run, f->firewalld_enabled, f->firewalld_active);
                f->firewalld_query_result = r;
                return r == -ENOENT ? 0 : r;
        default:
                return 0;
        }
}

int step_firewall(struct fb_run *run) {
        switch (run->config->host.firewall) {
        case FB_FIREWALL_OPEN:
                return firewall_open(run);
        case FB_FIREWALL_DISABLE:
                return firewall_disable(run);
        default:
                run_unchanged(run, STEP, "firewalld left as it is (host.firewall: keep)");
                return 0;
        }
}

/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "config/config.h"
#include "host/daemon-json.h"
#include "host/fence.h"
#include "exit-status.h"
#include "join/joinrecord.h"
#include "seed/seed.h"
#include "state.h"
#include "time-util.h"

#define FB_RUN_UNIT_STATE_MAX 33 /* host/unit.h's UNIT_STATE_MAX */
#define FB_RUN_MAX_STEPS 32 /* the host stage's and a role's steps together */

/* What the checks before any change (struct fb_step's check) found on the host, kept for the steps' runs,
 * which act on it instead of looking again. A step's run relies on its check having passed (run_steps()
 * sees to it); when the host changed between the two, the run's commands and writes fail. */
struct fb_host_facts {
        /* network: the interface each entry of network-config is now (IFNAMSIZ), the renderer (network.c),
         * and whether its service is enabled (unit_query's answer and word) */
        char iface_names[FB_MAX_IFACES][16];
        char iface_targets[FB_MAX_IFACES][16]; /* and the name it is to have (set-name renames it) */
        int network_renderer;
        int network_service_enabled;
        char network_service_word[FB_RUN_UNIT_STATE_MAX];
        /* hosts: /etc/hosts as read (NULL: absent) and with the managed block merged in */
        char *hosts_old, *hosts_new;
        size_t hosts_old_size, hosts_new_size;
        unsigned hosts_n_nodes;
        /* docker: whether daemon.json exists, the merge into it (content NULL: unchanged), and
         * docker.service's is-enabled answer and word */
        bool daemon_json_exists;
        struct daemon_json_change daemon_json;
        int docker_enabled;
        char docker_enabled_word[FB_RUN_UNIT_STATE_MAX];
        /* ssh: the modes of root's .ssh and authorized_keys (0: absent), the keys file with the seed's merged */
        unsigned ssh_dir_mode, ssh_keys_mode, ssh_keys_added, ssh_keys_before;
        char *ssh_keys_new;
        size_t ssh_keys_new_size;
        /* fence: the endpoint's addresses (resolved) and port */
        uint32_t fence_addrs[FENCE_MAX_ADDRS];
        size_t fence_n_addrs;
        unsigned fence_port;
        /* cni: the flannel manifest's template (role/control-plane.c) */
        char *cni_template;
        /* kubelet: kubelet.service's is-enabled word */
        char kubelet_enabled_word[FB_RUN_UNIT_STATE_MAX];
        /* growroot: whether the root is one the step grows (else why not), and then the root mount and
         * device as growroot.c reads them, and its filesystem's size in bytes */
        bool growroot_grows;
        char growroot_why[128];
        unsigned growroot_major, growroot_minor;
        char growroot_fstype[32];
        char *growroot_sysfs;
        char growroot_name[64], growroot_disk_name[64];
        bool growroot_is_partition;
        unsigned growroot_partnum;
        uint64_t growroot_start, growroot_size, growroot_disk_size, growroot_limit, growroot_fs_bytes;
        /* hostname: /etc/hostname as read (NULL: absent) */
        char *hostname_old;
        size_t hostname_old_size;
        /* swap: /proc/swaps and /etc/fstab as read (NULL: absent), both parsed by the check; the is-enabled
         * words of the swap units they name (swap_n_units, in swap.c's order; the query's -ENOENT: no
         * systemctl) */
        char *swap_proc, *swap_fstab;
        size_t swap_proc_size, swap_fstab_size;
        char (*swap_unit_states)[FB_RUN_UNIT_STATE_MAX];
        size_t swap_n_units;
        int swap_units_query;
        /* modules: the modules-load.d file as read (NULL: absent), and which modules are loaded */
        char *modules_old;
        size_t modules_old_size;
        bool modules_loaded[2];
        /* sysctl: the sysctl.d file as read (NULL: absent) */
        char *sysctl_old;
        size_t sysctl_old_size;
        /* selinux: /etc/selinux/config as read (NULL: absent), and the enforce file's value ("": absent) */
        char *selinux_old;
        size_t selinux_old_size;
        char selinux_enforce[16];
        /* firewall: firewall-cmd's answer to --permanent --list-ports (its exit status, -ENOENT when not
         * installed) and both port lists, or firewalld.service's is-enabled and is-active words (the
         * query's -ENOENT in firewalld_query_result) */
        int firewall_list_status;
        char *firewall_ports_permanent, *firewall_ports_now;
        int firewalld_query_result;
        char firewalld_enabled[FB_RUN_UNIT_STATE_MAX], firewalld_active[FB_RUN_UNIT_STATE_MAX];
        /* cni: the directory of the CNI plugins host-gw needs (a static string; NULL: not found), and
         * whether they were looked for and not found */
        const char *cni_plugin_dir;
        bool cni_plugins_missing;
        /* fence: whether firewalld runs and holds the rules (firewall-cmd answered both --direct
         * --get-all-rules queries), and its permanent and run-time direct rules as listed */
        bool fence_firewalld;
        char *fence_rules_permanent, *fence_rules_now;
};

/* What a stage or step needs: the configuration, whether it only plans, and where to log. */
struct fb_run {
        const struct fb_config *config;
        const struct seed *seed;
        bool dry_run;          /* plan: describe every action, change nothing */
        bool offline;          /* --root without --live: change files in the tree only, never the running
                                * system (its kernel, services, network, hostname, firewall) */
        int log_fd;            /* 0600 agent log for command output, or -1 */
        const char *state_dir; /* real (rooted) path of this instance's state directory */
        unsigned n_changed, n_unchanged, n_left_out;
        /* What a step hands a later one in the same stage: the join record the worker's wait step opened,
         * for its join step. It holds the token: wiped when used, and by the engine at the end. */
        struct join_record join_record;
        bool have_join_record;
        /* CLOCK_MONOTONIC: kube_firstboot.join_timeout after the worker began to wait for its record, which
         * covers the wait and the join; set by the wait step, which the join step needs before it. */
        usec_t join_deadline;
        struct fb_host_facts facts;
        /* The steps whose check ran (before any change), and those whose check found a problem: plan lists
         * them as refused instead of running them. */
        const struct fb_step *checked[FB_RUN_MAX_STEPS], *refused[FB_RUN_MAX_STEPS];
        size_t n_checked, n_refused;
};

/* Frees what the checks kept in run->facts. */
void run_facts_done(struct fb_run *run);

/* A step of a stage: checks the host, applies only what differs (unless dry_run), verifies.
 * Returns 0 when nothing needed doing, >0 when it changed something (or would, in dry_run), -errno on
 * failure (logged by the step). Steps report each action with run_action()/run_unchanged().
 * check (NULL: none) is what the step needs of the host and cannot make itself (an interface, a unit, a
 * file it must be able to edit): the engine runs the check of every step that is to run before the first
 * change (plan/preflight.c), so that a host that cannot take the seed is left as it was. It logs every
 * problem it finds and returns -errno (0 when the host can take the step), and keeps what it read in
 * run->facts for run, which relies on it. */
struct fb_step {
        const char *name;
        const char *why;
        int (*run)(struct fb_run *run);
        int (*check)(struct fb_run *run);
};

/* Records one action: printed by plan ("would"), logged by run. before/after may be NULL. */
void run_action(struct fb_run *run, const char *step, const char *what, const char *before, const char *after);
void run_unchanged(struct fb_run *run, const char *step, const char *what);
/* Records an action on the running system that an offline --root run leaves out: printed by plan ("left
 * out"), logged by run. */
void run_left_out(struct fb_run *run, const char *step, const char *what);

/* Runs a table of steps in order, each one's check first unless it ran already; stops at the first
 * failure, except in dry_run (plan), which goes on to list every step (a step whose check refused is listed
 * as refused, not run). Returns >0 if any changed, the first failure's -errno when one failed. */
int run_steps(struct fb_run *run, const struct fb_step *steps, size_t n_steps);

/* ---- The engine: the stages of a run, in order, each with the state mark it completes ---- */

/* What the commands take from the command line. */
struct engine_options {
        const char *seed_source; /* --seed, or NULL: search the usual places */
        const char *state_dir;   /* --state-dir, a path under --root */
        const char *until;       /* run --until STAGE|STEP, or NULL */
        bool force;              /* --force: run again an instance that is provisioned */
        bool offline;            /* --root without --live (struct fb_run) */
};

struct engine_context;

/* A stage: seed (find), config (parse and validate), plan (the checks before any change, the lock, the
 * instance), host, role, report. Stages with a mark are the ones `status` lists and --until names; the
 * mark is recorded in the state directory when the stage completes, so that a run killed halfway resumes
 * at the first stage without it. */
struct engine_stage {
        const char *name;
        const char *mark;   /* the stage name users see (state, status, --until, plan); NULL: none */
        const char *why;    /* plan prints it for a marked stage */
        bool always;        /* runs even after --until stopped the run (the final report) */
        enum fb_failure (*run)(struct engine_context *ctx, const struct engine_stage *st);
        const struct fb_step *(*steps)(const struct fb_config *c, size_t *ret_n); /* for the step stages */
};

extern const struct engine_stage engine_stages[];
extern const size_t engine_stages_count;

/* --until NAME: the stage with that mark, or a step of the host stage (then *ret_n_steps is how many of
 * its steps run, that one included; 0 for a whole stage). NULL when it is neither. */
const struct engine_stage *engine_until_find(const char *name, size_t *ret_n_steps);
/* The first marked stage not recorded as done, where a run resumes; NULL when the instance is complete. */
const struct engine_stage *engine_first_pending(const struct state *state);
/* The stage name of docs/join-protocol.md's progress reports: the role stage reports as init or join. */
const char *engine_report_stage(const struct engine_stage *st, const struct fb_config *c);

/* The commands. Each logs what failed and returns its class (FB_SUCCESS when all went well). */
enum fb_failure engine_provision(const struct engine_options *o, bool dry_run); /* run; plan with dry_run */
enum fb_failure engine_show_seed(const struct engine_options *o);
enum fb_failure engine_status(const struct engine_options *o);
enum fb_failure engine_refresh_token(const struct engine_options *o);

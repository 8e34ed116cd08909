/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/config-parse.h"
#include "engine.h"
#include "fileio.h"
#include "host/host.h"
#include "join/endpoint.h"
#include "log.h"
#include "macro.h"
#include "path.h"
#include "plan/preflight.h"
#include "role/role.h"
#include "secret.h"

void run_action(struct fb_run *run, const char *step, const char *what, const char *before, const char *after) {
        run->n_changed++;
        if (run->dry_run) {
                printf("  %-10s would %s", step, what);
                if (before || after)
                        printf(" (%s -> %s)", before ? before : "absent", after ? after : "absent");
                printf("\n");
                return;
        }
        if (before || after)
                log_info("%s: %s (%s -> %s)", step, what, before ? before : "absent", after ? after : "absent");
        else
                log_info("%s: %s", step, what);
}

void run_unchanged(struct fb_run *run, const char *step, const char *what) {
        run->n_unchanged++;
        if (run->dry_run)
                printf("  %-10s ok    %s\n", step, what);
        else
                log_info("%s: unchanged: %s", step, what);
}

void run_left_out(struct fb_run *run, const char *step, const char *what) {
        run->n_left_out++;
        if (run->dry_run)
                printf("  %-10s left out %s (offline --root: it acts on the running system)\n", step, what);
        else
                log_info("%s: left out (offline --root: it acts on the running system): %s", step, what);
}

static bool step_listed(const struct fb_step *const *list, size_t n, const struct fb_step *step) {
        for (size_t i = 0; i < n; i++)
                if (list[i] == step)
                        return true;
        return false;
}

int run_steps(struct fb_run *run, const struct fb_step *steps, size_t n_steps) {
        int changed = 0, failed = 0;

        for (size_t i = 0; i < n_steps; i++) {
                int r;

                if (steps[i].check && !step_listed(run->checked, run->n_checked, &steps[i])) {
                        /* the engine ran every check before any change; this step's run relies on its own */
                        r = steps[i].check(run);
                        if (r < 0 && !run->dry_run)
                                return r;
                        if (r < 0 && failed == 0)
                                failed = r;
                        if (r < 0 && run->n_refused < ELEMENTSOF(run->refused))
                                run->refused[run->n_refused++] = &steps[i];
                        if (run->n_checked < ELEMENTSOF(run->checked))
                                run->checked[run->n_checked++] = &steps[i];
                }
                if (step_listed(run->refused, run->n_refused, &steps[i])) {
                        /* plan only: run refuses the host before the first step */
                        if (run->dry_run)
                                printf("  %-10s REFUSED this host cannot take the step (the checks before any "
                                       "change say why)\n", steps[i].name);
                        else
                                return -EINVAL;
                        continue;
                }
                r = steps[i].run(run);
                if (r < 0 && !run->dry_run)
                        return r; /* the step logged what failed */
                if (r < 0 && failed == 0)
                        failed = r; /* plan goes on: every step and every problem */
                if (r > 0)
                        changed = 1;
        }
        return failed < 0 ? failed : changed;
}

void run_facts_done(struct fb_run *run) {
        struct fb_host_facts *f = &run->facts;

        free(f->hosts_old);
        free(f->hosts_new);
        free(f->ssh_keys_new);
        free(f->cni_template);
        free(f->growroot_sysfs);
        free(f->hostname_old);
        free(f->swap_proc);
        free(f->swap_fstab);
        free(f->swap_unit_states);
        free(f->modules_old);
        free(f->sysctl_old);
        free(f->selinux_old);
        free(f->firewall_ports_permanent);
        free(f->firewall_ports_now);
        free(f->fence_rules_permanent);
        free(f->fence_rules_now);
        daemon_json_change_done(&f->daemon_json);
        memset(f, 0, sizeof(*f));
}

/* ---- The engine ---- */

/* What the stages of one command hand each other. */
struct engine_context {
        const struct engine_options *opts;
        bool dry_run;
        struct seed seed;
        struct fb_config config;
        char *state_base;          /* --state-dir as the host sees it (under --root), for messages */
        struct state state;
        struct fb_run run;
        const struct engine_stage *until; /* --until: the last stage to run, or NULL */
        size_t until_n_steps;             /* --until a host step: run the host stage's first until_n_steps */
        bool checked;                     /* the checks before any change ran (and plan's header is printed) */
        bool refused;                     /* plan: they refused this host (run stops before any change) */
        bool plan_failed;                 /* plan: a step failed (run would stop there) */
        bool finished;                    /* nothing (more) to do: no further stage runs */
        bool stopped;                     /* --until reached: only the stages marked always run */
        int lock_fd, log_fd;
};

static void engine_context_init(struct engine_context *ctx, const struct engine_options *o, bool dry_run) {
        memset(ctx, 0, sizeof(*ctx));
        ctx->opts = o;
        ctx->dry_run = dry_run;
        config_init(&ctx->config);
        ctx->run = (struct fb_run) { .config = &ctx->config, .seed = &ctx->seed, .dry_run = dry_run,
                                     .offline = o->offline, .log_fd = -1 };
        ctx->lock_fd = ctx->log_fd = -1;
}

static void engine_context_done(struct engine_context *ctx) {
        if (ctx->log_fd >= 0) {
                log_set_extra_fd(-1);
                close(ctx->log_fd);
        }
        if (ctx->lock_fd >= 0)
                close(ctx->lock_fd);
        config_done(&ctx->config);
        seed_done(&ctx->seed);
        free(ctx->state_base);
        run_facts_done(&ctx->run);
        secure_erase(&ctx->run.join_record, sizeof(ctx->run.join_record));
}

static void format_time(uint64_t usec, char buf[static 64]) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, 64, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

const struct engine_stage *engine_first_pending(const struct state *state) {
        for (size_t i = 0; i < engine_stages_count; i++)
                if (engine_stages[i].mark && !state_stage_done(state, engine_stages[i].mark, NULL))
                        return &engine_stages[i];
        return NULL;
}

static bool instance_complete(const struct state *state) {
        return !engine_first_pending(state);
}

/* The last marked stage: its mark's time is when the instance was provisioned. */
static const char *last_mark(void) {
        const char *mark = NULL;
        for (size_t i = 0; i < engine_stages_count; i++)
                if (engine_stages[i].mark)
                        mark = engine_stages[i].mark;
        return mark;
}

static const struct engine_stage *stage_with_mark(const char *mark) {
        for (size_t i = 0; i < engine_stages_count; i++)
                if (engine_stages[i].mark && streq(engine_stages[i].mark, mark))
                        return &engine_stages[i];
        return NULL;
}

const struct engine_stage *engine_until_find(const char *name, size_t *ret_n_steps) {
        const struct engine_stage *st = stage_with_mark(name);

        *ret_n_steps = 0;
        if (st)
                return st;
        for (size_t i = 0; i < host_steps_count; i++)
                if (streq(host_steps[i].name, name)) {
                        *ret_n_steps = i + 1;
                        return stage_with_mark("host");
                }
        return NULL;
}

const char *engine_report_stage(const struct engine_stage *st, const struct fb_config *c) {
        if (!streq(st->mark, "role"))
                return st->mark;
        return c->role == FB_ROLE_CONTROL_PLANE ? "init" : "join";
}

/* Command output and a copy of every message go to a 0600 log: kubeadm's output can hold tokens. */
static int open_agent_log(void) {
        _cleanup_free_ char *path = root_path(AGENT_LOG);
        int fd;

        if (!path)
                return -1;
        fd = root_open_file(AGENT_LOG, CHASE_MKDIR | CHASE_NOFOLLOW, O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY, 0600);
        if (fd < 0) {
                log_warning_errno(fd, "%s: cannot open: %s; command output is not kept", path, chase_strerror(fd));
                return -1;
        }
        (void) fchmod(fd, 0600);
        log_set_extra_fd(fd);
        return fd;
}

/* The last progress report, "done": at the end of a run that provisioned the instance (always), and on a
 * later run that has nothing else to do until the endpoint has taken it (a run killed before it got
 * through, or an endpoint that did not take it then). The state directory's done-reported says it was
 * delivered. */
static void report_done(const struct fb_config *c, const char *state_dir, bool always) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (asprintf(&path, "%s/done-reported", state_dir) < 0 || (!always && root_exists(path)))
                return;
        if (endpoint_report(c, "done", "done", "provisioned") < 0)
                return;
        r = root_write_file(path, "done\n", 5, 0600, 0);
        if (r < 0)
                log_warning_errno(r, "%s%s: cannot write: %s", root_get(), path, chase_strerror(r));
}

/* One agent at a time: the boot-time run and the refresh timer must not interleave their writes. Returns
 * the descriptor, held until the command ends, or -EBUSY when another agent holds it, or another -errno. */
static int take_lock(const char *state_dir, const char *base) {
        _cleanup_free_ char *lock = NULL;
        int fd;

        if (asprintf(&lock, "%s/.lock", state_dir) < 0)
                return log_error_errno(-ENOMEM, "%s: cannot create the state directory: %m", base);
        fd = root_mkdir_p(state_dir, 0755);
        if (fd >= 0)
                fd = root_open_file(lock, CHASE_NOFOLLOW, O_RDWR | O_CREAT | O_NOCTTY, 0600);
        if (fd < 0)
                return log_error_errno(fd, "%s/.lock: cannot open: %s", base, chase_strerror(fd));
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int r = errno == EWOULDBLOCK ? -EBUSY : negative_errno();
                close(fd);
                return log_error_errno(r, "%s/.lock: %s", base,
                                       r == -EBUSY ? "another kube-firstboot is running" : "cannot lock: %m");
        }
        return fd;
}

static enum fb_failure engine_lock(struct engine_context *ctx) {
        ctx->lock_fd = take_lock(ctx->opts->state_dir, ctx->state_base);
        if (ctx->lock_fd == -EBUSY)
                return FB_FAILURE_TRANSIENT;
        if (ctx->lock_fd < 0)
                return FB_FAILURE_INTERNAL;
        /* no other agent runs now: a kubeadm configuration still there was left by one that was killed */
        role_remove_rendered_configs();
        return FB_SUCCESS;
}

static enum fb_failure engine_state_base(struct engine_context *ctx) {
        if (ctx->state_base)
                return FB_SUCCESS;
        ctx->state_base = root_path(ctx->opts->state_dir);
        if (!ctx->state_base) {
                log_error_errno(-ENOMEM, "--state-dir: %m");
                return FB_FAILURE_INTERNAL;
        }
        return FB_SUCCESS;
}

static enum fb_failure engine_state_open(struct engine_context *ctx, bool create) {
        int r = state_open(ctx->opts->state_dir, ctx->config.instance_id, create, &ctx->state);
        if (r < 0) {
                log_error_errno(r, "%s: cannot %s state: %m", ctx->state.dir, create ? "open" : "read");
                return FB_FAILURE_INTERNAL;
        }
        ctx->run.state_dir = ctx->state.abs_dir;
        return FB_SUCCESS;
}

static enum fb_failure engine_mark(struct engine_context *ctx, const struct engine_stage *st) {
        int r = state_mark_done(&ctx->state, st->mark);
        if (r < 0) {
                log_error_errno(r, "%s/stages: cannot record state: %m", ctx->state.dir);
                return FB_FAILURE_INTERNAL;
        }
        return FB_SUCCESS;
}

/* seed: finds and reads the seed. */
static enum fb_failure stage_seed(struct engine_context *ctx, const struct engine_stage *st) {
        _cleanup_free_ char *keep_path = NULL;
        /* user-data fetched over the network is kept: the endpoint may not serve it again (seed-keep.c) */
        struct seed_keep keep = { .write = !ctx->dry_run };
        struct seed_options opts = {
                .explicit_source = ctx->opts->seed_source,
                .device_wait_ms = 10000,
                .http_deadline_ms = 5 * 60 * 1000,
                .keep = &keep,
        };
        enum fb_failure failure;

        if (asprintf(&keep_path, "%s/%s", ctx->opts->state_dir, SEED_KEEP_FILE) < 0) {
                log_error_errno(-ENOMEM, "--state-dir: %m");
                return FB_FAILURE_INTERNAL;
        }
        keep.path = keep_path;
        return seed_find(&opts, &ctx->seed, &failure) < 0 ? failure : FB_SUCCESS;
}

/* config: parses and validates all of the seed, before anything changes. */
static enum fb_failure stage_config(struct engine_context *ctx, const struct engine_stage *st) {
        if (config_load(&ctx->seed, &ctx->config) < 0) {
                log_error("seed from %s rejected; nothing was changed", ctx->seed.origin);
                return FB_FAILURE_BAD_INPUT;
        }
        if (streq(ctx->config.instance_id, "iid-local01"))
                log_warning("%s: instance-id: \"iid-local01\" is cloud-localds' default, shared by every "
                            "seed made without meta-data; a cloned disk will not be seen as a new instance",
                            ctx->seed.name[SEED_META_DATA]);
        return FB_SUCCESS;
}

static void print_plan_header(const struct engine_context *ctx) {
        printf("Seed: %s\nInstance: %s\nHost: %s (%s)\n\n", ctx->seed.origin, ctx->config.instance_id,
               ctx->config.hostname, role_to_string(ctx->config.role));
}

/* The steps this command is to take (of the stages not done yet, through --until), each of whose checks
 * runs before any change. The role stage's are not on an offline tree, which leaves that stage out. */
static size_t steps_to_check(const struct engine_context *ctx, const struct fb_step **ret, size_t max) {
        size_t n = 0;

        for (size_t i = 0; i < engine_stages_count; i++) {
                const struct engine_stage *st = &engine_stages[i];

                if (st->steps && !(ctx->run.offline && streq(st->mark, "role")) &&
                    !(state_stage_done(&ctx->state, st->mark, NULL) && !ctx->opts->force)) {
                        size_t n_steps;
                        const struct fb_step *steps = st->steps(&ctx->config, &n_steps);

                        if (st == ctx->until && ctx->until_n_steps > 0 && ctx->until_n_steps < n_steps)
                                n_steps = ctx->until_n_steps;
                        for (size_t j = 0; j < n_steps && n < max; j++)
                                ret[n++] = &steps[j];
                }
                if (st == ctx->until)
                        break;
        }
        return n;
}

/* plan: what kubeadm would refuse for certain (a kubelet that does not fit kubernetes.version, a control
 * plane too small) and what each step to run needs of the host (its check) are checked before the first
 * change, the lock file and the agent's state included, so
 * that a seed that does not fit this machine leaves it as it was. Not for an instance that is provisioned
 * (a later kubelet upgrade must not fail its boots), nor for run --until seed, which changes nothing of the
 * host. run stops at a refusal, naming every problem; plan goes on to list every stage and step. Then,
 * under the lock, the instance is recorded and the seed stage marked done. */
static enum fb_failure stage_plan(struct engine_context *ctx, const struct engine_stage *st) {
        const struct engine_options *o = ctx->opts;
        struct fb_config *c = &ctx->config;
        enum fb_failure f;
        int r;

        f = engine_state_base(ctx);
        if (f == FB_SUCCESS)
                f = engine_state_open(ctx, false);
        if (f != FB_SUCCESS)
                return f;

        if (ctx->until != st && !(instance_complete(&ctx->state) && !o->force)) {
                const struct fb_step *steps[FB_RUN_MAX_STEPS];
                size_t n_steps = steps_to_check(ctx, steps, ELEMENTSOF(steps));
                char reason[256];

                if (ctx->dry_run)
                        print_plan_header(ctx);
                ctx->checked = true;
                if (preflight_check(&ctx->run, steps, n_steps, reason, sizeof(reason)) < 0) {
                        if (!ctx->dry_run) {
                                log_error("refused before any change; nothing was changed");
                                endpoint_report(c, st->mark, "failed", reason);
                                return FB_FAILURE_REFUSED;
                        }
                        ctx->refused = true; /* plan goes on: every stage and step, the refused ones marked */
                }
        }
        if (!ctx->dry_run) {
                f = engine_lock(ctx);
                if (f == FB_SUCCESS) /* reread under the lock: another run may have finished meanwhile */
                        f = engine_state_open(ctx, false);
                if (f != FB_SUCCESS)
                        return f;
        }

        if (instance_complete(&ctx->state) && !o->force) {
                uint64_t usec = 0;
                char when[64];
                state_stage_done(&ctx->state, last_mark(), &usec);
                format_time(usec, when);
                if (ctx->dry_run)
                        printf("Instance %s was provisioned at %s: nothing to do (--force runs again).\n",
                               c->instance_id, when);
                else {
                        log_info("instance %s was provisioned at %s: nothing to do", c->instance_id, when);
                        report_done(c, ctx->state.abs_dir, false);
                }
                ctx->finished = true;
                return FB_SUCCESS;
        }

        if (ctx->dry_run) {
                if (!ctx->checked)
                        print_plan_header(ctx);
                printf("Stage %s: %s\n", st->mark, st->why);
                printf("  %-10s done\n", st->mark);
                return FB_SUCCESS;
        }

        log_info("seed from %s: instance %s, host %s, role %s", ctx->seed.origin, c->instance_id, c->hostname,
                 role_to_string(c->role));
        if (o->force && ctx->state.n_done > 0) {
                r = state_reset(&ctx->state);
                if (r < 0) {
                        log_error_errno(r, "%s: cannot reset state: %m", ctx->state.dir);
                        return FB_FAILURE_INTERNAL;
                }
        }
        r = state_write_current_instance(ctx->opts->state_dir, c->instance_id);
        if (r >= 0)
                r = state_open(ctx->opts->state_dir, c->instance_id, true, &ctx->state);
        if (r >= 0)
                r = state_mark_done(&ctx->state, st->mark);
        if (r < 0) {
                log_error_errno(r, "%s: cannot record state: %m", ctx->state_base);
                return FB_FAILURE_INTERNAL;
        }
        ctx->log_fd = open_agent_log();
        ctx->run.log_fd = ctx->log_fd;
        endpoint_report(c, st->mark, "done", "seed read and validated");
        return FB_SUCCESS;
}

/* host and role: their steps in order, unless the state says the stage is done; progress reported. */
static enum fb_failure stage_steps(struct engine_context *ctx, const struct engine_stage *st) {
        const struct fb_step *steps;
        size_t n_steps;
        int r;

        if (ctx->dry_run)
                printf("Stage %s: %s\n", st->mark, st->why);
        if (ctx->run.offline && streq(st->mark, "role")) {
                /* kubeadm, the token and the join record are the running node's, not a tree's */
                run_left_out(&ctx->run, st->mark, "the whole stage (kubeadm, the join record)");
                ctx->stopped = true;
                return FB_SUCCESS;
        }
        if (state_stage_done(&ctx->state, st->mark, NULL) && !ctx->opts->force) {
                if (ctx->dry_run)
                        printf("  %-10s done\n", st->mark);
                else
                        log_info("stage %s already done for this instance", st->mark);
                return FB_SUCCESS;
        }

        steps = st->steps(&ctx->config, &n_steps);
        if (st == ctx->until && ctx->until_n_steps > 0 && ctx->until_n_steps < n_steps)
                n_steps = ctx->until_n_steps;
        if (!ctx->dry_run)
                endpoint_report(&ctx->config, engine_report_stage(st, &ctx->config), "running", st->why);
        r = run_steps(&ctx->run, steps, n_steps);
        if (r < 0 && ctx->dry_run) {
                /* plan records nothing and goes on to list the other stages */
                log_error("stage %s: a step failed in plan (above); run would stop there", st->mark);
                ctx->plan_failed = true;
                return FB_SUCCESS;
        }
        if (r < 0) {
                char reason[256], error[64];
                snprintf(reason, sizeof(reason), "stage %s failed: %s", st->mark, errno_text(r, error, sizeof(error)));
                log_error("stage %s failed; finished stages are recorded, the next run resumes", st->mark);
                if (!ctx->dry_run)
                        endpoint_report(&ctx->config, engine_report_stage(st, &ctx->config), "failed", reason);
                return FB_FAILURE_HOST;
        }
        if (st == ctx->until && ctx->until_n_steps > 0) {
                /* only part of the stage ran: a later run does it (again) in full */
                log_info("stopped after host step %s (--until): stage %s is not recorded as done",
                         steps[n_steps - 1].name, st->mark);
                ctx->stopped = true;
                return FB_SUCCESS;
        }
        if (ctx->run.n_left_out > 0) {
                /* the run on the node itself still has to make the live changes */
                if (!ctx->dry_run)
                        log_info("stage %s is not recorded as done: %u action(s) on the running system were left "
                                 "out (offline --root)", st->mark, ctx->run.n_left_out);
                return FB_SUCCESS;
        }
        return ctx->dry_run ? FB_SUCCESS : engine_mark(ctx, st);
}

/* report: "done" to the endpoint once the instance is complete, and the count of actions. */
static enum fb_failure stage_report(struct engine_context *ctx, const struct engine_stage *st) {
        if (!ctx->dry_run && instance_complete(&ctx->state))
                report_done(&ctx->config, ctx->state.abs_dir, true);
        if (ctx->dry_run)
                printf("\n%u action(s) to take, %u already in place.\n", ctx->run.n_changed, ctx->run.n_unchanged);
        else
                log_info("%u change(s) made, %u already in place", ctx->run.n_changed, ctx->run.n_unchanged);
        if (ctx->run.n_left_out > 0) {
                if (ctx->dry_run)
                        printf("%u action(s) on the running system left out (offline --root; --live takes them).\n",
                               ctx->run.n_left_out);
                else
                        log_info("%u action(s) on the running system left out (offline --root)", ctx->run.n_left_out);
        }
        if (ctx->refused) {
                printf("run would refuse this host before any change (exit status %d).\n",
                       fb_exit_status(FB_FAILURE_REFUSED));
                return FB_FAILURE_REFUSED;
        }
        if (ctx->plan_failed) {
                printf("run would fail at a step (exit status %d).\n", fb_exit_status(FB_FAILURE_HOST));
                return FB_FAILURE_HOST;
        }
        return FB_SUCCESS;
}

static const struct fb_step *host_stage_steps(const struct fb_config *c, size_t *ret_n) {
        *ret_n = host_steps_count;
        return host_steps;
}

const struct engine_stage engine_stages[] = {
        { "seed", NULL, NULL, false, stage_seed, NULL },
        { "config", NULL, NULL, false, stage_config, NULL },
        { "plan", "seed", "find, read and validate the NoCloud seed; remember the instance", false, stage_plan, NULL },
        { "host", "host", "prepare the host for kubeadm (reference steps 1-6)", false, stage_steps, host_stage_steps },
        { "role", "role", "initialise the control plane, or join the cluster as a worker", false, stage_steps,
          role_steps },
        { "report", NULL, NULL, true, stage_report, NULL },
};
const size_t engine_stages_count = ELEMENTSOF(engine_stages);

/* Runs the stages in order, through the one named last (NULL: all of them). */
static enum fb_failure engine_run(struct engine_context *ctx, const char *last) {
        for (size_t i = 0; i < engine_stages_count && !ctx->finished; i++) {
                const struct engine_stage *st = &engine_stages[i];
                enum fb_failure f;

                if (ctx->stopped && !st->always)
                        continue;
                f = st->run(ctx, st);
                if (f != FB_SUCCESS)
                        return f;
                if (st == ctx->until)
                        ctx->stopped = true;
                if (last && streq(st->name, last))
                        break;
        }
        return FB_SUCCESS;
}

enum fb_failure engine_provision(const struct engine_options *o, bool dry_run) {
        struct engine_context ctx;
        enum fb_failure f = FB_SUCCESS;

        engine_context_init(&ctx, o, dry_run);
        if (o->until) {
                ctx.until = engine_until_find(o->until, &ctx.until_n_steps);
                if (!ctx.until) {
                        log_error("--until: \"%s\" is neither a stage (seed, host, role) nor a host step", o->until);
                        f = FB_FAILURE_USAGE;
                }
        }
        if (f == FB_SUCCESS)
                f = engine_run(&ctx, NULL);
        engine_context_done(&ctx);
        return f;
}

enum fb_failure engine_show_seed(const struct engine_options *o) {
        struct engine_context ctx;
        enum fb_failure f;

        engine_context_init(&ctx, o, true);
        f = engine_run(&ctx, "config");
        if (f == FB_SUCCESS)
                config_show(stdout, &ctx.config, ctx.seed.origin);
        engine_context_done(&ctx);
        return f;
}

enum fb_failure engine_refresh_token(const struct engine_options *o) {
        struct engine_context ctx;
        enum fb_failure f;

        if (o->offline) {
                log_error("refresh-token renews the running cluster's token: not on an offline --root tree "
                          "(--live acts on the running system)");
                return FB_FAILURE_USAGE;
        }
        engine_context_init(&ctx, o, false);
        f = engine_run(&ctx, "config");
        if (f == FB_SUCCESS)
                f = engine_state_base(&ctx);
        if (f == FB_SUCCESS)
                f = engine_state_open(&ctx, true);
        if (f == FB_SUCCESS)
                f = engine_lock(&ctx);
        if (f == FB_SUCCESS) {
                ctx.log_fd = open_agent_log();
                ctx.run.log_fd = ctx.log_fd;
                if (refresh_token(&ctx.run) < 0)
                        f = FB_FAILURE_HOST;
        }
        engine_context_done(&ctx);
        return f;
}

enum fb_failure engine_status(const struct engine_options *o) {
        struct engine_context ctx;
        char iid[256];
        enum fb_failure f;
        int r;

        engine_context_init(&ctx, o, true);
        f = engine_state_base(&ctx);
        if (f != FB_SUCCESS)
                goto finish;
        r = state_read_current_instance(o->state_dir, iid, sizeof(iid));
        if (r == -ENOENT) {
                printf("No instance has run yet (%s/instance is absent).\n", ctx.state_base);
                goto finish;
        }
        if (r < 0) {
                log_error_errno(r, "%s/instance: cannot read: %m", ctx.state_base);
                f = FB_FAILURE_INTERNAL;
                goto finish;
        }
        r = state_open(o->state_dir, iid, false, &ctx.state);
        if (r < 0) {
                log_error_errno(r, "%s: cannot read state: %m", ctx.state.dir);
                f = FB_FAILURE_INTERNAL;
                goto finish;
        }
        printf("Instance: %s\n", iid);
        for (size_t i = 0; i < engine_stages_count; i++) {
                const char *mark = engine_stages[i].mark;
                uint64_t usec;
                char when[64];

                if (!mark)
                        continue;
                if (state_stage_done(&ctx.state, mark, &usec)) {
                        format_time(usec, when);
                        printf("  %-8s done     %s\n", mark, when);
                } else
                        printf("  %-8s pending\n", mark);
        }
        printf("Provisioning %s.\n", instance_complete(&ctx.state) ? "complete" : "incomplete");
finish:
        engine_context_done(&ctx);
        return f;
}

/* SPDX-License-Identifier: MIT */
/* kube-firstboot: turns a freshly booted machine into a kubeadm node, driven by its NoCloud seed. */
#include <fcntl.h>
#include <getopt.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config-parse.h"
#include "config/config.h"
#include "fileio.h"
#include "join/endpoint.h"
#include "host/host.h"
#include "role/role.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "path.h"
#include "plan/preflight.h"
#include "engine.h"
#include "seed/seed.h"
#include "seedgen.h"
#include "state.h"
#include "report/status-remote.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

/* Exit codes (docs/kube-firstboot.8). */
enum {
        EXIT_OK = 0,
        EXIT_RUNTIME = 1,   /* a step failed at run time */
        EXIT_BAD_INPUT = 2, /* bad seed or bad usage: nothing was changed */
        EXIT_NO_SEED = 3,   /* no seed found anywhere */
};

static const char *arg_root = NULL;
static const char *arg_seed = NULL;
static const char *arg_state_dir = "/var/lib/kube-firstboot";
static const char *arg_until = NULL;
static bool arg_force = false;
static const char *arg_endpoint = NULL;
static const char *arg_cluster = "kubernetes";
static bool arg_watch = false;

struct stage {
        const char *name;
        const char *why;
        const struct fb_step *(*steps)(const struct fb_config *c, size_t *ret_n);
};

static const struct fb_step *host_stage_steps(const struct fb_config *c, size_t *ret_n) {
        *ret_n = host_steps_count;
        return host_steps;
}

/* The stages `run` goes through, in order. "seed" is special: it is what every command does first. */
static const struct stage stages[] = {
        { "seed", "find, read and validate the NoCloud seed; remember the instance", NULL },
        { "host", "prepare the host for kubeadm (reference steps 1-6)", host_stage_steps },
        { "role", "initialise the control plane, or join the cluster as a worker", role_steps },
};

/* The stage names of docs/join-protocol.md's progress reports: the role stage reports as init or join. */
static const char *report_stage(const struct stage *st, const struct fb_config *c) {
        if (!streq(st->name, "role"))
                return st->name;
        return c->role == FB_ROLE_CONTROL_PLANE ? "init" : "join";
}

static const struct stage *stage_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(stages); i++)
                if (streq(stages[i].name, name))
                        return &stages[i];
        return NULL;
}

/* --until NAME: a stage, or a step of the host stage (then *ret_n_steps is how many of its steps run,
 * that one included; 0 for a stage). NULL when it is neither. */
static const struct stage *until_find(const char *name, size_t *ret_n_steps) {
        const struct stage *st = stage_find(name);

        *ret_n_steps = 0;
        if (st)
                return st;
        for (size_t i = 0; i < host_steps_count; i++)
                if (streq(host_steps[i].name, name)) {
                        *ret_n_steps = i + 1;
                        return stage_find("host");
                }
        return NULL;
}

static void help(void) {
        printf("Usage: kube-firstboot [OPTIONS] COMMAND\n"
               "\n"
               "Turn a freshly booted machine into a kubeadm node from its cloud-init NoCloud seed.\n"
               "\n"
               "Commands:\n"
               "  show-seed           Print the parsed, validated seed as YAML (secrets masked)\n"
               "  plan                List the actions run would take on this host, and why\n"
               "  run [--until STAGE|STEP]\n"
               "                      Provision this host (stages: seed, host, role), or only up to and including\n"
               "                      a step of the host stage (growroot, hostname, hosts, network, swap, modules,\n"
               "                      sysctl, selinux, firewall, docker, kubelet, ssh; the stage is then not done)\n"
               "  status              Show which stages are done for the current instance\n"
               "  status --endpoint URL [--cluster NAME] [--watch]\n"
               "                      Show every node's progress as the metadata endpoint has it\n"
               "  refresh-token       Control plane: renew the join token before it expires\n"
               "  seed [--inventory FILE] --out DIR [--iso] [--token] [--force]\n"
               "                      Write the NoCloud seeds of a whole lab (see seed --help, seed --example)\n"
               "\n"
               "Options:\n"
               "  --root DIR          Operate on the tree under DIR instead of /\n"
               "  --seed SOURCE       Seed directory, image/ISO file, block device or http(s) URL\n"
               "  --state-dir DIR     State directory (default /var/lib/kube-firstboot, under --root)\n"
               "  --force             Run again even if this instance was already provisioned\n"
               "  -v, --verbose       Log debug messages\n"
               "  -q, --quiet         Log warnings and errors only\n"
               "  -h, --help          Show this help\n"
               "      --version       Show the version\n"
               "\n"
               "Exit status: 0 ok, 1 runtime failure, 2 bad seed or usage (nothing changed), 3 no seed.\n"
               "See kube-firstboot(8).\n");
}

/* The state directory's name in messages; the state functions take arg_state_dir, under the root. */
static int state_base(char **ret) {
        *ret = root_path(arg_state_dir);
        return *ret ? 0 : -ENOMEM;
}

/* Finds, reads and validates the seed. Exit code on failure. */
static int load_seed(struct seed *seed, struct fb_config *config) {
        struct seed_options opts = {
                .explicit_source = arg_seed,
                .device_wait_ms = 10000,
                .http_deadline_ms = 5 * 60 * 1000,
        };
        int r;

        r = seed_find(&opts, seed);
        if (r == -ENOENT)
                return EXIT_NO_SEED;
        if (r == -EINVAL || r == -EFBIG || r == -E2BIG || r == -EBADMSG)
                return EXIT_BAD_INPUT;
        if (r < 0)
                return EXIT_RUNTIME;

        config_init(config);
        r = config_load(seed, config);
        if (r < 0) {
                log_error("seed from %s rejected; nothing was changed", seed->origin);
                return EXIT_BAD_INPUT;
        }
        if (streq(config->instance_id, "iid-local01"))
                log_warning("%s: instance-id: \"iid-local01\" is cloud-localds' default, shared by every "
                            "seed made without meta-data; a cloned disk will not be seen as a new instance",
                            seed->name[SEED_META_DATA]);
        return EXIT_OK;
}

static int cmd_show_seed(void) {
        _cleanup_(seed_done) struct seed seed = {};
        _cleanup_(config_done) struct fb_config config;
        int r;

        config_init(&config);
        r = load_seed(&seed, &config);
        if (r != EXIT_OK)
                return r;
        config_show(stdout, &config, seed.origin);
        return EXIT_OK;
}

static void format_time(uint64_t usec, char buf[static 64]) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, 64, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static bool instance_complete(const struct state *state) {
        for (size_t i = 0; i < ELEMENTSOF(stages); i++)
                if (!state_stage_done(state, stages[i].name, NULL))
                        return false;
        return true;
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

/* One agent at a time: the boot-time run and the refresh timer must not interleave their writes. */
static int take_lock(const char *base) {
        _cleanup_free_ char *lock = NULL;
        int fd;

        if (asprintf(&lock, "%s/.lock", arg_state_dir) < 0)
                return log_error_errno(ENOMEM, "%s: cannot create the state directory: %m", base);
        fd = root_mkdir_p(arg_state_dir, 0755);
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
        return fd; /* held until exit */
}

static void print_plan_header(const struct seed *seed, const struct fb_config *c) {
        printf("Seed: %s\nInstance: %s\nHost: %s (%s)\n\n", seed->origin, c->instance_id, c->hostname,
               role_to_string(c->role));
}

/* run and plan share this: plan is a run with dry_run set. */
static int provision(bool dry_run) {
        _cleanup_(seed_done) struct seed seed = {};
        _cleanup_(config_done) struct fb_config config;
        _cleanup_free_ char *base = NULL;
        struct state state;
        struct fb_run run = { .dry_run = dry_run, .log_fd = -1 };
        _cleanup_close_ int log_fd = -1, lock_fd = -1;
        const struct stage *until = NULL;
        size_t until_n_steps = 0; /* --until a host step: run the host stage's first until_n_steps steps */
        bool checked = false;     /* the checks before any change ran (and plan's header is printed) */
        int r;

        config_init(&config); /* before the first return: config_done() runs on it */
        if (arg_until) {
                until = until_find(arg_until, &until_n_steps);
                if (!until) {
                        log_error("--until: \"%s\" is neither a stage (seed, host, role) nor a host step", arg_until);
                        return EXIT_BAD_INPUT;
                }
        }

        r = load_seed(&seed, &config);
        if (r != EXIT_OK)
                return r;
        run.config = &config;
        run.seed = &seed;

        r = state_base(&base);
        if (r < 0) {
                log_error_errno(ENOMEM, "--state-dir: %m");
                return EXIT_BAD_INPUT;
        }
        r = state_open(arg_state_dir, config.instance_id, false, &state);
        if (r < 0) {
                log_error_errno(r, "%s: cannot read state: %m", state.dir);
                return EXIT_RUNTIME;
        }
        run.state_dir = state.abs_dir;

        /* What kubeadm would refuse for certain (a kubelet that does not fit kubernetes.version, a control
         * plane too small) is checked before the first change, the lock file and the agent's state included,
         * so that a seed that does not fit this machine leaves it as it was. Not for an instance that is
         * provisioned (a later kubelet upgrade must not fail its boots), nor for run --until seed, which
         * changes nothing of the host. */
        if (until != stage_find("seed") && !(instance_complete(&state) && !arg_force)) {
                char reason[256];

                if (dry_run)
                        print_plan_header(&seed, &config);
                checked = true;
                if (preflight_check(&config, dry_run, reason, sizeof(reason)) < 0) {
                        if (dry_run)
                                printf("run would refuse this host before any change (exit status 2).\n");
                        else {
                                log_error("refused before any change; nothing was changed");
                                endpoint_report(&config, "seed", "failed", reason);
                        }
                        return EXIT_BAD_INPUT;
                }
        }
        if (!dry_run) {
                lock_fd = take_lock(base);
                if (lock_fd < 0)
                        return EXIT_RUNTIME;
                /* reread under the lock: another run may have finished meanwhile */
                r = state_open(arg_state_dir, config.instance_id, false, &state);
                if (r < 0) {
                        log_error_errno(r, "%s: cannot read state: %m", state.dir);
                        return EXIT_RUNTIME;
                }
        }

        if (instance_complete(&state) && !arg_force) {
                uint64_t usec = 0;
                char when[64];
                state_stage_done(&state, stages[ELEMENTSOF(stages) - 1].name, &usec);
                format_time(usec, when);
                if (dry_run)
                        printf("Instance %s was provisioned at %s: nothing to do (--force runs again).\n",
                               config.instance_id, when);
                else {
                        log_info("instance %s was provisioned at %s: nothing to do", config.instance_id, when);
                        report_done(&config, state.abs_dir, false);
                }
                return EXIT_OK;
        }

        if (dry_run) {
                if (!checked)
                        print_plan_header(&seed, &config);
        } else {
                log_info("seed from %s: instance %s, host %s, role %s", seed.origin, config.instance_id,
                         config.hostname, role_to_string(config.role));
                if (arg_force && state.n_done > 0) {
                        r = state_reset(&state);
                        if (r < 0) {
                                log_error_errno(r, "%s: cannot reset state: %m", state.dir);
                                return EXIT_RUNTIME;
                        }
                }
                r = state_write_current_instance(arg_state_dir, config.instance_id);
                if (r >= 0)
                        r = state_open(arg_state_dir, config.instance_id, true, &state);
                if (r >= 0)
                        r = state_mark_done(&state, "seed");
                if (r < 0) {
                        log_error_errno(r, "%s: cannot record state: %m", base);
                        return EXIT_RUNTIME;
                }
                log_fd = open_agent_log();
                run.log_fd = log_fd;
                endpoint_report(&config, "seed", "done", "seed read and validated");
        }

        for (size_t i = 0; i < ELEMENTSOF(stages); i++) {
                const struct stage *st = &stages[i];
                const struct fb_step *steps;
                size_t n_steps;
                uint64_t usec;

                if (dry_run)
                        printf("Stage %s: %s\n", st->name, st->why);
                if (st->steps && !(state_stage_done(&state, st->name, &usec) && !arg_force)) {
                        steps = st->steps(&config, &n_steps);
                        if (st == until && until_n_steps > 0 && until_n_steps < n_steps)
                                n_steps = until_n_steps;
                        if (!dry_run)
                                endpoint_report(&config, report_stage(st, &config), "running", st->why);
                        r = run_steps(&run, steps, n_steps);
                        if (r < 0) {
                                char reason[256];
                                snprintf(reason, sizeof(reason), "stage %s failed: %s", st->name, strerror(-r));
                                log_error("stage %s failed; finished stages are recorded, the next run resumes",
                                          st->name);
                                if (!dry_run)
                                        endpoint_report(&config, report_stage(st, &config), "failed", reason);
                                return EXIT_RUNTIME;
                        }
                        if (st == until && until_n_steps > 0) {
                                /* only part of the stage ran: a later run does it (again) in full */
                                log_info("stopped after host step %s (--until): stage %s is not recorded as done",
                                         steps[n_steps - 1].name, st->name);
                                break;
                        }
                        if (!dry_run) {
                                r = state_mark_done(&state, st->name);
                                if (r < 0) {
                                        log_error_errno(r, "%s/stages: cannot record state: %m", state.dir);
                                        return EXIT_RUNTIME;
                                }
                        }
                } else if (dry_run)
                        printf("  %-10s done\n", st->name);
                else if (st->steps)
                        log_info("stage %s already done for this instance", st->name);

                if (st == until)
                        break;
        }

        if (!dry_run && instance_complete(&state))
                report_done(&config, state.abs_dir, true);
        if (dry_run)
                printf("\n%u action(s) to take, %u already in place.\n", run.n_changed, run.n_unchanged);
        else
                log_info("%u change(s) made, %u already in place", run.n_changed, run.n_unchanged);
        return EXIT_OK;
}

static int cmd_refresh_token(void) {
        _cleanup_(seed_done) struct seed seed = {};
        _cleanup_(config_done) struct fb_config config;
        _cleanup_close_ int log_fd = -1, lock_fd = -1;
        struct fb_run run = { .log_fd = -1 };
        _cleanup_free_ char *base = NULL;
        struct state state;
        int r;

        config_init(&config);
        r = load_seed(&seed, &config);
        if (r != EXIT_OK)
                return r;
        run.config = &config;
        run.seed = &seed;
        r = state_base(&base);
        if (r >= 0)
                r = state_open(arg_state_dir, config.instance_id, true, &state);
        if (r < 0) {
                log_error_errno(r, "%s: cannot open state: %m", base);
                return EXIT_RUNTIME;
        }
        run.state_dir = state.abs_dir;
        lock_fd = take_lock(base);
        if (lock_fd < 0)
                return EXIT_RUNTIME;
        log_fd = open_agent_log();
        run.log_fd = log_fd;
        return refresh_token(&run) < 0 ? EXIT_RUNTIME : EXIT_OK;
}

static int cmd_status(void) {
        _cleanup_free_ char *base = NULL;
        char iid[256];
        struct state state;
        int r;

        if (arg_endpoint)
                return status_remote(arg_endpoint, arg_cluster, arg_watch, stdout);

        r = state_base(&base);
        if (r < 0)
                return EXIT_BAD_INPUT;
        r = state_read_current_instance(arg_state_dir, iid, sizeof(iid));
        if (r == -ENOENT) {
                printf("No instance has run yet (%s/instance is absent).\n", base);
                return EXIT_OK;
        }
        if (r < 0) {
                log_error_errno(r, "%s/instance: cannot read: %m", base);
                return EXIT_RUNTIME;
        }
        r = state_open(arg_state_dir, iid, false, &state);
        if (r < 0) {
                log_error_errno(r, "%s: cannot read state: %m", state.dir);
                return EXIT_RUNTIME;
        }
        printf("Instance: %s\n", iid);
        for (size_t i = 0; i < ELEMENTSOF(stages); i++) {
                uint64_t usec;
                char when[64];
                if (state_stage_done(&state, stages[i].name, &usec)) {
                        format_time(usec, when);
                        printf("  %-8s done     %s\n", stages[i].name, when);
                } else
                        printf("  %-8s pending\n", stages[i].name);
        }
        printf("Provisioning %s.\n", instance_complete(&state) ? "complete" : "incomplete");
        return EXIT_OK;
}

int main(int argc, char *argv[]) {
        enum { ARG_ROOT = 0x100, ARG_SEED, ARG_STATE_DIR, ARG_FORCE, ARG_VERSION, ARG_UNTIL, ARG_ENDPOINT, ARG_CLUSTER, ARG_WATCH };
        static const struct option options[] = {
                { "root", required_argument, NULL, ARG_ROOT },
                { "seed", required_argument, NULL, ARG_SEED },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "force", no_argument, NULL, ARG_FORCE },
                { "until", required_argument, NULL, ARG_UNTIL },
                { "endpoint", required_argument, NULL, ARG_ENDPOINT },
                { "cluster", required_argument, NULL, ARG_CLUSTER },
                { "watch", no_argument, NULL, ARG_WATCH },
                { "verbose", no_argument, NULL, 'v' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        const char *command = NULL;
        int c, r;

        /* Options may come before or after the command ("run --until host"). "-": non-options come back
         * in order as 1, so that `seed` can take the rest of the line for options of its own. */
        while ((c = getopt_long(argc, argv, "-vqh", options, NULL)) >= 0) {
                switch (c) {
                case 1:
                        if (command) {
                                log_error("too many arguments (see --help)");
                                return EXIT_BAD_INPUT;
                        }
                        command = optarg;
                        if (streq(command, "seed"))
                                return seedgen_main(argc - optind + 1, argv + optind - 1);
                        break;
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_SEED:
                        arg_seed = optarg;
                        break;
                case ARG_STATE_DIR:
                        if (optarg[0] != '/') {
                                log_error("--state-dir: \"%s\" is not an absolute path", optarg);
                                return EXIT_BAD_INPUT;
                        }
                        arg_state_dir = optarg;
                        break;
                case ARG_FORCE:
                        arg_force = true;
                        break;
                case ARG_ENDPOINT:
                        if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0) {
                                log_error("--endpoint: \"%s\" is not an http(s) URL", optarg);
                                return EXIT_BAD_INPUT;
                        }
                        arg_endpoint = optarg;
                        break;
                case ARG_CLUSTER:
                        if (!hostname_is_valid(optarg) || strchr(optarg, '.')) {
                                log_error("--cluster: \"%s\" is not a cluster name ([a-z0-9-])", optarg);
                                return EXIT_BAD_INPUT;
                        }
                        arg_cluster = optarg;
                        break;
                case ARG_WATCH:
                        arg_watch = true;
                        break;
                case ARG_UNTIL:
                        arg_until = optarg;
                        break;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case 'q':
                        log_set_max_level(LOG_WARNING);
                        break;
                case 'h':
                        help();
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("kube-firstboot %s\n", VERSION);
                        return EXIT_OK;
                default:
                        return EXIT_BAD_INPUT;
                }
        }
        if (!command && optind < argc) /* after "--" */
                command = argv[optind++];
        if (!command || optind != argc) {
                log_error(!command ? "no command given (see --help)" : "too many arguments (see --help)");
                return EXIT_BAD_INPUT;
        }

        r = root_set(arg_root);
        if (r < 0) {
                if (r == -EINVAL)
                        log_error("--root: \"%s\" must be an absolute path", arg_root);
                else
                        log_error_errno(r, "--root: %s: cannot open: %m", arg_root);
                return EXIT_BAD_INPUT;
        }
        if (arg_until && !streq(command, "run")) {
                log_error("--until only applies to run");
                return EXIT_BAD_INPUT;
        }

        if (streq(command, "show-seed"))
                return cmd_show_seed();
        if (streq(command, "plan"))
                return provision(true);
        if (streq(command, "run"))
                return provision(false);
        if (streq(command, "status"))
                return cmd_status();
        if (streq(command, "refresh-token"))
                return cmd_refresh_token();

        log_error("unknown command \"%s\" (see --help)", command);
        return EXIT_BAD_INPUT;
}

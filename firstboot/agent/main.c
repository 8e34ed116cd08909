/* SPDX-License-Identifier: MIT */
/* kube-firstboot: turns a freshly booted machine into a kubeadm node, driven by its NoCloud seed.
 * This file parses the command line and dispatches through the command table; the stages of a run are
 * engine.c's. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "exit-status.h"
#include "host/host.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "path.h"
#include "report/status-remote.h"
#include "seedgen.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

static const char *arg_root = NULL;
static bool arg_live = false;
static struct engine_options arg_engine = { .state_dir = "/var/lib/kube-firstboot" };
static const char *arg_endpoint = NULL;
static const char *arg_cluster = "kubernetes";
static bool arg_watch = false;

/* The options that only some commands take. */
enum {
        OPT_UNTIL = 1 << 0,
        OPT_FORCE = 1 << 1,
        OPT_ENDPOINT = 1 << 2,
        OPT_CLUSTER = 1 << 3,
        OPT_WATCH = 1 << 4,
};
/* Given to a command that does not take them, these are refused; the others have always been ignored
 * there, and scripts may pass them. */
#define OPT_REFUSED_ELSEWHERE OPT_UNTIL

static const struct command_option {
        unsigned flag;
        const char *name;
        const char *synopsis;
} command_options[] = {
        { OPT_UNTIL, "until", "[--until STAGE|STEP]" },
        { OPT_FORCE, "force", "[--force]" },
        { OPT_ENDPOINT, "endpoint", "[--endpoint URL" }, /* the two below only go with it */
        { OPT_CLUSTER, "cluster", "[--cluster NAME]" },
        { OPT_WATCH, "watch", "[--watch]]" },
};

struct command {
        const char *name;
        const char *help;          /* its line in --help */
        unsigned options;          /* OPT_*: the command options it takes */
        int (*handler)(void);      /* returns the exit status */
        int (*main)(int argc, char *argv[]); /* or: takes the rest of the line, argv[0] being its name */
};

static int exit_status(enum fb_failure failure) {
        if (failure != FB_SUCCESS)
                log_debug("failure class: %s", fb_failure_to_string(failure));
        return fb_exit_status(failure);
}

static int cmd_show_seed(void) {
        return exit_status(engine_show_seed(&arg_engine));
}

static int cmd_plan(void) {
        return exit_status(engine_provision(&arg_engine, true));
}

static int cmd_run(void) {
        return exit_status(engine_provision(&arg_engine, false));
}

static int cmd_status(void) {
        if (arg_endpoint)
                return status_remote(arg_endpoint, arg_cluster, arg_watch, stdout);
        return exit_status(engine_status(&arg_engine));
}

static int cmd_refresh_token(void) {
        return exit_status(engine_refresh_token(&arg_engine));
}

static const struct command commands[] = {
        { "show-seed", "Print the parsed, validated seed as YAML (secrets masked)", 0, cmd_show_seed, NULL },
        { "plan", "List the actions run would take on this host, and why", OPT_FORCE, cmd_plan, NULL },
        { "run", "Provision this host, or only up to and including a stage or host step",
          OPT_UNTIL | OPT_FORCE, cmd_run, NULL },
        { "status", "Show which stages are done here; with --endpoint, every node's progress",
          OPT_ENDPOINT | OPT_CLUSTER | OPT_WATCH, cmd_status, NULL },
        { "refresh-token", "Control plane: renew the join token before it expires", 0, cmd_refresh_token, NULL },
        { "seed", "Write the NoCloud seeds of a whole lab (see seed --help, seed --example)", 0, NULL, seedgen_main },
};

static const struct command *command_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(commands[i].name, name))
                        return &commands[i];
        return NULL;
}

#define HELP_COLUMN 22

static void help_command(const struct command *cmd) {
        int n = printf("  %s", cmd->name);

        if (cmd->main)
                n += printf(" [OPTIONS]");
        for (size_t i = 0; i < ELEMENTSOF(command_options); i++)
                if (cmd->options & command_options[i].flag)
                        n += printf(" %s", command_options[i].synopsis);
        if (n >= HELP_COLUMN) {
                printf("\n");
                n = 0;
        }
        printf("%*s%s\n", HELP_COLUMN - n, "", cmd->help);
}

/* The names --until takes, from the engine's stage table and the host stage's steps. */
static void help_until(void) {
        const char *sep = "";
        int n;

        n = printf("%*s--until: stages ", HELP_COLUMN, "");
        for (size_t i = 0; i < engine_stages_count; i++)
                if (engine_stages[i].mark) {
                        n += printf("%s%s", sep, engine_stages[i].mark);
                        sep = ", ";
                }
        n += printf("; host steps ");
        sep = "";
        for (size_t i = 0; i < host_steps_count; i++) {
                if (n > 100) {
                        printf(",\n%*s", HELP_COLUMN, "");
                        n = HELP_COLUMN;
                        sep = "";
                }
                n += printf("%s%s", sep, host_steps[i].name);
                sep = ", ";
        }
        printf("\n%*s(after a host step, the stage is not recorded as done)\n", HELP_COLUMN, "");
}

static void help(void) {
        printf("Usage: kube-firstboot [OPTIONS] COMMAND\n"
               "\n"
               "Turn a freshly booted machine into a kubeadm node from its cloud-init NoCloud seed.\n"
               "\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                help_command(&commands[i]);
                if (commands[i].options & OPT_UNTIL)
                        help_until();
        }
        printf("\n"
               "Options:\n"
               "  --root DIR          Operate on the tree under DIR instead of /: change files in it only, never\n"
               "                      the running system (what is left out, plan lists)\n"
               "  --live              With --root: act on the running system too (a tree that is its own)\n"
               "  --seed SOURCE       Seed directory, image/ISO file, block device or http(s) URL\n"
               "  --state-dir DIR     State directory (default /var/lib/kube-firstboot, under --root)\n"
               "  --force             plan, run: run again even if this instance was already provisioned\n"
               "  -v, --verbose       Log debug messages\n"
               "  -q, --quiet         Log warnings and errors only\n"
               "  -h, --help          Show this help\n"
               "      --version       Show the version\n"
               "\n"
               "Exit status: %d ok, %d runtime failure, %d bad seed or usage (nothing changed), %d no seed.\n"
               "See kube-firstboot(8).\n",
               FB_EXIT_OK, FB_EXIT_RUNTIME, FB_EXIT_BAD_INPUT, FB_EXIT_NO_SEED);
}

/* Refuses an option given to a command that does not take it (those of OPT_REFUSED_ELSEWHERE); cmd is NULL
 * for an unknown command. */
static int check_options(const struct command *cmd, unsigned given) {
        unsigned taken = cmd ? cmd->options : 0;

        for (size_t i = 0; i < ELEMENTSOF(command_options); i++) {
                const struct command_option *o = &command_options[i];
                char takers[128];
                size_t n = 0;

                if (!(given & ~taken & OPT_REFUSED_ELSEWHERE & o->flag))
                        continue;
                takers[0] = 0;
                for (size_t j = 0; j < ELEMENTSOF(commands) && n < sizeof(takers); j++)
                        if (commands[j].options & o->flag)
                                n += snprintf(takers + n, sizeof(takers) - n, "%s%s", n ? ", " : "", commands[j].name);
                log_error("--%s only applies to %s", o->name, takers);
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        enum { ARG_ROOT = 0x100, ARG_LIVE, ARG_SEED, ARG_STATE_DIR, ARG_FORCE, ARG_VERSION, ARG_UNTIL, ARG_ENDPOINT, ARG_CLUSTER, ARG_WATCH };
        static const struct option options[] = {
                { "root", required_argument, NULL, ARG_ROOT },
                { "live", no_argument, NULL, ARG_LIVE },
                { "seed", required_argument, NULL, ARG_SEED },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "force", no_argument, NULL, ARG_FORCE },
                { "until", required_argument, NULL, ARG_UNTIL },
                { "endpoint", required_argument, NULL, ARG_ENDPOINT },
                { "cluster", required_argument, NULL, ARG_CLUSTER },
                { "watch", no_argument, NULL, ARG_WATCH },
                LOG_LEVEL_OPTIONS,
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        const int usage_error = fb_exit_status(FB_FAILURE_USAGE);
        const char *name = NULL;
        const struct command *cmd;
        unsigned given = 0; /* OPT_*: the command options on the line */
        int c, r;

        /* Options may come before or after the command ("run --until host"). "-": non-options come back
         * in order as 1, so that a command with options of its own (seed) can take the rest of the line. */
        while ((c = getopt_long(argc, argv, "-vqh", options, NULL)) >= 0) {
                if (log_level_option(c))
                        continue;
                switch (c) {
                case 1:
                        if (name) {
                                log_error("too many arguments (see --help)");
                                return usage_error;
                        }
                        name = optarg;
                        cmd = command_find(name);
                        if (cmd && cmd->main)
                                return cmd->main(argc - optind + 1, argv + optind - 1);
                        break;
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_LIVE:
                        arg_live = true;
                        break;
                case ARG_SEED:
                        arg_engine.seed_source = optarg;
                        break;
                case ARG_STATE_DIR:
                        if (optarg[0] != '/') {
                                log_error("--state-dir: \"%s\" is not an absolute path", optarg);
                                return usage_error;
                        }
                        arg_engine.state_dir = optarg;
                        break;
                case ARG_FORCE:
                        arg_engine.force = true;
                        given |= OPT_FORCE;
                        break;
                case ARG_ENDPOINT:
                        if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0) {
                                log_error("--endpoint: \"%s\" is not an http(s) URL", optarg);
                                return usage_error;
                        }
                        arg_endpoint = optarg;
                        given |= OPT_ENDPOINT;
                        break;
                case ARG_CLUSTER:
                        if (!hostname_is_valid(optarg) || strchr(optarg, '.')) {
                                log_error("--cluster: \"%s\" is not a cluster name ([a-z0-9-])", optarg);
                                return usage_error;
                        }
                        arg_cluster = optarg;
                        given |= OPT_CLUSTER;
                        break;
                case ARG_WATCH:
                        arg_watch = true;
                        given |= OPT_WATCH;
                        break;
                case ARG_UNTIL:
                        arg_engine.until = optarg;
                        given |= OPT_UNTIL;
                        break;
                case 'h':
                        help();
                        return FB_EXIT_OK;
                case ARG_VERSION:
                        printf("kube-firstboot %s\n", VERSION);
                        return FB_EXIT_OK;
                default:
                        return usage_error;
                }
        }
        if (!name && optind < argc) /* after "--" */
                name = argv[optind++];
        if (!name || optind != argc) {
                log_error(!name ? "no command given (see --help)" : "too many arguments (see --help)");
                return usage_error;
        }

        r = root_set(arg_root);
        if (r < 0) {
                if (r == -EINVAL)
                        log_error("--root: \"%s\" must be an absolute path", arg_root);
                else
                        log_error_errno(r, "--root: %s: cannot open: %m", arg_root);
                return usage_error;
        }
        /* a tree of its own is offline: only "/" (however spelled) or --live is the running system */
        arg_engine.offline = arg_root && arg_root[strspn(arg_root, "/")] && !arg_live;
        /* a command that takes the rest of the line is only one as the first word ("-- seed" is not) */
        cmd = command_find(name);
        if (cmd && !cmd->handler)
                cmd = NULL;
        if (check_options(cmd, given) < 0)
                return usage_error;
        if (!cmd) {
                log_error("unknown command \"%s\" (see --help)", name);
                return usage_error;
        }
        return cmd->handler();
}

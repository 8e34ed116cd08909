/* SPDX-License-Identifier: MIT */
/* kube-firstboot-server: the lab's metadata endpoint (seeds, join records, progress). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exit-status.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "server-config.h"
#include "server-seed-access.h"
#include "server-util.h"
#include "server.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

static void help(void) {
        printf("Usage: kube-firstboot-server [OPTIONS]\n"
               "\n"
               "Serve NoCloud seeds, kickstart and repository trees, cluster join records (with long\n"
               "polls) and node progress to the machines of a kube-firstboot lab.\n"
               "\n"
               "Options (each overrides the same setting of the config file):\n"
               "  -c, --config FILE             YAML config file\n"
               "  -l, --listen ADDRESS:PORT     Listen here (default 0.0.0.0:8780)\n"
               "      --seed-dir DIR            Seeds, as DIR/<node>/{meta-data,user-data,...}\n"
               "      --ks-dir DIR              Serve DIR under /ks/\n"
               "      --repo-dir DIR            Serve DIR under /repo/\n"
               "      --state-dir DIR           Join records and progress reports\n"
               "      --max-connections N       Open connections in all\n"
               "      --max-connections-per-ip N  Open connections from one address (0: no limit)\n"
               "      --connection-timeout SECS Close connections idle this long\n"
               "      --header-timeout SECS     Time a client has to send its request head\n"
               "      --max-wait SECS           Cap on ?wait= of long polls\n"
               "      --no-access-log           Do not log one line per request\n"
               "      --check-config            Validate the configuration and exit\n"
               "      --rearm NODE              Let NODE fetch its user-data once more (also while the\n"
               "                                server runs) and exit\n"
               "  -v, --verbose                 Log debug messages\n"
               "  -h, --help                    Show this help\n"
               "      --version                 Show the version\n"
               "\n"
               "Exit status: 0 ok (also after SIGTERM), 1 runtime failure, 2 bad configuration or usage.\n"
               "See kube-firstboot-server(8).\n");
}

enum {
        ARG_SEED_DIR = 0x100,
        ARG_KS_DIR,
        ARG_REPO_DIR,
        ARG_STATE_DIR,
        ARG_MAX_CONNECTIONS,
        ARG_MAX_PER_IP,
        ARG_CONNECTION_TIMEOUT,
        ARG_HEADER_TIMEOUT,
        ARG_MAX_WAIT,
        ARG_NO_ACCESS_LOG,
        ARG_CHECK_CONFIG,
        ARG_REARM,
        ARG_VERSION,
};

static const struct option options[] = {
        { "config", required_argument, NULL, 'c' },
        { "listen", required_argument, NULL, 'l' },
        { "seed-dir", required_argument, NULL, ARG_SEED_DIR },
        { "ks-dir", required_argument, NULL, ARG_KS_DIR },
        { "repo-dir", required_argument, NULL, ARG_REPO_DIR },
        { "state-dir", required_argument, NULL, ARG_STATE_DIR },
        { "max-connections", required_argument, NULL, ARG_MAX_CONNECTIONS },
        { "max-connections-per-ip", required_argument, NULL, ARG_MAX_PER_IP },
        { "connection-timeout", required_argument, NULL, ARG_CONNECTION_TIMEOUT },
        { "header-timeout", required_argument, NULL, ARG_HEADER_TIMEOUT },
        { "max-wait", required_argument, NULL, ARG_MAX_WAIT },
        { "no-access-log", no_argument, NULL, ARG_NO_ACCESS_LOG },
        { "check-config", no_argument, NULL, ARG_CHECK_CONFIG },
        { "rearm", required_argument, NULL, ARG_REARM },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, ARG_VERSION },
        {}
};

static int flag_number(const char *flag, const char *value, bool duration, unsigned long long min,
                       unsigned long long max, unsigned *ret) {
        unsigned long long v;
        int r = duration ? parse_duration_s(value, &v) : parse_uint(value, 0, ~0ULL, &v);

        if (r < 0 || v < min || v > max) {
                log_error("--%s: must be %s from %llu to %llu", flag, duration ? "seconds" : "a number", min, max);
                return -EINVAL;
        }
        *ret = (unsigned) v;
        return 0;
}

static int flag_dir(const char *flag, const char *value, char **field) {
        if (value[0] != '/') {
                log_error("--%s: must be an absolute path", flag);
                return -EINVAL;
        }
        return config_set_string(field, value);
}

/* Flags are applied over the config file, so the file is read first: a first getopt pass finds
 * --config (and the options that end the program at once). */
static int parse_argv(int argc, char *argv[], struct server_config *config, bool *check_only,
                      const char **rearm) {
        const char *config_path = NULL;
        int c, r;

        opterr = 0;
        optind = 1;
        while ((c = getopt_long(argc, argv, "c:l:vh", options, NULL)) >= 0) {
                if (c == 'c')
                        config_path = optarg;
                else if (c == 'h') {
                        help();
                        return 0;
                } else if (c == ARG_VERSION) {
                        printf("kube-firstboot-server %s (libmicrohttpd %s)\n", VERSION, MHD_get_version());
                        return 0;
                } else
                        log_level_option(c); /* -v */
        }
        if (config_path) {
                r = server_config_load(config, config_path);
                if (r < 0)
                        return r;
        }

        opterr = 1;
        optind = 1;
        while ((c = getopt_long(argc, argv, "c:l:vh", options, NULL)) >= 0) {
                r = 0;
                switch (c) {
                case 'c':
                case 'v':
                        break;
                case 'l':
                        if (parse_listen(optarg, &config->listen_addr, &config->listen_port) < 0) {
                                log_error("--listen: must be IPV4-ADDRESS:PORT, e.g. 0.0.0.0:8780");
                                r = -EINVAL;
                        }
                        break;
                case ARG_SEED_DIR:
                        r = flag_dir("seed-dir", optarg, &config->seed_dir);
                        break;
                case ARG_KS_DIR:
                        r = flag_dir("ks-dir", optarg, &config->ks_dir);
                        break;
                case ARG_REPO_DIR:
                        r = flag_dir("repo-dir", optarg, &config->repo_dir);
                        break;
                case ARG_STATE_DIR:
                        r = flag_dir("state-dir", optarg, &config->state_dir);
                        break;
                case ARG_MAX_CONNECTIONS:
                        r = flag_number("max-connections", optarg, false, 1, 65536, &config->limits.max_connections);
                        break;
                case ARG_MAX_PER_IP:
                        r = flag_number("max-connections-per-ip", optarg, false, 0, 65536, &config->limits.max_per_ip);
                        break;
                case ARG_CONNECTION_TIMEOUT:
                        r = flag_number("connection-timeout", optarg, true, 1, 3600, &config->limits.connection_timeout);
                        break;
                case ARG_HEADER_TIMEOUT:
                        r = flag_number("header-timeout", optarg, true, 1, 3600, &config->limits.header_timeout);
                        break;
                case ARG_MAX_WAIT:
                        r = flag_number("max-wait", optarg, true, 0, 60, &config->limits.max_wait);
                        break;
                case ARG_NO_ACCESS_LOG:
                        config->access_log = false;
                        break;
                case ARG_CHECK_CONFIG:
                        *check_only = true;
                        break;
                case ARG_REARM:
                        *rearm = optarg;
                        break;
                default:
                        log_error("unknown option or missing argument; see --help");
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        if (optind < argc) {
                log_error("unexpected argument \"%s\"; see --help", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

static void check_dirs(const struct server_config *config) {
        const char *dirs[] = { config->seed_dir, config->ks_dir, config->repo_dir };
        const char *names[] = { "seed_dir", "ks_dir", "repo_dir" };
        struct stat st;

        /* not fatal: the seed generator may create the directory later */
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (dirs[i] && (stat(dirs[i], &st) < 0 || !S_ISDIR(st.st_mode)))
                        log_warning("%s %s: not a directory (yet); requests for it get 404", names[i], dirs[i]);
}

/* --rearm NODE: removes the mark that NODE's user-data went out, on the state directory a running
 * server reads it from at each request. */
static int rearm_node(const struct server_config *config, const char *node) {
        int r;

        if (!name_is_valid(node)) {
                log_error("--rearm: \"%s\" is not a node name", node);
                return -EINVAL;
        }
        if (!server_config_node(config, node)) {
                log_error("--rearm: %s is not in nodes: of the configuration (its user-data is never served)", node);
                return -EINVAL;
        }
        r = seed_rearm(config->state_dir, node);
        if (r < 0)
                return log_error_errno(r, "%s/" SEED_SERVED_DIR "/%s: cannot remove: %m", config->state_dir, node);
        printf("%s: %s\n", node, r > 0 ? "re-armed; its user-data may be fetched once more" : "was armed already");
        return 0;
}

int main(int argc, char *argv[]) {
        struct server_config config;
        struct server_tls tls = {};
        struct server server;
        bool check_only = false;
        const char *rearm = NULL;
        int r;

        log_set_program("kube-firstboot-server");
        server_config_init(&config);
        if (!config.seed_dir || !config.state_dir) {
                log_error("out of memory");
                return fb_exit_status(FB_FAILURE_INTERNAL);
        }
        r = parse_argv(argc, argv, &config, &check_only, &rearm);
        if (r <= 0) {
                server_config_done(&config);
                return fb_exit_status(r < 0 ? FB_FAILURE_BAD_INPUT : FB_SUCCESS);
        }
        if (config.limits.max_per_ip > config.limits.max_connections)
                config.limits.max_per_ip = config.limits.max_connections;
        if (rearm) {
                r = rearm_node(&config, rearm);
                server_config_done(&config);
                return fb_exit_status(r == -EINVAL ? FB_FAILURE_BAD_INPUT : r < 0 ? FB_FAILURE_INTERNAL : FB_SUCCESS);
        }
        /* the key is read here, once, before anything else runs with the server's privileges */
        r = server_tls_load(&config, &tls);
        if (r < 0) {
                server_config_done(&config);
                return fb_exit_status(FB_FAILURE_BAD_INPUT);
        }
        config.tls = tls.cert_pem ? &tls : NULL;
        if (check_only) {
                printf("configuration ok: listen %u.%u.%u.%u:%u, %zu clusters, %zu nodes%s\n", config.listen_addr >> 24,
                       (config.listen_addr >> 16) & 255, (config.listen_addr >> 8) & 255, config.listen_addr & 255,
                       config.listen_port, config.n_clusters, config.n_nodes, config.tls ? ", https" : "");
                server_tls_done(&tls);
                server_config_done(&config);
                return FB_EXIT_OK;
        }
        if (config.n_clusters == 0)
                log_warning("no cluster is configured: join records and progress reports are refused");
        if (config.n_nodes == 0)
                log_warning("no node is listed in nodes: user-data and vendor-data are served to nobody");
        check_dirs(&config);

        r = server_init(&server, &config);
        if (r >= 0)
                r = server_run(&server);
        server_done(&server);
        server_tls_done(&tls);
        server_config_done(&config);
        return fb_exit_status(r < 0 ? FB_FAILURE_INTERNAL : FB_SUCCESS);
}

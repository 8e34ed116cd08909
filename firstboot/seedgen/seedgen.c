/* SPDX-License-Identifier: MIT */
/* kube-firstboot seed: writes the NoCloud seeds of a whole lab, laid out as kube-firstboot-server's
 * seed directory, with the server's config fragment, PXE menus and (with --iso) cidata ISOs.
 *
 * Order of work, so that a refused inventory or a refused seed leaves nothing behind: parse and check
 * the inventory; decide the secrets; render every file and run every node's seed through the agent's
 * own parser in memory; only then write. After writing, every seed is read back from disk (and from
 * its ISO) and parsed again, so what is on disk is exactly what the agent accepts.
 *
 * The paths on the command line are the user's, taken as given (like --seed): --root does not apply. */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/config-parse.h"
#include "fileio.h"
#include "join/joinrecord.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "random.h"
#include "seed/seed.h"
#include "seedgen.h"
#include "spawn.h"
#include "role/token.h"
#include "secret.h"
#include "time-util.h"

#define ISO_MAX (64 * 1024 * 1024)
#define CLOUD_LOCALDS_TIMEOUT_MS (2 * 60 * 1000)
#define BUILTIN_NAME "(built-in reference lab)"

struct seedgen_args {
        const char *inventory;
        const char *out;
        char out_buf[PATH_MAX]; /* out without trailing slashes */
        bool iso, token, force, new_key, new_ca, example;
        gid_t group;            /* with --group: the secret files' group, which may read them */
        bool has_group;
};

/* What one node gets. */
struct node_files {
        char dir[PATH_MAX];
        char instance_id[160];
        char *meta_data, *network_config, *pxelinux, *grub;
        size_t meta_data_size, network_config_size, pxelinux_size, grub_size;
        bool unchanged; /* with --force: the seed on disk is exactly this one, instance-id included */
};

static void node_files_free(struct node_files *n, size_t count) {
        for (size_t i = 0; i < count; i++) {
                free(n[i].meta_data);
                free(n[i].network_config);
                free(n[i].pxelinux);
                free(n[i].grub);
        }
        free(n);
}

static void help(void) {
        printf("Usage: kube-firstboot seed [--inventory FILE] --out DIR [--iso] [--token]\n"
               "                           [--force [--new-key] [--new-ca]]\n"
               "       kube-firstboot seed --example\n"
               "\n"
               "Write the NoCloud seeds of a whole lab from one inventory: DIR/<node>/{meta-data,user-data,\n"
               "network-config} (DIR is kube-firstboot-server's seed directory), DIR/server.yaml (the server's\n"
               "config with the cluster's bearer), PXE menus in DIR/pxe/ for nodes with a mac, and with --iso\n"
               "DIR/<node>/seed.iso (cidata, made by cloud-localds). The cluster key is generated. With an\n"
               "https:// endpoint, also a lab CA and the server's certificate in DIR/tls/ (made by openssl).\n"
               "\n"
               "Options:\n"
               "  --inventory FILE    The lab (YAML); default: the reference lab that --example prints\n"
               "  --out DIR           Where to write; must be empty or absent, unless --force\n"
               "  --iso               Also make a cidata ISO per node with cloud-localds\n"
               "  --token             Also generate a pre-shared kubeadm bootstrap token\n"
               "  --force             Regenerate into a non-empty DIR, keeping its cluster key (and token)\n"
               "  --new-key           With --force: a new cluster key instead (every node must get the new seeds)\n"
               "  --group GROUP       user-data and server.yaml 0640 root:GROUP instead of 0600 root:root, for a\n"
               "                      server running as GROUP (the package's: kube-firstboot-server)\n"
               "  --new-ca            With --force: a new lab CA instead (every node must get the new seeds)\n"
               "  --example           Print the reference inventory, commented, and exit\n"
               "  -v, --verbose       Log debug messages\n"
               "  -q, --quiet         Log warnings and errors only\n"
               "  -h, --help          Show this help\n"
               "\n"
               "Exit status: 0 ok, 1 writing or cloud-localds failed, 2 bad inventory or usage (nothing written).\n"
               "See docs/seed-generator.md.\n");
}

static int group_lookup(const char *name, gid_t *ret) {
        struct group entry, *found = NULL;
        size_t size = 4096;
        int r;

        /* a group with many members needs a larger buffer: ERANGE says so */
        for (;;) {
                _cleanup_free_ char *buf = malloc(size);
                if (!buf)
                        return log_error_errno(-ENOMEM, "out of memory");
                r = getgrnam_r(name, &entry, buf, size, &found);
                if (r == ERANGE && size < 1024 * 1024) {
                        size *= 4;
                        continue;
                }
                if (r != 0)
                        return log_error_errno(-r, "seed: --group %s: %m", name);
                if (!found) {
                        log_error("seed: --group %s: no such group", name);
                        return -ENOENT;
                }
                *ret = found->gr_gid;
                return 0;
        }
}

/* Returns -1 to go on, else an exit status. */
static int parse_args(int argc, char *argv[], struct seedgen_args *a) {
        enum { ARG_INVENTORY = 0x100, ARG_OUT, ARG_ISO, ARG_TOKEN, ARG_FORCE, ARG_NEW_KEY, ARG_NEW_CA, ARG_EXAMPLE, ARG_GROUP };
        static const struct option options[] = {
                { "inventory", required_argument, NULL, ARG_INVENTORY },
                { "out", required_argument, NULL, ARG_OUT },
                { "iso", no_argument, NULL, ARG_ISO },
                { "token", no_argument, NULL, ARG_TOKEN },
                { "force", no_argument, NULL, ARG_FORCE },
                { "new-key", no_argument, NULL, ARG_NEW_KEY },
                { "new-ca", no_argument, NULL, ARG_NEW_CA },
                { "example", no_argument, NULL, ARG_EXAMPLE },
                { "group", required_argument, NULL, ARG_GROUP },
                LOG_LEVEL_OPTIONS,
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        optind = 0; /* a fresh scan of this argv, with its own options (argv[0] is "seed") */
        while ((c = getopt_long(argc, argv, "vqh", options, NULL)) >= 0) {
                if (log_level_option(c))
                        continue;
                switch (c) {
                case ARG_INVENTORY:
                        a->inventory = optarg;
                        break;
                case ARG_OUT:
                        a->out = optarg;
                        break;
                case ARG_ISO:
                        a->iso = true;
                        break;
                case ARG_TOKEN:
                        a->token = true;
                        break;
                case ARG_FORCE:
                        a->force = true;
                        break;
                case ARG_NEW_KEY:
                        a->new_key = true;
                        break;
                case ARG_NEW_CA:
                        a->new_ca = true;
                        break;
                case ARG_EXAMPLE:
                        a->example = true;
                        break;
                case ARG_GROUP:
                        if (group_lookup(optarg, &a->group) < 0)
                                return FB_EXIT_BAD_INPUT;
                        a->has_group = true;
                        break;
                case 'h':
                        help();
                        return FB_EXIT_OK;
                default:
                        return FB_EXIT_BAD_INPUT;
                }
        }
        if (optind < argc) {
                log_error("seed: unexpected argument \"%s\" (see kube-firstboot seed --help)", argv[optind]);
                return FB_EXIT_BAD_INPUT;
        }
        if (a->example) {
                if (a->inventory || a->out || a->iso || a->token || a->force || a->new_key || a->new_ca || a->has_group) {
                        log_error("seed: --example takes no other option");
                        return FB_EXIT_BAD_INPUT;
                }
                return -1;
        }
        if (!a->out) {
                log_error("seed: --out DIR is required (see kube-firstboot seed --help)");
                return FB_EXIT_BAD_INPUT;
        }
        /* it is written into server.yaml and into messages */
        if (!a->out[0] || !string_is_safe(a->out, PATH_MAX - 64)) {
                log_error("seed: --out: not a usable directory name");
                return FB_EXIT_BAD_INPUT;
        }
        if (strscpy(a->out_buf, sizeof(a->out_buf), a->out) == 0) {
                size_t len = strlen(a->out_buf);
                while (len > 1 && a->out_buf[len - 1] == '/')
                        a->out_buf[--len] = 0;
                a->out = a->out_buf;
        }
        if (a->new_key && !a->force) {
                log_error("seed: --new-key only applies with --force (a fresh DIR always gets a new key)");
                return FB_EXIT_BAD_INPUT;
        }
        if (a->new_ca && !a->force) {
                log_error("seed: --new-ca only applies with --force (a fresh DIR always gets a new CA)");
                return FB_EXIT_BAD_INPUT;
        }
        return -1;
}

static int load_inventory(const char *path, struct seedgen_inventory *inv) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        if (!path)
                return seedgen_inventory_parse(seedgen_reference_inventory, strlen(seedgen_reference_inventory),
                                               BUILTIN_NAME, inv);
        r = read_file_limited(path, SEEDGEN_INVENTORY_MAX, &data, &size);
        if (r == -EFBIG)
                return log_error_errno(r, "%s: larger than the limit of %d bytes", path, SEEDGEN_INVENTORY_MAX);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %m", path);
        return seedgen_inventory_parse(data, size, path, inv);
}

/* 1 when dir has entries, 0 when empty or absent, -errno (logged) otherwise. */
static int out_dir_in_use(const char *dir) {
        DIR *d;
        struct dirent *de;
        struct stat st;
        int r = 0;

        if (stat(dir, &st) < 0) {
                if (errno == ENOENT)
                        return 0;
                return log_error_errno(-errno, "%s: %m", dir);
        }
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(-ENOTDIR, "%s: exists and is not a directory", dir);
        d = opendir(dir);
        if (!d)
                return log_error_errno(-errno, "%s: cannot read: %m", dir);
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        r = 1;
                        break;
                }
        closedir(d);
        return r;
}

/* --force: the cluster key (and token) of the seeds already in dir, so that nodes and a control plane
 * that run on them keep working with the regenerated ones. 1 when found, 0 when there is none. */
static int existing_secrets(const char *dir, const struct seedgen_inventory *inv, bool want_token,
                            struct seedgen_secrets *ret) {
        char found_in[PATH_MAX] = "", cluster[64] = "";
        struct dirent *de;
        bool found = false;
        DIR *d;
        int r = 0;

        d = opendir(dir);
        if (!d)
                return log_error_errno(-errno, "%s: cannot read: %m", dir);
        while ((de = readdir(d))) {
                _cleanup_erase_free_ char *data = NULL;
                _cleanup_(config_done) struct fb_config c = {};
                char path[PATH_MAX];
                size_t size;

                config_init(&c);
                if (de->d_name[0] == '.' || streq(de->d_name, SEEDGEN_PXE_DIR))
                        continue;
                if (snprintf(path, sizeof(path), "%s/%s/user-data", dir, de->d_name) >= (int) sizeof(path))
                        continue;
                r = read_file_limited(path, SEED_FILE_MAX, &data, &size);
                if (r == -ENOENT || r == -ENOTDIR) {
                        r = 0;
                        continue;
                }
                if (r < 0) {
                        log_error_errno(r, "%s: cannot read: %m", path);
                        break;
                }
                r = userdata_parse(data, size, path, &c);
                if (r < 0) {
                        log_error("%s: cannot keep this lab's cluster key: the user-data above does not parse; "
                                  "fix or remove it, or use --new-key",
                                  path);
                        break;
                }
                if (!found) {
                        memcpy(ret->cluster_key, c.cluster_key, sizeof(ret->cluster_key));
                        if (want_token)
                                strscpy(ret->token, sizeof(ret->token), c.token);
                        strscpy(cluster, sizeof(cluster), c.cluster_name);
                        strscpy(found_in, sizeof(found_in), path);
                        found = true;
                } else if (memcmp(ret->cluster_key, c.cluster_key, sizeof(ret->cluster_key)) != 0 ||
                           !streq(cluster, c.cluster_name)) {
                        log_error("%s and %s belong to different clusters (name or key); remove the stale one, or "
                                  "use --new-key",
                                  found_in, path);
                        r = -EINVAL;
                        break;
                }
        }
        closedir(d);
        if (r < 0) {
                secure_erase(ret, sizeof(*ret));
                return r;
        }
        if (found && !streq(cluster, inv->cluster.cluster_name)) {
                log_notice("%s: the seeds there are of cluster %s, the inventory's is %s: a new cluster key", dir,
                           cluster, inv->cluster.cluster_name);
                secure_erase(ret, sizeof(*ret));
                return 0;
        }
        if (found)
                log_info("keeping the cluster key%s of the seeds in %s", ret->token[0] ? " and token" : "", dir);
        return found;
}

/* The instance-id in an existing meta-data of ours ("instance-id: X" on its first line), or "". */
static void existing_instance_id(const char *path, char *ret, size_t size) {
        _cleanup_free_ char *data = NULL;
        const char *p, *end;
        size_t n, len;

        ret[0] = 0;
        if (read_file_limited(path, 4096, &data, &n) < 0)
                return;
        if (strncmp(data, "instance-id: ", 13) != 0)
                return;
        p = data + 13;
        end = strchr(p, '\n');
        len = end ? (size_t) (end - p) : strlen(p);
        if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
                p++;
                len -= 2;
        }
        if (len == 0 || len >= size)
                return;
        for (size_t i = 0; i < len; i++)
                if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') ||
                      strchr("._:-", p[i])))
                        return;
        memcpy(ret, p, len);
        ret[len] = 0;
}

static bool file_equals(const char *path, const char *data, size_t size) {
        _cleanup_erase_free_ char *old = NULL;
        size_t old_size;

        if (read_file_limited(path, size, &old, &old_size) < 0)
                return false;
        return old_size == size && memcmp(old, data, size) == 0;
}

/* The agent's own parser on a node's seed as it will be written (file names as on disk). */
static int check_seed(const char *dir, const char *meta_data, size_t meta_data_size, const char *user_data,
                      size_t user_data_size, const char *network_config, size_t network_config_size) {
        _cleanup_(seed_done) struct seed seed = {};
        _cleanup_(config_done) struct fb_config c = {};
        char name[PATH_MAX + 32];
        int r;

        config_init(&c);
        snprintf(seed.origin, sizeof(seed.origin), "%s", dir);
        snprintf(name, sizeof(name), "%s/meta-data", dir);
        r = seed_set_file(&seed, SEED_META_DATA, name, meta_data, meta_data_size);
        if (r >= 0) {
                snprintf(name, sizeof(name), "%s/user-data", dir);
                r = seed_set_file(&seed, SEED_USER_DATA, name, user_data, user_data_size);
        }
        if (r >= 0) {
                snprintf(name, sizeof(name), "%s/network-config", dir);
                r = seed_set_file(&seed, SEED_NETWORK_CONFIG, name, network_config, network_config_size);
        }
        if (r < 0)
                return log_error_errno(r, "%s: seed too large", dir);
        return config_load(&seed, &c);
}

/* After writing: the seed as the agent will find it, from the directory or from the ISO. */
static int verify_written(const char *source, bool image, const struct seedgen_node *node) {
        _cleanup_(seed_done) struct seed seed = {};
        _cleanup_(config_done) struct fb_config c = {};
        int r;

        config_init(&c);
        r = image ? seed_read_image(source, &seed) : seed_read_dir(source, &seed);
        if (r >= 0)
                r = config_load(&seed, &c);
        if (r < 0)
                return log_error_errno(r, "%s: the seed just written does not read back as the agent reads it "
                                          "(above): this is a bug in kube-firstboot seed",
                                       source);
        if (!streq(c.hostname, node->name) || c.role != node->role)
                return log_error_errno(-EIO, "%s: reads back as %s (%s), not %s (%s): this is a bug in "
                                            "kube-firstboot seed",
                                       source, c.hostname, role_to_string(c.role), node->name,
                                       role_to_string(node->role));
        return 0;
}

/* cloud-localds writes into a private temp directory beside the output; the ISO then goes into place
 * through write_file_atomic, 0600, since it holds the cluster key. */
static int make_iso(const char *out, const char *node_dir) {
        char tmpdir[PATH_MAX], tmp_iso[PATH_MAX], iso[PATH_MAX], md[PATH_MAX], ud[PATH_MAX], nc[PATH_MAX];
        struct spawn_options opts = { .timeout_ms = CLOUD_LOCALDS_TIMEOUT_MS, .log_fd = -1, .capture_max = 4096 };
        struct spawn_result result = { .exit_status = -1 };
        _cleanup_erase_free_ char *data = NULL;
        size_t size = 0;
        int r;

        if (snprintf(tmpdir, sizeof(tmpdir), "%s/.seedgen-XXXXXX", out) >= (int) sizeof(tmpdir) - 16 ||
            snprintf(iso, sizeof(iso), "%s/seed.iso", node_dir) >= (int) sizeof(iso) ||
            snprintf(md, sizeof(md), "%s/meta-data", node_dir) >= (int) sizeof(md) ||
            snprintf(ud, sizeof(ud), "%s/user-data", node_dir) >= (int) sizeof(ud) ||
            snprintf(nc, sizeof(nc), "%s/network-config", node_dir) >= (int) sizeof(nc))
                return log_error_errno(-ENAMETOOLONG, "%s: path too long", node_dir);
        if (!mkdtemp(tmpdir))
                return log_error_errno(-errno, "%s: cannot create a temporary directory: %m", out);
        if (snprintf(tmp_iso, sizeof(tmp_iso), "%s/seed.iso", tmpdir) >= (int) sizeof(tmp_iso)) {
                (void) rmdir(tmpdir);
                return log_error_errno(-ENAMETOOLONG, "%s: path too long", tmpdir);
        }

        {
                const char *argv[] = { "cloud-localds", "-N", nc, tmp_iso, ud, md, NULL };
                r = spawn_run(argv, &opts, &result);
        }
        if (r == -ENOENT) {
                log_error("cloud-localds not found (install cloud-image-utils on Debian and Ubuntu, cloud-utils "
                          "on CentOS/EPEL); no ISO for %s",
                          node_dir);
                goto finish;
        }
        if (r < 0) {
                log_error_errno(r, "cloud-localds: cannot run: %m");
                goto finish;
        }
        if (result.timed_out || result.exit_status != 0) {
                /* its messages name files and tools, never their contents */
                log_error("cloud-localds for %s %s%s%s", node_dir,
                          result.timed_out ? "timed out" : "failed", result.output ? ": " : "",
                          result.output ? result.output : "");
                r = -EIO;
                goto finish;
        }
        r = read_file_limited(tmp_iso, ISO_MAX, &data, &size);
        if (r < 0) {
                log_error_errno(r, "%s: cannot read what cloud-localds wrote: %m", tmp_iso);
                goto finish;
        }
        r = write_file_atomic(iso, data, size, 0600, WRITE_ATOMIC_SECRET);
        if (r < 0)
                log_error_errno(r, "%s: cannot write: %m", iso);
finish:
        spawn_result_done(&result);
        (void) unlink(tmp_iso);
        (void) rmdir(tmpdir);
        return r;
}

static int write_or_log(const char *path, const void *data, size_t size, mode_t mode, unsigned flags) {
        int r = write_file_atomic(path, data, size, mode, flags);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write: %m", path);
        return r;
}

/* With --group, a file or directory written for root alone is given to that group (0640, or 0750 for a
 * directory): the group first, then the mode, so that nobody else can read it at any time. */
static int give_to_group(const char *path, mode_t mode, const struct seedgen_args *a) {
        _cleanup_close_ int fd = -1;

        if (!a->has_group)
                return 0;
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fchown(fd, (uid_t) -1, a->group) < 0 || fchmod(fd, mode) < 0)
                return log_error_errno(-errno, "%s: cannot give it to group %u: %m", path, (unsigned) a->group);
        return 0;
}

/* A secret file written 0600 root:root, then given to --group's group. */
static int write_secret(const char *path, const void *data, size_t size, const struct seedgen_args *a) {
        if (write_or_log(path, data, size, 0600, WRITE_ATOMIC_SECRET) < 0)
                return -EIO;
        return give_to_group(path, 0640, a);
}

/* Directories in the output that are not in the inventory: left alone, but said. */
static void warn_stale(const char *out, const struct seedgen_inventory *inv) {
        struct dirent *de;
        DIR *d = opendir(out);

        if (!d)
                return;
        while ((de = readdir(d))) {
                char path[PATH_MAX];
                bool listed = false;

                if (de->d_name[0] == '.' || streq(de->d_name, SEEDGEN_PXE_DIR))
                        continue;
                for (size_t i = 0; i < inv->n_nodes && !listed; i++)
                        listed = streq(inv->nodes[i].name, de->d_name);
                if (listed || snprintf(path, sizeof(path), "%s/%s/meta-data", out, de->d_name) >= (int) sizeof(path))
                        continue;
                if (file_exists(path))
                        log_warning("%s/%s: a seed for a node not in the inventory; left as it is (remove it by hand "
                                    "if that machine is gone)",
                                    out, de->d_name);
        }
        closedir(d);
}

static int absolute_dir(const char *dir, char ret[static PATH_MAX]) {
        if (!realpath(dir, ret))
                return log_error_errno(-errno, "%s: %m", dir);
        return 0;
}

static int generate(const struct seedgen_args *args, struct seedgen_inventory *inv) {
        struct seedgen_secrets secrets = {};
        CLEANUP_ERASE(secrets);
        struct seedgen_tls tls = {};
        _cleanup_free_ char *pxe_seed_ca = NULL;
        bool https = strncmp(inv->cluster.endpoint, "https://", 8) == 0;
        struct node_files *files = NULL;
        _cleanup_erase_free_ char *user_data = NULL, *server_yaml = NULL;
        size_t user_data_size = 0, server_yaml_size = 0, n_unchanged = 0, n_pxe = 0;
        char generation[32], out[PATH_MAX], path[PATH_MAX + 64], listen[22];
        enum seedgen_listen_from listen_from;
        char bearer[JOIN_BEARER_LEN + 1];
        CLEANUP_ERASE(bearer);
        uint8_t rnd[2];
        int in_use, ret = FB_EXIT_BAD_INPUT, r;

        in_use = out_dir_in_use(args->out);
        if (in_use < 0)
                return FB_EXIT_BAD_INPUT;
        if (in_use && !args->force) {
                log_error("%s: not empty; kube-firstboot seed --force regenerates the seeds there, keeping their "
                          "cluster key (--new-key for a new one). Nothing was written",
                          args->out);
                return FB_EXIT_BAD_INPUT;
        }

        if (args->iso) {
                char exe[PATH_MAX];
                if (spawn_find("cloud-localds", exe, sizeof(exe)) < 0) {
                        log_error("--iso: cloud-localds not found (install cloud-image-utils on Debian and Ubuntu, "
                                  "cloud-utils on CentOS/EPEL). Nothing was written");
                        return FB_EXIT_RUNTIME;
                }
        }

        /* the secrets */
        r = 0;
        if (in_use && !args->new_key) {
                r = existing_secrets(args->out, inv, args->token, &secrets);
                if (r < 0) {
                        log_error("nothing was written");
                        return FB_EXIT_BAD_INPUT;
                }
        }
        if (r == 0) {
                r = random_bytes(secrets.cluster_key, sizeof(secrets.cluster_key));
                if (r < 0) {
                        log_error_errno(r, "/dev/urandom: %m");
                        return FB_EXIT_RUNTIME;
                }
        }
        if (args->token && !secrets.token[0] && bootstrap_token_generate(secrets.token) < 0) {
                log_error("cannot generate a bootstrap token");
                ret = FB_EXIT_RUNTIME;
                goto finish;
        }
        if (https) {
                if (seedgen_tls_prepare(args->out, inv, in_use && !args->new_ca, &tls) < 0) {
                        log_error("cannot make the TLS certificates for %s; nothing was written", inv->cluster.endpoint);
                        ret = FB_EXIT_RUNTIME;
                        goto finish;
                }
                secrets.endpoint_ca = tls.ca_pem;
                pxe_seed_ca = seedgen_pem_base64(tls.ca_pem);
                if (!pxe_seed_ca) {
                        log_error("out of memory");
                        ret = FB_EXIT_RUNTIME;
                        goto finish;
                }
                inv->pxe_seed_ca = pxe_seed_ca;
        }
        if (random_bytes(rnd, sizeof(rnd)) < 0 || seedgen_generation((time_t) now_realtime_sec(), rnd, generation) < 0) {
                log_error("cannot make a generation id");
                ret = FB_EXIT_RUNTIME;
                goto finish;
        }

        /* every file, in memory, and every seed through the agent's parser */
        files = calloc(inv->n_nodes, sizeof(*files));
        if (!files || seedgen_render_user_data(inv, &secrets, &user_data, &user_data_size) < 0) {
                log_error("out of memory");
                ret = FB_EXIT_RUNTIME;
                goto finish;
        }
        for (size_t i = 0; i < inv->n_nodes; i++) {
                const struct seedgen_node *node = &inv->nodes[i];
                struct node_files *f = &files[i];
                char old_id[160];

                if (snprintf(f->dir, sizeof(f->dir), "%s/%s", args->out, node->name) >= (int) sizeof(f->dir) ||
                    snprintf(path, sizeof(path), "%s/meta-data", f->dir) >= (int) sizeof(path)) {
                        log_error("%s: path too long", args->out);
                        goto finish;
                }
                r = seedgen_render_network_config(inv, node, &f->network_config, &f->network_config_size);
                if (r >= 0 && node->mac[0])
                        r = seedgen_render_pxelinux(inv, node, &f->pxelinux, &f->pxelinux_size);
                if (r >= 0 && node->mac[0])
                        r = seedgen_render_grub(inv, node, &f->grub, &f->grub_size);
                if (r < 0) {
                        log_error("out of memory");
                        ret = FB_EXIT_RUNTIME;
                        goto finish;
                }

                /* An unchanged seed keeps its instance-id: a node that reads it again is the same instance
                 * and must not provision again. Anything changed makes a new instance. */
                existing_instance_id(path, old_id, sizeof(old_id));
                if (in_use && old_id[0]) {
                        r = seedgen_render_meta_data(inv, node, old_id, &f->meta_data, &f->meta_data_size);
                        if (r < 0) {
                                log_error("out of memory");
                                ret = FB_EXIT_RUNTIME;
                                goto finish;
                        }
                        snprintf(path, sizeof(path), "%s/meta-data", f->dir);
                        f->unchanged = file_equals(path, f->meta_data, f->meta_data_size);
                        snprintf(path, sizeof(path), "%s/user-data", f->dir);
                        f->unchanged = f->unchanged && file_equals(path, user_data, user_data_size);
                        snprintf(path, sizeof(path), "%s/network-config", f->dir);
                        f->unchanged = f->unchanged && file_equals(path, f->network_config, f->network_config_size);
                }
                if (f->unchanged) {
                        strscpy(f->instance_id, sizeof(f->instance_id), old_id);
                        n_unchanged++;
                } else {
                        free(f->meta_data);
                        f->meta_data = NULL;
                        if (seedgen_instance_id(inv->cluster.cluster_name, node->name, generation, f->instance_id,
                                                sizeof(f->instance_id)) < 0) {
                                log_error("%s: no instance-id fits", node->name);
                                goto finish;
                        }
                        r = seedgen_render_meta_data(inv, node, f->instance_id, &f->meta_data, &f->meta_data_size);
                        if (r < 0) {
                                log_error("out of memory");
                                ret = FB_EXIT_RUNTIME;
                                goto finish;
                        }
                }
                if (check_seed(f->dir, f->meta_data, f->meta_data_size, user_data, user_data_size,
                               f->network_config, f->network_config_size) < 0) {
                        log_error("%s: the seed generated for %s is refused by the agent's own parser (above); "
                                  "nothing was written",
                                  f->dir, node->name);
                        goto finish;
                }
        }

        /* write */
        ret = FB_EXIT_RUNTIME;
        r = mkdir_p(args->out, 0755);
        if (r < 0) {
                log_error_errno(r, "%s: cannot create: %m", args->out);
                goto finish;
        }
        if (absolute_dir(args->out, out) < 0)
                goto finish;
        if (join_derive_bearer(secrets.cluster_key, bearer) < 0 ||
            seedgen_render_server_yaml(inv, bearer, out, &server_yaml, &server_yaml_size) < 0) {
                log_error("cannot derive the bearer");
                goto finish;
        }
        if (https) {
                if (seedgen_tls_write(args->out, &tls) < 0)
                        goto finish;
                /* the server, running as --group, reads its key; the CA's key stays root's alone */
                if (snprintf(path, sizeof(path), "%s/%s", args->out, SEEDGEN_TLS_DIR) >= (int) sizeof(path) ||
                    give_to_group(path, 0750, args) < 0 ||
                    snprintf(path, sizeof(path), "%s/%s/server.key", args->out, SEEDGEN_TLS_DIR) >= (int) sizeof(path) ||
                    give_to_group(path, 0640, args) < 0)
                        goto finish;
        }
        for (size_t i = 0; i < inv->n_nodes; i++) {
                struct node_files *f = &files[i];

                if (mkdir(f->dir, 0755) < 0 && errno != EEXIST) {
                        log_error_errno(-errno, "%s: cannot create: %m", f->dir);
                        goto finish;
                }
                snprintf(path, sizeof(path), "%s/meta-data", f->dir);
                if (write_or_log(path, f->meta_data, f->meta_data_size, 0644, 0) < 0)
                        goto finish;
                snprintf(path, sizeof(path), "%s/network-config", f->dir);
                if (write_or_log(path, f->network_config, f->network_config_size, 0644, 0) < 0)
                        goto finish;
                snprintf(path, sizeof(path), "%s/user-data", f->dir);
                if (write_secret(path, user_data, user_data_size, args) < 0)
                        goto finish;
                snprintf(path, sizeof(path), "%s/seed.iso", f->dir);
                /* an unchanged seed keeps its ISO: cloud-localds never makes the same bytes twice */
                if (args->iso && !(f->unchanged && file_exists(path)) && make_iso(args->out, f->dir) < 0)
                        goto finish;
                if (f->pxelinux) {
                        char name[21];
                        seedgen_pxe_name(inv->nodes[i].mac, name);
                        snprintf(path, sizeof(path), "%s/%s/pxelinux.cfg/%s", args->out, SEEDGEN_PXE_DIR, name);
                        if (write_or_log(path, f->pxelinux, f->pxelinux_size, 0644, WRITE_ATOMIC_MKDIR) < 0)
                                goto finish;
                        snprintf(path, sizeof(path), "%s/%s/grub/grub.cfg-%s", args->out, SEEDGEN_PXE_DIR, name);
                        if (write_or_log(path, f->grub, f->grub_size, 0644, WRITE_ATOMIC_MKDIR) < 0)
                                goto finish;
                        n_pxe++;
                }
        }
        snprintf(path, sizeof(path), "%s/%s", args->out, SEEDGEN_SERVER_YAML);
        if (write_secret(path, server_yaml, server_yaml_size, args) < 0)
                goto finish;

        /* read back, as the agent will */
        for (size_t i = 0; i < inv->n_nodes; i++) {
                if (verify_written(files[i].dir, false, &inv->nodes[i]) < 0)
                        goto finish;
                snprintf(path, sizeof(path), "%s/seed.iso", files[i].dir);
                if (args->iso && verify_written(path, true, &inv->nodes[i]) < 0)
                        goto finish;
        }
        warn_stale(args->out, inv);
        listen_from = seedgen_server_listen(inv, listen);

        printf("Cluster %s: %zu node(s) in %s", inv->cluster.cluster_name, inv->n_nodes, out);
        if (n_unchanged < inv->n_nodes)
                printf(", generation %s", generation);
        printf("\n");
        for (size_t i = 0; i < inv->n_nodes; i++) {
                char a[16];
                format_ipv4(inv->nodes[i].address, a);
                printf("  %-16s %-15s %-13s %s%s\n", inv->nodes[i].name, a, role_to_string(inv->nodes[i].role),
                       files[i].instance_id, files[i].unchanged ? " (unchanged)" : "");
        }
        printf("Server config: %s/%s (listen %s, seed_dir, the nodes and cluster %s's bearer; keep it 0600)\n", out,
               SEEDGEN_SERVER_YAML, listen, inv->cluster.cluster_name);
        if (https)
                printf("TLS: %s/%s/server.{pem,key} for the server, signed by the lab CA %s/%s/ca.pem (%s; its key "
                       "ca.key: 0600, keep it off the lab)\n",
                       out, SEEDGEN_TLS_DIR, out, SEEDGEN_TLS_DIR, tls.ca_kept ? "kept" : "new");
        if (listen_from == SEEDGEN_LISTEN_HOST_NAME)
                log_warning("%s/%s: the server listens on %s only: the endpoint %s names a host; set server_listen "
                            "in the inventory to the server's address on the lab network",
                            out, SEEDGEN_SERVER_YAML, listen, inv->cluster.endpoint);
        if (n_pxe > 0)
                printf("PXE menus: %s/%s/pxelinux.cfg/ and %s/%s/grub/ (%zu node(s) by MAC)\n", out, SEEDGEN_PXE_DIR,
                       out, SEEDGEN_PXE_DIR, n_pxe);
        if (args->iso)
                printf("Seed ISOs: %s/<node>/seed.iso (label cidata; they hold the cluster key)\n", out);
        if (n_unchanged > 0)
                log_info("%zu seed(s) unchanged: same instance-id, nothing rewritten", n_unchanged);
        ret = FB_EXIT_OK;

finish:
        if (ret == FB_EXIT_RUNTIME)
                log_error("%s: writing the seeds failed; the output may be incomplete: fix the cause and run again "
                          "with --force",
                          args->out);
        if (files)
                node_files_free(files, inv->n_nodes);
        seedgen_tls_done(&tls);
        inv->pxe_seed_ca = NULL;
        return ret;
}

int seedgen_main(int argc, char *argv[]) {
        struct seedgen_args args = {};
        struct seedgen_inventory *inv;
        int r;

        r = parse_args(argc, argv, &args);
        if (r >= 0)
                return r;
        if (args.example) {
                fputs(seedgen_reference_inventory, stdout);
                return fflush(stdout) == 0 ? FB_EXIT_OK : FB_EXIT_RUNTIME;
        }

        inv = malloc(sizeof(*inv));
        if (!inv) {
                log_error("out of memory");
                return FB_EXIT_RUNTIME;
        }
        seedgen_inventory_init(inv);
        r = load_inventory(args.inventory, inv);
        if (r < 0) {
                log_error("%s: inventory rejected; nothing was written",
                          args.inventory ? args.inventory : BUILTIN_NAME);
                r = FB_EXIT_BAD_INPUT;
        } else
                r = generate(&args, inv);
        seedgen_inventory_done(inv);
        free(inv);
        return r;
}

/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "secret.h"
#include "server-config.h"
#include "server-util.h"

void server_config_init(struct server_config *c) {
        *c = (struct server_config) {
                .listen_addr = 0,
                .listen_port = SERVER_DEFAULT_PORT,
                .access_log = true,
                .limits = {
                        .max_body = 64 * 1024,
                        .max_connections = 1024,
                        .max_per_ip = 64,
                        .connection_timeout = 15,
                        .header_timeout = 10,
                        .request_timeout = 30,
                        .max_wait = 60,
                        .max_nodes = 1024,
                        .connection_memory = 16 * 1024,
                },
        };
        c->seed_dir = strdup("/var/lib/kube-firstboot-server/seeds");
        c->state_dir = strdup("/var/lib/kube-firstboot-server/state");
}

void server_config_done(struct server_config *c) {
        free(c->seed_dir);
        free(c->ks_dir);
        free(c->repo_dir);
        free(c->state_dir);
        free(c->clusters);
        *c = (struct server_config) {};
}

int config_set_string(char **field, const char *value) {
        char *copy = NULL;

        if (value) {
                copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
        }
        free(*field);
        *field = copy;
        return 0;
}

int parse_listen(const char *s, uint32_t *ret_addr, uint16_t *ret_port) {
        const char *colon = strrchr(s, ':');
        unsigned long long port;
        char host[16];
        uint32_t addr = 0;
        size_t n;

        if (!colon)
                return -EINVAL;
        n = (size_t) (colon - s);
        if (n >= sizeof(host))
                return -EINVAL;
        memcpy(host, s, n);
        host[n] = 0;
        if (n > 0 && !streq(host, "*") && parse_ipv4(host, &addr) < 0)
                return -EINVAL;
        if (parse_uint(colon + 1, 0, 65535, &port) < 0)
                return -EINVAL;
        *ret_addr = addr;
        *ret_port = (uint16_t) port;
        return 0;
}

/* ---- YAML walking --------------------------------------------------------------------------- */

struct parse_ctx {
        yaml_document_t *doc;
        const char *name;
};

static int node_error(const struct parse_ctx *p, const yaml_node_t *node, const char *field, const char *what) {
        log_error("%s:%zu:%zu: %s: %s", p->name, node->start_mark.line + 1, node->start_mark.column + 1,
                  field, what);
        return -EINVAL;
}

/* The scalar's text, or NULL (after logging) when node is not a plain string without NUL bytes. */
static const char *scalar(const struct parse_ctx *p, const yaml_node_t *node, const char *field) {
        const char *v;

        if (node->type != YAML_SCALAR_NODE) {
                node_error(p, node, field, "expected a single value");
                return NULL;
        }
        v = (const char *) node->data.scalar.value;
        if (strlen(v) != node->data.scalar.length) {
                node_error(p, node, field, "contains a NUL byte");
                return NULL;
        }
        return v;
}

static int get_string(const struct parse_ctx *p, const yaml_node_t *node, const char *field, char **ret) {
        const char *v = scalar(p, node, field);

        if (!v)
                return -EINVAL;
        if (*v == 0 || !string_is_safe(v, 4096))
                return node_error(p, node, field, "must be a non-empty string without control characters");
        if (config_set_string(ret, v) < 0)
                return log_error_errno(ENOMEM, "out of memory");
        return 0;
}

static int get_dir(const struct parse_ctx *p, const yaml_node_t *node, const char *field, char **ret) {
        int r = get_string(p, node, field, ret);

        if (r < 0)
                return r;
        if ((*ret)[0] != '/')
                return node_error(p, node, field, "must be an absolute path");
        return 0;
}

static int get_bool(const struct parse_ctx *p, const yaml_node_t *node, const char *field, bool *ret) {
        const char *v = scalar(p, node, field);

        if (!v)
                return -EINVAL;
        if (streq(v, "true"))
                *ret = true;
        else if (streq(v, "false"))
                *ret = false;
        else
                return node_error(p, node, field, "must be true or false");
        return 0;
}

static int get_uint(const struct parse_ctx *p, const yaml_node_t *node, const char *field, bool duration,
                    unsigned long long min, unsigned long long max, unsigned long long *ret) {
        const char *v = scalar(p, node, field);
        char what[128];
        int r;

        if (!v)
                return -EINVAL;
        r = duration ? parse_duration_s(v, ret) : parse_uint(v, 0, ~0ULL, ret);
        if (r == 0 && (*ret < min || *ret > max))
                r = -ERANGE;
        if (r < 0) {
                snprintf(what, sizeof(what), "must be %s from %llu to %llu", duration ? "a duration in seconds" : "a number",
                         min, max);
                return node_error(p, node, field, what);
        }
        return 0;
}

static yaml_node_t *node_at(const struct parse_ctx *p, int id) {
        return yaml_document_get_node(p->doc, id);
}

/* Calls fn for each key of a mapping; refuses anything that is not a mapping and duplicate keys. */
typedef int (*pair_fn)(const struct parse_ctx *p, const char *key, yaml_node_t *key_node, yaml_node_t *value,
                       void *userdata);

static int for_each_pair(const struct parse_ctx *p, yaml_node_t *node, const char *field, pair_fn fn, void *userdata) {
        yaml_node_pair_t *pair, *other;
        int r;

        if (node->type != YAML_MAPPING_NODE)
                return node_error(p, node, field, "expected a mapping");
        for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
                yaml_node_t *key = node_at(p, pair->key), *value = node_at(p, pair->value);
                const char *k;

                if (!key || !value)
                        return node_error(p, node, field, "broken mapping");
                k = scalar(p, key, field);
                if (!k)
                        return -EINVAL;
                for (other = node->data.mapping.pairs.start; other < pair; other++) {
                        yaml_node_t *okey = node_at(p, other->key);
                        if (okey && okey->type == YAML_SCALAR_NODE && streq((const char *) okey->data.scalar.value, k))
                                return node_error(p, key, k, "duplicate key");
                }
                r = fn(p, k, key, value, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int limits_pair(const struct parse_ctx *p, const char *key, yaml_node_t *key_node, yaml_node_t *value,
                       void *userdata) {
        struct server_limits *l = userdata;
        unsigned long long v = 0; /* read below before r is checked */
        int r;

        if (streq(key, "max_body")) {
                r = get_uint(p, value, "limits.max_body", false, 1024, 1024 * 1024, &v);
                l->max_body = (size_t) v;
        } else if (streq(key, "max_connections")) {
                r = get_uint(p, value, "limits.max_connections", false, 1, 65536, &v);
                l->max_connections = (unsigned) v;
        } else if (streq(key, "max_connections_per_ip")) {
                r = get_uint(p, value, "limits.max_connections_per_ip", false, 0, 65536, &v);
                l->max_per_ip = (unsigned) v;
        } else if (streq(key, "connection_timeout")) {
                r = get_uint(p, value, "limits.connection_timeout", true, 1, 3600, &v);
                l->connection_timeout = (unsigned) v;
        } else if (streq(key, "header_timeout")) {
                r = get_uint(p, value, "limits.header_timeout", true, 1, 3600, &v);
                l->header_timeout = (unsigned) v;
        } else if (streq(key, "request_timeout")) {
                r = get_uint(p, value, "limits.request_timeout", true, 1, 3600, &v);
                l->request_timeout = (unsigned) v;
        } else if (streq(key, "max_wait")) {
                r = get_uint(p, value, "limits.max_wait", true, 0, 60, &v);
                l->max_wait = (unsigned) v;
        } else if (streq(key, "max_nodes")) {
                r = get_uint(p, value, "limits.max_nodes", false, 1, 100000, &v);
                l->max_nodes = (unsigned) v;
        } else if (streq(key, "connection_memory")) {
                r = get_uint(p, value, "limits.connection_memory", false, 4096, 1024 * 1024, &v);
                l->connection_memory = (size_t) v;
        } else
                return node_error(p, key_node, key, "unknown key in limits");
        return r;
}

static int cluster_pair(const struct parse_ctx *p, const char *key, yaml_node_t *key_node, yaml_node_t *value,
                        void *userdata) {
        struct server_cluster_config *cl = userdata;
        const char *v;

        if (streq(key, "name")) {
                v = scalar(p, value, "clusters.name");
                if (!v)
                        return -EINVAL;
                if (!name_is_valid(v))
                        return node_error(p, value, "clusters.name",
                                          "must match [a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?");
                strscpy(cl->name, sizeof(cl->name), v);
        } else if (streq(key, "bearer")) {
                v = scalar(p, value, "clusters.bearer");
                if (!v)
                        return -EINVAL;
                /* never echo the value: it is a credential */
                if (!bearer_is_valid(v))
                        return node_error(p, value, "clusters.bearer", "must be 64 lower-case hex digits");
                strscpy(cl->bearer, sizeof(cl->bearer), v);
        } else
                return node_error(p, key_node, key, "unknown key in a cluster");
        return 0;
}

static int parse_clusters(const struct parse_ctx *p, yaml_node_t *node, struct server_config *c) {
        yaml_node_item_t *item;
        size_t n;

        if (node->type != YAML_SEQUENCE_NODE)
                return node_error(p, node, "clusters", "expected a list");
        n = (size_t) (node->data.sequence.items.top - node->data.sequence.items.start);
        if (n > SERVER_MAX_CLUSTERS)
                return node_error(p, node, "clusters", "too many clusters (at most 64)");
        free(c->clusters);
        c->clusters = calloc(n ? n : 1, sizeof(*c->clusters));
        c->n_clusters = 0;
        if (!c->clusters)
                return log_error_errno(ENOMEM, "out of memory");

        for (item = node->data.sequence.items.start; item < node->data.sequence.items.top; item++) {
                yaml_node_t *entry = node_at(p, *item);
                struct server_cluster_config *cl = &c->clusters[c->n_clusters];
                int r;

                if (!entry)
                        return node_error(p, node, "clusters", "broken list");
                r = for_each_pair(p, entry, "clusters", cluster_pair, cl);
                if (r < 0)
                        return r;
                if (!cl->name[0])
                        return node_error(p, entry, "clusters", "a cluster needs a name");
                if (!cl->bearer[0])
                        return node_error(p, entry, cl->name, "a cluster needs a bearer");
                for (size_t i = 0; i < c->n_clusters; i++)
                        if (streq(c->clusters[i].name, cl->name))
                                return node_error(p, entry, cl->name, "cluster listed twice");
                c->n_clusters++;
        }
        return 0;
}

static int top_pair(const struct parse_ctx *p, const char *key, yaml_node_t *key_node, yaml_node_t *value,
                    void *userdata) {
        struct server_config *c = userdata;
        const char *v;

        if (streq(key, "listen")) {
                v = scalar(p, value, key);
                if (!v)
                        return -EINVAL;
                if (parse_listen(v, &c->listen_addr, &c->listen_port) < 0)
                        return node_error(p, value, key, "must be IPV4-ADDRESS:PORT, e.g. 0.0.0.0:8780");
                return 0;
        }
        if (streq(key, "seed_dir"))
                return get_dir(p, value, key, &c->seed_dir);
        if (streq(key, "ks_dir"))
                return get_dir(p, value, key, &c->ks_dir);
        if (streq(key, "repo_dir"))
                return get_dir(p, value, key, &c->repo_dir);
        if (streq(key, "state_dir"))
                return get_dir(p, value, key, &c->state_dir);
        if (streq(key, "access_log"))
                return get_bool(p, value, key, &c->access_log);
        if (streq(key, "clusters"))
                return parse_clusters(p, value, c);
        if (streq(key, "limits"))
                return for_each_pair(p, value, key, limits_pair, &c->limits);
        return node_error(p, key_node, key, "unknown key");
}

int server_config_parse(struct server_config *c, const char *data, size_t size, const char *name) {
        yaml_parser_t parser;
        yaml_document_t doc;
        yaml_node_t *root;
        struct parse_ctx p = { .doc = &doc, .name = name };
        int r;

        if (!yaml_parser_initialize(&parser))
                return log_error_errno(ENOMEM, "out of memory");
        yaml_parser_set_input_string(&parser, (const unsigned char *) data, size);
        if (!yaml_parser_load(&parser, &doc)) {
                log_error("%s:%zu:%zu: not valid YAML: %s", name, parser.problem_mark.line + 1,
                          parser.problem_mark.column + 1, parser.problem ? parser.problem : "parse error");
                yaml_parser_delete(&parser);
                return -EINVAL;
        }

        root = yaml_document_get_root_node(&doc);
        if (!root)
                r = 0; /* an empty file: the defaults */
        else
                r = for_each_pair(&p, root, "(top level)", top_pair, c);

        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        return r;
}

int server_config_load(struct server_config *c, const char *path) {
        _cleanup_erase_free_ char *data = NULL; /* holds the bearers */
        struct stat st;
        size_t size;
        int r;

        r = read_file_limited(path, SERVER_CONFIG_MAX, &data, &size);
        if (r == -EFBIG)
                return log_error_errno(r, "%s: larger than %d bytes", path, SERVER_CONFIG_MAX);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %m", path);
        r = server_config_parse(c, data, size, path);
        if (r < 0)
                return r;
        if (c->n_clusters > 0 && stat(path, &st) == 0 && (st.st_mode & 0007))
                log_warning("%s: holds cluster bearers but is readable by every user; make it 0600 or 0640",
                            path);
        return 0;
}

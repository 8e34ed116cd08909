/* SPDX-License-Identifier: MIT */
/* kube-firstboot-server's configuration: defaults, the YAML file (read with the YAML loader and schema
 * engine the agent's seed parser uses) and the helpers for command-line flags. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "secret.h"
#include "server-config.h"
#include "server-util.h"
#include "yaml-schema.h"
#include "yaml-tree.h"

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
        free(c->nodes);
        free(c->tls_cert);
        free(c->tls_key);
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

/* ---- the schema (firstboot/lib/yaml-schema.h) ------------------------------------------------ */

/* An error that names field rather than the current field path: a cluster by its name. */
static int field_error(struct schema_ctx *x, const struct ynode *n, const char *field, const char *fmt, ...)
        _printf_(4, 5);
static int field_error(struct schema_ctx *x, const struct ynode *n, const char *field, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        schema_error_vpos(x, n->line, n->column, field, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static int get_string(struct schema_ctx *x, const struct ynode *v, char **ret) {
        const char *s;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (*s == 0 || !string_is_safe(s, 4096))
                return schema_error_at(x, v, "must be a non-empty string without control characters");
        if (config_set_string(ret, s) < 0)
                return log_error_errno(-ENOMEM, "out of memory");
        return 0;
}

static int listen_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_config *c = userdata;
        const char *s;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_listen(s, &c->listen_addr, &c->listen_port) < 0)
                return schema_error_at(x, v, "must be IPV4-ADDRESS:PORT, e.g. 0.0.0.0:8780");
        return 0;
}

static int dir_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_config *c = userdata;
        char **dir = streq(key->value, "seed_dir") ? &c->seed_dir :
                     streq(key->value, "ks_dir")   ? &c->ks_dir :
                     streq(key->value, "repo_dir") ? &c->repo_dir : &c->state_dir;

        if (get_string(x, v, dir) < 0)
                return -EINVAL;
        if ((*dir)[0] != '/')
                return schema_error_at(x, v, "must be an absolute path");
        return 0;
}

static int access_log_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_config *c = userdata;
        const char *s;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (streq(s, "true"))
                c->access_log = true;
        else if (streq(s, "false"))
                c->access_log = false;
        else
                return schema_error_at(x, v, "must be true or false");
        return 0;
}

/* limits: numbers and durations, each within its range */
static const struct limit {
        const char *key;
        bool duration;
        unsigned long long min, max;
        size_t offset;
        bool is_size;               /* a size_t member; else unsigned */
} limits[] = {
#define LIMIT(key, duration, min, max, member, is_size) \
        { key, duration, min, max, offsetof(struct server_limits, member), is_size }
        LIMIT("max_body", false, 1024, 1024 * 1024, max_body, true),
        LIMIT("max_connections", false, 1, 65536, max_connections, false),
        LIMIT("max_connections_per_ip", false, 0, 65536, max_per_ip, false),
        LIMIT("connection_timeout", true, 1, 3600, connection_timeout, false),
        LIMIT("header_timeout", true, 1, 3600, header_timeout, false),
        LIMIT("request_timeout", true, 1, 3600, request_timeout, false),
        LIMIT("max_wait", true, 0, 60, max_wait, false),
        LIMIT("max_nodes", false, 1, 100000, max_nodes, false),
        LIMIT("connection_memory", false, 4096, 1024 * 1024, connection_memory, true),
#undef LIMIT
};

static const struct limit *limit_find(const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(limits); i++)
                if (streq(key, limits[i].key))
                        return &limits[i];
        return NULL;
}

static int limit_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        const struct limit *l = limit_find(key->value);
        unsigned long long n;
        const char *s;
        void *member;
        int r;

        if (!l)
                return -EINVAL; /* not reached: limit_fields holds the keys of limits */
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        r = l->duration ? parse_duration_s(s, &n) : parse_uint(s, 0, ~0ULL, &n);
        if (r == 0 && (n < l->min || n > l->max))
                r = -ERANGE;
        if (r < 0)
                return schema_error_at(x, v, "must be %s from %llu to %llu",
                                       l->duration ? "a duration in seconds" : "a number", l->min, l->max);
        member = (char *) userdata + l->offset;
        if (l->is_size)
                *(size_t *) member = (size_t) n;
        else
                *(unsigned *) member = (unsigned) n;
        return 0;
}

#define LIMIT_FIELD(key) { key, limit_field, NULL }
static const struct schema_field limit_fields[] = {
        LIMIT_FIELD("max_body"),           LIMIT_FIELD("max_connections"), LIMIT_FIELD("max_connections_per_ip"),
        LIMIT_FIELD("connection_timeout"), LIMIT_FIELD("header_timeout"),  LIMIT_FIELD("request_timeout"),
        LIMIT_FIELD("max_wait"),           LIMIT_FIELD("max_nodes"),       LIMIT_FIELD("connection_memory"),
};
#undef LIMIT_FIELD

static int limits_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_config *c = userdata;
        int r = 0;

        /* an unknown key here is named by itself, "KEY: unknown key in limits", as scripts match it */
        if (v->type == YNODE_MAPPING)
                for (size_t i = 0; i < v->n_items; i++)
                        if (!limit_find(v->keys[i]->value))
                                r = field_error(x, v->keys[i], v->keys[i]->value, "unknown key in limits");
        if (schema_mapping(x, key, v, limit_fields, ELEMENTSOF(limit_fields), SCHEMA_UNKNOWN_IGNORE, &c->limits,
                           NULL) < 0)
                r = -EINVAL;
        return r;
}

/* clusters: a list of {name, bearer}; errors name the field as clusters.name and clusters.bearer, or
 * the cluster by its name */
static int cluster_name_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_cluster_config *cl = userdata;
        const char *s;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (!name_is_valid(s))
                return schema_error_at(x, v, "must match [a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?");
        strscpy(cl->name, sizeof(cl->name), s);
        return 0;
}

static int cluster_bearer_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_cluster_config *cl = userdata;
        const char *s;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        /* never echo the value: it is a credential */
        if (!bearer_is_valid(s))
                return schema_error_at(x, v, "must be 64 lower-case hex digits");
        strscpy(cl->bearer, sizeof(cl->bearer), s);
        return 0;
}

static const struct schema_field cluster_fields[] = {
        { "name", cluster_name_field, NULL },
        { "bearer", cluster_bearer_field, NULL },
};

static int clusters_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_config *c = userdata;
        int r = 0;

        if (v->type != YNODE_SEQUENCE)
                return schema_error_at(x, v, "expected a list");
        if (v->n_items > SERVER_MAX_CLUSTERS)
                return schema_error_at(x, v, "too many clusters (at most 64)");
        free(c->clusters);
        c->clusters = calloc(v->n_items ? v->n_items : 1, sizeof(*c->clusters));
        c->n_clusters = 0;
        if (!c->clusters)
                return log_error_errno(-ENOMEM, "out of memory");

        for (size_t i = 0; i < v->n_items; i++) {
                const struct ynode *entry = v->items[i];
                struct server_cluster_config *cl = &c->clusters[c->n_clusters];
                bool twice = false;

                if (schema_mapping(x, NULL, entry, cluster_fields, ELEMENTSOF(cluster_fields), SCHEMA_UNKNOWN_ERROR, cl,
                                   NULL) < 0) {
                        r = -EINVAL;
                        continue;
                }
                if (!cl->name[0]) {
                        r = schema_error_at(x, entry, "a cluster needs a name");
                        continue;
                }
                if (!cl->bearer[0]) {
                        r = field_error(x, entry, cl->name, "a cluster needs a bearer");
                        continue;
                }
                for (size_t j = 0; j < c->n_clusters; j++)
                        twice = twice || streq(c->clusters[j].name, cl->name);
                if (twice) {
                        r = field_error(x, entry, cl->name, "cluster listed twice");
                        continue;
                }
                c->n_clusters++;
        }
        return r;
}

/* nodes: a list of {name, address, mac, uuid}; errors name the field as nodes.name, nodes.address,
 * nodes.mac and nodes.uuid, or the node by its name */
static int node_name_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_node_config *node = userdata;
        const char *s;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (!name_is_valid(s))
                return schema_error_at(x, v, "must match [a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?");
        strscpy(node->name, sizeof(node->name), s);
        return 0;
}

static int node_address_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_node_config *node = userdata;
        const char *s;

        /* not schema_address(): a node on loopback (tests, a one-machine lab) is allowed */
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_ipv4(s, &node->address) < 0 || node->address == 0)
                return schema_error_at(x, v, "must be an IPv4 address like 192.168.220.104");
        return 0;
}

static int node_mac_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_node_config *node = userdata;
        const char *s;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_mac(s, node->mac) < 0 || streq(node->mac, "00:00:00:00:00:00"))
                return schema_error_at(x, v, "must be a MAC address like \"52:54:00:fb:00:68\"");
        return 0;
}

static int node_uuid_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_node_config *node = userdata;
        const char *s;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_uuid(s, node->uuid) < 0 || streq(node->uuid, "00000000-0000-0000-0000-000000000000"))
                return schema_error_at(x, v, "must be a system UUID like \"5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e6f\" "
                                       "(/sys/class/dmi/id/product_uuid of the node)");
        return 0;
}

static const struct schema_field node_fields[] = {
        { "name", node_name_field, NULL },
        { "address", node_address_field, NULL },
        { "mac", node_mac_field, NULL },
        { "uuid", node_uuid_field, NULL },
};

static int nodes_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_config *c = userdata;
        int r = 0;

        if (v->type != YNODE_SEQUENCE)
                return schema_error_at(x, v, "expected a list");
        if (v->n_items > SERVER_MAX_NODES)
                return schema_error_at(x, v, "too many nodes (at most %d)", SERVER_MAX_NODES);
        free(c->nodes);
        c->nodes = calloc(v->n_items ? v->n_items : 1, sizeof(*c->nodes));
        c->n_nodes = 0;
        if (!c->nodes)
                return log_error_errno(-ENOMEM, "out of memory");

        for (size_t i = 0; i < v->n_items; i++) {
                const struct ynode *entry = v->items[i];
                struct server_node_config *node = &c->nodes[c->n_nodes];

                if (schema_mapping(x, NULL, entry, node_fields, ELEMENTSOF(node_fields), SCHEMA_UNKNOWN_ERROR, node,
                                   NULL) < 0) {
                        r = -EINVAL;
                        continue;
                }
                if (!node->name[0]) {
                        r = schema_error_at(x, entry, "a node needs a name");
                        continue;
                }
                if (node->address == 0) {
                        r = field_error(x, entry, node->name, "a node needs an address");
                        continue;
                }
                if (server_config_node(c, node->name)) {
                        r = field_error(x, entry, node->name, "node listed twice");
                        continue;
                }
                /* a seed URL may name a node by either: each must name one node */
                if ((node->mac[0] && server_config_node_by_id(c, node->mac)) ||
                    (node->uuid[0] && server_config_node_by_id(c, node->uuid))) {
                        r = field_error(x, entry, node->name, "its %s is another node's too",
                                        node->mac[0] && server_config_node_by_id(c, node->mac) ? "mac" : "uuid");
                        continue;
                }
                c->n_nodes++;
        }
        return r;
}

const struct server_node_config *server_config_node(const struct server_config *c, const char *name) {
        for (size_t i = 0; i < c->n_nodes; i++)
                if (streq(c->nodes[i].name, name))
                        return &c->nodes[i];
        return NULL;
}

const struct server_node_config *server_config_node_by_id(const struct server_config *c, const char *id) {
        const struct server_node_config *node = server_config_node(c, id);
        char mac[18], dashed[18], uuid[37];

        if (node)
                return node;
        if (parse_uuid(id, uuid) == 0) {
                for (size_t i = 0; i < c->n_nodes; i++)
                        if (streq(c->nodes[i].uuid, uuid))
                                return &c->nodes[i];
                return NULL;
        }
        /* pxelinux and GRUB write a MAC with '-' in file names */
        if (strlen(id) != 17)
                return NULL;
        strscpy(dashed, sizeof(dashed), id);
        for (char *p = dashed; *p; p++)
                if (*p == '-')
                        *p = ':';
        if (parse_mac(dashed, mac) == 0)
                for (size_t i = 0; i < c->n_nodes; i++)
                        if (streq(c->nodes[i].mac, mac))
                                return &c->nodes[i];
        return NULL;
}

/* tls: {cert: PATH, key: PATH}, both absolute, both required */
static int tls_path_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct server_config *c = userdata;
        char **field = streq(key->value, "cert") ? &c->tls_cert : &c->tls_key;

        if (get_string(x, v, field) < 0)
                return -EINVAL;
        if ((*field)[0] != '/')
                return schema_error_at(x, v, "must be an absolute path");
        return 0;
}

static const struct schema_field tls_fields[] = {
        { "cert", tls_path_field, "the server's certificate (PEM), e.g. the seed generator's tls/server.pem" },
        { "key", tls_path_field, "the server's private key (PEM, mode 0600), e.g. the seed generator's tls/server.key" },
};

static int tls_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        if (v->type != YNODE_MAPPING)
                return schema_error_at(x, v, "expected a mapping {cert: PATH, key: PATH}");
        return schema_mapping(x, key, v, tls_fields, ELEMENTSOF(tls_fields), SCHEMA_UNKNOWN_ERROR, userdata, NULL);
}

static const struct schema_field top_fields[] = {
        { "listen", listen_field, NULL },
        { "seed_dir", dir_field, NULL },
        { "ks_dir", dir_field, NULL },
        { "repo_dir", dir_field, NULL },
        { "state_dir", dir_field, NULL },
        { "access_log", access_log_field, NULL },
        { "clusters", clusters_field, NULL },
        { "nodes", nodes_field, NULL },
        { "limits", limits_field, NULL },
        { "tls", tls_field, NULL },
};

int server_config_parse(struct server_config *c, const char *data, size_t size, const char *name) {
        _cleanup_(ytree_freep) struct ynode *root = NULL;
        struct schema_ctx x = { .name = name, .target = c };
        int r;

        r = ytree_load(data, size, name, &root);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return -EINVAL;
        if (!root)
                return 0; /* an empty file: the defaults */
        if (schema_mapping(&x, NULL, root, top_fields, ELEMENTSOF(top_fields), SCHEMA_UNKNOWN_ERROR, c, NULL) < 0 &&
            x.error == 0)
                x.error = -EINVAL;
        return x.error;
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

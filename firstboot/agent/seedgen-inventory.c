/* SPDX-License-Identifier: MIT */
/* The seed generator's inventory: cluster settings (the keys of user-data's kube_firstboot), the lab
 * network and the nodes, into struct seedgen_inventory. The rules on each value are the agent's
 * (docs/seed-format.md), checked here so that a mistake is reported at its place in the inventory;
 * the generated seeds then go through the agent's own parser too (seedgen.c), so a rule missed here
 * can still never produce a seed the agent refuses. Every error names FILE:LINE:COLUMN and the field;
 * parsing goes on after an error so that one run shows every mistake. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "macro.h"
#include "parse.h"
#include "seedgen.h"
#include "yaml-schema.h"


const char seedgen_reference_inventory[] =
        "# kube-firstboot seed inventory: the reference lab (docs/seed-generator.md).\n"
        "#\n"
        "#   kube-firstboot seed --example > lab.yaml     # this file; edit it\n"
        "#   kube-firstboot seed --inventory lab.yaml --out /var/lib/kube-firstboot-server/seeds --iso\n"
        "#\n"
        "# writes one NoCloud seed per node (meta-data, user-data, network-config, and seed.iso with --iso),\n"
        "# server.yaml for kube-firstboot-server, and PXE menus for the nodes that have a mac. Without\n"
        "# --inventory, `kube-firstboot seed` uses exactly this lab. The cluster key (and, with --token, a\n"
        "# bootstrap token) is generated: secrets never go in the inventory. Unknown keys are errors.\n"
        "\n"
        "# The cluster's name: lower-case letters, digits and '-' (it is part of the endpoint's paths).\n"
        "cluster: lab\n"
        "# The metadata endpoint every node reaches: kube-firstboot-server, on the lab's gateway here.\n"
        "endpoint: http://192.168.220.1:8780/\n"
        "# Lifetime of the bootstrap token the control plane publishes, and a worker's deadline to join.\n"
        "token_ttl: 24h\n"
        "join_timeout: 60m\n"
        "\n"
        "kubernetes:\n"
        "  version: v1.23.6                # 1.22.x or 1.23.x (docker; dockershim is gone in 1.24)\n"
        "  # control_plane: 192.168.220.104:6443   # default: the control-plane node's address, port 6443\n"
        "  image_repository: registry.aliyuncs.com/google_containers\n"
        "  service_cidr: 10.1.0.0/16\n"
        "  pod_cidr: 10.244.0.0/16\n"
        "  cni: flannel                    # flannel or none\n"
        "  runtime: docker\n"
        "\n"
        "host:\n"
        "  swap: off                       # off or keep\n"
        "  selinux: permissive             # permissive or keep\n"
        "  firewall: open                  # open, keep or disable\n"
        "  grow_root: true\n"
        "  # sysctls:                      # extra sysctls on every node\n"
        "  #   net.core.somaxconn: \"1024\"\n"
        "\n"
        "# Lines for root's authorized_keys on every node.\n"
        "# ssh_authorized_keys:\n"
        "#   - ssh-ed25519 AAAAC3Nza... admin@workstation\n"
        "\n"
        "# The lab's one subnet: every node gets its address statically, with this prefix length,\n"
        "# default gateway and name servers.\n"
        "network:\n"
        "  prefix: 24\n"
        "  gateway: 192.168.220.1\n"
        "  dns: [192.168.220.1]\n"
        "  search: [lab.internal]\n"
        "\n"
        "# The machines: name (host and Kubernetes node name), address, role (exactly one control-plane,\n"
        "# the others worker); optional mac (the interface is matched by it, and PXE menus are written for\n"
        "# it) and interface (the name the interface gets, default eth0).\n"
        "nodes:\n"
        "  - name: master\n"
        "    address: 192.168.220.104\n"
        "    role: control-plane\n"
        "    mac: \"52:54:00:fb:00:68\"\n"
        "  - name: node-1\n"
        "    address: 192.168.220.105\n"
        "    role: worker\n"
        "    mac: \"52:54:00:fb:00:69\"\n"
        "  - name: node-2\n"
        "    address: 192.168.220.106\n"
        "    role: worker\n"
        "    mac: \"52:54:00:fb:00:6a\"\n"
        "  - name: node-3\n"
        "    address: 192.168.220.107\n"
        "    role: worker\n"
        "    mac: \"52:54:00:fb:00:6b\"\n";

static struct seedgen_inventory *inventory_of(struct schema_ctx *x) {
        return x->target;
}

/* At a remembered position (checks across fields, after parsing). */
static int error_pos(struct schema_ctx *x, const struct fb_pos *pos, const char *field, const char *fmt, ...)
        _printf_(4, 5);
static int error_pos(struct schema_ctx *x, const struct fb_pos *pos, const char *field, const char *fmt, ...) {
        const struct fb_pos *p = pos && pos->file ? pos : &inventory_of(x)->top_pos;
        char msg[1024];
        va_list ap;

        if (!schema_count_error(x))
                return -EINVAL;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        log_error("%s:%u:%u: %s: %s", x->name, p->line, p->column, field, msg);
        return -EINVAL;
}

/* The inventory gives the prefix length once, as network.prefix. */
static int address_value(struct schema_ctx *x, const struct ynode *v, uint32_t *ret) {
        escaped_t e;

        if (v->type == YNODE_SCALAR && !ynode_is_null(v) && !strchr(v->value, ':') && strchr(v->value, '/'))
                return schema_error_at(x, v, "\"%s\": give the address alone; the prefix length is network.prefix",
                                       esc(v->value, e));
        return schema_address(x, v, ret);
}

/* ---- mappings and lists ----------------------------------------------------------------------- */

/* ---- cluster settings ------------------------------------------------------------------------- */

static int f_cluster(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct fb_config *c = &inventory_of(x)->cluster;
        const char *s;
        size_t len;
        escaped_t e;

        if (schema_text(x, v, sizeof(c->cluster_name), &s) < 0)
                return -EINVAL;
        len = strlen(s);
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
                if (!alnum && !(ch == '-' && i > 0 && i < len - 1))
                        return schema_error_at(x, v,
                                               "\"%s\" may only contain lower-case letters, digits and '-', starting "
                                               "and ending with a letter or digit (it is used in URL paths)",
                                               esc(s, e));
        }
        return strscpy(c->cluster_name, sizeof(c->cluster_name), s);
}

/* http(s)://HOST[:PORT][/PATH], as the agent takes it; stored with a trailing '/'. */
static int f_endpoint(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct fb_config *c = &inventory_of(x)->cluster;
        const char *s, *rest, *authority_end, *colon;
        char host[256];
        size_t host_len, len;
        uint32_t a;
        escaped_t e;

        if (schema_text(x, v, sizeof(c->endpoint) - 1, &s) < 0)
                return -EINVAL;
        if (strchr(s, '@'))
                return schema_error_at(x, v, "must not contain credentials (user@ or user:password@)");
        if (strncmp(s, "http://", 7) == 0)
                rest = s + 7;
        else if (strncmp(s, "https://", 8) == 0)
                rest = s + 8;
        else
                return schema_error_at(x, v, "\"%s\" must start with http:// or https://", esc(s, e));
        if (strpbrk(s, "?#"))
                return schema_error_at(x, v, "\"%s\" must not have a query (?) or fragment (#)", esc(s, e));
        authority_end = strchr(rest, '/');
        if (!authority_end)
                authority_end = rest + strlen(rest);
        if (rest[0] == '[')
                return schema_error_at(x, v, "\"%s\": IPv6 addresses are not supported", esc(s, e));
        colon = memchr(rest, ':', (size_t) (authority_end - rest));
        host_len = (size_t) ((colon ? colon : authority_end) - rest);
        if (host_len == 0 || host_len >= sizeof(host))
                return schema_error_at(x, v, "\"%s\" has no valid host", esc(s, e));
        memcpy(host, rest, host_len);
        host[host_len] = 0;
        if (parse_ipv4(host, &a) < 0 && !dns_name_is_valid(host))
                return schema_error_at(x, v, "\"%s\": \"%s\" is neither an IPv4 address nor a host name", esc(s, e),
                                       host);
        if (colon) {
                char port[8];
                size_t port_len = (size_t) (authority_end - colon - 1);
                unsigned long long p;
                if (port_len == 0 || port_len >= sizeof(port))
                        return schema_error_at(x, v, "\"%s\" has a bad port", esc(s, e));
                memcpy(port, colon + 1, port_len);
                port[port_len] = 0;
                if (parse_uint(port, 1, 65535, &p) < 0)
                        return schema_error_at(x, v, "\"%s\": port \"%s\" is not a number from 1 to 65535", esc(s, e),
                                               port);
        }
        for (const char *p = authority_end; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("-._~/", *p)))
                        return schema_error_at(x, v, "\"%s\": the path may only contain letters, digits and -._~/",
                                               esc(s, e));
        if (strstr(authority_end, "//") || strstr(authority_end, "/./") || strstr(authority_end, "/../"))
                return schema_error_at(x, v, "\"%s\": the path has an empty, . or .. segment", esc(s, e));
        len = strlen(s);
        memcpy(c->endpoint, s, len + 1);
        if (c->endpoint[len - 1] != '/') {
                c->endpoint[len] = '/';
                c->endpoint[len + 1] = 0;
        }
        c->endpoint_pos = pos_of(x, v);
        return 0;
}

static int f_generated(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        if (streq(key->value, "cluster_key"))
                return schema_error_at(x, key,
                                       "the cluster key is generated by kube-firstboot seed (and kept by --force); "
                                       "secrets never go in the inventory");
        if (streq(key->value, "token"))
                return schema_error_at(x, key,
                                       "use kube-firstboot seed --token for a pre-shared bootstrap token; secrets "
                                       "never go in the inventory");
        return schema_error_at(x, key, "derived from nodes: list every machine there");
}

static int f_token_ttl(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_duration(x, v, 60, 365ULL * 86400, "1m to 8760h; kubeadm's 0 = never expires is refused",
                               &inventory_of(x)->cluster.token_ttl_s);
}

static int f_join_timeout(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_duration(x, v, 60, 7ULL * 86400, "1m to 168h", &inventory_of(x)->cluster.join_timeout_s);
}

static int k8s_version(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct fb_config *c = &inventory_of(x)->cluster;
        unsigned major, minor, patch;
        char version[32];
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_k8s_version(s, version) < 0 || sscanf(version, "v%u.%u.%u", &major, &minor, &patch) != 3)
                return schema_error_at(x, v, "\"%s\" is not a Kubernetes version like v1.23.6", esc(s, e));
        if (major != 1 || minor < 22 || minor > 23)
                return schema_error_at(x, v,
                                       "%s is not supported: kube-firstboot drives kubeadm 1.22 or 1.23 with docker "
                                       "(dockershim was removed in 1.24)",
                                       version);
        return strscpy(c->k8s.version, sizeof(c->k8s.version), version);
}

static int k8s_control_plane(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct fb_config *c = &inventory_of(x)->cluster;
        char host[sizeof(c->k8s.control_plane_host)];
        unsigned long long port = 6443;
        const char *s, *colon;
        uint32_t a;
        escaped_t e;

        if (schema_text(x, v, sizeof(host), &s) < 0)
                return -EINVAL;
        if (strchr(s, '[') || strchr(s, ':') != strrchr(s, ':'))
                return schema_error_at(x, v, "\"%s\": IPv6 is not supported, only IPv4", esc(s, e));
        colon = strchr(s, ':');
        if (colon) {
                if (parse_uint(colon + 1, 1, 65535, &port) < 0)
                        return schema_error_at(x, v, "\"%s\": the port must be a number from 1 to 65535", esc(s, e));
                memcpy(host, s, (size_t) (colon - s));
                host[colon - s] = 0;
        } else
                strscpy(host, sizeof(host), s);
        if (parse_ipv4(host, &a) == 0) {
                const char *reserved = ipv4_reserved(a, 32);
                if (reserved)
                        return schema_error_at(x, v, "%s is in %s", host, reserved);
        } else if (!dns_name_is_valid(host))
                return schema_error_at(x, v, "\"%s\" is neither an IPv4 address nor a host name (HOST or HOST:PORT)",
                                       esc(s, e));
        strscpy(c->k8s.control_plane_host, sizeof(c->k8s.control_plane_host), host);
        c->k8s.control_plane_port = (unsigned) port;
        c->k8s.control_plane_pos = pos_of(x, v);
        inventory_of(x)->control_plane_set = true;
        return 0;
}

static int k8s_image_repository(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct fb_config *c = &inventory_of(x)->cluster;
        const char *s;
        size_t len;
        escaped_t e;

        if (schema_text(x, v, sizeof(c->k8s.image_repository), &s) < 0)
                return -EINVAL;
        len = strlen(s);
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("._-/:", *p)))
                        return schema_error_at(x, v, "\"%s\" is not an image repository like registry.example.com/path",
                                               esc(s, e));
        if (strchr("._-/:", s[0]) || strchr("._-/:", s[len - 1]) || strstr(s, "//"))
                return schema_error_at(x, v, "\"%s\" is not an image repository like registry.example.com/path",
                                       esc(s, e));
        return strscpy(c->k8s.image_repository, sizeof(c->k8s.image_repository), s);
}

static int k8s_service_cidr(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct fb_config *c = &inventory_of(x)->cluster;

        if (schema_cidr(x, v, 12, 28, "the API server allows at most 20 host bits", &c->k8s.service_net,
                        &c->k8s.service_prefix) < 0)
                return -EINVAL;
        c->k8s.service_pos = pos_of(x, v);
        return 0;
}

static int k8s_pod_cidr(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct fb_config *c = &inventory_of(x)->cluster;

        if (schema_cidr(x, v, 8, 23, "every node gets a /24 of it", &c->k8s.pod_net, &c->k8s.pod_prefix) < 0)
                return -EINVAL;
        c->k8s.pod_pos = pos_of(x, v);
        return 0;
}

static int k8s_cni(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const cnis[] = { "flannel", "none" };
        size_t i;

        if (schema_choice(x, v, cnis, ELEMENTSOF(cnis), &i) < 0)
                return -EINVAL;
        return strscpy(inventory_of(x)->cluster.k8s.cni, sizeof(inventory_of(x)->cluster.k8s.cni), cnis[i]);
}

static int k8s_runtime(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const runtimes[] = { "docker" };
        size_t i;

        if (schema_choice(x, v, runtimes, ELEMENTSOF(runtimes), &i) < 0)
                return -EINVAL;
        return strscpy(inventory_of(x)->cluster.k8s.runtime, sizeof(inventory_of(x)->cluster.k8s.runtime), runtimes[i]);
}

static const struct schema_field kubernetes_fields[] = {
        { "version", k8s_version, NULL },
        { "control_plane", k8s_control_plane, NULL },
        { "image_repository", k8s_image_repository, NULL },
        { "service_cidr", k8s_service_cidr, NULL },
        { "pod_cidr", k8s_pod_cidr, NULL },
        { "cni", k8s_cni, NULL },
        { "runtime", k8s_runtime, NULL },
};

static int f_kubernetes(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_mapping(x, key, v, kubernetes_fields, ELEMENTSOF(kubernetes_fields), SCHEMA_UNKNOWN_ERROR, NULL,
                              NULL);
}

static int host_swap(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const values[] = { "off", "keep" };
        size_t i;

        if (schema_choice(x, v, values, ELEMENTSOF(values), &i) < 0)
                return -EINVAL;
        inventory_of(x)->cluster.host.swap = i == 0 ? FB_SWAP_OFF : FB_SWAP_KEEP;
        return 0;
}

static int host_selinux(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const values[] = { "permissive", "keep" };
        size_t i;

        if (schema_choice(x, v, values, ELEMENTSOF(values), &i) < 0)
                return -EINVAL;
        inventory_of(x)->cluster.host.selinux = i == 0 ? FB_SELINUX_PERMISSIVE : FB_SELINUX_KEEP;
        return 0;
}

static int host_firewall(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const values[] = { "open", "keep", "disable" };
        static const enum fb_firewall map[] = { FB_FIREWALL_OPEN, FB_FIREWALL_KEEP, FB_FIREWALL_DISABLE };
        size_t i;

        if (schema_choice(x, v, values, ELEMENTSOF(values), &i) < 0)
                return -EINVAL;
        inventory_of(x)->cluster.host.firewall = map[i];
        return 0;
}

static int host_grow_root(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)
                inventory_of(x)->cluster.host.grow_root = true;
        else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0)
                inventory_of(x)->cluster.host.grow_root = false;
        else
                return schema_error_at(x, v, "\"%s\" is not a boolean (true, false, yes or no)", esc(s, e));
        return 0;
}

static int host_sysctls(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const required_on[] = {
                "net.ipv4.ip_forward",
                "net.bridge.bridge-nf-call-iptables",
                "net.bridge.bridge-nf-call-ip6tables",
        };
        struct fb_config *c = &inventory_of(x)->cluster;
        int r = 0;

        c->host.n_sysctls = 0;
        if (ynode_is_null(v))
                return 0;
        if (v->type != YNODE_MAPPING)
                return schema_error_at(x, v, "expected a mapping of sysctl keys to values, got %s",
                                       ynode_type_to_string(v->type));
        for (size_t i = 0; i < v->n_items; i++) {
                const struct ynode *k = v->keys[i], *value = v->items[i];
                char normalized[sizeof(c->host.sysctls[0].key)];
                struct fb_sysctl *s;
                const char *text;
                size_t old = schema_path_key(x, k->value);
                escaped_t e;

                if (c->host.n_sysctls >= FB_MAX_SYSCTLS) {
                        r = schema_error_at(x, k, "more than %d sysctls", FB_MAX_SYSCTLS);
                        schema_path_restore(x, old);
                        break;
                }
                if (!sysctl_key_is_valid(k->value)) {
                        r = schema_error_at(x, k, "\"%s\" is not a sysctl key like net.ipv4.ip_forward",
                                            esc(k->value, e));
                        schema_path_restore(x, old);
                        continue;
                }
                sysctl_normalize(k->value, normalized, sizeof(normalized));
                if (schema_text(x, value, sizeof(s->value), &text) < 0) {
                        r = -EINVAL;
                        schema_path_restore(x, old);
                        continue;
                }
                for (size_t j = 0; j < ELEMENTSOF(required_on); j++)
                        if (streq(normalized, required_on[j]) && !streq(text, "1"))
                                r = schema_error_at(x, value, "\"%s\": Kubernetes needs %s = 1", esc(text, e),
                                                    required_on[j]);
                for (size_t j = 0; j < c->host.n_sysctls; j++)
                        if (streq(c->host.sysctls[j].key, normalized))
                                r = schema_error_at(x, k, "the same sysctl as line %u", c->host.sysctls[j].pos.line);
                s = &c->host.sysctls[c->host.n_sysctls++];
                strscpy(s->key, sizeof(s->key), normalized);
                strscpy(s->value, sizeof(s->value), text);
                s->pos = pos_of(x, k);
                schema_path_restore(x, old);
        }
        return r;
}

static const struct schema_field host_fields[] = {
        { "swap", host_swap, NULL },
        { "selinux", host_selinux, NULL },
        { "firewall", host_firewall, NULL },
        { "grow_root", host_grow_root, NULL },
        { "sysctls", host_sysctls, NULL },
};

static int f_host(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_mapping(x, key, v, host_fields, ELEMENTSOF(host_fields), SCHEMA_UNKNOWN_ERROR, NULL, NULL);
}

static int ssh_key_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct fb_config *c = &inventory_of(x)->cluster;
        char *copy;

        if (c->n_ssh_keys >= FB_MAX_SSH_KEYS) {
                schema_error_at(x, item, "more than %d keys", FB_MAX_SSH_KEYS);
                return -E2BIG;
        }
        if (item->type != YNODE_SCALAR || ynode_is_null(item))
                return schema_error_at(x, item, "expected a public key line, got %s",
                                       item->type == YNODE_SCALAR ? "nothing" : ynode_type_to_string(item->type));
        if (item->length >= FB_MAX_SSH_KEY_LEN)
                return schema_error_at(x, item, "longer than %d characters", FB_MAX_SSH_KEY_LEN - 1);
        if (!ssh_key_is_valid(item->value))
                return schema_error_at(x, item,
                                       "not an SSH public key line (\"TYPE BASE64 [COMMENT]\", e.g. ssh-ed25519 "
                                       "AAAA... me@host)");
        copy = strdup(item->value);
        if (!copy)
                return log_error_errno(ENOMEM, "out of memory");
        c->ssh_keys[c->n_ssh_keys++] = copy;
        return 0;
}

static int f_ssh_authorized_keys(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_list(x, v, "public key lines", false, ssh_key_item, NULL);
}

/* ---- network ---------------------------------------------------------------------------------- */

static int net_prefix(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        unsigned long long prefix;
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (s[0] == '/')
                s++;
        if (parse_uint(s, 8, 30, &prefix) < 0)
                return schema_error_at(x, v, "\"%s\" is not a prefix length from 8 to 30 (24 for 255.255.255.0)",
                                       esc(v->value, e));
        inventory_of(x)->prefix = (unsigned) prefix;
        inventory_of(x)->prefix_pos = pos_of(x, v);
        return 0;
}

static int net_gateway(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        if (address_value(x, v, &inventory_of(x)->gateway) < 0)
                return -EINVAL;
        inventory_of(x)->gateway_pos = pos_of(x, v);
        return 0;
}

static int dns_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct seedgen_inventory *inv = inventory_of(x);
        uint32_t a;

        if (address_value(x, item, &a) < 0)
                return -EINVAL;
        for (unsigned i = 0; i < inv->n_dns; i++)
                if (inv->dns[i] == a)
                        return schema_error_at(x, item, "listed twice");
        if (inv->n_dns >= FB_MAX_DNS) {
                schema_error_at(x, item, "more than %d name servers", FB_MAX_DNS);
                return -E2BIG;
        }
        inv->dns[inv->n_dns++] = a;
        return 0;
}

static int net_dns(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        inventory_of(x)->n_dns = 0;
        return schema_list(x, v, "IPv4 addresses", true, dns_item, NULL);
}

static int search_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        char *search = inventory_of(x)->search;
        size_t len = strlen(search);
        const char *s;
        escaped_t e;

        if (schema_scalar(x, item, &s) < 0)
                return -EINVAL;
        if (!dns_name_is_valid(s))
                return schema_error_at(x, item, "\"%s\" is not a DNS domain", esc(s, e));
        if (len + 1 + strlen(s) >= sizeof(inventory_of(x)->search))
                return schema_error_at(x, item, "the search domains are longer than %zu characters together",
                                       sizeof(inventory_of(x)->search) - 1);
        if (len)
                search[len++] = ' ';
        memcpy(search + len, s, strlen(s) + 1);
        return 0;
}

static int net_search(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        inventory_of(x)->search[0] = 0;
        return schema_list(x, v, "DNS domains", true, search_item, NULL);
}

static const struct schema_field network_fields[] = {
        { "prefix", net_prefix, NULL },
        { "gateway", net_gateway, NULL },
        { "dns", net_dns, NULL },
        { "search", net_search, NULL },
};

static int f_network(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_mapping(x, key, v, network_fields, ELEMENTSOF(network_fields), SCHEMA_UNKNOWN_ERROR, NULL, NULL);
}

/* ---- nodes ------------------------------------------------------------------------------------ */

static int node_name(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct seedgen_node *n = userdata;
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (v->length > 63)
                return schema_error_at(x, v, "\"%s\" is longer than 63 characters (a Kubernetes node name)", esc(s, e));
        if (!hostname_is_valid(s)) {
                for (const char *p = s; *p; p++)
                        if (*p >= 'A' && *p <= 'Z')
                                return schema_error_at(x, v,
                                                       "\"%s\" must be lower case (it is the Kubernetes node name)",
                                                       esc(s, e));
                return schema_error_at(x, v,
                                       "\"%s\" is not a valid host name (RFC 1123: lower-case letters, digits, '-' and "
                                       "'.', labels not starting or ending with '-')",
                                       esc(s, e));
        }
        if (streq(s, SEEDGEN_PXE_DIR) || streq(s, SEEDGEN_SERVER_YAML))
                return schema_error_at(x, v, "\"%s\" is taken: the output directory has %s beside the node directories",
                                       s, s);
        strscpy(n->name, sizeof(n->name), s);
        n->pos = pos_of(x, v);
        return 0;
}

static int node_address(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct seedgen_node *n = userdata;

        if (address_value(x, v, &n->address) < 0)
                return -EINVAL;
        n->address_pos = pos_of(x, v);
        return 0;
}

static int node_role(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const roles[] = { "control-plane", "worker" };
        struct seedgen_node *n = userdata;
        size_t i;

        if (v->type == YNODE_SCALAR && streq(v->value, "master"))
                return schema_error_at(x, v,
                                       "\"master\" is not one of: control-plane, worker; did you mean control-plane?");
        if (v->type == YNODE_SCALAR && streq(v->value, "node"))
                return schema_error_at(x, v, "\"node\" is not one of: control-plane, worker; did you mean worker?");
        if (schema_choice(x, v, roles, ELEMENTSOF(roles), &i) < 0)
                return -EINVAL;
        n->role = i == 0 ? FB_ROLE_CONTROL_PLANE : FB_ROLE_WORKER;
        n->role_pos = pos_of(x, v);
        return 0;
}

static int node_mac(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct seedgen_node *n = userdata;
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_mac(s, n->mac) < 0) {
                n->mac[0] = 0;
                return schema_error_at(x, v, "\"%s\" is not a MAC address like 52:54:00:12:34:56", esc(s, e));
        }
        /* the low bit of the first octet marks a group address: no network card has one (parse_mac
         * wrote lower-case hex, so the second digit's value is easy) */
        if ((n->mac[1] <= '9' ? n->mac[1] - '0' : n->mac[1] - 'a' + 10) & 1) {
                n->mac[0] = 0;
                return schema_error_at(x, v, "%s is a multicast address, not a network card's", s);
        }
        n->mac_pos = pos_of(x, v);
        return 0;
}

static int node_interface(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct seedgen_node *n = userdata;
        size_t len;
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        len = strlen(s);
        if (strpbrk(s, "*?["))
                return schema_error_at(x, v, "\"%s\": patterns are not supported; name the interface", esc(s, e));
        if (len == 0 || len > 15 || streq(s, ".") || streq(s, ".."))
                return schema_error_at(x, v, "\"%s\" is not an interface name (1-15 letters, digits, '_', '.', '-')",
                                       esc(s, e));
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("_.-", *p)))
                        return schema_error_at(x, v,
                                               "\"%s\" is not an interface name (1-15 letters, digits, '_', '.', '-')",
                                               esc(s, e));
        return strscpy(n->interface, sizeof(n->interface), s);
}

static const struct schema_field node_fields[] = {
        { "name", node_name, "the node's host name" },
        { "address", node_address, "the node's IPv4 address" },
        { "role", node_role, "control-plane or worker" },
        { "mac", node_mac, NULL },
        { "interface", node_interface, NULL },
};

static int node_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct seedgen_inventory *inv = inventory_of(x);
        struct seedgen_node *n;

        if (inv->n_nodes >= SEEDGEN_MAX_NODES) {
                schema_error_at(x, item, "more than %d nodes", SEEDGEN_MAX_NODES);
                return -E2BIG;
        }
        n = &inv->nodes[inv->n_nodes++];
        memset(n, 0, sizeof(*n));
        strscpy(n->interface, sizeof(n->interface), SEEDGEN_DEFAULT_INTERFACE);
        n->pos = pos_of(x, item);
        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a mapping {name, address, role[, mac, interface]}, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        return schema_mapping(x, NULL, item, node_fields, ELEMENTSOF(node_fields), SCHEMA_UNKNOWN_ERROR, n, NULL);
}

static int f_nodes(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        inventory_of(x)->nodes_pos = pos_of(x, key);
        inventory_of(x)->n_nodes = 0;
        return schema_list(x, v, "nodes", false, node_item, NULL);
}

static const struct schema_field top_fields[] = {
        { "cluster", f_cluster, NULL },
        { "endpoint", f_endpoint, "the metadata endpoint URL every node reaches, e.g. http://192.168.220.1:8780/" },
        { "token_ttl", f_token_ttl, NULL },
        { "join_timeout", f_join_timeout, NULL },
        { "kubernetes", f_kubernetes, NULL },
        { "host", f_host, NULL },
        { "ssh_authorized_keys", f_ssh_authorized_keys, NULL },
        { "network", f_network, NULL },
        { "nodes", f_nodes, "the machines of the lab, each with name, address and role" },
        { "cluster_key", f_generated, NULL },
        { "token", f_generated, NULL },
        { "hosts", f_generated, NULL },
};

/* ---- checks across fields --------------------------------------------------------------------- */

static void node_field(char *buf, size_t size, const struct seedgen_inventory *inv, const struct seedgen_node *n,
                       const char *key) {
        snprintf(buf, size, "nodes[%zu].%s", (size_t) (n - inv->nodes), key);
}

/* Names, addresses and MACs unique; exactly one control plane. Returns the control-plane node. */
static const struct seedgen_node *check_nodes_unique(struct schema_ctx *x) {
        struct seedgen_inventory *inv = inventory_of(x);
        const struct seedgen_node *cp = NULL;
        bool role_error = false;
        char field[64], a[16];

        if (inv->n_nodes == 0) {
                error_pos(x, &inv->nodes_pos, "nodes", "lists no machine; it needs at least the control plane");
                return NULL;
        }
        for (size_t i = 0; i < inv->n_nodes; i++) {
                const struct seedgen_node *n = &inv->nodes[i];

                for (size_t j = 0; j < i; j++) {
                        const struct seedgen_node *o = &inv->nodes[j];
                        if (streq(o->name, n->name)) {
                                node_field(field, sizeof(field), inv, n, "name");
                                error_pos(x, &n->pos, field, "\"%s\" is listed twice (first at line %u)", n->name,
                                          o->pos.line);
                        }
                        if (o->address == n->address) {
                                node_field(field, sizeof(field), inv, n, "address");
                                format_ipv4(n->address, a);
                                error_pos(x, &n->address_pos, field, "%s is already %s's address (line %u)", a,
                                          o->name, o->address_pos.line);
                        }
                        if (n->mac[0] && streq(o->mac, n->mac)) {
                                node_field(field, sizeof(field), inv, n, "mac");
                                error_pos(x, &n->mac_pos, field, "%s is already %s's MAC (line %u)", n->mac, o->name,
                                          o->mac_pos.line);
                        }
                }
                if (n->role != FB_ROLE_CONTROL_PLANE)
                        continue;
                if (cp) {
                        node_field(field, sizeof(field), inv, n, "role");
                        error_pos(x, &n->role_pos, field,
                                  "a second control plane (the first is %s, line %u); kube-firstboot sets up exactly "
                                  "one, the others are workers",
                                  cp->name, cp->role_pos.line);
                        role_error = true;
                } else
                        cp = n;
        }
        if (!cp) {
                error_pos(x, &inv->nodes_pos, "nodes", "no node has role: control-plane; exactly one must");
                return NULL;
        }
        return role_error ? NULL : cp;
}

/* Every node in the one subnet; the pod and service networks clear of it and of each other. */
static void check_network(struct schema_ctx *x, const struct seedgen_node *cp) {
        struct seedgen_inventory *inv = inventory_of(x);
        struct fb_config *c = &inv->cluster;
        uint32_t mask = prefix_mask(inv->prefix);
        const struct fb_pos *subnet_pos = inv->gateway ? &inv->gateway_pos : &cp->address_pos;
        char from[128], field[64], a[16], b[16];
        struct {
                const char *field;
                uint32_t net;
                unsigned prefix;
                const struct fb_pos *pos;
        } cidrs[] = {
                { "kubernetes.pod_cidr", c->k8s.pod_net, c->k8s.pod_prefix, &c->k8s.pod_pos },
                { "kubernetes.service_cidr", c->k8s.service_net, c->k8s.service_prefix, &c->k8s.service_pos },
        };

        inv->subnet = (inv->gateway ? inv->gateway : cp->address) & mask;
        format_ipv4(inv->subnet, b);
        format_ipv4(inv->gateway ? inv->gateway : cp->address, a);
        snprintf(from, sizeof(from), "%s/%u, from %s and network.prefix", b, inv->prefix,
                 inv->gateway ? "network.gateway" : "the control plane's address");

        if (inv->gateway && ((inv->gateway & ~mask) == 0 || (inv->gateway & ~mask) == ~mask))
                error_pos(x, &inv->gateway_pos, "network.gateway", "%s is the %s address of its subnet %s/%u", a,
                          (inv->gateway & ~mask) == 0 ? "network" : "broadcast", b, inv->prefix);

        for (size_t i = 0; i < inv->n_nodes; i++) {
                const struct seedgen_node *n = &inv->nodes[i];
                uint32_t host = n->address & ~mask;

                node_field(field, sizeof(field), inv, n, "address");
                format_ipv4(n->address, a);
                if ((n->address & mask) != inv->subnet)
                        error_pos(x, &n->address_pos, field, "%s is outside the lab's subnet %s", a, from);
                else if (host == 0 || host == ~mask)
                        error_pos(x, &n->address_pos, field, "%s is the %s address of the lab's subnet %s", a,
                                  host == 0 ? "network" : "broadcast", from);
                else if (n->address == inv->gateway)
                        error_pos(x, &n->address_pos, field, "%s is network.gateway's address", a);
        }

        if (cidr4_overlap(c->k8s.pod_net, c->k8s.pod_prefix, c->k8s.service_net, c->k8s.service_prefix)) {
                size_t at = c->k8s.pod_pos.file ? 0 : 1;
                format_ipv4(cidrs[at].net, a);
                format_ipv4(cidrs[1 - at].net, b);
                error_pos(x, cidrs[at].pos, cidrs[at].field, "%s/%u overlaps %s %s/%u", a, cidrs[at].prefix,
                          cidrs[1 - at].field, b, cidrs[1 - at].prefix);
        }
        for (size_t k = 0; k < ELEMENTSOF(cidrs); k++)
                if (cidr4_overlap(cidrs[k].net, cidrs[k].prefix, inv->subnet, inv->prefix)) {
                        format_ipv4(cidrs[k].net, a);
                        if (cidrs[k].pos->file)
                                error_pos(x, cidrs[k].pos, cidrs[k].field, "%s/%u overlaps the lab's subnet %s", a,
                                          cidrs[k].prefix, from);
                        else
                                error_pos(x, subnet_pos, cidrs[k].field,
                                          "the default %s/%u overlaps the lab's subnet %s; set %s", a,
                                          cidrs[k].prefix, from, cidrs[k].field);
                }
}

/* kubernetes.control_plane: the control-plane node, by address or name; written out explicitly. */
static void check_control_plane(struct schema_ctx *x, const struct seedgen_node *cp) {
        struct seedgen_inventory *inv = inventory_of(x);
        struct fb_config *c = &inv->cluster;
        uint32_t a;
        char text[16];

        if (!inv->control_plane_set) {
                format_ipv4(cp->address, c->k8s.control_plane_host);
                c->k8s.control_plane_port = 6443;
                return;
        }
        format_ipv4(cp->address, text);
        if (parse_ipv4(c->k8s.control_plane_host, &a) == 0) {
                if (a != cp->address)
                        error_pos(x, &c->k8s.control_plane_pos, "kubernetes.control_plane",
                                  "%s is not the control-plane node's address (%s has %s, line %u); leave it out to "
                                  "use that",
                                  c->k8s.control_plane_host, cp->name, text, cp->address_pos.line);
                return;
        }
        for (size_t i = 0; i < inv->n_nodes; i++)
                if (streq(inv->nodes[i].name, c->k8s.control_plane_host) && &inv->nodes[i] != cp)
                        error_pos(x, &c->k8s.control_plane_pos, "kubernetes.control_plane",
                                  "%s is a worker (line %u); the control plane is %s", inv->nodes[i].name,
                                  inv->nodes[i].pos.line, cp->name);
}

static void derive_hosts(struct seedgen_inventory *inv) {
        struct fb_config *c = &inv->cluster;

        c->n_hosts = inv->n_nodes;
        for (size_t i = 0; i < inv->n_nodes; i++) {
                memset(&c->hosts[i], 0, sizeof(c->hosts[i]));
                strscpy(c->hosts[i].name, sizeof(c->hosts[i].name), inv->nodes[i].name);
                c->hosts[i].address = inv->nodes[i].address;
                c->hosts[i].pos = inv->nodes[i].pos;
                c->hosts[i].address_pos = inv->nodes[i].address_pos;
        }
}

/* ---- entry points ----------------------------------------------------------------------------- */

void seedgen_inventory_init(struct seedgen_inventory *inv) {
        memset(inv, 0, sizeof(*inv));
        config_init(&inv->cluster);
        inv->prefix = SEEDGEN_DEFAULT_PREFIX;
}

void seedgen_inventory_done(struct seedgen_inventory *inv) {
        config_done(&inv->cluster);
}

int seedgen_inventory_parse(const char *data, size_t size, const char *name, struct seedgen_inventory *inv) {
        _cleanup_(ytree_freep) struct ynode *root = NULL;
        struct schema_ctx x = { .target = inv };
        const struct seedgen_node *cp;
        int r;

        if (strscpy(inv->name, sizeof(inv->name), name) < 0)
                return log_error_errno(ENAMETOOLONG, "inventory file name too long");
        x.name = inv->name;
        inv->top_pos = (struct fb_pos) { .file = inv->name, .line = 1, .column = 1 };
        if (size > SEEDGEN_INVENTORY_MAX)
                return log_error_errno(EFBIG, "%s: larger than the limit of %d bytes", name, SEEDGEN_INVENTORY_MAX);
        r = ytree_load(data, size, inv->name, &root);
        if (r < 0)
                return r;
        if (ynode_is_null(root)) {
                log_error("%s:1:1: the inventory is empty; it needs at least endpoint and nodes "
                          "(kube-firstboot seed --example prints one)",
                          name);
                return -EINVAL;
        }
        if (root->type != YNODE_MAPPING)
                return schema_error_at(&x, root, "expected a mapping of inventory keys, got %s",
                                       ynode_type_to_string(root->type));
        schema_mapping(&x, NULL, root, top_fields, ELEMENTSOF(top_fields), SCHEMA_UNKNOWN_ERROR, NULL, NULL);
        if (x.error < 0)
                return x.error; /* checks across fields on half-parsed input would only add noise */

        cp = check_nodes_unique(&x);
        if (cp) {
                check_network(&x, cp);
                check_control_plane(&x, cp);
        }
        if (x.error < 0)
                return x.error;
        derive_hosts(inv);
        return 0;
}

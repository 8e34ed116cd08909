/* SPDX-License-Identifier: MIT */
/* The seed generator's inventory: cluster settings (the keys of user-data's kube_firstboot), the lab
 * network and the nodes, into struct seedgen_inventory. The rules on each value are the agent's
 * (docs/seed-format.md): the cluster settings, host names, roles, MACs and interface names are read by
 * the agent's own field functions (config-fields.c), so that a mistake is reported at its place in
 * the inventory with the agent's message; the generated seeds then go through the agent's own parser
 * too (seedgen.c), so a rule missed here can still never produce a seed the agent refuses. Every error
 * names FILE:LINE:COLUMN and the field; parsing goes on after an error so that one run shows every
 * mistake. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-fields.h"
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
        "# kube-firstboot-server listens on the endpoint's address (server.yaml); another address, or\n"
        "# 0.0.0.0 for every one, only when given here:\n"
        "# server_listen: 192.168.220.1:8780\n"
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
        "  cni: flannel                    # flannel, host-gw (a /24 of pod_cidr per node, no images) or none\n"
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
        "# it), uuid (the machine's system UUID: the server also finds its seed as /v1/seeds/UUID/, so one\n"
        "# URL with __dmi.system-uuid__ serves every machine) and interface (the name the interface gets,\n"
        "# default eth0).\n"
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
static int error_pos(struct schema_ctx *x, const struct yaml_pos *pos, const char *field, const char *fmt, ...)
        _printf_(4, 5);
static int error_pos(struct schema_ctx *x, const struct yaml_pos *pos, const char *field, const char *fmt, ...) {
        const struct yaml_pos *p = pos && pos->file ? pos : &inventory_of(x)->top_pos;
        va_list ap;

        va_start(ap, fmt);
        schema_error_vpos(x, p->line, p->column, field, fmt, ap);
        va_end(ap);
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

/* ---- cluster settings ------------------------------------------------------------------------- */

/* The keys of user-data's kube_firstboot: are config-fields.c's; these three are not in an inventory. */
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

        if (config_domain_value(x, item, &s) < 0)
                return -EINVAL;
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

/* ---- the server ------------------------------------------------------------------------------ */

/* server_listen: IPV4-ADDRESS:PORT, as kube-firstboot-server's listen takes it. The one way to make the
 * generated server.yaml listen on every address (0.0.0.0): asked for, never a default. */
static int f_server_listen(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct seedgen_inventory *inv = inventory_of(x);
        unsigned long long port = 0;
        uint32_t address = 0;
        char text[32];
        char *colon;
        escaped_t e;
        const char *s;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        colon = strscpy(text, sizeof(text), s) < 0 ? NULL : strrchr(text, ':');
        if (colon)
                *colon = 0;
        if (!colon || parse_ipv4(text, &address) < 0 || parse_uint(colon + 1, 1, 65535, &port) < 0)
                return schema_error_at(x, v, "\"%s\" is not IPV4-ADDRESS:PORT, e.g. 192.168.220.1:8780",
                                       esc(v->value, e));
        inv->server_listen_address = address;
        inv->server_listen_port = (unsigned) port;
        return 0;
}

/* ---- nodes ------------------------------------------------------------------------------------ */

static int node_name(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct seedgen_node *n = userdata;

        if (config_hostname_value(x, v, n->name, sizeof(n->name)) < 0)
                return -EINVAL;
        if (streq(n->name, SEEDGEN_PXE_DIR) || streq(n->name, SEEDGEN_SERVER_YAML) || streq(n->name, SEEDGEN_TLS_DIR))
                return schema_error_at(x, v, "\"%s\" is taken: the output directory has %s beside the node directories",
                                       n->name, n->name);
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
        struct seedgen_node *n = userdata;

        if (config_role_value(x, v, &n->role) < 0)
                return -EINVAL;
        n->role_pos = pos_of(x, v);
        return 0;
}

static int node_mac(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct seedgen_node *n = userdata;

        if (config_mac_value(x, v, n->mac) < 0) {
                n->mac[0] = 0;
                return -EINVAL;
        }
        /* the low bit of the first octet marks a group address: no network card has one (parse_mac
         * wrote lower-case hex, so the second digit's value is easy) */
        if ((n->mac[1] <= '9' ? n->mac[1] - '0' : n->mac[1] - 'a' + 10) & 1) {
                n->mac[0] = 0;
                return schema_error_at(x, v, "%s is a multicast address, not a network card's", v->value);
        }
        n->mac_pos = pos_of(x, v);
        return 0;
}

static int node_uuid(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct seedgen_node *n = userdata;
        const char *s;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_uuid(s, n->uuid) < 0 || streq(n->uuid, "00000000-0000-0000-0000-000000000000")) {
                n->uuid[0] = 0;
                return schema_error_at(x, v, "must be the machine's system UUID, like "
                                       "\"5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e6f\" (its /sys/class/dmi/id/product_uuid)");
        }
        n->uuid_pos = pos_of(x, v);
        return 0;
}

static int node_interface(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct seedgen_node *n = userdata;

        return config_ifname_value(x, v, "name the interface", n->interface, sizeof(n->interface));
}

static const struct schema_field node_fields[] = {
        { "name", node_name, "the node's host name" },
        { "address", node_address, "the node's IPv4 address" },
        { "role", node_role, "control-plane or worker" },
        { "mac", node_mac, NULL },
        { "uuid", node_uuid, NULL },
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
                return schema_error_at(x, item, "expected a mapping {name, address, role[, mac, uuid, interface]}, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        return schema_mapping(x, NULL, item, node_fields, ELEMENTSOF(node_fields), SCHEMA_UNKNOWN_ERROR, n, NULL);
}

static int f_nodes(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        inventory_of(x)->nodes_pos = pos_of(x, key);
        inventory_of(x)->n_nodes = 0;
        return schema_list(x, v, "nodes", false, node_item, NULL);
}

static const struct schema_field top_fields[] = {
        { "cluster", config_field_cluster, NULL },
        { "endpoint", config_field_endpoint,
          "the metadata endpoint URL every node reaches, e.g. http://192.168.220.1:8780/" },
        { "token_ttl", config_field_token_ttl, NULL },
        { "join_timeout", config_field_join_timeout, NULL },
        { "kubernetes", config_field_kubernetes, NULL },
        { "host", config_field_host, NULL },
        { "ssh_authorized_keys", config_field_ssh_authorized_keys, NULL },
        { "network", f_network, NULL },
        { "server_listen", f_server_listen, NULL },
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
                        if (n->uuid[0] && streq(o->uuid, n->uuid)) {
                                node_field(field, sizeof(field), inv, n, "uuid");
                                error_pos(x, &n->uuid_pos, field, "%s is already %s's system UUID (line %u)", n->uuid,
                                          o->name, o->uuid_pos.line);
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
        const struct yaml_pos *subnet_pos = inv->gateway ? &inv->gateway_pos : &cp->address_pos;
        char from[128], field[64], a[16], b[16];
        struct {
                const char *field;
                uint32_t net;
                unsigned prefix;
                const struct yaml_pos *pos;
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

/* kubernetes.cni host-gw: the pod network is split into one /24 per node, in the order of nodes:, so it
 * must hold as many. */
static void check_pod_split(struct schema_ctx *x) {
        struct seedgen_inventory *inv = inventory_of(x);
        struct fb_config *c = &inv->cluster;
        unsigned long room;
        char a[16];

        if (!config_cni_host_gw(c))
                return;
        room = 1UL << (FB_POD_SUBNET_PREFIX - c->k8s.pod_prefix);
        if (inv->n_nodes <= room)
                return;
        format_ipv4(c->k8s.pod_net, a);
        error_pos(x, c->k8s.pod_pos.file ? &c->k8s.pod_pos : &c->k8s.cni_pos,
                  c->k8s.pod_pos.file ? "kubernetes.pod_cidr" : "kubernetes.cni",
                  "%s%s/%u holds %lu node /24s, but there are %zu nodes (kubernetes.cni host-gw gives each its own)",
                  c->k8s.pod_pos.file ? "" : "the default pod_cidr ", a, c->k8s.pod_prefix, room, inv->n_nodes);
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
                if (config_cni_host_gw(c)) /* the i-th /24: check_pod_split() made sure it is there */
                        c->hosts[i].pod_subnet = c->k8s.pod_net + ((uint32_t) i << (32 - FB_POD_SUBNET_PREFIX));
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
        struct schema_ctx x = { .target = inv, .user = &inv->cluster };
        const struct seedgen_node *cp;
        int r;

        if (strscpy(inv->name, sizeof(inv->name), name) < 0)
                return log_error_errno(-ENAMETOOLONG, "inventory file name too long");
        x.name = inv->name;
        inv->top_pos = (struct yaml_pos) { .file = inv->name, .line = 1, .column = 1 };
        if (size > SEEDGEN_INVENTORY_MAX)
                return log_error_errno(-EFBIG, "%s: larger than the limit of %d bytes", name, SEEDGEN_INVENTORY_MAX);
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
        inv->control_plane_set = inv->cluster.k8s.control_plane_pos.file != NULL;
        if (x.error < 0)
                return x.error; /* checks across fields on half-parsed input would only add noise */

        cp = check_nodes_unique(&x);
        if (cp) {
                check_network(&x, cp);
                check_control_plane(&x, cp);
        }
        check_pod_split(&x);
        if (x.error < 0)
                return x.error;
        derive_hosts(inv);
        return 0;
}

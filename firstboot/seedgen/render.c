/* SPDX-License-Identifier: MIT */
/* The seed generator's output, as text: per-node meta-data and network-config, the shared user-data,
 * the kube-firstboot-server config fragment and the PXE menus. Pure functions of the inventory, so
 * the same inventory and secrets always give the same bytes (which lets --force leave unchanged
 * files, and their instance-ids, alone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "memstream.h"
#include "parse.h"
#include "yaml-tree.h"
#include "secret.h"
#include "seedgen.h"

/* Plain when every YAML 1.1 reader (cloud-init's PyYAML too) takes it as this string; else
 * double-quoted. Values reaching here are already checked printable ASCII. */
static void yaml_string(FILE *f, const char *s) {
        bool plain = (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z');

        for (const char *p = s; *p && plain; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("._/-", *p)))
                        plain = false;
        yaml_write_scalar(f, s, plain, true);
}

static void yaml_kv(FILE *f, int indent, const char *key, const char *value) {
        fprintf(f, "%*s%s: ", indent, "", key);
        yaml_string(f, value);
        fputc('\n', f);
}

static void yaml_duration(FILE *f, int indent, const char *key, unsigned long long s) {
        fprintf(f, "%*s%s: ", indent, "", key);
        if (s / 3600)
                fprintf(f, "%lluh", s / 3600);
        if (s % 3600 / 60)
                fprintf(f, "%llum", s % 3600 / 60);
        if (s % 60 || s == 0)
                fprintf(f, "%llus", s % 60);
        fputc('\n', f);
}

static void yaml_cidr(FILE *f, int indent, const char *key, uint32_t net, unsigned prefix) {
        char a[16];
        format_ipv4(net, a);
        fprintf(f, "%*s%s: %s/%u\n", indent, "", key, a, prefix);
}

int seedgen_instance_id(const char *cluster, const char *node, const char *generation, char *ret, size_t size) {
        enum { INSTANCE_ID_MAX = 128 }; /* the agent's limit (docs/seed-format.md) */
        size_t fixed = strlen(node) + 1 + strlen(generation);
        size_t room = fixed < INSTANCE_ID_MAX ? INSTANCE_ID_MAX - fixed : 0;
        size_t cluster_len = strlen(cluster);
        int n;

        if (fixed > INSTANCE_ID_MAX)
                return -EINVAL;
        /* the cluster only makes the id easier to recognise: cut it rather than fail */
        if (cluster_len + 1 > room)
                cluster_len = room > 1 ? room - 1 : 0;
        if (cluster_len > 0)
                n = snprintf(ret, size, "%.*s-%s-%s", (int) cluster_len, cluster, node, generation);
        else
                n = snprintf(ret, size, "%s-%s", node, generation);
        return n < 0 || (size_t) n >= size ? -ENOBUFS : 0;
}

int seedgen_generation(time_t now, const uint8_t entropy[2], char ret[static 32]) {
        struct tm tm;
        char stamp[24];

        if (!gmtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
                return -EINVAL;
        snprintf(ret, 32, "%s-%02x%02x", stamp, entropy[0], entropy[1]);
        return 0;
}

void seedgen_pxe_name(const char *mac, char ret[static 21]) {
        /* ARP hardware type 1 (Ethernet), then the MAC with dashes */
        snprintf(ret, 21, "01-%s", mac);
        for (char *p = ret + 3; *p; p++)
                if (*p == ':')
                        *p = '-';
}

int seedgen_render_user_data(const struct seedgen_inventory *inv, const struct seedgen_secrets *secrets,
                             char **ret, size_t *ret_size) {
        const struct fb_config *c = &inv->cluster;
        char a[16], control_plane[300];
        char key[64];
        CLEANUP_ERASE(key);
        struct memstream o;
        int r;

        r = memstream_open(&o);
        if (r < 0)
                return r;
        if (base64_encode(secrets->cluster_key, sizeof(secrets->cluster_key), key, sizeof(key)) < 0) {
                (void) memstream_close(&o, true, ret, ret_size);
                return -EINVAL;
        }
        fprintf(o.f, "#cloud-config\n"
                     "# kube-firstboot: the settings of cluster %s, the same on every node; written by\n"
                     "# kube-firstboot seed (docs/seed-generator.md). SECRET: the cluster key%s opens this\n"
                     "# cluster's join records: keep the file 0600 and give it only to the lab's machines.\n"
                     "kube_firstboot:\n",
                c->cluster_name, secrets->token[0] ? " (and the token)" : "");
        yaml_kv(o.f, 2, "cluster", c->cluster_name);
        fprintf(o.f, "  endpoint: \"%s\"\n", c->endpoint);
        if (secrets->endpoint_ca) {
                /* the lab CA (public): the agent trusts it alone for the https endpoint */
                fprintf(o.f, "  endpoint_ca: |\n");
                for (const char *p = secrets->endpoint_ca; *p;) {
                        size_t n = strcspn(p, "\n");
                        if (n > 0)
                                fprintf(o.f, "    %.*s\n", (int) n, p);
                        p += n;
                        p += *p == '\n';
                }
        }
        fprintf(o.f, "  cluster_key: \"%s\"\n", key);
        if (secrets->token[0])
                fprintf(o.f, "  token: \"%s\"\n", secrets->token);
        yaml_duration(o.f, 2, "token_ttl", c->token_ttl_s);
        yaml_duration(o.f, 2, "join_timeout", c->join_timeout_s);
        fprintf(o.f, "  hosts:\n");
        for (size_t i = 0; i < c->n_hosts; i++) {
                format_ipv4(c->hosts[i].address, a);
                fprintf(o.f, "    - name: ");
                yaml_string(o.f, c->hosts[i].name);
                fprintf(o.f, "\n      address: %s\n", a);
                if (c->hosts[i].pod_subnet) {
                        format_ipv4(c->hosts[i].pod_subnet, a);
                        fprintf(o.f, "      pod_subnet: %s/%u\n", a, FB_POD_SUBNET_PREFIX);
                }
        }
        fprintf(o.f, "  kubernetes:\n");
        yaml_kv(o.f, 4, "version", c->k8s.version);
        snprintf(control_plane, sizeof(control_plane), "%s:%u", c->k8s.control_plane_host, c->k8s.control_plane_port);
        fprintf(o.f, "    control_plane: \"%s\"\n", control_plane);
        yaml_kv(o.f, 4, "image_repository", c->k8s.image_repository);
        yaml_cidr(o.f, 4, "service_cidr", c->k8s.service_net, c->k8s.service_prefix);
        yaml_cidr(o.f, 4, "pod_cidr", c->k8s.pod_net, c->k8s.pod_prefix);
        yaml_kv(o.f, 4, "cni", c->k8s.cni);
        yaml_kv(o.f, 4, "runtime", c->k8s.runtime);
        if (c->k8s.ignore_preflight) {
                char names[64];
                preflight_names_join(c->k8s.ignore_preflight, names, sizeof(names));
                fprintf(o.f, "    ignore_preflight_errors: [%s]\n", names);
        }
        if (c->k8s.control_plane_timeout_s)
                yaml_duration(o.f, 4, "control_plane_timeout", c->k8s.control_plane_timeout_s);
        if (c->k8s.no_leader_election)
                yaml_kv(o.f, 4, "leader_election", "off");
        fprintf(o.f, "  host:\n");
        yaml_kv(o.f, 4, "swap", swap_to_string(c->host.swap));
        yaml_kv(o.f, 4, "selinux", selinux_to_string(c->host.selinux));
        yaml_kv(o.f, 4, "firewall", firewall_to_string(c->host.firewall));
        fprintf(o.f, "    grow_root: %s\n", c->host.grow_root ? "true" : "false");
        if (c->host.n_sysctls > 0) {
                fprintf(o.f, "    sysctls:\n");
                for (size_t i = 0; i < c->host.n_sysctls; i++) {
                        fprintf(o.f, "      ");
                        yaml_string(o.f, c->host.sysctls[i].key);
                        fprintf(o.f, ": ");
                        yaml_string(o.f, c->host.sysctls[i].value);
                        fputc('\n', o.f);
                }
        }
        if (c->n_ssh_keys > 0) {
                fprintf(o.f, "ssh_authorized_keys:\n");
                for (size_t i = 0; i < c->n_ssh_keys; i++) {
                        fprintf(o.f, "  - ");
                        yaml_string(o.f, c->ssh_keys[i]);
                        fputc('\n', o.f);
                }
        }
        return memstream_close(&o, true, ret, ret_size);
}

int seedgen_render_meta_data(const struct seedgen_inventory *inv, const struct seedgen_node *node,
                             const char *instance_id, char **ret, size_t *ret_size) {
        struct memstream o;
        int r;

        r = memstream_open(&o);
        if (r < 0)
                return r;
        yaml_kv(o.f, 0, "instance-id", instance_id);
        yaml_kv(o.f, 0, "local-hostname", node->name);
        yaml_kv(o.f, 0, "role", role_to_string(node->role));
        return memstream_close(&o, false, ret, ret_size);
}

int seedgen_render_network_config(const struct seedgen_inventory *inv, const struct seedgen_node *node, char **ret,
                                  size_t *ret_size) {
        char a[16];
        struct memstream o;
        int r;

        r = memstream_open(&o);
        if (r < 0)
                return r;
        fprintf(o.f, "# NoCloud network-config version 1 (cloud-init's format), written by kube-firstboot seed\n"
                     "version: 1\n"
                     "config:\n"
                     "  - type: physical\n");
        yaml_kv(o.f, 4, "name", node->interface);
        if (node->mac[0])
                fprintf(o.f, "    mac_address: \"%s\"\n", node->mac);
        format_ipv4(node->address, a);
        fprintf(o.f, "    subnets:\n"
                     "      - type: static\n"
                     "        address: %s/%u\n",
                a, inv->prefix);
        if (inv->gateway) {
                format_ipv4(inv->gateway, a);
                fprintf(o.f, "        gateway: %s\n", a);
        }
        if (inv->n_dns > 0) {
                fprintf(o.f, "        dns_nameservers:\n");
                for (unsigned i = 0; i < inv->n_dns; i++) {
                        format_ipv4(inv->dns[i], a);
                        fprintf(o.f, "          - %s\n", a);
                }
        }
        if (inv->search[0]) {
                const char *p = inv->search;
                fprintf(o.f, "        dns_search:\n");
                while (*p) {
                        size_t n = strcspn(p, " ");
                        fprintf(o.f, "          - %.*s\n", (int) n, p);
                        p += n;
                        p += *p == ' ';
                }
        }
        return memstream_close(&o, false, ret, ret_size);
}

enum seedgen_listen_from seedgen_server_listen(const struct seedgen_inventory *inv, char ret[static 22]) {
        const char *endpoint = inv->cluster.endpoint, *rest, *colon;
        bool https = strncmp(endpoint, "https://", 8) == 0;
        unsigned long long port = https ? 443 : 80;
        char host[256];
        size_t authority_len, host_len;
        uint32_t address;

        if (inv->server_listen_port) {
                format_ipv4(inv->server_listen_address, ret);
                snprintf(ret + strlen(ret), 7, ":%u", inv->server_listen_port);
                return SEEDGEN_LISTEN_INVENTORY;
        }
        /* the endpoint is checked (config_field_endpoint): http(s)://host[:port]/[path/], no IPv6 */
        rest = endpoint + (https ? 8 : 7);
        authority_len = strcspn(rest, "/");
        /* https:// is the server's own (its tls section); a path needs a proxy that maps it to / */
        if (rest[authority_len] && rest[authority_len + 1]) {
                snprintf(ret, 22, "127.0.0.1:%d", SEEDGEN_SERVER_PORT);
                return SEEDGEN_LISTEN_PROXY;
        }
        colon = memchr(rest, ':', authority_len);
        host_len = colon ? (size_t) (colon - rest) : authority_len;
        if (colon) {
                char text[8] = "";
                size_t n = authority_len - host_len - 1;
                if (n < sizeof(text))
                        memcpy(text, colon + 1, n);
                if (parse_uint(text, 1, 65535, &port) < 0)
                        port = SEEDGEN_SERVER_PORT;
        }
        snprintf(host, sizeof(host), "%.*s", (int) host_len, rest);
        if (parse_ipv4(host, &address) < 0) {
                snprintf(ret, 22, "127.0.0.1:%llu", port);
                return SEEDGEN_LISTEN_HOST_NAME;
        }
        format_ipv4(address, ret);
        snprintf(ret + strlen(ret), 7, ":%llu", port);
        return SEEDGEN_LISTEN_ENDPOINT;
}

/* The endpoint's own address where it has one: never every address (0.0.0.0) unless the inventory says so. */
static void server_listen(FILE *f, const struct seedgen_inventory *inv) {
        char listen[22];

        switch (seedgen_server_listen(inv, listen)) {
        case SEEDGEN_LISTEN_INVENTORY:
                fprintf(f, "# Where the server listens: the inventory's server_listen\n");
                break;
        case SEEDGEN_LISTEN_ENDPOINT:
                fprintf(f, "# Where the server listens: the endpoint's address, so that it answers there only; the nodes\n"
                           "# reach it as %s\n",
                        inv->cluster.endpoint);
                break;
        case SEEDGEN_LISTEN_PROXY:
                fprintf(f, "# The endpoint %s has a path: a proxy on this host answers it and\n"
                           "# forwards to the server, which listens on loopback only (server_listen in the inventory\n"
                           "# for a proxy on another host)\n",
                        inv->cluster.endpoint);
                break;
        case SEEDGEN_LISTEN_HOST_NAME:
                fprintf(f, "# The endpoint %s names a host, whose address kube-firstboot seed does not look up:\n"
                           "# loopback only, until server_listen in the inventory gives the server's lab address\n",
                        inv->cluster.endpoint);
                break;
        }
        fprintf(f, "listen: %s\n", listen);
}

/* Every node, for the server to serve each seed to its own node only: the agreed nodes: list. */
static void server_nodes(FILE *f, const struct seedgen_inventory *inv) {
        char a[16];

        fprintf(f, "# Each node's seed is served to that node only: from its address, or before it has that address\n"
                   "# (PXE, DHCP) from its MAC; /v1/seeds/ finds it by name, uuid or mac (aa-bb-cc-dd-ee-ff)\n"
                   "nodes:\n");
        for (size_t i = 0; i < inv->n_nodes; i++) {
                const struct seedgen_node *n = &inv->nodes[i];

                format_ipv4(n->address, a);
                fprintf(f, "  - name: ");
                yaml_string(f, n->name);
                fprintf(f, "\n    address: %s\n", a);
                if (n->mac[0])
                        fprintf(f, "    mac: \"%s\"\n", n->mac);
                if (n->uuid[0])
                        fprintf(f, "    uuid: \"%s\"\n", n->uuid);
        }
}

int seedgen_render_server_yaml(const struct seedgen_inventory *inv, const char *bearer, const char *seed_dir,
                               char **ret, size_t *ret_size) {
        struct memstream o;
        int r;

        r = memstream_open(&o);
        if (r < 0)
                return r;
        fprintf(o.f, "# kube-firstboot-server configuration for cluster %s, written by kube-firstboot seed.\n"
                     "# SECRET: the bearer authorises writing this cluster's join records: keep this file 0600.\n"
                     "# Use it as it is (kube-firstboot-server --config THIS-FILE), or copy seed_dir, nodes and the\n"
                     "# clusters entry into /etc/kube-firstboot/server.yaml (kube-firstboot-server(8)).\n",
                inv->cluster.cluster_name);
        server_listen(o.f, inv);
        fprintf(o.f, "# The seeds, served as GET /v1/seeds/<node>/<file>\n"
                     "seed_dir: ");
        yaml_string(o.f, seed_dir);
        fprintf(o.f, "\n"
                     "# For PXE installs, the kickstart served as /%s (kickstart/):\n"
                     "# ks_dir: /var/lib/kube-firstboot-server/ks\n"
                     "clusters:\n"
                     "  - name: %s\n"
                     "    bearer: %s\n",
                SEEDGEN_KICKSTART_PATH, inv->cluster.cluster_name, bearer);
        server_nodes(o.f, inv);
        if (strncmp(inv->cluster.endpoint, "https://", 8) == 0)
                seedgen_write_server_tls(o.f, seed_dir);
        return memstream_close(&o, true, ret, ret_size);
}

/* Opens the stream of a boot loader's file and writes its header. */
static int pxe_open(struct memstream *o, const struct seedgen_inventory *inv, const struct seedgen_node *node,
                    const char *loader) {
        int r;

        r = memstream_open(o);
        if (r < 0)
                return r;
        fprintf(o->f, "# kube-firstboot: PXE install of %s (cluster %s) by %s, for the network card %s;\n"
                      "# written by kube-firstboot seed. %s and %s are the CentOS 7.9 installer's\n"
                      "# images/pxeboot/vmlinuz and initrd.img, below the TFTP root. The kickstart and the node's seed\n"
                      "# come from the endpoint. Boot from disk first: a blank disk falls through to this menu, an\n"
                      "# installed machine boots itself instead of installing again (docs/seed-generator.md).\n",
                node->name, inv->cluster.cluster_name, loader, node->mac, SEEDGEN_PXE_KERNEL, SEEDGEN_PXE_INITRD);
        return 0;
}

static void kernel_args(FILE *f, const struct seedgen_inventory *inv, const struct seedgen_node *node) {
        /* the endpoint ends in '/'; kube_firstboot.seed= reaches the agent through the kickstart's %post */
        fprintf(f, "ip=dhcp inst.ks=%s%s kube_firstboot.seed=%sv1/seeds/%s/", inv->cluster.endpoint,
                SEEDGEN_KICKSTART_PATH, inv->cluster.endpoint, node->name);
        /* the lab CA, which the kickstart's %post installs as the seed CA of the https seed URL */
        if (inv->pxe_seed_ca)
                fprintf(f, " kube_firstboot.seed_ca=%s", inv->pxe_seed_ca);
}

int seedgen_render_pxelinux(const struct seedgen_inventory *inv, const struct seedgen_node *node, char **ret,
                            size_t *ret_size) {
        struct memstream o;
        int r;

        r = pxe_open(&o, inv, node, "pxelinux");
        if (r < 0)
                return r;
        fprintf(o.f, "DEFAULT kube-firstboot\n"
                     "PROMPT 0\n"
                     "TIMEOUT 50\n"
                     "LABEL kube-firstboot\n"
                     "  MENU LABEL Install CentOS 7 as %s (cluster %s, kube-firstboot)\n"
                     "  KERNEL %s\n"
                     "  APPEND initrd=%s ",
                node->name, inv->cluster.cluster_name, SEEDGEN_PXE_KERNEL, SEEDGEN_PXE_INITRD);
        kernel_args(o.f, inv, node);
        /* IPAPPEND 2 adds BOOTIF=, so the installer brings up the card it booted from */
        fprintf(o.f, "\n"
                     "  IPAPPEND 2\n");
        return memstream_close(&o, false, ret, ret_size);
}

int seedgen_render_grub(const struct seedgen_inventory *inv, const struct seedgen_node *node, char **ret,
                        size_t *ret_size) {
        struct memstream o;
        int r;

        r = pxe_open(&o, inv, node, "GRUB (UEFI)");
        if (r < 0)
                return r;
        fprintf(o.f, "set default=0\n"
                     "set timeout=5\n"
                     "menuentry 'Install CentOS 7 as %s (cluster %s, kube-firstboot)' {\n"
                     "\tlinuxefi %s ",
                node->name, inv->cluster.cluster_name, SEEDGEN_PXE_KERNEL);
        kernel_args(o.f, inv, node);
        fprintf(o.f, "\n"
                     "\tinitrdefi %s\n"
                     "}\n",
                SEEDGEN_PXE_INITRD);
        return memstream_close(&o, false, ret, ret_size);
}

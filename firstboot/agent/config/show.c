/* SPDX-License-Identifier: MIT */
/* show-seed: the validated configuration as YAML, secrets (cluster key, token) masked. */
#include <stdio.h>
#include <string.h>

#include "config/config-parse.h"
#include "macro.h"
#include "pem.h"
#include "parse.h"
#include "yaml-tree.h"

/* Plain when a YAML 1.1 reader would take it as the same string; double-quoted otherwise. */
static void show_string(FILE *f, const char *s) {
        bool plain = s[0] != 0;
        size_t dots = 0;

        for (const char *p = s; *p && plain; p++) {
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("._/-", *p)))
                        plain = false;
                dots += *p == '.';
        }
        if (plain && !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '/'))
                plain = (s[0] >= '0' && s[0] <= '9') && (dots >= 2 || strchr(s, '/')); /* addresses, CIDRs */
        yaml_write_scalar(f, s, plain, false);
}

static void show_kv(FILE *f, int indent, const char *key, const char *value) {
        fprintf(f, "%*s", indent, "");
        show_string(f, key);
        fputs(": ", f);
        show_string(f, value);
        fputc('\n', f);
}

static void show_duration(FILE *f, int indent, const char *key, unsigned long long s) {
        char buf[64] = "";
        size_t len = 0;

        if (s / 3600)
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%lluh", s / 3600);
        if (s % 3600 / 60)
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%llum", s % 3600 / 60);
        if (s % 60 || len == 0)
                snprintf(buf + len, sizeof(buf) - len, "%llus", s % 60);
        show_kv(f, indent, key, buf);
}

static void show_cidr(FILE *f, int indent, const char *key, uint32_t net, unsigned prefix) {
        char a[16], buf[24];
        format_ipv4(net, a);
        snprintf(buf, sizeof(buf), "%s/%u", a, prefix);
        show_kv(f, indent, key, buf);
}


/* An interface as network-config names it: its name, else its MAC. */
static const char *iface_display_name(const struct fb_iface *iface) {
        return iface->name[0] ? iface->name : iface->mac;
}

/* A bond's or bridge's interfaces and parameters, a VLAN's id and link, a member's bond or bridge. */
static void show_netdev(FILE *f, const struct fb_config *c, const struct fb_iface *iface) {
        if (iface->kind == FB_IFACE_BOND || iface->kind == FB_IFACE_BRIDGE) {
                const struct fb_netdev_param_info *table =
                        iface->kind == FB_IFACE_BOND ? fb_bond_params : fb_bridge_params;

                fprintf(f, "      interfaces: [");
                for (unsigned i = 0; i < iface->n_members && i < FB_MAX_MEMBERS; i++)
                        fprintf(f, "%s%s", i ? ", " : "", iface_display_name(&c->ifaces[iface->members[i]]));
                fprintf(f, "]\n");
                if (iface->primary)
                        fprintf(f, "      primary: %s\n", iface_display_name(&c->ifaces[iface->primary - 1]));
                if (iface->n_params) {
                        fprintf(f, "      parameters: {");
                        for (unsigned i = 0; i < iface->n_params && i < FB_MAX_NETDEV_PARAMS; i++) {
                                const struct fb_netdev_param_info *info = &table[iface->params[i].id];
                                fprintf(f, "%s%s: %s%s", i ? ", " : "", info->name,
                                        info->type == FB_PARAM_BOOL ? (streq(iface->params[i].value, "1") ? "on" : "off")
                                                                    : iface->params[i].value,
                                        info->type == FB_PARAM_MS ? "ms" : info->type == FB_PARAM_SECONDS ? "s" : "");
                        }
                        fprintf(f, "}\n");
                }
        }
        if (iface->kind == FB_IFACE_VLAN)
                fprintf(f, "      vlan: %u on %s\n", iface->vlan_id, iface_display_name(&c->ifaces[iface->link]));
        if (iface->master)
                fprintf(f, "      member of: %s\n", iface_display_name(&c->ifaces[iface->master - 1]));
}
void config_show(FILE *f, const struct fb_config *c, const char *origin) {
        char a[16], buf[512];

        fprintf(f, "# kube-firstboot show-seed: the validated seed; secrets are masked\n");
        show_kv(f, 0, "origin", origin ? origin : "");
        fprintf(f, "meta-data:\n");
        show_kv(f, 2, "instance-id", c->instance_id);
        show_kv(f, 2, "local-hostname", c->hostname);
        show_kv(f, 2, "role", role_to_string(c->role));

        fprintf(f, "user-data:\n  kube_firstboot:\n");
        show_kv(f, 4, "cluster", c->cluster_name);
        show_kv(f, 4, "endpoint", c->endpoint);
        if (c->endpoint_ca) {
                const char *reason;
                /* public, but long: how many certificates, not the PEM */
                fprintf(f, "    endpoint_ca: \"<%d certificate(s), %zu bytes of PEM>\"\n",
                        pem_certificates_check(c->endpoint_ca, c->endpoint_ca_size, &reason), c->endpoint_ca_size);
        }
        fprintf(f, "    cluster_key: %s\n", c->have_cluster_key ? "\"<redacted: 32 bytes>\"" : "null");
        fprintf(f, "    token: %s\n", c->token[0] ? "\"<redacted: bootstrap token>\"" : "null");
        show_duration(f, 4, "token_ttl", c->token_ttl_s);
        show_duration(f, 4, "join_timeout", c->join_timeout_s);
        fprintf(f, "    hosts:%s\n", c->n_hosts ? "" : " []");
        for (size_t i = 0; i < c->n_hosts; i++) {
                format_ipv4(c->hosts[i].address, a);
                fprintf(f, "      - name: %s\n        address: %s\n", c->hosts[i].name, a);
                if (c->hosts[i].pod_subnet) {
                        format_ipv4(c->hosts[i].pod_subnet, a);
                        fprintf(f, "        pod_subnet: %s/%u\n", a, FB_POD_SUBNET_PREFIX);
                }
        }
        fprintf(f, "    kubernetes:\n");
        show_kv(f, 6, "version", c->k8s.version);
        snprintf(buf, sizeof(buf), "%s:%u", c->k8s.control_plane_host, c->k8s.control_plane_port);
        show_kv(f, 6, "control_plane", buf);
        show_kv(f, 6, "image_repository", c->k8s.image_repository);
        show_cidr(f, 6, "service_cidr", c->k8s.service_net, c->k8s.service_prefix);
        show_cidr(f, 6, "pod_cidr", c->k8s.pod_net, c->k8s.pod_prefix);
        show_kv(f, 6, "cni", c->k8s.cni);
        show_kv(f, 6, "runtime", c->k8s.runtime);
        preflight_names_join(c->k8s.ignore_preflight, buf, sizeof(buf));
        fprintf(f, "      ignore_preflight_errors: [%s]\n", buf);
        if (c->k8s.control_plane_timeout_s)
                show_duration(f, 6, "control_plane_timeout", c->k8s.control_plane_timeout_s);
        else
                fprintf(f, "      control_plane_timeout: null\n");
        show_kv(f, 6, "leader_election", c->k8s.no_leader_election ? "off" : "on");
        fprintf(f, "    host:\n");
        show_kv(f, 6, "swap", swap_to_string(c->host.swap));
        show_kv(f, 6, "selinux", selinux_to_string(c->host.selinux));
        show_kv(f, 6, "firewall", firewall_to_string(c->host.firewall));
        fprintf(f, "      grow_root: %s\n", c->host.grow_root ? "true" : "false");
        fprintf(f, "      sysctls:%s\n", c->host.n_sysctls ? "" : " {}");
        for (size_t i = 0; i < c->host.n_sysctls; i++)
                show_kv(f, 8, c->host.sysctls[i].key, c->host.sysctls[i].value);
        fprintf(f, "  ssh_authorized_keys:%s\n", c->n_ssh_keys ? "" : " []");
        for (size_t i = 0; i < c->n_ssh_keys; i++) {
                fprintf(f, "    - ");
                show_string(f, c->ssh_keys[i]);
                fputc('\n', f);
        }

        if (!c->have_network_config) {
                fprintf(f, "network-config: null  # none: the network is left as it is\n");
                return;
        }
        fprintf(f, "network-config:\n  interfaces:\n");
        for (size_t i = 0; i < c->n_ifaces; i++) {
                const struct fb_iface *iface = &c->ifaces[i];
                bool first = true;

#define ITEM(key) fprintf(f, "%s%s: ", first ? "    - " : "      ", key), first = false
                if (iface->name[0]) {
                        ITEM("name"); /* with mac: the name the interface with that MAC gets */
                        show_string(f, iface->name);
                        fputc('\n', f);
                }
                if (iface->mac[0]) {
                        ITEM("mac");
                        fprintf(f, "\"%s\"\n", iface->mac);
                }
                if (iface->kind != FB_IFACE_ETHERNET) {
                        ITEM("kind");
                        fprintf(f, "%s\n", iface->kind == FB_IFACE_BOND     ? "bond"
                                           : iface->kind == FB_IFACE_BRIDGE ? "bridge"
                                                                            : "vlan");
                }
                show_netdev(f, c, iface);
                ITEM("address");
                if (iface->address) {
                        format_ipv4(iface->address, a);
                        fprintf(f, "%s/%u\n", a, iface->prefix);
                } else if (iface->dhcp)
                        fprintf(f, "dhcp\n");
                else if (iface->master)
                        fprintf(f, "none  # a member of %s, which has the addresses\n",
                                iface_display_name(&c->ifaces[iface->master - 1]));
                else
                        fprintf(f, "none  # no address configuration: the interface is left without an address\n");
#undef ITEM
                if (iface->n_more) {
                        fprintf(f, "      more_addresses: [");
                        for (unsigned j = 0; j < iface->n_more && j < FB_MAX_ADDRS - 1; j++) {
                                format_ipv4(iface->more[j].address, a);
                                fprintf(f, "%s%s/%u", j ? ", " : "", a, iface->more[j].prefix);
                        }
                        fprintf(f, "]\n");
                }
                if (iface->mtu)
                        fprintf(f, "      mtu: %u\n", iface->mtu);
                if (iface->n_routes) {
                        char via[16];
                        fprintf(f, "      routes: [");
                        for (unsigned j = 0; j < iface->n_routes && j < FB_MAX_ROUTES; j++) {
                                format_ipv4(iface->routes[j].net, a);
                                format_ipv4(iface->routes[j].via, via);
                                fprintf(f, "%s\"%s/%u via %s\"", j ? ", " : "", a, iface->routes[j].prefix, via);
                        }
                        fprintf(f, "]\n");
                }
                if (iface->gateway) {
                        format_ipv4(iface->gateway, a);
                        fprintf(f, "      gateway: %s\n", a);
                }
                if (iface->n_dns) {
                        fprintf(f, "      dns: [");
                        for (unsigned j = 0; j < iface->n_dns; j++) {
                                format_ipv4(iface->dns[j], a);
                                fprintf(f, "%s%s", j ? ", " : "", a);
                        }
                        fprintf(f, "]\n");
                }
                if (iface->search[0]) {
                        const char *p = iface->search;
                        fprintf(f, "      search: [");
                        while (*p) {
                                size_t n = strcspn(p, " ");
                                fprintf(f, "%s%.*s", p == iface->search ? "" : ", ", (int) n, p);
                                p += n;
                                p += *p == ' ';
                        }
                        fprintf(f, "]\n");
                }
        }
}

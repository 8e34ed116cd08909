/* SPDX-License-Identifier: MIT */
/* Checks across the seed's files once each is parsed: hosts (unique names and addresses, this node
 * among them) against network-config's address, the pod and service networks against the node's
 * subnet, the control plane against hosts and subnet, and the role against the control plane's
 * address. A value that is a default is reported at the kube_firstboot: key. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config-parse.h"
#include "log.h"
#include "macro.h"
#include "parse.h"

static const char *pos_str(const struct yaml_pos *p, char *buf, size_t size) {
        if (!p->file)
                snprintf(buf, size, "default");
        else
                snprintf(buf, size, "%s:%u:%u", p->file, p->line, p->column);
        return buf;
}

/* Logs "FILE:LINE:COLUMN: field: message" at pos, or at fallback when pos is a default. */
static int pos_error(const struct yaml_pos *pos, const struct yaml_pos *fallback, const char *field, const char *fmt, ...)
        _printf_(4, 5);
static int pos_error(const struct yaml_pos *pos, const struct yaml_pos *fallback, const char *field, const char *fmt, ...) {
        const struct yaml_pos *p = pos->file ? pos : fallback;
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (p && p->file)
                log_error("%s:%u:%u: %s: %s", p->file, p->line, p->column, field, msg);
        else
                log_error("%s: %s", field, msg);
        return -EINVAL;
}

static bool in_cidr(uint32_t a, uint32_t net, unsigned prefix) {
        return (a & prefix_mask(prefix)) == net;
}

struct named_cidr {
        const char *field;
        uint32_t net;
        unsigned prefix;
        const struct yaml_pos *pos;
};

/* kubernetes.cni host-gw: every host has its own /24 of the pod network (hosts[].pod_subnet), this node
 * among them, since each node routes the others' /24 to their addresses; without host-gw no host has one. */
static int check_pod_subnets(const struct fb_config *c) {
        const struct yaml_pos *kf = &c->kube_firstboot_pos;
        bool host_gw = config_cni_host_gw(c);
        char field[64], a[16], b[16];
        int r = 0;

        for (size_t i = 0; i < c->n_hosts; i++) {
                const struct fb_host_entry *h = &c->hosts[i];

                snprintf(field, sizeof(field), "kube_firstboot.hosts[%zu].pod_subnet", i);
                if (!host_gw) {
                        if (h->pod_subnet)
                                r = pos_error(&h->pod_subnet_pos, kf, field,
                                              "is only for kubernetes.cni: host-gw (the seed's is %s)", c->k8s.cni);
                        continue;
                }
                if (!h->pod_subnet) {
                        r = pos_error(&h->pos, kf, field,
                                      "%s has none; kubernetes.cni host-gw needs a /24 of kubernetes.pod_cidr for "
                                      "every host (kube-firstboot seed writes them)", h->name);
                        continue;
                }
                format_ipv4(h->pod_subnet, a);
                format_ipv4(c->k8s.pod_net, b);
                if (!in_cidr(h->pod_subnet, c->k8s.pod_net, c->k8s.pod_prefix)) /* pod_prefix is at most /23 */
                        r = pos_error(&h->pod_subnet_pos, kf, field, "%s/%u is outside kubernetes.pod_cidr %s/%u", a,
                                      FB_POD_SUBNET_PREFIX, b, c->k8s.pod_prefix);
                for (size_t j = 0; j < i; j++)
                        if (c->hosts[j].pod_subnet == h->pod_subnet)
                                r = pos_error(&h->pod_subnet_pos, kf, field, "%s/%u is already %s's (line %u)", a,
                                              FB_POD_SUBNET_PREFIX, c->hosts[j].name, c->hosts[j].pod_subnet_pos.line);
        }
        if (host_gw && c->n_hosts == 0) /* with hosts but not this node, local-hostname's error says it */
                r = pos_error(&c->k8s.cni_pos, kf, "kube_firstboot.kubernetes.cni",
                              "host-gw needs kube_firstboot.hosts: every node with its address and pod_subnet");
        return r;
}

int config_validate(struct fb_config *c) {
        const struct yaml_pos *kf = &c->kube_firstboot_pos;
        const struct fb_host_entry *self = NULL;
        const struct fb_iface *node_iface = NULL;
        const struct yaml_pos *subnet_pos = NULL;
        const char *subnet_from = NULL;
        uint32_t node_addr = 0, subnet = 0, cp_addr = 0;
        unsigned subnet_prefix = 0;
        char a[16], b[16], where[4400];
        bool node_addr_doubtful = false, cp_doubtful = false; /* already reported: no follow-up errors */
        int r = 0;

        if (!c->k8s.control_plane_host[0])
                strscpy(c->k8s.control_plane_host, sizeof(c->k8s.control_plane_host), DEFAULT_CONTROL_PLANE);

        struct named_cidr cidrs[] = {
                { "kube_firstboot.kubernetes.pod_cidr", c->k8s.pod_net, c->k8s.pod_prefix, &c->k8s.pod_pos },
                { "kube_firstboot.kubernetes.service_cidr", c->k8s.service_net, c->k8s.service_prefix,
                  &c->k8s.service_pos },
        };

        /* a pinned CA only means something for TLS: with http:// it would be silently unused */
        if (c->endpoint_ca && strncmp(c->endpoint, "https://", 8) != 0)
                r = pos_error(&c->endpoint_ca_pos, kf, "kube_firstboot.endpoint_ca",
                              "is set, but the endpoint %s is not https://: the CA would not be used", c->endpoint);

        /* hosts: unique names and addresses; find this node */
        for (size_t i = 0; i < c->n_hosts; i++) {
                const struct fb_host_entry *h = &c->hosts[i];
                char field[64];

                for (size_t j = 0; j < i; j++) {
                        if (streq(c->hosts[j].name, h->name)) {
                                snprintf(field, sizeof(field), "kube_firstboot.hosts[%zu].name", i);
                                r = pos_error(&h->pos, kf, field, "\"%s\" is listed twice (first at line %u)", h->name,
                                              c->hosts[j].pos.line);
                        }
                        if (c->hosts[j].address == h->address) {
                                snprintf(field, sizeof(field), "kube_firstboot.hosts[%zu].address", i);
                                format_ipv4(h->address, a);
                                r = pos_error(&h->address_pos, kf, field, "%s is already %s's address (line %u)", a,
                                              c->hosts[j].name, c->hosts[j].address_pos.line);
                        }
                }
                for (size_t k = 0; k < ELEMENTSOF(cidrs); k++)
                        if (in_cidr(h->address, cidrs[k].net, cidrs[k].prefix)) {
                                snprintf(field, sizeof(field), "kube_firstboot.hosts[%zu].address", i);
                                format_ipv4(h->address, a);
                                format_ipv4(cidrs[k].net, b);
                                r = pos_error(&h->address_pos, kf, field, "%s is inside %s %s/%u", a,
                                              strrchr(cidrs[k].field, '.') + 1, b, cidrs[k].prefix);
                        }
                if (!self && streq(h->name, c->hostname))
                        self = h;
        }
        if (c->n_hosts > 0 && !self) {
                char names[256];
                size_t len = 0;
                for (size_t i = 0; i < c->n_hosts && len < sizeof(names); i++) {
                        int k = snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "", c->hosts[i].name);
                        len += k > 0 ? (size_t) k : 0;
                }
                r = pos_error(&c->hostname_pos, NULL, "local-hostname", "\"%s\" is not in kube_firstboot.hosts (%s)",
                              c->hostname, names);
        }

        /* this node's address and subnet */
        for (size_t i = 0; i < c->n_ifaces && !node_iface; i++)
                if (c->ifaces[i].address)
                        node_iface = &c->ifaces[i];
        if (node_iface) {
                node_addr = node_iface->address;
                subnet = node_addr & prefix_mask(node_iface->prefix);
                subnet_prefix = node_iface->prefix;
                subnet_pos = &node_iface->pos;
                subnet_from = "network-config";
                if (self && self->address != node_addr) {
                        char field[64];
                        snprintf(field, sizeof(field), "kube_firstboot.hosts[%zu].address", (size_t) (self - c->hosts));
                        format_ipv4(self->address, a);
                        format_ipv4(node_addr, b);
                        r = pos_error(&self->address_pos, kf, field,
                                      "%s for %s (this node) differs from its network-config address %s (%s)", a,
                                      self->name, b, pos_str(&node_iface->pos, where, sizeof(where)));
                        node_addr_doubtful = true;
                }
        } else if (self) {
                node_addr = self->address;
                subnet = node_addr & prefix_mask(24);
                subnet_prefix = 24;
                subnet_pos = &self->address_pos;
                subnet_from = "hosts, assuming a /24";
        }

        /* pod network, service network and the node's subnet must not overlap */
        if (cidr4_overlap(c->k8s.pod_net, c->k8s.pod_prefix, c->k8s.service_net, c->k8s.service_prefix)) {
                const struct named_cidr *at = c->k8s.pod_pos.file ? &cidrs[0] : &cidrs[1];
                const struct named_cidr *other = at == &cidrs[0] ? &cidrs[1] : &cidrs[0];
                format_ipv4(at->net, a);
                format_ipv4(other->net, b);
                r = pos_error(at->pos, kf, at->field, "%s%s/%u overlaps %s %s/%u", at->pos->file ? "" : "the default ",
                              a, at->prefix, strrchr(other->field, '.') + 1, b, other->prefix);
        }
        if (subnet_pos)
                for (size_t k = 0; k < ELEMENTSOF(cidrs); k++)
                        if (cidr4_overlap(cidrs[k].net, cidrs[k].prefix, subnet, subnet_prefix)) {
                                format_ipv4(cidrs[k].net, a);
                                format_ipv4(subnet, b);
                                r = pos_error(cidrs[k].pos, kf, cidrs[k].field,
                                              "%s%s/%u overlaps this node's subnet %s/%u (from %s, %s)",
                                              cidrs[k].pos->file ? "" : "the default ", a, cidrs[k].prefix, b,
                                              subnet_prefix, subnet_from, pos_str(subnet_pos, where, sizeof(where)));
                        }

        if (check_pod_subnets(c) < 0)
                r = -EINVAL;

        /* the control plane */
        if (parse_ipv4(c->k8s.control_plane_host, &cp_addr) < 0) {
                cp_addr = 0;
                for (size_t i = 0; i < c->n_hosts; i++)
                        if (streq(c->hosts[i].name, c->k8s.control_plane_host))
                                cp_addr = c->hosts[i].address;
        }
        if (!c->k8s.control_plane_pos.file) {
                bool listed = c->n_hosts == 0;
                for (size_t i = 0; i < c->n_hosts; i++)
                        listed |= c->hosts[i].address == cp_addr;
                cp_doubtful = !listed || (subnet_pos && !in_cidr(cp_addr, subnet, subnet_prefix));
                if (!listed)
                        r = pos_error(&c->k8s.control_plane_pos, kf, "kube_firstboot.kubernetes.control_plane",
                                      "not set, and the default %s (the reference lab's) is not in "
                                      "kube_firstboot.hosts; set it to the control plane's address",
                                      DEFAULT_CONTROL_PLANE);
                else if (subnet_pos && !in_cidr(cp_addr, subnet, subnet_prefix)) {
                        format_ipv4(subnet, b);
                        r = pos_error(&c->k8s.control_plane_pos, kf, "kube_firstboot.kubernetes.control_plane",
                                      "not set, and the default %s (the reference lab's) is not in this node's subnet "
                                      "%s/%u; set it to the control plane's address",
                                      DEFAULT_CONTROL_PLANE, b, subnet_prefix);
                }
        }
        if (cp_addr)
                for (size_t k = 0; k < ELEMENTSOF(cidrs); k++)
                        if (in_cidr(cp_addr, cidrs[k].net, cidrs[k].prefix)) {
                                format_ipv4(cp_addr, a);
                                format_ipv4(cidrs[k].net, b);
                                r = pos_error(&c->k8s.control_plane_pos, kf, "kube_firstboot.kubernetes.control_plane",
                                              "%s%s is inside %s %s/%u",
                                              c->k8s.control_plane_pos.file ? "" : "the default ", a,
                                              strrchr(cidrs[k].field, '.') + 1, b, cidrs[k].prefix);
                        }
        if (node_addr && cp_addr && !node_addr_doubtful && !cp_doubtful) {
                format_ipv4(node_addr, a);
                format_ipv4(cp_addr, b);
                if (c->role == FB_ROLE_CONTROL_PLANE && node_addr != cp_addr)
                        r = pos_error(&c->role_pos, NULL, "role",
                                      "control-plane, but this node's address %s is not kube_firstboot.kubernetes."
                                      "control_plane %s (%s)",
                                      a, b, pos_str(&c->k8s.control_plane_pos, where, sizeof(where)));
                else if (c->role == FB_ROLE_WORKER && node_addr == cp_addr)
                        r = pos_error(&c->role_pos, NULL, "role",
                                      "worker, but this node has the control plane's address %s "
                                      "(kube_firstboot.kubernetes.control_plane, %s)",
                                      a, pos_str(&c->k8s.control_plane_pos, where, sizeof(where)));
        }
        return r;
}

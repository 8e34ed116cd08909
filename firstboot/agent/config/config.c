/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "macro.h"
#include "parse.h"
#include "secret.h"

const char *const fb_preflight_names[FB_PREFLIGHT_N] = { "NumCPU", "Mem" };

void preflight_names_join(unsigned bits, char *buf, size_t size) {
        size_t len = 0;

        buf[0] = 0;
        for (size_t i = 0; i < FB_PREFLIGHT_N; i++)
                if (bits & (1u << i)) {
                        int k = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", fb_preflight_names[i]);
                        if (k < 0 || (size_t) k >= size - len)
                                break;
                        len += (size_t) k;
                }
}

void config_init(struct fb_config *c) {
        memset(c, 0, sizeof(*c));
        strscpy(c->cluster_name, sizeof(c->cluster_name), "kubernetes");
        c->token_ttl_s = 24 * 3600;
        c->join_timeout_s = 60 * 60;
        strscpy(c->k8s.version, sizeof(c->k8s.version), "v1.23.6");
        c->k8s.control_plane_port = 6443;
        strscpy(c->k8s.image_repository, sizeof(c->k8s.image_repository),
                "registry.aliyuncs.com/google_containers");
        (void) parse_cidr4("10.1.0.0/16", &c->k8s.service_net, &c->k8s.service_prefix);
        (void) parse_cidr4("10.244.0.0/16", &c->k8s.pod_net, &c->k8s.pod_prefix);
        strscpy(c->k8s.cni, sizeof(c->k8s.cni), "flannel");
        strscpy(c->k8s.runtime, sizeof(c->k8s.runtime), "docker");
        c->host.swap = FB_SWAP_OFF;
        c->host.selinux = FB_SELINUX_PERMISSIVE;
        c->host.firewall = FB_FIREWALL_OPEN;
        c->host.grow_root = true;
}

void config_done(struct fb_config *c) {
        secure_erase(c->cluster_key, sizeof(c->cluster_key));
        secure_erase(c->token, sizeof(c->token));
        for (size_t i = 0; i < c->n_ssh_keys; i++)
                free(c->ssh_keys[i]);
        c->n_ssh_keys = 0;
        free(c->endpoint_ca);
        c->endpoint_ca = NULL;
        c->endpoint_ca_size = 0;
}

const char *role_to_string(enum fb_role r) {
        switch (r) {
        case FB_ROLE_CONTROL_PLANE:
                return "control-plane";
        case FB_ROLE_WORKER:
                return "worker";
        default:
                return "unset";
        }
}

const char *swap_to_string(enum fb_swap s) {
        return s == FB_SWAP_KEEP ? "keep" : "off";
}

const char *selinux_to_string(enum fb_selinux s) {
        return s == FB_SELINUX_KEEP ? "keep" : "permissive";
}

const char *firewall_to_string(enum fb_firewall f) {
        switch (f) {
        case FB_FIREWALL_KEEP:
                return "keep";
        case FB_FIREWALL_DISABLE:
                return "disable";
        default:
                return "open";
        }
}

uint32_t config_node_address(const struct fb_config *c) {
        for (size_t i = 0; i < c->n_ifaces; i++)
                if (c->ifaces[i].address)
                        return c->ifaces[i].address;
        for (size_t i = 0; i < c->n_hosts; i++)
                if (streq(c->hosts[i].name, c->hostname))
                        return c->hosts[i].address;
        return 0;
}

bool config_cni_host_gw(const struct fb_config *c) {
        return streq(c->k8s.cni, "host-gw");
}

const struct fb_host_entry *config_self_host(const struct fb_config *c) {
        for (size_t i = 0; i < c->n_hosts; i++)
                if (streq(c->hosts[i].name, c->hostname))
                        return &c->hosts[i];
        return NULL;
}

/* SPDX-License-Identifier: MIT */
/* network-config's bonds, bridges and VLANs: their parameters (v1 params, v2 parameters) and the
 * interfaces they are made of, which entries name by v1 name or v2 id and which are resolved once every
 * entry is read. */
#include <limits.h>
#include <string.h>

#include "config/config-fields.h"
#include "config/config-parse.h"
#include "macro.h"
#include "parse.h"
#include "yaml-schema.h"

/* Bonding parameters that ifcfg's BONDING_OPTS, the .netdev's [Bond] and ip-link(8) all take. cloud-init
 * writes v2's mii-monitor-interval, up-delay and down-delay as milliseconds (its networkd renderer appends
 * "ms", its sysconfig renderer writes them into BONDING_OPTS as they are). */
const struct fb_netdev_param_info fb_bond_params[] = {
        { "mode", "mode", "mode", "Mode", FB_PARAM_CHOICE, 0, 0,
          "balance-rr active-backup balance-xor broadcast 802.3ad balance-tlb balance-alb" },
        { "miimon", "miimon", "mii-monitor-interval", "MIIMonitorSec", FB_PARAM_MS, 0, INT_MAX, NULL },
        { "lacp_rate", "lacp_rate", "lacp-rate", "LACPTransmitRate", FB_PARAM_CHOICE, 0, 0, "slow fast" },
        { "xmit_hash_policy", "xmit_hash_policy", "transmit-hash-policy", "TransmitHashPolicy", FB_PARAM_CHOICE, 0,
          0, "layer2 layer2+3 layer3+4 encap2+3 encap3+4" },
        { "updelay", "updelay", "up-delay", "UpDelaySec", FB_PARAM_MS, 0, INT_MAX, NULL },
        { "downdelay", "downdelay", "down-delay", "DownDelaySec", FB_PARAM_MS, 0, INT_MAX, NULL },
        { "min_links", "min_links", "min-links", "MinLinks", FB_PARAM_UINT, 0, 65535, NULL },
        { "ad_select", "ad_select", "ad-select", "AdSelect", FB_PARAM_CHOICE, 0, 0, "stable bandwidth count" },
        { "arp_interval", "arp_interval", "arp-interval", "ARPIntervalSec", FB_PARAM_MS, 0, INT_MAX, NULL },
        /* BONDING_OPTS and ip-link(8) separate the addresses by commas, the .netdev by spaces */
        { "arp_ip_target", "arp_ip_target", "arp-ip-targets", "ARPIPTargets", FB_PARAM_IPV4_LIST, 1,
          FB_MAX_ARP_TARGETS, NULL },
        { "arp_validate", "arp_validate", "arp-validate", "ARPValidate", FB_PARAM_CHOICE, 0, 0,
          "none active backup all" },
        { "arp_all_targets", "arp_all_targets", "arp-all-targets", "ARPAllTargets", FB_PARAM_CHOICE, 0, 0, "any all" },
        { "num_grat_arp", "num_grat_arp", "gratuitous-arp", "GratuitousARP", FB_PARAM_UINT, 0, 255, NULL },
        { "fail_over_mac", "fail_over_mac", "fail-over-mac-policy", "FailOverMACPolicy", FB_PARAM_CHOICE, 0, 0,
          "none active follow" },
        { "primary_reselect", "primary_reselect", "primary-reselect-policy", "PrimaryReselectPolicy",
          FB_PARAM_CHOICE, 0, 0, "always better failure" },
        { "all_slaves_active", "all_slaves_active", "all-slaves-active", "AllSlavesActive", FB_PARAM_BOOL, 0, 0,
          NULL },
        { "packets_per_slave", "packets_per_slave", "packets-per-slave", "PacketsPerSlave", FB_PARAM_UINT, 0, 65535,
          NULL },
        /* seconds in all three: the kernel's unit, and a .netdev's time without a unit */
        { "lp_interval", "lp_interval", "learn-packet-interval", "LearnPacketIntervalSec", FB_PARAM_UINT, 1, INT_MAX,
          NULL },
};
const size_t fb_bond_params_count = ELEMENTSOF(fb_bond_params);

/* Bridge parameters: ifcfg's STP, DELAY and BRIDGING_OPTS (sysfs names, whose times are in hundredths of
 * a second), the .netdev's [Bridge], ip-link(8)'s (stp_state; times in hundredths too). Seeds give seconds. */
const struct fb_netdev_param_info fb_bridge_params[] = {
        { "stp_state", "bridge_stp", "stp", "STP", FB_PARAM_BOOL, 0, 0, NULL },
        { "forward_delay", "bridge_fd", "forward-delay", "ForwardDelaySec", FB_PARAM_SECONDS, 0, 30, NULL },
        { "hello_time", "bridge_hello", "hello-time", "HelloTimeSec", FB_PARAM_SECONDS, 1, 10, NULL },
        { "max_age", "bridge_maxage", "max-age", "MaxAgeSec", FB_PARAM_SECONDS, 6, 40, NULL },
        { "ageing_time", "bridge_ageing", "ageing-time", "AgeingTimeSec", FB_PARAM_SECONDS, 0, 1000000, NULL },
        { "priority", "bridge_bridgeprio", "priority", "Priority", FB_PARAM_UINT, 0, 65535, NULL },
};
const size_t fb_bridge_params_count = ELEMENTSOF(fb_bridge_params);

/* Keys cloud-init documents that no renderer here can write, with why. */
static const struct {
        const char *key, *why;
} inexpressible[] = {
        { "ad_actor_key", "is a status the kernel reports, not a setting" },
        { "ad_aggregator", "is a status the kernel reports, not a setting" },
        { "ad_num_ports", "is a status the kernel reports, not a setting" },
        { "ad_partner_key", "is a status the kernel reports, not a setting" },
        { "ad_partner_mac", "is a status the kernel reports, not a setting" },
        { "mii_status", "is a status the kernel reports, not a setting" },
        { "slaves", "is a status the kernel reports; list the interfaces in bond_interfaces" },
        { "queue_id", "is a setting of each member, which neither ifcfg's BONDING_OPTS nor a .netdev has" },
        { "bridge_maxwait", "is ifupdown's wait for the ports; neither ifcfg nor systemd-networkd has it" },
        { "bridge_waitport", "is ifupdown's wait for the ports; neither ifcfg nor systemd-networkd has it" },
        { "bridge_gcint", "is gone from the kernel; neither ifcfg nor systemd-networkd has it" },
};

/* Other spellings of a key: netplan's newer names of v2's, the misspelling cloud-init and netplan take,
 * the v1 name cloud-init's v2 conversion writes. */
static const struct {
        const char *alias, *key;
} bond_aliases[] = {
        { "all-members-active", "all-slaves-active" },
        { "packets-per-member", "packets-per-slave" },
        { "gratuitious-arp", "gratuitous-arp" },
        { "learn_packet_interval", "lp_interval" },
};

/* v1's "bond-mode", "bond_mode" and "mode" are one key, as cloud-init reads them. */
static void v1_bond_key(const char *key, char *ret, size_t size) {
        size_t n = 0;

        if (strncmp(key, "bond-", 5) == 0 || strncmp(key, "bond_", 5) == 0)
                key += 5;
        for (; *key && n + 1 < size; key++)
                ret[n++] = *key == '-' ? '_' : *key;
        ret[n] = 0;
}

/* IPv4 addresses: a list, or one scalar of them separated by commas or spaces (v1, as ifupdown's
 * bond-arp-ip-target); joined by commas into ret. */
static int address_list(struct schema_ctx *x, const struct fb_netdev_param_info *info, const struct ynode *v,
                        char *ret, size_t size) {
        size_t n_items = v->type == YNODE_SEQUENCE ? v->n_items : 1, count = 0, len = 0;

        ret[0] = 0;
        for (size_t i = 0; i < n_items; i++) {
                const struct ynode *item = v->type == YNODE_SEQUENCE ? v->items[i] : v;
                size_t old = v->type == YNODE_SEQUENCE ? schema_path_index(x, i) : x->path_len;
                char words[FB_MAX_ARP_TARGETS * 16 + 16];
                const char *s;
                escaped_t e;
                int r = 0;

                if (schema_scalar(x, item, &s) < 0)
                        r = -EINVAL;
                else if (strscpy(words, sizeof(words), s) < 0)
                        r = schema_error_at(x, item, "more than %llu addresses (the bonding driver's limit)", info->max);
                for (char *save = NULL, *w = r < 0 ? NULL : strtok_r(words, ", \t", &save); w;
                     w = strtok_r(NULL, ", \t", &save)) {
                        char text[16];
                        uint32_t a;
                        if (parse_ipv4(w, &a) < 0)
                                r = schema_error_at(x, item, "\"%s\" is not an IPv4 address like 192.168.220.1",
                                                    esc(w, e));
                        else if (++count > info->max)
                                r = schema_error_at(x, item, "more than %llu addresses (the bonding driver's limit)",
                                                    info->max);
                        else {
                                format_ipv4(a, text);
                                len += (size_t) snprintf(ret + len, size - len, "%s%s", len ? "," : "", text);
                        }
                        if (r < 0)
                                break;
                }
                schema_path_restore(x, old);
                if (r < 0)
                        return r;
        }
        if (count < info->min)
                return schema_error_at(x, v, "no address; give at least one");
        return 0;
}

static int param_value(struct schema_ctx *x, const struct fb_netdev_param_info *info, const struct ynode *v,
                       char *ret, size_t size) {
        unsigned long long n;
        const char *s;
        escaped_t e;

        if (info->type == FB_PARAM_IPV4_LIST)
                return address_list(x, info, v, ret, size);
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        switch (info->type) {
        case FB_PARAM_BOOL: {
                bool on;
                /* v1 writes bridge_stp as ifupdown does (on or off), bond flags as sysfs does (0 or 1) */
                if (streq(s, "on") || streq(s, "off") || streq(s, "1") || streq(s, "0"))
                        on = streq(s, "on") || streq(s, "1");
                else if (schema_bool(x, v, &on) < 0)
                        return -EINVAL;
                snprintf(ret, size, "%d", on);
                return 0;
        }
        case FB_PARAM_CHOICE: {
                const char *p = info->choices;
                size_t len = strlen(s);
                while (*p) {
                        size_t w = strcspn(p, " ");
                        if (w == len && strncmp(p, s, w) == 0)
                                return strscpy(ret, size, s) < 0 ? -EINVAL : 0;
                        p += w;
                        p += *p == ' ';
                }
                return schema_error_at(x, v, "\"%s\" is not one of: %s", esc(s, e), info->choices);
        }
        default:
                if (parse_uint(s, info->min, info->max, &n) < 0)
                        return schema_error_at(x, v, "\"%s\" is not a whole number of %s from %llu to %llu", esc(s, e),
                                               info->type == FB_PARAM_MS        ? "milliseconds"
                                               : info->type == FB_PARAM_SECONDS ? "seconds"
                                                                                : "units",
                                               info->min, info->max);
                snprintf(ret, size, "%llu", n);
                return 0;
        }
}

int netconfig_netdev_param(struct schema_ctx *x, struct fb_iface *iface, const struct ynode *key,
                           const struct ynode *v, bool v2, const struct ynode **ret_primary) {
        const struct fb_netdev_param_info *table = iface->kind == FB_IFACE_BOND ? fb_bond_params : fb_bridge_params;
        size_t n = iface->kind == FB_IFACE_BOND ? fb_bond_params_count : fb_bridge_params_count;
        const char *what = iface->kind == FB_IFACE_BOND ? "bond" : "bridge";
        char name[64];
        escaped_t e;

        if (iface->kind == FB_IFACE_BOND && !v2)
                v1_bond_key(key->value, name, sizeof(name));
        else
                strscpy(name, sizeof(name), key->value);
        if (iface->kind == FB_IFACE_BOND)
                for (size_t i = 0; i < ELEMENTSOF(bond_aliases); i++)
                        if (streq(name, bond_aliases[i].alias))
                                strscpy(name, sizeof(name), bond_aliases[i].key);
        if (iface->kind == FB_IFACE_BOND && streq(name, "primary")) {
                if (schema_scalar(x, v, &(const char *) { NULL }) < 0)
                        return -EINVAL;
                *ret_primary = v;
                return 0;
        }
        for (size_t i = 0; i < n; i++) {
                if (!streq(name, v2 ? table[i].v2 : table[i].v1))
                        continue;
                for (unsigned j = 0; j < iface->n_params; j++)
                        if (iface->params[j].id == i)
                                return schema_error_at(x, key, "%s is given twice", esc(key->value, e));
                if (iface->n_params >= FB_MAX_NETDEV_PARAMS)
                        return schema_error_at(x, key, "more than %d %s parameters", FB_MAX_NETDEV_PARAMS, what);
                iface->params[iface->n_params].id = (unsigned) i;
                if (param_value(x, &table[i], v, iface->params[iface->n_params].value,
                                sizeof(iface->params[iface->n_params].value)) < 0)
                        return -EINVAL;
                iface->n_params++;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(inexpressible); i++)
                if (streq(name, inexpressible[i].key))
                        return schema_error_at(x, key, "%s %s", esc(key->value, e), inexpressible[i].why);
        if (strstr(name, "pathcost") || strstr(name, "portprio") || streq(name, "path-cost") ||
            streq(name, "port-priority"))
                return schema_error_at(x, key, "%s: costs and priorities of single ports are not supported; leave "
                                       "it out", esc(key->value, e));
        return schema_error_at(x, key, "%s is not a %s parameter kube-firstboot applies; it applies: %s", esc(key->value, e),
                               what,
                               iface->kind == FB_IFACE_BOND
                                       ? (v2 ? "mode, mii-monitor-interval, lacp-rate, transmit-hash-policy, "
                                               "up-delay, down-delay, min-links, ad-select, arp-interval, "
                                               "arp-ip-targets, arp-validate, arp-all-targets, gratuitous-arp, "
                                               "fail-over-mac-policy, primary-reselect-policy, all-slaves-active, "
                                               "packets-per-slave, learn-packet-interval, primary"
                                             : "mode, miimon, lacp_rate, xmit_hash_policy, updelay, downdelay, "
                                               "min_links, ad_select, arp_interval, arp_ip_target, arp_validate, "
                                               "arp_all_targets, num_grat_arp, fail_over_mac, primary_reselect, "
                                               "all_slaves_active, packets_per_slave, lp_interval, primary (each "
                                               "also with bond- in front)")
                                       : (v2 ? "stp, forward-delay, hello-time, max-age, ageing-time, priority"
                                             : "bridge_stp, bridge_fd, bridge_hello, bridge_maxage, bridge_ageing, "
                                               "bridge_bridgeprio"));
}

void netconfig_netdev_ref(struct schema_ctx *x, struct netconfig *nc, struct fb_iface *owner, const struct ynode *node,
                          enum netdev_ref_kind kind) {
        struct netdev_ref *ref;

        if (nc->n_refs >= ELEMENTSOF(nc->refs))
                return; /* more than the interfaces there can be: refused as such */
        ref = &nc->refs[nc->n_refs++];
        *ref = (struct netdev_ref) { owner, node, kind, "" };
        strscpy(ref->path, sizeof(ref->path), x->path);
}

/* Whether to is among what from is made of (its members, its link), at any depth. */
static bool made_of(const struct fb_config *c, unsigned from, unsigned to, unsigned depth) {
        const struct fb_iface *f = &c->ifaces[from];

        if (from == to)
                return true;
        if (depth > FB_MAX_IFACES)
                return false;
        for (unsigned i = 0; i < f->n_members && i < FB_MAX_MEMBERS; i++)
                if (made_of(c, f->members[i], to, depth + 1))
                        return true;
        return f->kind == FB_IFACE_VLAN && made_of(c, f->link, to, depth + 1);
}

static const char *ref_name(const struct fb_iface *iface, size_t i, const struct netconfig *nc) {
        return nc->ids[i] ? nc->ids[i]->value : iface->name;
}

int netconfig_netdevs_resolve(struct schema_ctx *x, struct netconfig *nc) {
        struct fb_config *c = config_of(x);
        int r = 0;

        /* two passes: a bond's primary (the second) once its members are known (the first) */
        for (size_t k = 0; k < 2 * nc->n_refs; k++) {
                bool primaries = k >= nc->n_refs;
                const struct netdev_ref *ref = &nc->refs[primaries ? k - nc->n_refs : k];
                struct fb_iface *owner = ref->owner, *target = NULL;
                unsigned o = (unsigned) (owner - c->ifaces), t = 0;
                escaped_t e;

                if ((ref->kind == NETDEV_REF_PRIMARY) != primaries)
                        continue;
                if (strscpy(x->path, sizeof(x->path), ref->path) < 0)
                        x->path[0] = 0;
                x->path_len = strlen(x->path);
                for (size_t i = 0; i < c->n_ifaces; i++)
                        if (ref_name(&c->ifaces[i], i, nc)[0] && streq(ref_name(&c->ifaces[i], i, nc), ref->node->value)) {
                                target = &c->ifaces[i];
                                t = (unsigned) i;
                        }
                if (!target) {
                        r = schema_error_at(x, ref->node, "\"%s\" is not an interface of this network-config; define "
                                            "it (%s) before %s can use it", esc(ref->node->value, e),
                                            nc->v2 ? "under ethernets:, bonds:, bridges: or vlans:" : "as an entry of config:",
                                            owner->name);
                        continue;
                }
                if (ref->kind == NETDEV_REF_PRIMARY) {
                        if (target->master != o + 1)
                                r = schema_error_at(x, ref->node, "%s is not one of %s's interfaces",
                                                    esc(ref->node->value, e), owner->name);
                        else
                                owner->primary = t + 1;
                        continue;
                }
                if (made_of(c, t, o, 0)) {
                        r = schema_error_at(x, ref->node, "%s is made of %s itself: a cycle",
                                            esc(ref->node->value, e), owner->name);
                        continue;
                }
                if (ref->kind == NETDEV_REF_LINK) {
                        owner->link = t;
                        target->lower = true;
                        continue;
                }
                if (target->master) {
                        r = schema_error_at(x, ref->node, "%s is a member of %s already; an interface belongs to one "
                                            "bond or bridge", esc(ref->node->value, e),
                                            c->ifaces[target->master - 1].name);
                        continue;
                }
                if (target->kind == owner->kind && owner->kind != FB_IFACE_VLAN) {
                        r = schema_error_at(x, ref->node, "a %s cannot be a member of a %s (the kernel refuses it)",
                                            owner->kind == FB_IFACE_BOND ? "bond" : "bridge",
                                            owner->kind == FB_IFACE_BOND ? "bond" : "bridge");
                        continue;
                }
                if (target->address || target->dhcp || target->n_routes) {
                        r = schema_error_at(x, ref->node, "%s has an address of its own, which a member of %s cannot "
                                            "have; give it to %s", esc(ref->node->value, e), owner->name, owner->name);
                        continue;
                }
                if (owner->n_members >= FB_MAX_MEMBERS) {
                        r = schema_error_at(x, ref->node, "more than %d interfaces in %s", FB_MAX_MEMBERS, owner->name);
                        continue;
                }
                target->master = o + 1;
                owner->members[owner->n_members++] = t;
        }
        schema_path_restore(x, 0);
        return r;
}

/* SPDX-License-Identifier: MIT */
/* network-config: cloud-init's version 1 (config: [...]) or netplan-style version 2 (ethernets:), also
 * wrapped in "network:", into this node's interfaces: a static address with prefix, gateway, name
 * servers and search domains, or DHCP. */
#include <stdint.h>
#include <string.h>

#include "config/config-fields.h"
#include "config/config-parse.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "yaml-schema.h"

/* what to do instead of a pattern in an interface name */
#define IFNAME_HINT "name the interface or match its MAC"

/* 255.255.255.0 into 24; -EINVAL when the mask is not contiguous. */
int netconfig_netmask_prefix(uint32_t mask, unsigned *ret) {
        unsigned prefix = 0;

        while (prefix < 32 && (mask & (0x80000000u >> prefix)))
                prefix++;
        if (mask != prefix_mask(prefix))
                return -EINVAL;
        *ret = prefix;
        return 0;
}

/* "A.B.C.D/PREFIX" or, as cloud-init also takes it, "A.B.C.D/NETMASK" (192.168.1.10/255.255.255.0). */
int netconfig_address_prefix(const char *s, uint32_t *ret_addr, unsigned *ret_prefix) {
        const char *slash = strchr(s, '/');
        char addr[16];
        uint32_t mask;

        if (!slash || !strchr(slash + 1, '.'))
                return parse_ipv4_prefix(s, ret_addr, ret_prefix);
        if ((size_t) (slash - s) >= sizeof(addr))
                return -EINVAL;
        memcpy(addr, s, (size_t) (slash - s));
        addr[slash - s] = 0;
        if (parse_ipv4(addr, ret_addr) < 0 || parse_ipv4(slash + 1, &mask) < 0)
                return -EINVAL;
        return netconfig_netmask_prefix(mask, ret_prefix);
}

int netconfig_address_value(struct schema_ctx *x, const struct ynode *v, uint32_t *ret_addr, unsigned *ret_prefix,
                            bool *ret_have_prefix) {
        const char *s, *reserved;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (strchr(s, ':'))
                return schema_error_at(x, v, "\"%s\": IPv6 is not supported, only IPv4", esc(s, e));
        *ret_have_prefix = strchr(s, '/') != NULL;
        if (*ret_have_prefix ? netconfig_address_prefix(s, ret_addr, ret_prefix) < 0 : parse_ipv4(s, ret_addr) < 0)
                return schema_error_at(x, v, "\"%s\" is not an IPv4 address like 192.168.220.104/24 or "
                                       "192.168.220.104/255.255.255.0", esc(s, e));
        reserved = ipv4_reserved(*ret_addr, 32);
        if (reserved)
                return schema_error_at(x, v, "\"%s\" is in %s", s, reserved);
        return 0;
}

int netconfig_mtu_value(struct schema_ctx *x, const struct ynode *v, unsigned *ret) {
        unsigned long long mtu;
        const char *s;
        escaped_t e;

        if (ynode_is_null(v)) {
                *ret = 0;
                return 0;
        }
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_uint(s, 576, 65535, &mtu) < 0)
                return schema_error_at(x, v, "\"%s\" is not an MTU from 576 (IPv4's least) to 65535", esc(s, e));
        *ret = (unsigned) mtu;
        return 0;
}

int netconfig_dns_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct fb_iface *iface = userdata;
        uint32_t a;

        if (schema_address(x, item, &a) < 0)
                return -EINVAL;
        for (unsigned i = 0; i < iface->n_dns; i++)
                if (iface->dns[i] == a)
                        return 0;
        if (iface->n_dns >= FB_MAX_DNS) {
                schema_error_at(x, item, "more than %d name servers", FB_MAX_DNS);
                return -E2BIG;
        }
        iface->dns[iface->n_dns++] = a;
        return 0;
}

static int search_add(struct schema_ctx *x, const struct ynode *at, struct fb_iface *iface, const char *domain) {
        size_t len = strlen(iface->search);
        const char *p = iface->search;

        /* already there? */
        while (*p) {
                size_t n = strcspn(p, " ");
                if (n == strlen(domain) && strncmp(p, domain, n) == 0)
                        return 0;
                p += n;
                p += *p == ' ';
        }
        if (len + !!len + strlen(domain) >= sizeof(iface->search))
                return schema_error_at(x, at, "the search domains are longer than %zu characters together",
                                       sizeof(iface->search) - 1);
        if (len)
                iface->search[len++] = ' ';
        memcpy(iface->search + len, domain, strlen(domain) + 1);
        return 0;
}

int netconfig_search_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        const char *s;

        if (config_domain_value(x, item, &s) < 0)
                return -EINVAL;
        return search_add(x, item, userdata, s);
}

/* cloud-init accepts a single value where a list is expected for name servers and search domains. */
static int scalar_or_list(struct schema_ctx *x, const struct ynode *v, const char *what, schema_item_parser parse,
                          void *userdata) {
        if (v->type == YNODE_SCALAR && !ynode_is_null(v))
                return parse(x, v, 0, userdata);
        return schema_list(x, v, what, false, parse, userdata);
}

/* Checks a static address once prefix and gateway are known, and stores it. */
int netconfig_iface_static(struct schema_ctx *x, struct fb_iface *iface, const struct ynode *at, uint32_t address,
                            unsigned prefix, uint32_t gateway, const struct ynode *gateway_at) {
        uint32_t mask = prefix_mask(prefix);
        char text[16];
        int r = 0;

        format_ipv4(address, text);
        if (prefix < 8 || prefix > 32)
                return schema_error_at(x, at, "%s/%u: the prefix must be /8 to /32", text, prefix);
        if (prefix <= 30 && ((address & ~mask) == 0 || (address & ~mask) == ~mask))
                return schema_error_at(x, at, "%s/%u is the %s address of its subnet, not a host address", text, prefix,
                                       (address & ~mask) == 0 ? "network" : "broadcast");
        if (gateway) {
                char gw[16];
                format_ipv4(gateway, gw);
                if (gateway == address)
                        r = schema_error_at(x, gateway_at, "%s is the interface's own address", gw);
                else if ((gateway & mask) != (address & mask))
                        r = schema_error_at(x, gateway_at, "%s is not in the interface's subnet %s/%u", gw, text,
                                            prefix);
        }
        if (r < 0)
                return r;
        if (iface->address) {
                /* one more address of the interface: cloud-init's several static subnets, v2's addresses */
                if (address == iface->address)
                        return schema_error_at(x, at, "%s is the interface's address already", text);
                for (unsigned i = 0; i < iface->n_more; i++)
                        if (iface->more[i].address == address)
                                return schema_error_at(x, at, "%s is the interface's address already", text);
                if (iface->n_more >= ELEMENTSOF(iface->more))
                        return schema_error_at(x, at, "more than %d addresses on one interface", FB_MAX_ADDRS);
                if (gateway && iface->gateway && gateway != iface->gateway)
                        return schema_error_at(x, gateway_at, "a second gateway on the interface; only one default "
                                               "gateway is supported");
                iface->more[iface->n_more++] = (struct fb_ipv4) { address, prefix };
                if (gateway)
                        iface->gateway = gateway;
                return 0;
        }
        iface->address = address;
        iface->prefix = prefix;
        iface->gateway = gateway;
        iface->pos = pos_of(x, at);
        return 0;
}

static bool iface_subnet_has(const struct fb_iface *iface, uint32_t a) {
        if (iface->address && (a & prefix_mask(iface->prefix)) == (iface->address & prefix_mask(iface->prefix)))
                return true;
        for (unsigned i = 0; i < iface->n_more && i < FB_MAX_ADDRS - 1; i++)
                if ((a & prefix_mask(iface->more[i].prefix)) == (iface->more[i].address & prefix_mask(iface->more[i].prefix)))
                        return true;
        return false;
}

int netconfig_iface_route(struct schema_ctx *x, struct fb_iface *iface, const struct ynode *at, uint32_t net,
                          unsigned prefix, uint32_t via, const struct ynode *via_at) {
        char text[16], gw[16], network[16];

        format_ipv4(net, text);
        format_ipv4(via, gw);
        if (prefix < 1 || prefix > 32)
                return schema_error_at(x, at, "%s/%u: the prefix must be /1 to /32", text, prefix);
        format_ipv4(net & prefix_mask(prefix), network);
        if (net & ~prefix_mask(prefix))
                return schema_error_at(x, at, "%s/%u has host bits set; the network is %s/%u", text, prefix, network,
                                       prefix);
        if (!iface->address)
                return schema_error_at(x, at, "a static route needs a static address on the interface (its gateway "
                                       "must be reachable when the route is added)");
        if (!iface_subnet_has(iface, via))
                return schema_error_at(x, via_at, "%s is in none of the interface's subnets, so it cannot be the "
                                       "route's gateway; use a gateway on the interface's subnet", gw);
        for (unsigned i = 0; i < iface->n_routes; i++)
                if (iface->routes[i].net == net && iface->routes[i].prefix == prefix)
                        return schema_error_at(x, at, "a second route to %s/%u", text, prefix);
        if (iface->n_routes >= FB_MAX_ROUTES)
                return schema_error_at(x, at, "more than %d routes on one interface", FB_MAX_ROUTES);
        iface->routes[iface->n_routes++] = (struct fb_route) { net, prefix, via };
        return 0;
}

/* An interface name or MAC seen twice, or a second default gateway. */
int netconfig_iface_unique(struct schema_ctx *x, const struct fb_iface *iface, const struct ynode *at) {
        const struct fb_config *c = config_of(x);

        for (const struct fb_iface *o = c->ifaces; o < iface; o++) {
                if (iface->name[0] && streq(o->name, iface->name))
                        return schema_error_at(x, at, "interface %s is configured twice (first at line %u)",
                                               iface->name,
                                               o->pos.line);
                if (iface->mac[0] && streq(o->mac, iface->mac))
                        return schema_error_at(x, at, "MAC %s is configured twice (first at line %u)", iface->mac,
                                               o->pos.line);
                if (iface->gateway && o->gateway)
                        return schema_error_at(x, at,
                                               "a second default gateway (the first is at line %u); only one is "
                                               "supported",
                                               o->pos.line);
        }
        return 0;
}

struct fb_iface *netconfig_iface_new(struct schema_ctx *x, const struct ynode *at) {
        struct fb_iface *iface;

        if (config_of(x)->n_ifaces >= FB_MAX_IFACES) {
                schema_error_at(x, at, "more than %d interfaces", FB_MAX_IFACES);
                return NULL;
        }
        iface = &config_of(x)->ifaces[config_of(x)->n_ifaces++];
        memset(iface, 0, sizeof(*iface));
        iface->pos = pos_of(x, at);
        return iface;
}

/* v1: config: [{type: physical, name, mac_address, subnets: [...]}, {type: nameserver, ...}] */

struct v1_subnet {
        struct fb_iface *iface;
        const struct ynode *node, *type_node, *address_node, *netmask_node, *gateway_node;
        bool is_static;
        uint32_t address, gateway;
        unsigned prefix, netmask_prefix;
        bool have_prefix, have_netmask;
        /* routes: checked once the address is stored */
        struct fb_route routes[FB_MAX_ROUTES];
        const struct ynode *route_nodes[FB_MAX_ROUTES], *route_via_nodes[FB_MAX_ROUTES];
        size_t n_routes;
};

/* routes: [{network (or destination), netmask (or prefix), gateway}]; 0.0.0.0/0 is the subnet's gateway */
struct v1_route {
        const struct ynode *network_node, *netmask_node, *prefix_node, *gateway_node;
        uint32_t net, gateway;
        unsigned prefix;
        bool have_prefix;
};

static int v1_route_network(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_route *rt = userdata;
        const char *s;
        escaped_t e;

        if (rt->network_node)
                return schema_error_at(x, key, "network and destination both given; write one");
        rt->network_node = v;
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (strchr(s, ':'))
                return schema_error_at(x, v, "\"%s\": IPv6 is not supported, only IPv4", esc(s, e));
        if (strchr(s, '/')) {
                if (netconfig_address_prefix(s, &rt->net, &rt->prefix) < 0)
                        return schema_error_at(x, v, "\"%s\" is not a network like 10.9.0.0/16", esc(s, e));
                rt->have_prefix = true;
        } else if (parse_ipv4(s, &rt->net) < 0)
                return schema_error_at(x, v, "\"%s\" is not a network like 10.9.0.0", esc(s, e));
        return 0;
}

static int v1_route_netmask(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_route *rt = userdata;
        unsigned long long bits;
        uint32_t mask;
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (streq(key->value, "prefix")) {
                if (parse_uint(s, 0, 32, &bits) < 0)
                        return schema_error_at(x, v, "\"%s\" is not a prefix length 0 to 32", esc(s, e));
                rt->prefix = (unsigned) bits;
        } else if (parse_ipv4(s, &mask) < 0 || netconfig_netmask_prefix(mask, &rt->prefix) < 0)
                return schema_error_at(x, v, "\"%s\" is not a netmask like 255.255.0.0", esc(s, e));
        if (rt->netmask_node)
                return schema_error_at(x, key, "netmask and prefix both given; write one");
        rt->netmask_node = v;
        return 0;
}

static int v1_route_gateway(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_route *rt = userdata;
        rt->gateway_node = v;
        return schema_address(x, v, &rt->gateway);
}

static int v1_route_metric(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_error_at(x, key, "route metrics are not supported; leave metric: out");
}

static const struct schema_field v1_route_fields[] = {
        { "network", v1_route_network, NULL },
        { "destination", v1_route_network, NULL },
        { "netmask", v1_route_netmask, NULL },
        { "prefix", v1_route_netmask, NULL },
        { "gateway", v1_route_gateway, "the route's gateway" },
        { "metric", v1_route_metric, NULL },
};

static int v1_route_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct v1_subnet *sn = userdata;
        struct v1_route rt = {};

        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a route {network, netmask, gateway}, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        if (schema_mapping(x, NULL, item, v1_route_fields, ELEMENTSOF(v1_route_fields), SCHEMA_UNKNOWN_ERROR, &rt,
                           NULL) < 0)
                return -EINVAL;
        if (!rt.network_node)
                return schema_error_at(x, item, "a route needs a network, e.g. network: 10.9.0.0");
        if (!rt.have_prefix && !rt.netmask_node)
                rt.prefix = 32; /* a host route, as cloud-init's renderers take it */
        if (rt.net == 0 && rt.prefix == 0) {
                /* the default route: the subnet's gateway */
                if (sn->gateway_node && sn->gateway != rt.gateway)
                        return schema_error_at(x, rt.gateway_node, "differs from the subnet's gateway (line %u)",
                                               sn->gateway_node->line);
                sn->gateway = rt.gateway;
                sn->gateway_node = rt.gateway_node;
                return 0;
        }
        if (sn->n_routes >= FB_MAX_ROUTES)
                return schema_error_at(x, item, "more than %d routes on one interface", FB_MAX_ROUTES);
        sn->routes[sn->n_routes] = (struct fb_route) { rt.net, rt.prefix, rt.gateway };
        sn->route_nodes[sn->n_routes] = rt.network_node;
        sn->route_via_nodes[sn->n_routes++] = rt.gateway_node;
        return 0;
}

static int v1_subnet_type(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const types[] = { "static", "dhcp", "dhcp4" };
        struct v1_subnet *sn = userdata;
        size_t i;

        sn->type_node = v;
        if (v->type == YNODE_SCALAR && (strstr(v->value, "6") || strncmp(v->value, "ipv6", 4) == 0))
                return schema_error_at(x, v, "\"%s\": IPv6 is not supported, only IPv4", v->value);
        if (schema_choice(x, v, types, ELEMENTSOF(types), &i) < 0)
                return -EINVAL;
        sn->is_static = i == 0;
        return 0;
}

static int v1_subnet_address(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_subnet *sn = userdata;

        sn->address_node = v;
        return netconfig_address_value(x, v, &sn->address, &sn->prefix, &sn->have_prefix);
}

static int v1_subnet_netmask(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_subnet *sn = userdata;
        const char *s;
        uint32_t mask;
        unsigned prefix = 0;
        escaped_t e;

        sn->netmask_node = v;
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_ipv4(s, &mask) < 0)
                return schema_error_at(x, v, "\"%s\" is not a netmask like 255.255.255.0", esc(s, e));
        if (netconfig_netmask_prefix(mask, &prefix) < 0)
                return schema_error_at(x, v, "%s is not a contiguous netmask", s);
        sn->netmask_prefix = prefix;
        sn->have_netmask = true;
        return 0;
}

static int v1_subnet_gateway(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_subnet *sn = userdata;

        sn->gateway_node = v;
        return schema_address(x, v, &sn->gateway);
}

static int v1_subnet_dns(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_subnet *sn = userdata;
        return scalar_or_list(x, v, "IPv4 addresses", netconfig_dns_item, sn->iface);
}

static int v1_subnet_search(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_subnet *sn = userdata;
        return scalar_or_list(x, v, "domains", netconfig_search_item, sn->iface);
}

static int v1_subnet_routes(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_list(x, v, "routes", false, v1_route_item, userdata);
}

static const struct schema_field v1_subnet_fields[] = {
        { "routes", v1_subnet_routes, NULL },
        { "type", v1_subnet_type, "static or dhcp" },
        { "address", v1_subnet_address, NULL },
        { "netmask", v1_subnet_netmask, NULL },
        { "gateway", v1_subnet_gateway, NULL },
        { "dns_nameservers", v1_subnet_dns, NULL },
        { "dns_search", v1_subnet_search, NULL },
};

static int v1_subnet_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct v1_subnet sn = { .node = item };
        struct v1_subnet *prev = userdata; /* iface and dhcp flag */
        unsigned prefix;
        int r;

        sn.iface = prev->iface;
        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a subnet mapping, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        r = schema_mapping(x, NULL, item, v1_subnet_fields, ELEMENTSOF(v1_subnet_fields), SCHEMA_UNKNOWN_ERROR, &sn,
                           NULL);
        if (r < 0 || !sn.type_node)
                return -EINVAL;

        if (!sn.is_static) {
                const struct ynode *bad = sn.address_node ? sn.address_node
                                          : sn.netmask_node ? sn.netmask_node
                                                            : sn.gateway_node;
                if (bad)
                        return schema_error_at(x, bad, "a dhcp subnet cannot have an address, netmask or gateway");
                if (sn.n_routes)
                        return schema_error_at(x, sn.route_nodes[0], "a static route needs a static address on the "
                                               "interface (its gateway must be reachable when the route is added)");
                if (sn.iface->address)
                        return schema_error_at(x, sn.type_node, "dhcp and a static address on one interface");
                sn.iface->dhcp = true;
                return 0;
        }
        if (!sn.address_node)
                return schema_error_at(x, item, "a static subnet needs an address, e.g. 192.168.220.104/24");
        if (sn.iface->dhcp)
                return schema_error_at(x, sn.type_node, "dhcp and a static address on one interface");
        if (sn.have_prefix && sn.have_netmask && sn.prefix != sn.netmask_prefix)
                return schema_error_at(x, sn.netmask_node, "/%u does not match the address's /%u", sn.netmask_prefix,
                                       sn.prefix);
        if (!sn.have_prefix && !sn.have_netmask)
                return schema_error_at(x, sn.address_node,
                                       "has no prefix; write it as 192.168.220.104/24 or add a netmask");
        prefix = sn.have_prefix ? sn.prefix : sn.netmask_prefix;
        r = netconfig_iface_static(x, sn.iface, sn.address_node, sn.address, prefix, sn.gateway, sn.gateway_node);
        for (size_t i = 0; r == 0 && i < sn.n_routes; i++)
                r = netconfig_iface_route(x, sn.iface, sn.route_nodes[i], sn.routes[i].net, sn.routes[i].prefix,
                                          sn.routes[i].via, sn.route_via_nodes[i]);
        return r;
}

struct v1_physical {
        struct fb_iface *iface;
        struct netconfig *nc;
};

static int v1_type_ignored(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return 0; /* read before the table was chosen */
}

static int v1_name(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_physical *ph = userdata;
        return config_ifname_value(x, v, IFNAME_HINT, ph->iface->name, sizeof(ph->iface->name));
}

static int v1_mac(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_physical *ph = userdata;
        return config_mac_value(x, v, ph->iface->mac);
}

static int v1_subnets(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_physical *ph = userdata;
        struct v1_subnet state = { .iface = ph->iface };
        return schema_list(x, v, "subnets", false, v1_subnet_item, &state);
}

static int v1_mtu(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_physical *ph = userdata;
        return netconfig_mtu_value(x, v, &ph->iface->mtu);
}

/* A bond's or bridge's params (v1) or parameters (v2): a mapping of names to values. */
static int netdev_params(struct schema_ctx *x, const struct ynode *v, struct fb_iface *iface, struct netconfig *nc) {
        int r = 0;

        if (ynode_is_null(v))
                return 0;
        if (v->type != YNODE_MAPPING)
                return schema_error_at(x, v, "expected a mapping of parameters, got %s", ynode_type_to_string(v->type));
        for (size_t i = 0; i < v->n_items; i++) {
                const struct ynode *primary = NULL;
                size_t old = schema_path_key(x, v->keys[i]->value);

                if (netconfig_netdev_param(x, iface, v->keys[i], v->items[i], nc->v2, &primary) < 0)
                        r = -EINVAL;
                else if (primary)
                        netconfig_netdev_ref(x, nc, iface, primary, NETDEV_REF_PRIMARY);
                schema_path_restore(x, old);
        }
        return r;
}

static int netdev_member_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct v1_physical *ph = userdata; /* also v2's: the iface and nc members lead both structs */
        const char *s;

        if (schema_scalar(x, item, &s) < 0)
                return -EINVAL;
        netconfig_netdev_ref(x, ph->nc, ph->iface, item, NETDEV_REF_MEMBER);
        return 0;
}

static int netdev_members(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_list(x, v, "interface names", false, netdev_member_item, userdata);
}

static int netdev_params_field(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_physical *ph = userdata;
        return netdev_params(x, v, ph->iface, ph->nc);
}

static int netdev_link(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_physical *ph = userdata;
        const char *s;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        netconfig_netdev_ref(x, ph->nc, ph->iface, v, NETDEV_REF_LINK);
        return 0;
}

static int netdev_vlan_id(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_physical *ph = userdata;
        unsigned long long id;
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_uint(s, 0, 4094, &id) < 0)
                return schema_error_at(x, v, "\"%s\" is not a VLAN id from 0 to 4094", esc(s, e));
        ph->iface->vlan_id = (unsigned) id;
        return 0;
}

static int netdev_mac(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_error_at(x, key, "setting the MAC of a bond, bridge or VLAN is not supported (it takes the "
                               "MAC of an interface it is made of); leave %s out", key->value);
}

#define V1_COMMON_FIELDS                                                                                              \
        { "type", v1_type_ignored, NULL }, { "mtu", v1_mtu, NULL }

static const struct schema_field v1_physical_fields[] = {
        V1_COMMON_FIELDS,
        { "name", v1_name, "the interface name, e.g. eth0" },
        { "mac_address", v1_mac, NULL },
        { "subnets", v1_subnets, NULL },
};

static const struct schema_field v1_bond_fields[] = {
        V1_COMMON_FIELDS,
        { "name", v1_name, "the bond's name, e.g. bond0" },
        { "mac_address", netdev_mac, NULL },
        { "bond_interfaces", netdev_members, NULL },
        { "params", netdev_params_field, NULL },
        { "subnets", v1_subnets, NULL },
};

static const struct schema_field v1_bridge_fields[] = {
        V1_COMMON_FIELDS,
        { "name", v1_name, "the bridge's name, e.g. br0" },
        { "mac_address", netdev_mac, NULL },
        { "bridge_interfaces", netdev_members, NULL },
        { "params", netdev_params_field, NULL },
        { "subnets", v1_subnets, NULL },
};

static const struct schema_field v1_vlan_fields[] = {
        V1_COMMON_FIELDS,
        { "name", v1_name, "the VLAN's name, e.g. eth0.100" },
        { "mac_address", netdev_mac, NULL },
        { "vlan_link", netdev_link, "the name of the interface it is on" },
        { "vlan_id", netdev_vlan_id, "its id, 0 to 4094" },
        { "subnets", v1_subnets, NULL },
};

static int v1_ns_address(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return scalar_or_list(x, v, "IPv4 addresses", netconfig_dns_item, userdata);
}

static int v1_ns_search(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return scalar_or_list(x, v, "domains", netconfig_search_item, userdata);
}

static const struct schema_field v1_nameserver_fields[] = {
        { "type", v1_type_ignored, NULL },
        { "address", v1_ns_address, NULL },
        { "search", v1_ns_search, NULL },
};

static int v1_config_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        static const char *const types[] = { "physical", "nameserver", "bond", "bridge", "vlan" };
        static const struct {
                const struct schema_field *fields;
                size_t n;
        } tables[] = {
                [FB_IFACE_ETHERNET] = { v1_physical_fields, ELEMENTSOF(v1_physical_fields) },
                [FB_IFACE_BOND] = { v1_bond_fields, ELEMENTSOF(v1_bond_fields) },
                [FB_IFACE_BRIDGE] = { v1_bridge_fields, ELEMENTSOF(v1_bridge_fields) },
                [FB_IFACE_VLAN] = { v1_vlan_fields, ELEMENTSOF(v1_vlan_fields) },
        };
        static const enum fb_iface_kind kinds[] = { FB_IFACE_ETHERNET, FB_IFACE_ETHERNET, FB_IFACE_BOND,
                                                    FB_IFACE_BRIDGE, FB_IFACE_VLAN };
        struct netconfig *nc = userdata;
        const struct ynode *type;
        struct v1_physical ph = { .nc = nc };
        size_t t = 0, old;
        int r;

        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a mapping with a type, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        type = ynode_get(item, "type");
        old = schema_path_key(x, "type");
        if (!type)
                r = schema_error_at(x, item, "required but missing; physical, bond, bridge, vlan or nameserver");
        else if (type->type == YNODE_SCALAR && !ynode_is_null(type) &&
                 !schema_closest(type->value, types, ELEMENTSOF(types), sizeof(types[0]))) {
                /* not a typo of a known type (which schema_choice() below names) */
                escaped_t e;
                r = schema_error_at(x, type,
                                    "\"%s\" is not supported; only physical interfaces, bonds, bridges, VLANs and "
                                    "nameserver entries are",
                                    esc(type->value, e));
        } else
                r = schema_choice(x, type, types, ELEMENTSOF(types), &t);
        schema_path_restore(x, old);
        if (r < 0)
                return r;

        if (t == 1) {
                nc->global_node = item;
                return schema_mapping(x, NULL, item, v1_nameserver_fields, ELEMENTSOF(v1_nameserver_fields),
                                      SCHEMA_UNKNOWN_ERROR, &nc->global_dns, NULL);
        }
        ph.iface = netconfig_iface_new(x, item);
        if (!ph.iface)
                return -E2BIG;
        ph.iface->kind = kinds[t];
        r = schema_mapping(x, NULL, item, tables[kinds[t]].fields, tables[kinds[t]].n, SCHEMA_UNKNOWN_ERROR, &ph,
                           NULL);
        if (r < 0)
                return r;
        /* cloud-init renames the interface with mac_address to name (its sysconfig renderer: HWADDR= with
         * DEVICE=, its networkd renderer: a .link file) */
        ph.iface->rename = ph.iface->mac[0] && ph.iface->name[0];
        return netconfig_iface_unique(x, ph.iface, item);
}

static int v1_version(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return 0; /* checked before */
}

static int v1_config(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_list(x, v, "interface and nameserver entries", false, v1_config_item, userdata);
}

static const struct schema_field v1_fields[] = {
        { "version", v1_version, NULL },
        { "config", v1_config, "a list of interfaces" },
};

/* v2: ethernets: {ID: {match: {macaddress, name}, set-name, dhcp4, addresses, gateway4, routes, nameservers}} */

struct v2_ethernet {
        struct fb_iface *iface; /* iface and nc first, as in struct v1_physical: netdev_members() takes both */
        struct netconfig *nc;
        char match_name[16], set_name[16];
        bool dhcp4, have_match;
        const struct ynode *dhcp4_node, *addresses_node, *gateway4_node, *route_node, *set_name_node;
        const struct ynode *address_nodes[FB_MAX_ADDRS];
        struct fb_ipv4 addresses[FB_MAX_ADDRS];
        size_t n_addresses;
        uint32_t gateway4, route_gateway;
        struct fb_route routes[FB_MAX_ROUTES]; /* besides the default one, checked once the addresses are known */
        const struct ynode *route_to_nodes[FB_MAX_ROUTES], *route_via_nodes[FB_MAX_ROUTES];
        size_t route_paths[FB_MAX_ROUTES], n_routes;
};

static int v2_match_mac(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        return config_mac_value(x, v, eth->iface->mac);
}

static int v2_match_name(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        return config_ifname_value(x, v, IFNAME_HINT, eth->match_name, sizeof(eth->match_name));
}

static const struct schema_field v2_match_fields[] = {
        { "macaddress", v2_match_mac, NULL },
        { "name", v2_match_name, NULL },
};

static int v2_match(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;

        eth->have_match = true;
        if (ynode_is_null(v) || (v->type == YNODE_MAPPING && v->n_items == 0))
                return schema_error_at(x, v, "is empty; match macaddress or name");
        return schema_mapping(x, key, v, v2_match_fields, ELEMENTSOF(v2_match_fields), SCHEMA_UNKNOWN_ERROR, eth, NULL);
}

static int v2_set_name(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        eth->set_name_node = v;
        return config_ifname_value(x, v, IFNAME_HINT, eth->set_name, sizeof(eth->set_name));
}

static int v2_dhcp4(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        eth->dhcp4_node = v;
        return schema_bool(x, v, &eth->dhcp4);
}

static int v2_dhcp6(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        bool on;

        if (schema_bool(x, v, &on) < 0)
                return -EINVAL;
        if (on)
                return schema_error_at(x, v, "IPv6 is not supported, only IPv4");
        return 0;
}

static int v2_address_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct v2_ethernet *eth = userdata;
        struct fb_ipv4 *a;
        const char *s, *reserved;
        escaped_t e;

        if (schema_scalar(x, item, &s) < 0)
                return -EINVAL;
        if (strchr(s, ':'))
                return schema_error_at(x, item, "\"%s\": IPv6 is not supported, only IPv4", esc(s, e));
        if (eth->n_addresses >= FB_MAX_ADDRS)
                return schema_error_at(x, item, "more than %d addresses on one interface", FB_MAX_ADDRS);
        a = &eth->addresses[eth->n_addresses];
        if (netconfig_address_prefix(s, &a->address, &a->prefix) < 0)
                return schema_error_at(x, item, "\"%s\" is not an IPv4 address with prefix like 192.168.220.104/24 "
                                       "or 192.168.220.104/255.255.255.0", esc(s, e));
        reserved = ipv4_reserved(a->address, 32);
        if (reserved)
                return schema_error_at(x, item, "\"%s\" is in %s", s, reserved);
        eth->address_nodes[eth->n_addresses++] = item;
        return 0;
}

static int v2_addresses(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        eth->addresses_node = v;
        return schema_list(x, v, "addresses", false, v2_address_item, eth);
}

static int v2_gateway4(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        eth->gateway4_node = v;
        return schema_address(x, v, &eth->gateway4);
}

struct v2_route {
        bool is_default;
        uint32_t via, net;
        unsigned prefix;
        const struct ynode *to_node, *via_node;
};

static int v2_route_to(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_route *rt = userdata;
        const char *s;
        escaped_t e;

        rt->to_node = v;
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (streq(s, "default") || streq(s, "0.0.0.0/0")) {
                rt->is_default = true;
                return 0;
        }
        if (strchr(s, ':'))
                return schema_error_at(x, v, "\"%s\": IPv6 is not supported, only IPv4", esc(s, e));
        if (netconfig_address_prefix(s, &rt->net, &rt->prefix) < 0) {
                if (parse_ipv4(s, &rt->net) < 0)
                        return schema_error_at(x, v, "\"%s\" is not default or a network like 10.9.0.0/16", esc(s, e));
                rt->prefix = 32;
        }
        return 0;
}

static int v2_route_metric(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_error_at(x, key, "route metrics are not supported; leave metric: out");
}

static int v2_route_via(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_route *rt = userdata;
        rt->via_node = v;
        return schema_address(x, v, &rt->via);
}

static const struct schema_field v2_route_fields[] = {
        { "to", v2_route_to, "default, or a network like 10.9.0.0/16" },
        { "via", v2_route_via, "the gateway's address" },
        { "metric", v2_route_metric, NULL },
};

static int v2_route_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct v2_ethernet *eth = userdata;
        struct v2_route rt = {};

        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a mapping {to: default, via: ADDRESS}, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        if (schema_mapping(x, NULL, item, v2_route_fields, ELEMENTSOF(v2_route_fields), SCHEMA_UNKNOWN_ERROR, &rt,
                           NULL) < 0)
                return -EINVAL;
        if (!rt.is_default) {
                if (eth->n_routes >= FB_MAX_ROUTES)
                        return schema_error_at(x, item, "more than %d routes on one interface", FB_MAX_ROUTES);
                eth->routes[eth->n_routes] = (struct fb_route) { rt.net, rt.prefix, rt.via };
                eth->route_to_nodes[eth->n_routes] = rt.to_node;
                eth->route_via_nodes[eth->n_routes] = rt.via_node;
                eth->route_paths[eth->n_routes++] = index;
                return 0;
        }
        if (eth->route_node)
                return schema_error_at(x, item, "a second default route");
        eth->route_node = rt.via_node;
        eth->route_gateway = rt.via;
        return 0;
}

static int v2_routes(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_list(x, v, "routes", false, v2_route_item, userdata);
}

static int v2_ns_addresses(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        return schema_list(x, v, "IPv4 addresses", false, netconfig_dns_item, eth->iface);
}

static int v2_ns_search(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        return schema_list(x, v, "domains", false, netconfig_search_item, eth->iface);
}

static const struct schema_field v2_nameservers_fields[] = {
        { "addresses", v2_ns_addresses, NULL },
        { "search", v2_ns_search, NULL },
};

static int v2_nameservers(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_mapping(x, key, v, v2_nameservers_fields, ELEMENTSOF(v2_nameservers_fields), SCHEMA_UNKNOWN_ERROR,
                              userdata, NULL);
}

static int v2_mtu(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        return netconfig_mtu_value(x, v, &eth->iface->mtu);
}

#define V2_COMMON_FIELDS                                                                                              \
        { "mtu", v2_mtu, NULL }, { "dhcp4", v2_dhcp4, NULL }, { "dhcp6", v2_dhcp6, NULL },                            \
                { "addresses", v2_addresses, NULL }, { "gateway4", v2_gateway4, NULL }, { "routes", v2_routes, NULL }, \
                { "nameservers", v2_nameservers, NULL }

static const struct schema_field v2_ethernet_fields[] = {
        V2_COMMON_FIELDS,
        { "match", v2_match, NULL },
        { "set-name", v2_set_name, NULL },
};

static const struct schema_field v2_bond_bridge_fields[] = {
        V2_COMMON_FIELDS,
        { "macaddress", netdev_mac, NULL },
        { "interfaces", netdev_members, NULL },
        { "parameters", netdev_params_field, NULL },
};

static const struct schema_field v2_vlan_fields[] = {
        V2_COMMON_FIELDS,
        { "macaddress", netdev_mac, NULL },
        { "id", netdev_vlan_id, "the VLAN id, 0 to 4094" },
        { "link", netdev_link, "the id of the interface it is on" },
};

static int v2_device(struct schema_ctx *x, const struct ynode *id, const struct ynode *v, struct netconfig *nc,
                     enum fb_iface_kind kind) {
        struct v2_ethernet eth = { .nc = nc };
        const struct ynode *gateway_node;
        uint32_t gateway;
        int r;

        eth.iface = netconfig_iface_new(x, id);
        if (!eth.iface)
                return -E2BIG;
        eth.iface->kind = kind;
        nc->ids[eth.iface - config_of(x)->ifaces] = id;
        r = kind == FB_IFACE_ETHERNET ? schema_mapping(x, id, v, v2_ethernet_fields, ELEMENTSOF(v2_ethernet_fields),
                                                       SCHEMA_UNKNOWN_ERROR, &eth, NULL)
            : kind == FB_IFACE_VLAN   ? schema_mapping(x, id, v, v2_vlan_fields, ELEMENTSOF(v2_vlan_fields),
                                                       SCHEMA_UNKNOWN_ERROR, &eth, NULL)
                                      : schema_mapping(x, id, v, v2_bond_bridge_fields,
                                                       ELEMENTSOF(v2_bond_bridge_fields), SCHEMA_UNKNOWN_ERROR, &eth,
                                                       NULL);
        if (r < 0)
                return r;
        if (kind == FB_IFACE_BRIDGE) {
                bool have_stp = false;
                for (unsigned i = 0; i < eth.iface->n_params; i++)
                        have_stp = have_stp || streq(fb_bridge_params[eth.iface->params[i].id].name, "stp_state");
                /* v2's documented default: spanning tree on */
                if (!have_stp && eth.iface->n_params < FB_MAX_NETDEV_PARAMS)
                        eth.iface->params[eth.iface->n_params++] = (struct fb_netdev_param) { 0, "1" };
        }

        /* the name the interface ends up with: set-name, else the matched name, else the id (no match) */
        if (eth.set_name[0]) {
                const char *why = NULL;
                if (!eth.iface->mac[0] && !streq(eth.set_name, eth.match_name))
                        why = "renames only an interface matched by its MAC; add match: {macaddress: ...}";
                else if (eth.match_name[0] && !streq(eth.set_name, eth.match_name))
                        why = "match: by MAC alone to rename (the interface is found by its MAC, whatever its name)";
                if (why) {
                        size_t old = schema_path_key(x, "set-name");
                        schema_error_at(x, eth.set_name_node, "%s", why);
                        schema_path_restore(x, old);
                        return -EINVAL;
                }
                strscpy(eth.iface->name, sizeof(eth.iface->name), eth.set_name);
                eth.iface->rename = eth.iface->mac[0] != 0;
        }
        else if (eth.match_name[0])
                strscpy(eth.iface->name, sizeof(eth.iface->name), eth.match_name);
        else if (!eth.have_match) {
                if (!ifname_is_valid(id->value)) {
                        escaped_t e;
                        return schema_error_at(x, id,
                                               "\"%s\" is not an interface name; add match: {macaddress: ...} or use "
                                               "the name",
                                               esc(id->value, e));
                }
                strscpy(eth.iface->name, sizeof(eth.iface->name), id->value);
        }

        if (eth.gateway4_node && eth.route_node && eth.gateway4 != eth.route_gateway)
                return schema_error_at(x, eth.route_node, "differs from gateway4 (line %u)", eth.gateway4_node->line);
        gateway = eth.gateway4_node ? eth.gateway4 : eth.route_gateway;
        gateway_node = eth.gateway4_node ? eth.gateway4_node : eth.route_node;
        if (eth.dhcp4 && eth.n_addresses)
                return schema_error_at(x, eth.dhcp4_node, "dhcp4 and a static address on one interface");
        if (!eth.n_addresses) {
                if (gateway_node)
                        return schema_error_at(x, gateway_node, "a gateway needs a static address");
        } else {
                /* the gateway belongs to the address whose subnet holds it (else the first, which says so) */
                size_t with_gateway = 0;
                for (size_t i = eth.n_addresses; i-- > 0;)
                        if (gateway && (gateway & prefix_mask(eth.addresses[i].prefix)) ==
                                               (eth.addresses[i].address & prefix_mask(eth.addresses[i].prefix)))
                                with_gateway = i;
                for (size_t i = 0; i < eth.n_addresses; i++) {
                        size_t old = schema_path_key(x, "addresses");
                        schema_path_index(x, i);
                        r = netconfig_iface_static(x, eth.iface, eth.address_nodes[i], eth.addresses[i].address,
                                                   eth.addresses[i].prefix, i == with_gateway ? gateway : 0,
                                                   gateway_node);
                        schema_path_restore(x, old);
                        if (r < 0)
                                return r;
                }
        }
        for (size_t i = 0; i < eth.n_routes; i++) {
                size_t old = schema_path_key(x, "routes");
                schema_path_index(x, eth.route_paths[i]);
                r = netconfig_iface_route(x, eth.iface, eth.route_to_nodes[i], eth.routes[i].net, eth.routes[i].prefix,
                                          eth.routes[i].via, eth.route_via_nodes[i]);
                schema_path_restore(x, old);
                if (r < 0)
                        return r;
        }
        eth.iface->dhcp = eth.dhcp4;
        return netconfig_iface_unique(x, eth.iface, id);
}

static int v2_devices(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        enum fb_iface_kind kind = streq(key->value, "bonds")     ? FB_IFACE_BOND
                                  : streq(key->value, "bridges") ? FB_IFACE_BRIDGE
                                  : streq(key->value, "vlans")   ? FB_IFACE_VLAN
                                                                 : FB_IFACE_ETHERNET;
        int r = 0;

        if (ynode_is_null(v))
                return 0;
        if (v->type != YNODE_MAPPING)
                return schema_error_at(x, v, "expected a mapping of interface ids, got %s",
                                       ynode_type_to_string(v->type));
        for (size_t i = 0; i < v->n_items; i++) {
                size_t old = schema_path_key(x, v->keys[i]->value);
                int k = v2_device(x, v->keys[i], v->items[i], userdata, kind);
                schema_path_restore(x, old);
                if (k == -E2BIG)
                        return -EINVAL;
                if (k < 0)
                        r = k;
        }
        return r;
}

static int v2_renderer(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const renderers[] = { "networkd", "NetworkManager" };
        size_t i;
        return schema_choice(x, v, renderers, ELEMENTSOF(renderers), &i); /* kube-firstboot renders it itself */
}

static int v2_unsupported(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_error_at(x, key, "%s are not supported; kube-firstboot configures ethernets, bonds, bridges and "
                               "VLANs", key->value);
}

static const struct schema_field v2_fields[] = {
        { "version", v1_version, NULL },
        { "ethernets", v2_devices, "the interfaces" },
        { "renderer", v2_renderer, NULL },
        { "bonds", v2_devices, NULL },
        { "bridges", v2_devices, NULL },
        { "vlans", v2_devices, NULL },
        { "wifis", v2_unsupported, NULL },
        { "tunnels", v2_unsupported, NULL },
};

/* Name servers and search domains of v1's nameserver entries go to every interface. */
static int netconfig_merge_global(struct schema_ctx *x, struct netconfig *nc) {
        struct fb_config *c = config_of(x);

        if (!nc->global_node)
                return 0;
        for (size_t i = 0; i < c->n_ifaces; i++) {
                struct fb_iface *iface = &c->ifaces[i];
                const char *p = nc->global_dns.search;

                if (iface->master) /* a bond's or bridge's member has no address to resolve names with */
                        continue;
                for (unsigned j = 0; j < nc->global_dns.n_dns; j++) {
                        bool known = false;
                        for (unsigned k = 0; k < iface->n_dns; k++)
                                known |= iface->dns[k] == nc->global_dns.dns[j];
                        if (known)
                                continue;
                        if (iface->n_dns >= FB_MAX_DNS)
                                return schema_error_at(x, nc->global_node,
                                                       "with the interface's own, more than %d name servers",
                                                       FB_MAX_DNS);
                        iface->dns[iface->n_dns++] = nc->global_dns.dns[j];
                }
                while (*p) {
                        char domain[256];
                        size_t n = strcspn(p, " ");
                        memcpy(domain, p, n);
                        domain[n] = 0;
                        if (search_add(x, nc->global_node, iface, domain) < 0)
                                return -EINVAL;
                        p += n;
                        p += *p == ' ';
                }
        }
        return 0;
}

int netconfig_parse(const char *data, size_t size, const char *name, struct fb_config *c) {
        struct schema_ctx x = { .name = name, .user = c };
        _cleanup_(ytree_freep) struct ynode *root = NULL;
        const struct ynode *net, *version, *config;
        struct netconfig nc = {};
        int r;
        size_t old;

        c->n_ifaces = 0;
        c->have_network_config = false;
        r = config_load_network_tree(&x, data, size, "a mapping with version: 1 or 2", &root);
        if (r <= 0)
                return r;

        net = root;
        if (ynode_get(root, "network")) {
                /* cloud-init also takes the config wrapped in "network:" */
                for (size_t i = 0; i < root->n_items; i++)
                        if (!streq(root->keys[i]->value, "network")) {
                                escaped_t e;
                                schema_error_at(&x, root->keys[i], "%s: unknown key; everything goes under network:",
                                                esc(root->keys[i]->value, e));
                        }
                net = ynode_get(root, "network");
                schema_path_key(&x, "network");
                if (ynode_is_null(net)) {
                        log_notice("%s: network: is empty; the network is left as it is", name);
                        return x.error;
                }
                if (net->type != YNODE_MAPPING)
                        return schema_error_at(&x, net, "expected a mapping with version: 1 or 2, got %s",
                                               ynode_type_to_string(net->type));
        }

        config = ynode_get(net, "config");
        if (config && config->type == YNODE_SCALAR && streq(config->value, "disabled")) {
                log_info("%s: config: disabled; the network is left as it is", name);
                return x.error;
        }

        version = ynode_get(net, "version");
        old = schema_path_key(&x, "version");
        if (!version)
                return schema_error_at(&x, net, "required but missing; 1 (cloud-init's v1) or 2 (netplan style)");
        if (version->type != YNODE_SCALAR || (!streq(version->value, "1") && !streq(version->value, "2"))) {
                escaped_t e;
                return schema_error_at(&x, version, "\"%s\" is not 1 or 2",
                                       version->type == YNODE_SCALAR ? esc(version->value, e)
                                                              : ynode_type_to_string(version->type));
        }
        schema_path_restore(&x, old);

        nc.v2 = streq(version->value, "2");
        if (!nc.v2)
                schema_mapping(&x, NULL, net, v1_fields, ELEMENTSOF(v1_fields), SCHEMA_UNKNOWN_ERROR, &nc, NULL);
        else
                schema_mapping(&x, NULL, net, v2_fields, ELEMENTSOF(v2_fields), SCHEMA_UNKNOWN_ERROR, &nc, NULL);
        if (x.error < 0 || netconfig_netdevs_resolve(&x, &nc) < 0)
                return x.error;
        if (c->n_ifaces == 0)
                return schema_error_at(&x, net,
                                       "configures no interface (write \"config: disabled\" to leave the network "
                                       "alone)");
        if (netconfig_merge_global(&x, &nc) < 0)
                return x.error;
        c->have_network_config = true;
        return 0;
}

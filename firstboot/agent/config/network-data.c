/* SPDX-License-Identifier: MIT */
/* ConfigDrive's openstack/latest/network_data.json, read as cloud-init's convert_net_json reads it:
 * "links" are the interfaces (found by ethernet_mac_address, renamed when the link has a name), the
 * "networks" on a link give it its address (ipv4: ip_address and netmask, a default route for its
 * gateway; ipv4_dhcp: DHCP), and "dns" services, of a network or of the whole file, its name servers.
 * OpenStack writes many keys cloud-init does not use (network_id, vif_id, ...): those are ignored as
 * cloud-init ignores them. What cloud-init would apply and kube-firstboot cannot (IPv6, bonds, VLANs)
 * is refused by name. */
#include <string.h>

#include "config/config-fields.h"
#include "config/config-parse.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "yaml-schema.h"

#define LINK_ID_MAX 256

struct nd_link {
        char id[LINK_ID_MAX];
        struct fb_iface *iface;
        const struct ynode *node;
        bool has_network;
};

struct nd_state {
        struct nd_link links[FB_MAX_IFACES];
        size_t n_links;
        const struct ynode *services; /* the file's own services, for every interface */
};

/* ---- links ---- */

struct nd_link_item {
        struct nd_link *link;
        const struct ynode *type_node, *name_node;
};

static int nd_link_id(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct nd_link_item *it = userdata;
        const char *s;

        if (schema_text(x, v, sizeof(it->link->id), &s) < 0)
                return -EINVAL;
        strscpy(it->link->id, sizeof(it->link->id), s);
        return 0;
}

static int nd_link_type(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct nd_link_item *it = userdata;
        const char *s;

        it->type_node = v;
        if (ynode_is_null(v))
                return 0;
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (streq(s, "bond") || streq(s, "vlan"))
                return schema_error_at(x, v, "\"%s\" links are not supported; give the port's physical link the "
                                       "address", s);
        return 0; /* every other type is a physical interface to cloud-init (KNOWN_PHYSICAL_TYPES or not) */
}

static int nd_link_mac(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct nd_link_item *it = userdata;
        if (ynode_is_null(v))
                return 0;
        return config_mac_value(x, v, it->link->iface->mac);
}

static int nd_link_name(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct nd_link_item *it = userdata;
        it->name_node = v;
        return config_ifname_value(x, v, "name the interface", it->link->iface->name, sizeof(it->link->iface->name));
}

static int nd_link_mtu(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct nd_link_item *it = userdata;
        return netconfig_mtu_value(x, v, &it->link->iface->mtu);
}

static const struct schema_field nd_link_fields[] = {
        { "id", nd_link_id, "the link's id, which networks name in \"link\"" },
        { "type", nd_link_type, NULL },
        { "ethernet_mac_address", nd_link_mac, NULL },
        { "name", nd_link_name, NULL },
        { "mtu", nd_link_mtu, NULL },
};

static int nd_link_parse(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct nd_state *st = userdata;
        struct nd_link_item it = {};
        struct nd_link *link;

        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a link object, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        if (st->n_links >= FB_MAX_IFACES)
                return schema_error_at(x, item, "more than %d links", FB_MAX_IFACES);
        link = &st->links[st->n_links];
        *link = (struct nd_link) { .node = item };
        link->iface = netconfig_iface_new(x, item);
        if (!link->iface)
                return -E2BIG;
        st->n_links++;
        it.link = link;
        if (schema_mapping(x, NULL, item, nd_link_fields, ELEMENTSOF(nd_link_fields), SCHEMA_UNKNOWN_IGNORE, &it,
                           NULL) < 0)
                return -EINVAL;
        if (!link->iface->mac[0] && !link->iface->name[0])
                return schema_error_at(x, item, "has neither ethernet_mac_address nor name: no interface to "
                                       "configure");
        for (size_t i = 0; i + 1 < st->n_links; i++)
                if (streq(st->links[i].id, link->id))
                        return schema_error_at(x, item, "id \"%s\" is a second link's", link->id);
        /* as cloud-init: a link with a name and a MAC names the interface with that MAC */
        link->iface->rename = link->iface->mac[0] && link->iface->name[0];
        return 0;
}

/* ---- services (dns) ---- */

static int nd_service(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        const struct ynode *type, *address;
        size_t old;
        int r;

        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a service object, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        type = ynode_get(item, "type");
        address = ynode_get(item, "address");
        if (!type || type->type != YNODE_SCALAR || !streq(type->value, "dns"))
                return schema_error_at(x, type ? type : item, "only \"dns\" services are supported");
        if (!address)
                return schema_error_at(x, item, "a dns service needs an address");
        old = schema_path_key(x, "address");
        r = netconfig_dns_item(x, address, 0, userdata);
        schema_path_restore(x, old);
        return r;
}

static int nd_services(struct schema_ctx *x, const struct ynode *v, struct fb_iface *iface) {
        size_t old = schema_path_key(x, "services");
        int r = schema_list(x, v, "services", false, nd_service, iface);
        schema_path_restore(x, old);
        return r;
}

/* ---- networks ---- */

struct nd_network {
        struct nd_state *st;
        struct nd_link *link;
        const struct ynode *node, *type_node, *address_node, *netmask_node, *gateway_node, *services_node;
        bool is_static, is_dhcp;
        uint32_t address, gateway;
        unsigned prefix, netmask_prefix;
        bool have_prefix, have_netmask;
        struct fb_route routes[FB_MAX_ROUTES]; /* besides the default one, checked once the address is stored */
        const struct ynode *route_nodes[FB_MAX_ROUTES], *route_via_nodes[FB_MAX_ROUTES];
        size_t route_paths[FB_MAX_ROUTES], n_routes;
};

static int nd_net_type(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct nd_network *n = userdata;
        const char *s;

        n->type_node = v;
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (streq(s, "ipv4") || streq(s, "static"))
                n->is_static = true;
        else if (streq(s, "ipv4_dhcp"))
                n->is_dhcp = true;
        else if (strncmp(s, "ipv6", 4) == 0 || streq(s, "static6"))
                return schema_error_at(x, v, "\"%s\": IPv6 is not supported, only IPv4 (leave the IPv6 subnet off "
                                       "the port)", s);
        else
                return schema_error_at(x, v, "\"%s\" is not a network type cloud-init knows (ipv4, ipv4_dhcp)", s);
        return 0;
}

static int nd_net_link(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct nd_network *n = userdata;
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        for (size_t i = 0; i < n->st->n_links; i++)
                if (streq(n->st->links[i].id, s)) {
                        n->link = &n->st->links[i];
                        return 0;
                }
        return schema_error_at(x, v, "\"%s\" is no link's id", esc(s, e));
}

static int nd_net_address(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct nd_network *n = userdata;

        n->address_node = v;
        return netconfig_address_value(x, v, &n->address, &n->prefix, &n->have_prefix);
}

static int nd_net_netmask(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct nd_network *n = userdata;
        const char *s;
        uint32_t mask;
        escaped_t e;

        n->netmask_node = v;
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_ipv4(s, &mask) < 0 || netconfig_netmask_prefix(mask, &n->netmask_prefix) < 0)
                return schema_error_at(x, v, "\"%s\" is not a netmask like 255.255.255.0", esc(s, e));
        n->have_netmask = true;
        return 0;
}

static int nd_net_gateway(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct nd_network *n = userdata;
        n->gateway_node = v;
        return schema_address(x, v, &n->gateway);
}

/* A route: the default one (network 0.0.0.0, netmask 0.0.0.0) gives the gateway, any other is a static
 * route; dns services in it are the network's name servers (cloud-init reads them from there too). */
static int nd_route(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct nd_network *n = userdata;
        const struct ynode *network, *netmask, *gateway, *services;
        uint32_t net, mask;
        unsigned prefix;
        size_t old;
        int r;

        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a route object, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        network = ynode_get(item, "network");
        netmask = ynode_get(item, "netmask");
        gateway = ynode_get(item, "gateway");
        services = ynode_get(item, "services");
        if (!network || network->type != YNODE_SCALAR || parse_ipv4(network->value, &net) < 0) {
                old = schema_path_key(x, "network");
                r = schema_error_at(x, network ? network : item, "a route needs a network like \"10.9.0.0\"");
                schema_path_restore(x, old);
                return r;
        }
        if (!netmask || netmask->type != YNODE_SCALAR || parse_ipv4(netmask->value, &mask) < 0 ||
            netconfig_netmask_prefix(mask, &prefix) < 0) {
                old = schema_path_key(x, "netmask");
                r = schema_error_at(x, netmask ? netmask : item, "a route needs a netmask like \"255.255.0.0\"");
                schema_path_restore(x, old);
                return r;
        }
        if (!gateway)
                return schema_error_at(x, item, "a route needs a gateway");
        if (prefix != 0) {
                uint32_t via;
                old = schema_path_key(x, "gateway");
                r = schema_address(x, gateway, &via);
                schema_path_restore(x, old);
                if (r < 0)
                        return r;
                if (n->n_routes >= FB_MAX_ROUTES)
                        return schema_error_at(x, item, "more than %d routes on one network", FB_MAX_ROUTES);
                n->routes[n->n_routes] = (struct fb_route) { net, prefix, via };
                n->route_nodes[n->n_routes] = network;
                n->route_via_nodes[n->n_routes] = gateway;
                n->route_paths[n->n_routes++] = index;
                if (services && n->link)
                        return nd_services(x, services, n->link->iface);
                return 0;
        }
        if (n->gateway_node)
                return schema_error_at(x, gateway, "a second default gateway (the first is at line %u)",
                                       n->gateway_node->line);
        old = schema_path_key(x, "gateway");
        r = schema_address(x, gateway, &n->gateway);
        schema_path_restore(x, old);
        if (r < 0)
                return r;
        n->gateway_node = gateway;
        if (services && n->link)
                return nd_services(x, services, n->link->iface);
        return 0;
}

static int nd_net_routes(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_list(x, v, "routes", false, nd_route, userdata);
}

static int nd_net_services(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct nd_network *n = userdata;
        n->services_node = v;
        return 0; /* once the link is known */
}

static int nd_net_ignored(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return 0; /* read before the others */
}

static const struct schema_field nd_network_fields[] = {
        { "link", nd_net_ignored, "the id of the link the network is on" },
        { "type", nd_net_type, "ipv4 or ipv4_dhcp" },
        { "ip_address", nd_net_address, NULL },
        { "netmask", nd_net_netmask, NULL },
        { "gateway", nd_net_gateway, NULL },
        { "routes", nd_net_routes, NULL },
        { "services", nd_net_services, NULL },
};

static int nd_network_parse(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct nd_network n = { .st = userdata, .node = item };
        struct fb_iface *iface;
        const struct ynode *link;
        unsigned prefix;
        size_t old;
        int r;

        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a network object, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        /* the link first: routes' dns services go to its interface */
        link = ynode_get(item, "link");
        if (link) {
                old = schema_path_key(x, "link");
                r = nd_net_link(x, NULL, link, &n);
                schema_path_restore(x, old);
                if (r < 0)
                        return r;
        }
        if (schema_mapping(x, NULL, item, nd_network_fields, ELEMENTSOF(nd_network_fields), SCHEMA_UNKNOWN_IGNORE, &n,
                           NULL) < 0)
                return -EINVAL;
        if (!n.link)
                return -EINVAL; /* reported by schema_mapping: link is required */
        iface = n.link->iface;
        if (n.link->has_network)
                return schema_error_at(x, link, "a second network on link \"%s\": one address per interface is "
                                       "supported", n.link->id);
        n.link->has_network = true;
        if (n.services_node && nd_services(x, n.services_node, iface) < 0)
                return -EINVAL;
        if (n.is_dhcp) {
                const struct ynode *bad = n.address_node ? n.address_node : n.gateway_node;
                if (bad)
                        return schema_error_at(x, bad, "an ipv4_dhcp network has no address or gateway of its own");
                if (n.n_routes)
                        return schema_error_at(x, n.route_nodes[0], "a static route needs a static address on the "
                                               "interface (its gateway must be reachable when the route is added)");
                iface->dhcp = true;
                return 0;
        }
        if (!n.address_node)
                return schema_error_at(x, item, "an ipv4 network needs an ip_address");
        old = schema_path_key(x, "ip_address");
        if (n.have_prefix && n.have_netmask && n.prefix != n.netmask_prefix)
                r = schema_error_at(x, n.netmask_node, "the netmask's /%u does not match the address's /%u",
                                    n.netmask_prefix, n.prefix);
        else if (!n.have_prefix && !n.have_netmask)
                r = schema_error_at(x, n.address_node, "has no netmask; add \"netmask\": \"255.255.255.0\"");
        else {
                prefix = n.have_prefix ? n.prefix : n.netmask_prefix;
                r = netconfig_iface_static(x, iface, n.address_node, n.address, prefix, n.gateway, n.gateway_node);
        }
        schema_path_restore(x, old);
        for (size_t i = 0; r == 0 && i < n.n_routes; i++) {
                old = schema_path_append(x, ".routes[%zu]", n.route_paths[i]);
                r = netconfig_iface_route(x, iface, n.route_nodes[i], n.routes[i].net, n.routes[i].prefix,
                                          n.routes[i].via, n.route_via_nodes[i]);
                schema_path_restore(x, old);
        }
        return r;
}

static int nd_links(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_list(x, v, "links", false, nd_link_parse, userdata);
}

static int nd_networks(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return 0; /* after the links */
}

static int nd_top_services(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct nd_state *st = userdata;
        st->services = v;
        return 0; /* once every interface is known */
}

static const struct schema_field nd_fields[] = {
        { "links", nd_links, "the interfaces" },
        { "networks", nd_networks, NULL },
        { "services", nd_top_services, NULL },
};

int netdata_parse(const char *data, size_t size, const char *name, struct fb_config *c) {
        struct schema_ctx x = { .name = name, .user = c };
        _cleanup_(ytree_freep) struct ynode *root = NULL;
        struct nd_state st = {};
        int r;
        const struct ynode *networks;
        size_t old;

        c->n_ifaces = 0;
        c->have_network_config = false;
        r = config_load_network_tree(&x, data, size, "an object with links and networks", &root);
        if (r <= 0)
                return r;
        if (schema_mapping(&x, NULL, root, nd_fields, ELEMENTSOF(nd_fields), SCHEMA_UNKNOWN_IGNORE, &st, NULL) < 0)
                return x.error;

        networks = ynode_get(root, "networks");
        old = schema_path_key(&x, "networks");
        schema_list(&x, networks, "networks", false, nd_network_parse, &st);
        schema_path_restore(&x, old);
        if (x.error < 0)
                return x.error;

        /* the file's own dns services: every interface's, as cloud-init's nameserver entries */
        for (size_t i = 0; i < st.n_links && st.services; i++)
                if (nd_services(&x, st.services, st.links[i].iface) < 0)
                        return x.error;
        for (size_t i = 0; i < st.n_links; i++) {
                old = schema_path_append(&x, "links[%zu]", i);
                netconfig_iface_unique(&x, st.links[i].iface, st.links[i].node);
                schema_path_restore(&x, old);
        }
        if (x.error < 0)
                return x.error;
        c->have_network_config = c->n_ifaces > 0;
        return 0;
}

/* SPDX-License-Identifier: MIT */
/* The seed's configuration, one file per job: config-parse.c loads a seed (config_load), meta-data.c,
 * user-data.c and network-config.c parse one file each, cross-checks.c checks what spans them, show.c
 * prints the result for show-seed. */
#pragma once

#include <stdio.h>

#include "config/config.h"
#include "seed/seed.h"
#include "yaml-schema.h"

/* kubernetes.control_plane when user-data does not say: the reference lab's master. */
#define DEFAULT_CONTROL_PLANE "192.168.220.104"

/* Parses and validates meta-data, user-data and (if present) network-config of the seed into c
 * (which the caller has config_init()ed). Every error is logged once, as
 * "NAME:LINE:COLUMN: FIELD: what is wrong", and the first one is returned (-EINVAL, -E2BIG, ...). */
int config_load(const struct seed *s, struct fb_config *c);

/* The individual parsers, for tests and fuzzers. name is used in messages. */
int metadata_parse(const char *data, size_t size, const char *name, struct fb_config *c);
/* The same, or (config_drive) ConfigDrive's meta_data.json: uuid, hostname, meta: {role}. */
int metadata_parse_full(const char *data, size_t size, const char *name, bool config_drive, struct fb_config *c);
int userdata_parse(const char *data, size_t size, const char *name, struct fb_config *c);
int netconfig_parse(const char *data, size_t size, const char *name, struct fb_config *c);
/* ConfigDrive's openstack/latest/network_data.json (OpenStack's links, networks and services), as
 * cloud-init's convert_net_json reads it, into c's interfaces (network-data.c). */
int netdata_parse(const char *data, size_t size, const char *name, struct fb_config *c);
/* meta-data's network-interfaces (the text of an /etc/network/interfaces, as cloud-init's NoCloud reads
 * it), the scalar v of the meta-data file (data, size), into the interfaces of x's configuration
 * (eni.c). */
int eni_parse(struct schema_ctx *x, const struct ynode *v, const char *data, size_t size);
/* Cross-field checks once everything is parsed (CIDR overlaps, this host in the hosts list, ...). */
int config_validate(struct fb_config *c);

/* show-seed: the configuration as YAML, secrets (cluster key, token) masked. */
void config_show(FILE *f, const struct fb_config *c, const char *origin);

/* What the parsers share: data (a seed file, at most SEED_FILE_MAX bytes) into a tree, *ret NULL when it
 * is empty. Errors are logged, and kept in x->error. */
int config_load_tree(struct schema_ctx *x, const char *data, size_t size, struct ynode **ret);
/* The same for a description of the network (network-config, network_data.json): 1 with a mapping in
 * *ret, 0 when it is empty (the network is left as it is: logged), or the error (logged; x->error, and
 * an error at the top node when it is not a mapping: expected says what it should be). */
int config_load_network_tree(struct schema_ctx *x, const char *data, size_t size, const char *expected,
                             struct ynode **ret);

/* What network-config.c shares with the other forms of the same settings (eni.c, network-data.c); the
 * interfaces go into config_of(x), errors are logged at the node given (a real one, or a scalar made up
 * with the line and column of a word of text). */
/* 255.255.255.0 into 24; -EINVAL when not contiguous. */
int netconfig_netmask_prefix(uint32_t mask, unsigned *ret);
/* "A.B.C.D/PREFIX" or "A.B.C.D/NETMASK"; -EINVAL otherwise. */
int netconfig_address_prefix(const char *s, uint32_t *ret_addr, unsigned *ret_prefix);
/* An IPv4 address as a subnet's address: a.b.c.d, a.b.c.d/nn or a.b.c.d/255.255.255.0, not in a reserved
 * range; *ret_have_prefix tells whether it came with its prefix. */
int netconfig_address_value(struct schema_ctx *x, const struct ynode *v, uint32_t *ret_addr, unsigned *ret_prefix,
                            bool *ret_have_prefix);
/* An MTU, 576 to 65535; null: 0 (left as it is). */
int netconfig_mtu_value(struct schema_ctx *x, const struct ynode *v, unsigned *ret);
/* A name server (userdata: the struct fb_iface), or a search domain, added once; a schema_item_parser. */
int netconfig_dns_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata);
int netconfig_search_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata);
/* The next interface entry (NULL after an error when there are too many). */
struct fb_iface *netconfig_iface_new(struct schema_ctx *x, const struct ynode *at);
/* A static address, checked against its prefix and gateway (gateway 0: none), stored in iface. */
int netconfig_iface_static(struct schema_ctx *x, struct fb_iface *iface, const struct ynode *at, uint32_t address,
                           unsigned prefix, uint32_t gateway, const struct ynode *gateway_at);
/* A static route to net/prefix via a gateway, once the interface's static addresses are stored: net
 * without host bits, via inside one of the interface's subnets. */
int netconfig_iface_route(struct schema_ctx *x, struct fb_iface *iface, const struct ynode *at, uint32_t net,
                          unsigned prefix, uint32_t via, const struct ynode *via_at);
/* Refuses an interface whose name or MAC an earlier entry has, or a second default gateway. */
int netconfig_iface_unique(struct schema_ctx *x, const struct fb_iface *iface, const struct ynode *at);

/* network-config's state while its entries are read (network-config.c, netdevs.c). */
enum netdev_ref_kind { NETDEV_REF_MEMBER, NETDEV_REF_LINK, NETDEV_REF_PRIMARY };
/* A bond's or bridge's member, a VLAN's link or a bond's primary, named by v1 name or v2 id. */
struct netdev_ref {
        struct fb_iface *owner;
        const struct ynode *node;
        enum netdev_ref_kind kind;
        char path[128]; /* the field path of node, for errors */
};
struct netconfig {
        struct fb_iface global_dns; /* v1 "type: nameserver" entries, for every interface */
        const struct ynode *global_node;
        bool v2;
        const struct ynode *ids[FB_MAX_IFACES]; /* v2: each interface's id, by index */
        struct netdev_ref refs[FB_MAX_IFACES * (FB_MAX_MEMBERS + 2)];
        size_t n_refs;
};
/* One of a bond's or bridge's parameters (v1 params, v2 parameters) into iface; a bond's primary is
 * only noted (*ret_primary), as its members may come later. */
int netconfig_netdev_param(struct schema_ctx *x, struct fb_iface *iface, const struct ynode *key,
                           const struct ynode *v, bool v2, const struct ynode **ret_primary);
void netconfig_netdev_ref(struct schema_ctx *x, struct netconfig *nc, struct fb_iface *owner, const struct ynode *node,
                          enum netdev_ref_kind kind);
/* Every reference of nc resolved once all entries are read: members, links, primaries. */
int netconfig_netdevs_resolve(struct schema_ctx *x, struct netconfig *nc);

/* SPDX-License-Identifier: MIT */
/* The cluster settings' fields, one function per key, shared by user-data's kube_firstboot: mapping
 * (config-parse.c) and the seed generator's inventory (seedgen-inventory.c), so that both take the
 * same values with the same messages. Each writes into the struct fb_config that the schema context's
 * user pointer points at. Each parser lists them in its own table of fields, beside the keys only it has
 * (user-data: cluster_key, token, hosts; the inventory: network, nodes). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "yaml-schema.h"

/* cluster, endpoint, token_ttl, join_timeout, kubernetes: {...}, host: {...}, ssh_authorized_keys */
int config_field_cluster(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata);
int config_field_endpoint(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata);
int config_field_token_ttl(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata);
int config_field_join_timeout(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata);
int config_field_kubernetes(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata);
int config_field_host(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata);
int config_field_ssh_authorized_keys(struct schema_ctx *x, const struct ynode *key, const struct ynode *v,
                                     void *userdata);

/* Values that meta-data, hosts:, network-config and the inventory's network: and nodes: share: each
 * 0 and the value, or -EINVAL after an error at v (as yaml-schema.h's typed values). */
/* A host name that is also the Kubernetes node name: RFC 1123, lower case, at most 63 characters. */
int config_hostname_value(struct schema_ctx *x, const struct ynode *v, char *buf, size_t size);
/* control-plane or worker (with a hint for the old names master and node). */
int config_role_value(struct schema_ctx *x, const struct ynode *v, enum fb_role *ret);
/* An interface name: 1-15 of A-Z a-z 0-9 _ . -, not . or .. */
bool ifname_is_valid(const char *s);
/* The same, refusing a pattern (eth*) with pattern_hint: what to do instead. */
int config_ifname_value(struct schema_ctx *x, const struct ynode *v, const char *pattern_hint, char *buf,
                        size_t size);
/* aa:bb:cc:dd:ee:ff, any case, into buf in lower case. */
int config_mac_value(struct schema_ctx *x, const struct ynode *v, char buf[static 18]);
/* A DNS (search) domain. */
int config_domain_value(struct schema_ctx *x, const struct ynode *v, const char **ret);

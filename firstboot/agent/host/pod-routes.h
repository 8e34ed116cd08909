/* SPDX-License-Identifier: MIT */
#pragma once

#include "buffer.h"
#include "config/config.h"
#include "engine.h"

/* kubernetes.cni host-gw: every other node's /24 of the pod network is routed through that node's address
 * (hosts[].pod_subnet, hosts[].address), on the interface whose subnet holds that address. The network step
 * (network.c) makes them persistent with its renderer and applies them now. With no route for an interface
 * (another CNI, or no other node on its subnet) nothing is rendered. */

/* How many routes go through iface. */
size_t pod_routes_count(const struct fb_config *c, const struct fb_iface *iface);
/* ifcfg's route-DEV keys for every route through iface, numbered from first on (after the seed's own
 * static routes), appended to b. 0 or -ENOMEM. */
int pod_routes_append_ifcfg(const struct fb_config *c, const struct fb_iface *iface, unsigned first, struct buffer *b);
/* One [Route] section per route, appended to the systemd-networkd .network file in *data (malloc'd, *size
 * bytes and a NUL), which is replaced. */
int pod_routes_append_networkd(const struct fb_config *c, const struct fb_iface *iface, char **data, size_t *size);
/* Each route present now (`ip route replace` where `ip route show` lacks it; left out offline).
 * 0 unchanged, 1 changed, -errno (logged). */
int pod_routes_apply(struct fb_run *run, const char *step, const struct fb_config *c, const struct fb_iface *iface,
                     const char *name);

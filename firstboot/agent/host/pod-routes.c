/* SPDX-License-Identifier: MIT */
/* The routes of kubernetes.cni host-gw: see pod-routes.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "fileio.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "host/pod-routes.h"
#include "log.h"
#include "macro.h"
#include "parse.h"

/* Whether hosts[i] is another node reached through iface (its address on iface's subnet), with a /24. */
static bool route_via(const struct fb_config *c, const struct fb_iface *iface, const struct fb_host_entry *h) {
        uint32_t mask = prefix_mask(iface->prefix);

        return config_cni_host_gw(c) && iface->address && h->pod_subnet && h->address != iface->address &&
               !streq(h->name, c->hostname) && (h->address & mask) == (iface->address & mask);
}

size_t pod_routes_count(const struct fb_config *c, const struct fb_iface *iface) {
        size_t n = 0;

        for (size_t i = 0; i < c->n_hosts; i++)
                n += route_via(c, iface, &c->hosts[i]);
        return n;
}

/* Every route through iface appended to b: ifcfg's ADDRESSn/NETMASKn/GATEWAYn keys from *index on, or a
 * networkd [Route] section. */
static int append_routes(const struct fb_config *c, const struct fb_iface *iface, unsigned *index, struct buffer *b) {
        char subnet[16], via[16], mask[16];
        int r = 0;

        format_ipv4(prefix_mask(FB_POD_SUBNET_PREFIX), mask);
        for (size_t i = 0; i < c->n_hosts; i++) {
                const struct fb_host_entry *h = &c->hosts[i];

                if (!route_via(c, iface, h))
                        continue;
                format_ipv4(h->pod_subnet, subnet);
                format_ipv4(h->address, via);
                if (!index)
                        r |= buffer_appendf(b, "\n# the pod subnet of %s (kubernetes.cni host-gw)\n[Route]\n"
                                            "Destination=%s/%u\nGateway=%s\n", h->name, subnet, FB_POD_SUBNET_PREFIX, via);
                else {
                        r |= buffer_appendf(b, "# the pod subnet of %s (kubernetes.cni host-gw)\n"
                                            "ADDRESS%u=%s\nNETMASK%u=%s\nGATEWAY%u=%s\n",
                                            h->name, *index, subnet, *index, mask, *index, via);
                        (*index)++;
                }
        }
        return r < 0 ? -ENOMEM : 0;
}

int pod_routes_append_ifcfg(const struct fb_config *c, const struct fb_iface *iface, unsigned first, struct buffer *b) {
        return append_routes(c, iface, &first, b);
}

int pod_routes_append_networkd(const struct fb_config *c, const struct fb_iface *iface, char **data, size_t *size) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);

        if (buffer_append(&b, *data, *size) < 0 || append_routes(c, iface, NULL, &b) < 0)
                return -ENOMEM;
        free(*data);
        *data = NULL;
        return buffer_steal(&b, data, size);
}

int pod_routes_apply(struct fb_run *run, const char *step, const struct fb_config *c, const struct fb_iface *iface,
                     const char *name) {
        bool changed = false;
        int r;

        for (size_t i = 0; i < c->n_hosts; i++) {
                const struct fb_host_entry *h = &c->hosts[i];
                char subnet[24], via[16], what[160];

                if (!route_via(c, iface, h))
                        continue;
                format_ipv4(h->pod_subnet, subnet);
                snprintf(subnet + strlen(subnet), sizeof(subnet) - strlen(subnet), "/%u", FB_POD_SUBNET_PREFIX);
                format_ipv4(h->address, via);
                snprintf(what, sizeof(what), "route %s's pod subnet %s via %s dev %s now", h->name, subnet, via, name);
                if (run->offline) {
                        run_left_out(run, step, what);
                        continue;
                }
                r = ip_route_now(run, step, what, subnet, via, name, false);
                if (r < 0)
                        return r;
                changed = changed || r > 0;
        }
        return changed;
}

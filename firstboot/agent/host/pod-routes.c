/* SPDX-License-Identifier: MIT */
/* The routes of kubernetes.cni host-gw: see pod-routes.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "fileio.h"
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

/* Every route through iface appended to b: a line of route-DEV (dev name), or a networkd [Route] section. */
static int append_routes(const struct fb_config *c, const struct fb_iface *iface, const char *name, bool networkd,
                         struct buffer *b) {
        char subnet[16], via[16];
        int r = 0;

        for (size_t i = 0; i < c->n_hosts; i++) {
                const struct fb_host_entry *h = &c->hosts[i];

                if (!route_via(c, iface, h))
                        continue;
                format_ipv4(h->pod_subnet, subnet);
                format_ipv4(h->address, via);
                if (networkd)
                        r |= buffer_appendf(b, "\n# the pod subnet of %s (kubernetes.cni host-gw)\n[Route]\n"
                                            "Destination=%s/%u\nGateway=%s\n", h->name, subnet, FB_POD_SUBNET_PREFIX, via);
                else
                        r |= buffer_appendf(b, "%s/%u via %s dev %s\n", subnet, FB_POD_SUBNET_PREFIX, via, name);
        }
        return r < 0 ? -ENOMEM : 0;
}

int pod_routes_render_ifcfg(const struct fb_config *c, const struct fb_iface *iface, const char *name, char **ret,
                            size_t *ret_size) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);

        if (buffer_puts(&b, "# Written by kube-firstboot from the seed's hosts (kubernetes.cni host-gw): each other\n"
                            "# node's pod subnet through that node. Rewritten whole on every run.\n") < 0 ||
            append_routes(c, iface, name, false, &b) < 0)
                return -ENOMEM;
        return buffer_steal(&b, ret, ret_size);
}

int pod_routes_append_networkd(const struct fb_config *c, const struct fb_iface *iface, char **data, size_t *size) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);

        if (buffer_append(&b, *data, *size) < 0 || append_routes(c, iface, NULL, true, &b) < 0)
                return -ENOMEM;
        free(*data);
        *data = NULL;
        return buffer_steal(&b, data, size);
}

int pod_routes_write_ifcfg(struct fb_run *run, const char *step, const char *dir, const struct fb_iface *iface,
                           const char *name) {
        _cleanup_free_ char *old = NULL, *data = NULL, *abs_path = NULL, *what = NULL;
        size_t old_size = 0, size = 0, n = pod_routes_count(run->config, iface);
        char after[64];
        int r;

        if (n == 0)
                return 0;
        if (asprintf(&abs_path, "%s/route-%s", dir, name) < 0 || asprintf(&what, "write %s/route-%s", dir, name) < 0)
                return log_error_errno(-ENOMEM, "out of memory");
        r = pod_routes_render_ifcfg(run->config, iface, name, &data, &size);
        if (r < 0)
                return log_error_errno(r, "%s: cannot render: %m", abs_path);
        r = host_read_file(abs_path, HOST_FILE_MAX, &old, &old_size);
        if (r < 0 && r != -ENOENT)
                return r;
        snprintf(after, sizeof(after), "%zu pod subnet route%s", n, n == 1 ? "" : "s");
        return host_update_file(run, step, abs_path, old, old_size, data, size, 0644, WRITE_ATOMIC_MKDIR, what,
                                old ? "other routes" : NULL, after);
}

static int run_ip_replace(struct fb_run *run, void *argv) {
        return host_command_ok(run, argv, "ip route replace %s", ((const char *const *) argv)[3]);
}

int pod_routes_apply(struct fb_run *run, const char *step, const struct fb_config *c, const struct fb_iface *iface,
                     const char *name) {
        bool changed = false;
        int r;

        for (size_t i = 0; i < c->n_hosts; i++) {
                const struct fb_host_entry *h = &c->hosts[i];
                char subnet[24], via[16], want[96], what[160], current[128];
                _cleanup_free_ char *out = NULL;

                if (!route_via(c, iface, h))
                        continue;
                format_ipv4(h->pod_subnet, subnet);
                snprintf(subnet + strlen(subnet), sizeof(subnet) - strlen(subnet), "/%u", FB_POD_SUBNET_PREFIX);
                format_ipv4(h->address, via);
                snprintf(want, sizeof(want), "%s via %s dev %s", subnet, via, name);
                snprintf(what, sizeof(what), "route %s's pod subnet %s via %s dev %s now", h->name, subnet, via, name);
                if (run->offline) {
                        run_left_out(run, step, what);
                        continue;
                }
                {
                        const char *argv[] = { "ip", "route", "show", subnet, NULL };
                        r = host_command(run, argv, false, &out);
                        if (r < 0)
                                return r;
                        if (r != 0)
                                return log_error_errno(-EIO, "ip route show %s failed (exit status %d)", subnet, r);
                }
                /* `ip route show PREFIX` prints "PREFIX via GW dev DEV ..." */
                snprintf(current, sizeof(current), "%.*s", (int) strcspn(out, "\n"), out);
                {
                        size_t wl = strlen(want);
                        if (strncmp(current, want, wl) == 0 && (current[wl] == 0 || current[wl] == ' ')) {
                                run_unchanged(run, step, what);
                                continue;
                        }
                }
                {
                        const char *argv[] = { "ip", "route", "replace", subnet, "via", via, "dev", name, NULL };
                        changed = true;
                        r = action_take(run, &(struct action) { .step = step, .what = what,
                                                                .before = current[0] ? current : "none",
                                                                .after = want, .kind = ACTION_CALL,
                                                                .perform = run_ip_replace, .userdata = (void *) argv,
                                                                .live = true });
                        if (r < 0)
                                return r;
                }
        }
        return changed;
}

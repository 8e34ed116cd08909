/* SPDX-License-Identifier: MIT */
/* kubernetes.cni host-gw: a pod network without images. Every node's pods live on a bridge (cni0) in the
 * node's own /24 of the pod network (hosts[].pod_subnet from the seed), addresses from host-local, and the
 * nodes route each other's /24 (host/pod-routes.c). The kubelet runs the plugins: bridge, host-local and
 * portmap as this file's chain, loopback on its own for every pod.
 *
 * Where the plugins are: kubelet 1.23 (dockershim) looks in --cni-bin-dir, /opt/cni/bin by default, where
 * CentOS 7's kubernetes-cni package installs them. Debian's containernetworking-plugins installs them in
 * /usr/lib/cni instead. Rather than link into a directory another package owns, the kubelet is pointed at
 * the directory that has them all (kubeletExtraArgs cni-bin-dir in the kubeadm configuration: see
 * kubeadm.c), /opt/cni/bin first. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "action.h"
#include "fileio.h"
#include "host/hostedit.h"
#include "log.h"
#include "macro.h"
#include "memstream.h"
#include "parse.h"
#include "path.h"
#include "role/host-gw.h"
#include "role/role.h"

static const char *const cni_plugin_dirs[] = { CNI_DEFAULT_BIN_DIR, "/usr/lib/cni" };
static const char *const cni_plugins[] = { "bridge", "host-local", "loopback", "portmap" };

const char *host_gw_plugin_dir(char *ret_missing, size_t size) {
        char path[PATH_MAX];

        for (size_t d = 0; d < ELEMENTSOF(cni_plugin_dirs); d++) {
                bool all = true;
                for (size_t i = 0; i < ELEMENTSOF(cni_plugins) && all; i++) {
                        snprintf(path, sizeof(path), "%s/%s", cni_plugin_dirs[d], cni_plugins[i]);
                        all = root_exists(path);
                }
                if (all)
                        return cni_plugin_dirs[d];
        }
        if (ret_missing)
                snprintf(ret_missing, size, "the CNI plugins bridge, host-local, loopback and portmap are not all in "
                         "%s (CentOS 7: kubernetes-cni) nor all in %s (Debian: containernetworking-plugins)",
                         cni_plugin_dirs[0], cni_plugin_dirs[1]);
        return NULL;
}

int host_gw_check_plugins(struct fb_run *run) {
        char missing[256];

        if (run->facts.cni_plugin_dir)
                return 0;
        if (run->facts.cni_plugins_missing)
                return -ENOENT;
        run->facts.cni_plugin_dir = host_gw_plugin_dir(missing, sizeof(missing));
        if (run->facts.cni_plugin_dir)
                return 0;
        run->facts.cni_plugins_missing = true;
        return log_error_errno(-ENOENT, "kubernetes.cni host-gw: %s; install them, or choose kubernetes.cni flannel",
                               missing);
}

int host_gw_render_conflist(const struct fb_config *c, char **ret, size_t *ret_size) {
        const struct fb_host_entry *self = config_self_host(c);
        char subnet[16], gateway[16];
        struct memstream m;
        int r;

        if (!self || !self->pod_subnet)
                return -EADDRNOTAVAIL;
        format_ipv4(self->pod_subnet, subnet);
        format_ipv4(self->pod_subnet + 1, gateway);
        r = memstream_open(&m);
        if (r < 0)
                return r;
        /* no ipMasq: pods reach other nodes' pods by their own addresses, as Kubernetes' network model wants
         * (the bridge plugin would masquerade everything leaving the node's /24) */
        fprintf(m.f, "{\n"
                     "  \"cniVersion\": \"0.3.1\",\n"
                     "  \"name\": \"" HOST_GW_NETWORK "\",\n"
                     "  \"plugins\": [\n"
                     "    {\n"
                     "      \"type\": \"bridge\",\n"
                     "      \"bridge\": \"" HOST_GW_BRIDGE "\",\n"
                     "      \"isGateway\": true,\n"
                     "      \"ipMasq\": false,\n"
                     "      \"hairpinMode\": true,\n"
                     "      \"ipam\": {\n"
                     "        \"type\": \"host-local\",\n"
                     "        \"ranges\": [[{ \"subnet\": \"%s/%u\", \"gateway\": \"%s\" }]],\n"
                     "        \"routes\": [{ \"dst\": \"0.0.0.0/0\" }]\n"
                     "      }\n"
                     "    },\n"
                     "    {\n"
                     "      \"type\": \"portmap\",\n"
                     "      \"capabilities\": { \"portMappings\": true }\n"
                     "    }\n"
                     "  ]\n"
                     "}\n",
                subnet, FB_POD_SUBNET_PREFIX, gateway);
        return memstream_close(&m, false, ret, ret_size);
}

int step_cni_host_gw(struct fb_run *run, const char *step) {
        const struct fb_config *c = run->config;
        _cleanup_free_ char *data = NULL, *old = NULL;
        char after[64], subnet[16];
        size_t size = 0, old_size = 0;
        int r;

        r = host_gw_render_conflist(c, &data, &size);
        if (r < 0)
                return log_error_errno(r, "kubernetes.cni host-gw: this node (%s) has no pod_subnet in hosts",
                                       c->hostname);
        r = host_read_file(HOST_GW_CONFLIST, HOST_FILE_MAX, &old, &old_size);
        if (r < 0 && r != -ENOENT)
                return r;
        format_ipv4(config_self_host(c)->pod_subnet, subnet);
        snprintf(after, sizeof(after), "bridge %s, pods in %s/%u", HOST_GW_BRIDGE, subnet, FB_POD_SUBNET_PREFIX);
        return host_update_file(run, step, HOST_GW_CONFLIST, old, old_size, data, size, 0644, WRITE_ATOMIC_MKDIR,
                                "write " HOST_GW_CONFLIST " (host-gw: bridge, host-local, portmap)",
                                old ? "other settings" : NULL, after);
}

/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "role/host-gw.h"
#include "role/kubeadm.h"
#include "macro.h"
#include "memstream.h"
#include "parse.h"

void format_go_duration(unsigned long long seconds, char buf[static 32]) {
        snprintf(buf, 32, "%lluh%llum%llus", seconds / 3600, (seconds / 60) % 60, seconds % 60);
}

int kubeadm_api_server(const struct fb_config *c, char *buf, size_t size) {
        int n = snprintf(buf, size, "%s:%u", c->k8s.control_plane_host, c->k8s.control_plane_port);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static void node_registration(FILE *f, const struct fb_config *c, const char *cni_dir) {
        uint32_t addr = config_node_address(c);

        fprintf(f, "nodeRegistration:\n"
                   "  name: \"%s\"\n"
                   "  criSocket: \"%s\"\n",
                c->hostname, CRI_SOCKET_DOCKER);
        if (c->k8s.ignore_preflight) {
                /* Only what the seed lists (kubernetes.ignore_preflight_errors), in kubeadm's spelling; join does
                 * not run these control-plane checks, but the seed is the same for every node. */
                fprintf(f, "  ignorePreflightErrors:\n");
                for (size_t i = 0; i < FB_PREFLIGHT_N; i++)
                        if (c->k8s.ignore_preflight & (1u << i))
                                fprintf(f, "  - \"%s\"\n", fb_preflight_names[i]);
        }
        if (addr) {
                /* Lab VMs often have a second (NAT) interface; without node-ip the kubelet may pick it. */
                char ip[16];
                format_ipv4(addr, ip);
                fprintf(f, "  kubeletExtraArgs:\n    node-ip: \"%s\"\n", ip);
        }
        if (cni_dir && !streq(cni_dir, CNI_DEFAULT_BIN_DIR))
                /* host-gw with the plugins elsewhere (Debian's /usr/lib/cni): the kubelet looks there */
                fprintf(f, "%s    cni-bin-dir: \"%s\"\n", addr ? "" : "  kubeletExtraArgs:\n", cni_dir);
}

int kubeadm_render_init(const struct fb_config *c, const char *cni_bin_dir, const char *token, char **ret,
                        size_t *ret_size) {
        char ttl[32], service[16], pod[16], advertise[16], api[300];
        uint32_t addr = config_node_address(c);
        struct memstream m;
        int r;

        if (!addr)
                return -EADDRNOTAVAIL;
        r = kubeadm_api_server(c, api, sizeof(api));
        if (r < 0)
                return r;
        format_go_duration(c->token_ttl_s, ttl);
        format_ipv4(c->k8s.service_net, service);
        format_ipv4(c->k8s.pod_net, pod);
        format_ipv4(addr, advertise);

        r = memstream_open(&m);
        if (r < 0)
                return r;
        fprintf(m.f, "# Written by kube-firstboot from the seed; kubeadm init --config reads it.\n"
                   "apiVersion: kubeadm.k8s.io/v1beta3\n"
                   "kind: InitConfiguration\n"
                   "bootstrapTokens:\n"
                   "- token: \"%s\"\n"
                   "  description: \"kube-firstboot join token\"\n"
                   "  ttl: \"%s\"\n"
                   "  usages: [\"signing\", \"authentication\"]\n"
                   "  groups: [\"system:bootstrappers:kubeadm:default-node-token\"]\n"
                   "localAPIEndpoint:\n"
                   "  advertiseAddress: \"%s\"\n"
                   "  bindPort: %u\n",
                token, ttl, advertise, c->k8s.control_plane_port);
        node_registration(m.f, c, cni_bin_dir);
        fprintf(m.f, "---\n"
                   "apiVersion: kubeadm.k8s.io/v1beta3\n"
                   "kind: ClusterConfiguration\n"
                   "clusterName: \"%s\"\n"
                   "kubernetesVersion: \"%s\"\n"
                   "controlPlaneEndpoint: \"%s\"\n"
                   "imageRepository: \"%s\"\n"
                   "networking:\n"
                   "  serviceSubnet: \"%s/%u\"\n"
                   "  podSubnet: \"%s/%u\"\n"
                   "  dnsDomain: \"cluster.local\"\n",
                c->cluster_name, c->k8s.version, api, c->k8s.image_repository, service, c->k8s.service_prefix, pod,
                c->k8s.pod_prefix);
        if (c->k8s.control_plane_timeout_s) {
                char timeout[32];
                format_go_duration(c->k8s.control_plane_timeout_s, timeout);
                fprintf(m.f, "apiServer:\n"
                           "  timeoutForControlPlane: \"%s\"\n",
                        timeout);
        }
        if (config_cni_host_gw(c) || c->k8s.no_leader_election)
                fprintf(m.f, "controllerManager:\n"
                             "  extraArgs:\n");
        if (config_cni_host_gw(c))
                /* host-gw: the seed gives every node its /24 and the nodes route them; the controller manager
                 * would hand out its own in registration order, which need not agree */
                fprintf(m.f, "    allocate-node-cidrs: \"false\"\n");
        if (c->k8s.no_leader_election)
                /* one control plane: nobody to elect, and no lease to lose to a slow API server */
                fprintf(m.f, "    leader-elect: \"false\"\n"
                             "scheduler:\n"
                             "  extraArgs:\n"
                             "    leader-elect: \"false\"\n");
        fprintf(m.f, "---\n"
                   "apiVersion: kubelet.config.k8s.io/v1beta1\n"
                   "kind: KubeletConfiguration\n"
                   "cgroupDriver: systemd\n");
        return memstream_close(&m, false, ret, ret_size);
}

int kubeadm_render_join(const struct fb_config *c, const char *cni_bin_dir, const struct join_record *rec, char **ret,
                        size_t *ret_size) {
        struct memstream m;

        if (memstream_open(&m) < 0)
                return -ENOMEM;
        fprintf(m.f, "# Written by kube-firstboot from the join record; kubeadm join --config reads it.\n"
                   "apiVersion: kubeadm.k8s.io/v1beta3\n"
                   "kind: JoinConfiguration\n"
                   "discovery:\n"
                   "  bootstrapToken:\n"
                   "    apiServerEndpoint: \"%s\"\n"
                   "    token: \"%s\"\n"
                   "    caCertHashes:\n",
                rec->api_server, rec->token);
        for (unsigned i = 0; i < rec->n_ca_cert_hashes; i++)
                fprintf(m.f, "    - \"%s\"\n", rec->ca_cert_hashes[i]);
        fprintf(m.f, "  timeout: \"5m0s\"\n");
        node_registration(m.f, c, cni_bin_dir);
        return memstream_close(&m, false, ret, ret_size);
}

/* SPDX-License-Identifier: MIT */
#pragma once

#include "config/config.h"
#include "join/joinrecord.h"

/* The dockershim socket of kubeadm 1.23 (docker is the runtime the reference installs): nodeRegistration's
 * criSocket, and the value of the Node annotation kubeadm keeps it in. */
#define CRI_SOCKET_DOCKER "/var/run/dockershim.sock"
#define CRI_SOCKET_ANNOTATION "kubeadm.alpha.kubernetes.io/cri-socket"

/* kubeadm.k8s.io/v1beta3 configuration files, rendered from the validated seed. Values are validated
 * before they get here (hostnames, addresses, CIDRs, token, version, repository), and are quoted anyway. */

/* Both take cni_bin_dir, the directory of host-gw's CNI plugins as the checks before any change found it
 * (struct fb_host_facts), or NULL: the kubelet is told of one other than its default. */

/* InitConfiguration + ClusterConfiguration + KubeletConfiguration (cgroupDriver: systemd). */
int kubeadm_render_init(const struct fb_config *c, const char *cni_bin_dir, const char *token, char **ret,
                        size_t *ret_size);

/* JoinConfiguration with bootstrap-token discovery pinned to the record's CA hashes. */
int kubeadm_render_join(const struct fb_config *c, const char *cni_bin_dir, const struct join_record *rec, char **ret,
                        size_t *ret_size);

/* "24h0m0s" style, as kubeadm prints durations. */
void format_go_duration(unsigned long long seconds, char buf[static 32]);

/* The API server's host:port that workers join, from kubernetes.control_plane. */
int kubeadm_api_server(const struct fb_config *c, char *buf, size_t size);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "config/config.h"
#include "engine.h"

/* kubernetes.cni host-gw's CNI configuration (host-gw.c). */

#define HOST_GW_CONFLIST "/etc/cni/net.d/10-kube-firstboot-host-gw.conflist"
#define HOST_GW_NETWORK "kube-firstboot-host-gw"
#define HOST_GW_BRIDGE "cni0"
#define CNI_DEFAULT_BIN_DIR "/opt/cni/bin" /* the kubelet's --cni-bin-dir default */

/* The directory (under the root) holding bridge, host-local, loopback and portmap: /opt/cni/bin, else
 * /usr/lib/cni. NULL when neither has them all, with what is missing in ret_missing. */
const char *host_gw_plugin_dir(char *ret_missing, size_t size);
/* The plugins' directory, looked for once and kept in run->facts.cni_plugin_dir: 0, or -ENOENT (logged
 * the first time) when neither directory has them all. */
int host_gw_check_plugins(struct fb_run *run);
/* The conflist for this node's pod_subnet; -EADDRNOTAVAIL when it has none. */
int host_gw_render_conflist(const struct fb_config *c, char **ret, size_t *ret_size);
/* Writes the conflist (plan: would write); the plugins were found (host_gw_check_plugins()). 0 unchanged, 1 written, -errno (logged). */
int step_cni_host_gw(struct fb_run *run, const char *step);

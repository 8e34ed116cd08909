/* SPDX-License-Identifier: MIT */
#pragma once

#include "engine.h"

/* The role stage: kubeadm init, CNI and publishing on the control plane; waiting for the join record
 * and kubeadm join on a worker. */

#define ADMIN_CONF "/etc/kubernetes/admin.conf"
#define KUBELET_CONF "/etc/kubernetes/kubelet.conf"
#define CA_CERT "/etc/kubernetes/pki/ca.crt"
#define RUN_DIR "/run/kube-firstboot"
#define SUCCESS_SENTINEL RUN_DIR "/bootstrap-success.complete"
#define IMAGES_DIR "/var/lib/kube-firstboot/images"
#define AGENT_LOG "/var/log/kube-firstboot.log"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/kube-firstboot"
#endif

/* The steps for this node's role. */
const struct fb_step *role_steps(const struct fb_config *c, size_t *ret_n);

/* Shared by both roles (role-common.c). */
int step_images(struct fb_run *run);
int step_done(struct fb_run *run);
int step_init(struct fb_run *run);
int step_kubeconfig(struct fb_run *run);
int step_cni(struct fb_run *run);
int step_publish(struct fb_run *run);
int step_wait_record(struct fb_run *run);
int step_join(struct fb_run *run);

/* The role steps' checks before any change (struct fb_step). */
int check_init(struct fb_run *run);
int check_cni(struct fb_run *run);
int check_join(struct fb_run *run);
/* name on the agent's search path (KUBE_FIRSTBOOT_PATH): 0, or -ENOENT logged with what needs it. */
int role_need_command(const char *name, const char *what_for);

/* One kubeadm command (shown names it in messages), its output in the agent log: 0 when it succeeded, 1
 * when it failed or timed out (a warning logged), -errno (logged) when it could not be run. */
int kubeadm_command(struct fb_run *run, const char *const argv[], const char *shown, int timeout_ms);
/* kubeadm reset -f; a failure is a warning (the next kubeadm command says what is left). */
void kubeadm_reset(struct fb_run *run);

/* kubeadm init on the control plane (init-phases.c): the phases up to etcd one by one (preflight only on
 * a host without an earlier attempt's files), the kubelet's healthz awaited (kubernetes.control_plane_timeout
 * or 4 minutes), then kubeadm init --skip-phases= of those; up to 3 attempts: after a failed phase the
 * phases again (`kubeadm reset -f` first, and preflight, only when certs or kubeconfig failed), after a
 * failed rest only the rest. 0 or -errno (logged). */
int kubeadm_init_in_phases(struct fb_run *run, const char *config_path);

/* kubeadm SUBCOMMAND (init, join) with its configuration: yaml written to RUN_DIR/name (then erased from
 * memory), the endpoint told it started, run_kubeadm(run, path), and the file removed again, whatever
 * came of it: it holds the token. 0 or -errno (logged). */
int kubeadm_run_config(struct fb_run *run, const char *subcommand, const char *name, char *yaml, size_t size,
                       int (*run_kubeadm)(struct fb_run *run, const char *config_path));
/* Removes the kubeadm configurations a run killed while kubeadm ran left in RUN_DIR (they hold the token).
 * Called at the start of every run that holds the agent's lock. */
void role_remove_rendered_configs(void);

/* Writes a 0600 file under RUN_DIR (0700); *ret_path gets its name with the --root prefix (for commands
 * and messages; also when the write fails, NULL only when out of memory). */
int write_run_file(const char *name, const char *data, size_t size, char **ret_path);

/* The control plane's token: the seed's, or one kept 0600 in the state directory (generated once).
 * expires is when it stops working (Unix seconds), from when it was first used. */
int control_plane_token(struct fb_run *run, char token[static 24], long long *ret_expires);
int control_plane_token_save(struct fb_run *run, const char *token, long long expires);

/* refresh-token: a new token once less than a third of the published one's life is left. */
int refresh_token(struct fb_run *run);

/* Seals and publishes the record for token (control plane; also used by refresh-token). */
int publish_record(struct fb_run *run, const char *token, long long expires);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "engine.h"

/* What kubeadm's preflight (or the version skew a worker would run at) refuses for certain and the host
 * stage cannot fix, and what the steps need of this host, checked before the first change to the host, so
 * that a seed that does not fit this machine changes nothing:
 *  - the installed kubelet (`kubelet --version`, found on the agent's search path) must fit
 *    kubernetes.version: not of a newer minor (kubeadm init's check KubeletVersion; on a worker the
 *    kubelet would be newer than the API server), not older than one minor below (kubeadm's minimum);
 *  - a control plane needs 2 CPUs (check NumCPU) and 1700 MB of memory (check Mem), as kubeadm init
 *    counts them (/proc/cpuinfo, MemTotal of /proc/meminfo, under --root), unless the seed lists the
 *    check in kubernetes.ignore_preflight_errors (then kubeadm only warns, and so does this);
 *  - with kubernetes.cni host-gw, the CNI plugins bridge, host-local, loopback and portmap in /opt/cni/bin
 *    or /usr/lib/cni (role/host-gw.h);
 *  - the check of each of steps (struct fb_step: the interfaces network-config names, the units, the
 *    files the steps edit), every one of them whatever the others found; the refused steps go to
 *    run->refused, what the checks found to run->facts.
 * Every refusal is logged as an error (the version's at the seed's file, line and column). In plan
 * (run->dry_run), each check is also listed on stdout. Returns 0 when nothing refuses, -EINVAL when
 * something does; reason (may be NULL) gets the first refusal in short, for the progress report. */
int preflight_check(struct fb_run *run, const struct fb_step *const *steps, size_t n_steps, char *reason,
                    size_t reason_size);

/* "Kubernetes v1.23.6" (kubelet --version's output, surrounding blank lines and blanks allowed) into its
 * numbers. -EINVAL when the output is anything else. */
int preflight_parse_kubelet_version(const char *output, unsigned ret[3]);

/* Whether a kubelet of version kubelet fits the control-plane version seed (each major, minor, patch):
 * 0, or 1 when the kubelet is of a newer minor (or major), -1 when it is older than one minor below. */
int preflight_kubelet_fit(const unsigned kubelet[3], const unsigned seed[3]);

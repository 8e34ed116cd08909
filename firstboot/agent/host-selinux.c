/* SPDX-License-Identifier: MIT */
/* stub: SELinux permissive, as the kubeadm guide for CentOS 7 does */
#include "host.h"

int step_selinux(struct fb_run *run) {
        return 0;
}

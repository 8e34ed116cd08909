/* SPDX-License-Identifier: MIT */
/* stub: the managed block of cluster nodes in /etc/hosts */
#include "host.h"

int step_hosts(struct fb_run *run) {
        return 0;
}

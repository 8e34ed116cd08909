/* SPDX-License-Identifier: MIT */
/* stub: root's authorized_keys from the cloud-config */
#include "host.h"

int step_ssh(struct fb_run *run) {
        return 0;
}

/* SPDX-License-Identifier: MIT */
/* stub: set the hostname from meta-data (sethostname(2) and /etc/hostname) */
#include "host.h"

int step_hostname(struct fb_run *run) {
        return 0;
}

/* SPDX-License-Identifier: MIT */
/* stub: swap off now and at every boot (kubelet refuses to run with swap) */
#include "host.h"

int step_swap(struct fb_run *run) {
        return 0;
}

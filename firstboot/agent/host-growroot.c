/* SPDX-License-Identifier: MIT */
/* stub: grow the root partition and filesystem to the whole disk */
#include "host.h"

int step_growroot(struct fb_run *run) {
        return 0;
}

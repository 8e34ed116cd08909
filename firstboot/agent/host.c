/* SPDX-License-Identifier: MIT */
#include "host.h"
#include "macro.h"

/* Order matters: modules before sysctls (the bridge keys exist only once br_netfilter is loaded),
 * daemon.json before docker is restarted, swap off before kubelet is enabled. */
const struct fb_step host_steps[] = {
        { "none", "placeholder until the host steps land", NULL },
};
const size_t host_steps_count = 0;

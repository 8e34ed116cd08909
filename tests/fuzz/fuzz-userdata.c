/* SPDX-License-Identifier: MIT */
/* libFuzzer target: user-data (#cloud-config with kube_firstboot:), then the cross-field checks and
 * show-seed on what parsed, with the reference master's meta-data. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/config-parse.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char meta_data[] = "instance-id: lab-master-1\nlocal-hostname: master\nrole: control-plane\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static FILE *null;
        struct fb_config c;
        int r;

        log_set_max_level(LOG_CRIT);
        if (!null)
                null = fopen("/dev/null", "we");
        config_init(&c);
        if (metadata_parse(meta_data, strlen(meta_data), "fuzz/meta-data", &c) < 0)
                __builtin_trap();
        r = userdata_parse((const char *) data, size, "fuzz/user-data", &c);
        if (r == 0) {
                if (!c.have_cluster_key || strncmp(c.endpoint, "http", 4) != 0 || !c.k8s.control_plane_host[0])
                        __builtin_trap();
                if (config_validate(&c) == 0 && null)
                        config_show(null, &c, "fuzz");
        }
        config_done(&c);
        return 0;
}

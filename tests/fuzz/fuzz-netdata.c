/* SPDX-License-Identifier: MIT */
/* libFuzzer target: ConfigDrive's network_data.json through netdata_parse() after the reference master's
 * meta-data and a minimal user-data, then the cross-field checks and show-seed. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/config-parse.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char meta_data[] = "instance-id: lab-master-1\nlocal-hostname: master\nrole: control-plane\n";
static const char user_data[] = "#cloud-config\n"
                                "kube_firstboot:\n"
                                "  endpoint: http://192.168.220.1:8780/\n"
                                "  cluster_key: VEVTVC1PTkxZIGNsdXN0ZXIga2V5LCBub3Qgc2FmZSE=\n"
                                "  hosts:\n"
                                "    - {name: master, address: 192.168.220.104}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static FILE *null;
        struct fb_config c;
        int r;

        log_set_max_level(LOG_CRIT);
        if (!null)
                null = fopen("/dev/null", "we");
        config_init(&c);
        if (metadata_parse(meta_data, strlen(meta_data), "fuzz/meta-data", &c) < 0 ||
            userdata_parse(user_data, strlen(user_data), "fuzz/user-data", &c) < 0)
                __builtin_trap();
        r = netdata_parse((const char *) data, size, "fuzz/network_data.json", &c);
        if (r == 0) {
                /* what a successful parse promises the network step */
                if (c.n_ifaces > FB_MAX_IFACES || (c.have_network_config && c.n_ifaces == 0))
                        __builtin_trap();
                for (size_t i = 0; i < c.n_ifaces; i++) {
                        const struct fb_iface *f = &c.ifaces[i];
                        if (f->n_dns > FB_MAX_DNS || (f->address && (f->prefix < 8 || f->prefix > 32)) ||
                            (f->address && f->dhcp) || (!f->mac[0] && !f->name[0]) || (f->rename && !f->mac[0]) ||
                            (f->mtu && f->mtu < 576))
                                __builtin_trap();
                }
                if (config_validate(&c) == 0 && null)
                        config_show(null, &c, "fuzz");
        }
        config_done(&c);
        return 0;
}

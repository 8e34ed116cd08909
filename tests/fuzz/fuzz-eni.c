/* SPDX-License-Identifier: MIT */
/* libFuzzer target: meta-data's network-interfaces (the text of an /etc/network/interfaces) through
 * eni_parse(). The input is the text itself: the harness puts it into a meta-data file as a literal block
 * scalar, each line indented, so that the fuzzer spends its time on the stanzas, not on YAML; a line the
 * block cannot hold (a tab or a control character first) is given as it is and YAML refuses it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-parse.h"
#include "log.h"
#include "seed/seed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char head[] = "instance-id: lab-master-1\nlocal-hostname: master\nrole: control-plane\n"
                           "network-interfaces: |\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static FILE *null;
        struct fb_config c;
        char *md;
        size_t n = 0;
        int r;

        log_set_max_level(LOG_CRIT);
        if (!null)
                null = fopen("/dev/null", "we");
        if (size > SEED_FILE_MAX / 4)
                return 0;
        md = malloc(sizeof(head) + 3 * size + 4);
        if (!md)
                return 0;
        memcpy(md, head, sizeof(head) - 1);
        n = sizeof(head) - 1;
        for (size_t i = 0; i < size; i++) {
                if (i == 0 || data[i - 1] == '\n') {
                        md[n++] = ' ';
                        md[n++] = ' ';
                }
                md[n++] = (char) data[i];
        }
        md[n] = 0;

        config_init(&c);
        r = metadata_parse(md, n, "fuzz/meta-data", &c);
        if (r == 0) {
                if (c.n_ifaces > FB_MAX_IFACES || (c.have_network_config && c.n_ifaces == 0))
                        __builtin_trap();
                for (size_t i = 0; i < c.n_ifaces; i++) {
                        const struct fb_iface *f = &c.ifaces[i];
                        if (f->n_dns > FB_MAX_DNS || !f->name[0] || (f->address && (f->prefix < 8 || f->prefix > 32)) ||
                            (f->address && f->dhcp) || (f->rename && !f->mac[0]))
                                __builtin_trap();
                }
                if (null)
                        config_show(null, &c, "fuzz");
        }
        config_done(&c);
        free(md);
        return 0;
}

/* SPDX-License-Identifier: MIT */
/* libFuzzer target: meta-data (YAML or JSON) through the YAML loader, in NoCloud and ConfigDrive form. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/config-parse.h"
#include "log.h"
#include "seed/seed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct fb_config c;
        struct seed s = {};
        int r;

        log_set_max_level(LOG_CRIT);
        config_init(&c);
        r = metadata_parse((const char *) data, size, "fuzz/meta-data", &c);
        /* what a successful parse promises the rest of the agent */
        if (r == 0 && (!c.instance_id[0] || !c.hostname[0] || c.role == FB_ROLE_UNSET || strchr(c.instance_id, '/')))
                __builtin_trap();
        config_done(&c);

        /* ConfigDrive's meta_data.json goes through config_load with the same bytes */
        if (size <= SEED_FILE_MAX &&
            seed_set_file(&s, SEED_META_DATA, "fuzz/meta_data.json", (const char *) data, size) == 0 &&
            seed_set_file(&s, SEED_USER_DATA, "fuzz/user_data", "#cloud-config\n", 14) == 0) {
                s.config_drive = true;
                config_init(&c);
                (void) config_load(&s, &c);
                config_done(&c);
        }
        seed_done(&s);
        return 0;
}

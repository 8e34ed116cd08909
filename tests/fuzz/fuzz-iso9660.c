/* SPDX-License-Identifier: MIT */
/* libFuzzer target: an ISO 9660 seed volume from memory, read as NoCloud and as ConfigDrive. */
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "seed/volume.h"
#include "seed/seed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const labels[] = { "cidata", "config-2" };
        struct volume v = { .fd = -1, .data = data, .size = size, .name = "fuzz.iso" };

        /* Messages are still formatted (and so fuzzed), just not printed. */
        log_set_max_level(LOG_CRIT);
        for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
                struct seed s = {};
                (void) seed_read_volume(&v, "iso9660", labels[i], &s);
                seed_done(&s);
        }
        return 0;
}

/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the kernel command line seed location parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "seed/seed.h"

#define INPUT_MAX 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* Small buffers exercise the length checks as well as the parser. */
        static const size_t sizes[] = { 4096, 24, 1 };
        char *cmdline, location[4096];

        if (size > INPUT_MAX)
                return 0;
        cmdline = malloc(size + 1);
        if (!cmdline)
                return 0;
        memcpy(cmdline, data, size);
        cmdline[size] = 0;
        log_set_max_level(LOG_CRIT);
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                int r = cmdline_find_seed(cmdline, location, sizes[i]);
                /* A found location fits, is terminated, and is a URL ending in '/' or an absolute path. */
                if (r > 0) {
                        size_t n = strnlen(location, sizes[i]);
                        if (n == 0 || n >= sizes[i])
                                abort();
                        if (strncmp(location, "http", 4) == 0 ? location[n - 1] != '/' : location[0] != '/')
                                abort();
                }
        }
        free(cmdline);
        return 0;
}

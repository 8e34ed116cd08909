/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the kernel command line seed location parser, the same parser on an SMBIOS serial,
 * network-config= on the kernel command line, and a DMI file's value. */
#include <stdbool.h>
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
        /* The DMI serial's reading: no kube_firstboot.seed=, and the same promises. */
        {
                bool ours = true;
                int r = line_find_seed(cmdline, "serial", false, location, sizeof(location), &ours);
                if (r > 0 && (ours || location[0] == 0))
                        abort();
        }
        /* network-config=: text of the size it says, without NUL, or nothing. */
        {
                char *text = NULL;
                size_t text_size = 0;
                int r = cmdline_network_config(cmdline, &text, &text_size);
                if (r == 1 && (!text || strlen(text) != text_size))
                        abort();
                if (r != 1 && (text || text_size))
                        abort();
                free(text);
        }
        /* A DMI file's value: printable, trimmed, within the buffer. */
        {
                char value[64];
                int r = dmi_value_clean((const char *) data, size, value, sizeof(value));
                if (r > 0 && (strnlen(value, sizeof(value)) >= sizeof(value) || value[0] == ' '))
                        abort();
        }
        free(cmdline);
        return 0;
}

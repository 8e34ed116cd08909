/* SPDX-License-Identifier: MIT */
/* libFuzzer target: gunzip(), the gzip reader of network-config= on the kernel command line. The input
 * is the gzip member itself. Whatever it decodes to fits the limit, is NUL-terminated, and a second
 * decode of the same input gives the same bytes. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gunzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LIMIT (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *out = NULL, *again = NULL;
        size_t n = 0, m = 0;
        int r;

        r = gunzip(data, size, LIMIT, &out, &n);
        if (r != 0) {
                if (out || (r != -EBADMSG && r != -E2BIG && r != -ENOMEM))
                        __builtin_trap();
                return 0;
        }
        if (n > LIMIT || out[n] != 0 || !gzip_magic(data, size))
                __builtin_trap();
        if (gunzip(data, size, n, &again, &m) != 0 || m != n || memcmp(out, again, n) != 0)
                __builtin_trap(); /* exactly its own size is enough */
        if (n > 0 && gunzip(data, size, n - 1, &again, &m) != -E2BIG)
                __builtin_trap();
        free(again);
        free(out);
        return 0;
}

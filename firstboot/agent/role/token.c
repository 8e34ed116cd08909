/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "macro.h"
#include "random.h"
#include "role/token.h"
#include "secret.h"

int bootstrap_token_generate(char ret[static 24]) {
        static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
        uint8_t pool[64];
        CLEANUP_ERASE(pool);
        size_t used = sizeof(pool);
        int r;

        for (int i = 0; i < 23;) {
                if (i == 6) {
                        ret[i++] = '.';
                        continue;
                }
                if (used == sizeof(pool)) {
                        r = random_bytes(pool, sizeof(pool));
                        if (r < 0)
                                return r;
                        used = 0;
                }
                /* 252 = 7 * 36: bytes above would favour the first characters. */
                if (pool[used] < 252)
                        ret[i++] = alphabet[pool[used] % 36];
                used++;
        }
        ret[23] = 0;
        return 0;
}

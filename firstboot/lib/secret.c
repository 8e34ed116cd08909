/* SPDX-License-Identifier: MIT */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

/* Called through a volatile pointer, so the compiler cannot see that it is memset() and drop a store to
 * memory that is never read again; the barrier after it keeps the stores in any case. */
static void *(*const volatile memset_function)(void *, int, size_t) = memset;

void secure_erase(void *p, size_t n) {
        if (!p || n == 0)
                return;
        memset_function(p, 0, n);
        __asm__ __volatile__("" : : "r"(p) : "memory");
}

void erase_and_free(void *p) {
        if (!p)
                return;
        secure_erase(p, malloc_usable_size(p));
        free(p);
}

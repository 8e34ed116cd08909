/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "macro.h"

/* Memory that held a key, a token, a bearer or a sealed or opened record is overwritten before it is
 * given back, in a way the compiler may not drop (glibc 2.17 has no explicit_bzero). */
void secure_erase(void *p, size_t n);

/* Overwrites the whole allocation (malloc_usable_size(), so also what lies past a string's NUL) and
 * frees it. NULL is fine. */
void erase_and_free(void *p);
static inline void erase_and_freep(void *p) {
        erase_and_free(*(void **) p);
}
#define _cleanup_erase_free_ _cleanup_(erase_and_freep)

/* CLEANUP_ERASE(var): var (an array or a struct on the stack) is overwritten when it goes out of scope,
 * on every return path. Declare it right after var. */
struct erase_region {
        void *p;
        size_t n;
};
static inline void erase_regionp(struct erase_region *r) {
        secure_erase(r->p, r->n);
}
#define CLEANUP_ERASE(var)                                                                                   \
        _cleanup_(erase_regionp) _unused_ struct erase_region UNIQUE(erase_region_) = { &(var), sizeof(var) }

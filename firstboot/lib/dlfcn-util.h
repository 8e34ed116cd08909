/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* Libraries loaded with dlopen() on first use. Every function resolved at run time is declared through
 * DLSYM_DECLARE()/DLSYM_DEFINE(), which take its prototype from the library's own header with
 * __typeof__, so a pointer can never disagree with the function it points to; and every name is listed
 * once, in dl-symbols.h, which the ABI check (tests/abi/check-abi.sh) reads. dlopen() and dlsym() are
 * called here and nowhere else. */

#define DLSYM_DECLARE(name) extern __typeof__(name) *sym_##name;
#define DLSYM_DEFINE(name) __typeof__(name) *sym_##name;
#define DLSYM_ENTRY(name) { #name, (void **) &sym_##name },

struct dlsym_entry {
        const char *name;
        void **sym;
};

struct dl_library {
        const char *what;              /* for messages: "libcrypto" */
        const char *const *sonames;    /* tried in order; the first that loads is used */
        size_t n_sonames;
        const struct dlsym_entry *symbols;
        size_t n_symbols;
        int state;                     /* 0 not tried, 1 loaded, -1 failed (not tried again) */
};

/* Loads the library once and resolves every symbol of its table, all or nothing: 0, or -EOPNOTSUPP
 * (logged once, naming the library or the missing symbol). */
int dl_library_load(struct dl_library *lib);

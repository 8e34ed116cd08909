/* SPDX-License-Identifier: MIT */
#include "crypto-dl.h"
#include "macro.h"

LIBCRYPTO_SYMBOLS(DLSYM_DEFINE)

/* The library this was built against first (the SONAME the Makefile passes), then the usual ones:
 * OpenSSL 3 (Debian 12), 1.1, and CentOS 7's 1.0.2 (libcrypto.so.10). */
#ifndef CRYPTO_SONAME
#define CRYPTO_SONAME "libcrypto.so.3"
#endif

int dlopen_crypto(void) {
        static const char *const sonames[] = { CRYPTO_SONAME, "libcrypto.so.3", "libcrypto.so.1.1",
                                               "libcrypto.so.10" };
        static const struct dlsym_entry symbols[] = { LIBCRYPTO_SYMBOLS(DLSYM_ENTRY) };
        static struct dl_library lib = { "libcrypto", sonames, ELEMENTSOF(sonames), symbols, ELEMENTSOF(symbols), 0 };

        return dl_library_load(&lib);
}

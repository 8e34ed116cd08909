/* SPDX-License-Identifier: MIT */
#include "curl-dl.h"
#include "macro.h"

LIBCURL_SYMBOLS(DLSYM_DEFINE)

int dlopen_curl(void) {
        static const char *const sonames[] = { "libcurl.so.4" };
        static const struct dlsym_entry symbols[] = { LIBCURL_SYMBOLS(DLSYM_ENTRY) };
        static struct dl_library lib = { "libcurl.so.4 (http(s) needs libcurl)", sonames, ELEMENTSOF(sonames),
                                         symbols, ELEMENTSOF(symbols), 0 };

        return dl_library_load(&lib);
}

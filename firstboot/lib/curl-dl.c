/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>

#include "curl-dl.h"
#include "log.h"
#include "macro.h"

CURLcode (*sym_curl_global_init)(long flags);
CURL *(*sym_curl_easy_init)(void);
CURLcode (*sym_curl_easy_setopt)(CURL *curl, CURLoption option, ...);
CURLcode (*sym_curl_easy_perform)(CURL *curl);
CURLcode (*sym_curl_easy_getinfo)(CURL *curl, CURLINFO info, ...);
void (*sym_curl_easy_cleanup)(CURL *curl);
const char *(*sym_curl_easy_strerror)(CURLcode code);
struct curl_slist *(*sym_curl_slist_append)(struct curl_slist *list, const char *s);
void (*sym_curl_slist_free_all)(struct curl_slist *list);

int dlopen_curl(void) {
        static int loaded = 0;
        /* The names as libcurl exports them; test-curl-symbols.sh checks each against libcurl 7.29. */
        const struct {
                const char *name;
                void **sym;
        } table[] = {
                { "curl_global_init", (void **) &sym_curl_global_init },
                { "curl_easy_init", (void **) &sym_curl_easy_init },
                { "curl_easy_setopt", (void **) &sym_curl_easy_setopt },
                { "curl_easy_perform", (void **) &sym_curl_easy_perform },
                { "curl_easy_getinfo", (void **) &sym_curl_easy_getinfo },
                { "curl_easy_cleanup", (void **) &sym_curl_easy_cleanup },
                { "curl_easy_strerror", (void **) &sym_curl_easy_strerror },
                { "curl_slist_append", (void **) &sym_curl_slist_append },
                { "curl_slist_free_all", (void **) &sym_curl_slist_free_all },
        };
        void *handle;

        if (loaded)
                return loaded > 0 ? 0 : -EOPNOTSUPP;
        handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_NODELETE);
        if (!handle) {
                loaded = -1;
                return log_error_errno(EOPNOTSUPP, "cannot load libcurl.so.4 (%s): http(s) needs libcurl",
                                       dlerror());
        }
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                *table[i].sym = dlsym(handle, table[i].name);
                if (!*table[i].sym) {
                        loaded = -1;
                        return log_error_errno(EOPNOTSUPP, "libcurl.so.4 lacks %s", table[i].name);
                }
        }
        loaded = 1;
        return 0;
}

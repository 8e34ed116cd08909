/* SPDX-License-Identifier: MIT */
#pragma once

#include <curl/curl.h>

#include "dl-symbols.h"
#include "dlfcn-util.h"

/* libcurl is loaded with dlopen() the first time an http(s) seed or the join protocol needs it: most
 * runs (seed on a cidata volume, show-seed, plan, status) never do, and linking it pulls in some thirty
 * shared libraries that dominate the agent's start-up time and memory (docs/performance.md). The
 * functions are listed in dl-symbols.h. */
LIBCURL_SYMBOLS(DLSYM_DECLARE)

/* Loads libcurl.so.4 and resolves the functions above once. 0, or -EOPNOTSUPP when it is missing. */
int dlopen_curl(void);

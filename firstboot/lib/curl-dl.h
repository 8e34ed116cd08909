/* SPDX-License-Identifier: MIT */
#pragma once

#include <curl/curl.h>

/* libcurl is loaded with dlopen() the first time an http(s) seed or the join protocol needs it: most
 * runs (seed on a cidata volume, show-seed, plan, status) never do, and linking it pulls in some thirty
 * shared libraries that dominate the agent's start-up time and memory (docs/performance.md). */

extern CURLcode (*sym_curl_global_init)(long flags);
extern CURL *(*sym_curl_easy_init)(void);
extern CURLcode (*sym_curl_easy_setopt)(CURL *curl, CURLoption option, ...);
extern CURLcode (*sym_curl_easy_perform)(CURL *curl);
extern CURLcode (*sym_curl_easy_getinfo)(CURL *curl, CURLINFO info, ...);
extern void (*sym_curl_easy_cleanup)(CURL *curl);
extern const char *(*sym_curl_easy_strerror)(CURLcode code);
extern struct curl_slist *(*sym_curl_slist_append)(struct curl_slist *list, const char *s);
extern void (*sym_curl_slist_free_all)(struct curl_slist *list);

/* Loads libcurl.so.4 and resolves the functions above once. 0, or -EOPNOTSUPP when it is missing. */
int dlopen_curl(void);

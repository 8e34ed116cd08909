/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Whether data starts as gzip does (1f 8b). */
bool gzip_magic(const void *data, size_t size);

/* One gzip member, decompressed into *ret (malloc'd, NUL-terminated; *ret_size bytes without the NUL;
 * ret_size may be NULL). Its CRC32 and length must match and nothing may follow it. -EBADMSG for data that
 * is not such a member, -E2BIG when the content would be larger than max, -ENOMEM. */
int gunzip(const void *data, size_t size, size_t max, char **ret, size_t *ret_size);

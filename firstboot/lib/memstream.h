/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Text written with stdio into memory (open_memstream), handed out as one NUL-terminated string. */
struct memstream {
        FILE *f;
        char *buf;
        size_t size;
};

/* 0, or -ENOMEM. */
int memstream_open(struct memstream *m);
/* Closes the stream and hands the text out; on a write error (out of memory) frees it and returns
 * -ENOMEM. secret: erase the text before freeing it. */
int memstream_close(struct memstream *m, bool secret, char **ret, size_t *ret_size);

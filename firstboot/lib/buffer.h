/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "macro.h"

/* A growable byte buffer with a maximum size fixed at init (the idea of curl's dynbuf). The content is
 * NUL-terminated once anything was appended; the terminator does not count against max.
 *
 * Errors stick: after a failed append every further one fails with the same error and changes nothing,
 * and buffer_steal() returns it. So a caller may check every append, or only the steal. */
struct buffer {
        char *data;
        size_t len, allocated, max;
        int error; /* 0, or the first append's failure: -E2BIG past max, -ENOMEM */
};

#define BUFFER_INIT(max_size) { .max = (max_size) }
void buffer_init(struct buffer *b, size_t max);

int buffer_append(struct buffer *b, const void *data, size_t n);
int buffer_puts(struct buffer *b, const char *s);
int buffer_appendf(struct buffer *b, const char *fmt, ...) _printf_(2, 3);

/* Empties the buffer and clears a sticky error; the allocation stays for reuse. */
void buffer_reset(struct buffer *b);
/* Frees the memory; the buffer can be used again (same max). */
void buffer_free(struct buffer *b);

/* Hands the content out (never NULL: "" when nothing was appended) and leaves the buffer empty. On a
 * sticky error, frees the buffer and returns the error. ret_size may be NULL. */
int buffer_steal(struct buffer *b, char **ret, size_t *ret_size);

#define _cleanup_buffer_ _cleanup_(buffer_free)

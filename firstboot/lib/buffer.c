/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"

#define BUFFER_FIRST_ALLOCATION 256

void buffer_init(struct buffer *b, size_t max) {
        *b = (struct buffer) BUFFER_INIT(max);
}

/* Room for n more bytes and the terminator: doubling, but never allocating beyond max + 1. */
static int buffer_reserve(struct buffer *b, size_t n) {
        /* Past SIZE_MAX / 2 the arithmetic below could wrap; no buffer comes near it. */
        size_t max = b->max < SIZE_MAX / 2 ? b->max : SIZE_MAX / 2, need, want;
        char *p;

        if (b->error < 0)
                return b->error;
        if (b->len > max || n > max - b->len)
                return (b->error = -E2BIG);
        need = b->len + n + 1;
        if (need <= b->allocated)
                return 0;
        want = b->allocated ? b->allocated : BUFFER_FIRST_ALLOCATION;
        while (want < need)
                want *= 2;
        if (want > max + 1)
                want = max + 1;
        p = realloc(b->data, want);
        if (!p)
                return (b->error = -ENOMEM);
        b->data = p;
        b->allocated = want;
        return 0;
}

int buffer_append(struct buffer *b, const void *data, size_t n) {
        int r = buffer_reserve(b, n);

        if (r < 0)
                return r;
        if (n > 0)
                memcpy(b->data + b->len, data, n);
        b->len += n;
        b->data[b->len] = 0;
        return 0;
}

int buffer_puts(struct buffer *b, const char *s) {
        return buffer_append(b, s, strlen(s));
}

int buffer_appendf(struct buffer *b, const char *fmt, ...) {
        va_list ap;
        int n, r;

        if (b->error < 0)
                return b->error;
        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return (b->error = -EINVAL);
        r = buffer_reserve(b, (size_t) n);
        if (r < 0)
                return r;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
        return 0;
}

void buffer_reset(struct buffer *b) {
        b->len = 0;
        b->error = 0;
        if (b->data)
                b->data[0] = 0;
}

void buffer_free(struct buffer *b) {
        free(b->data);
        b->data = NULL;
        b->len = b->allocated = 0;
        b->error = 0;
}

int buffer_steal(struct buffer *b, char **ret, size_t *ret_size) {
        int r;

        if (b->error < 0) {
                r = b->error;
                buffer_free(b);
                return r;
        }
        if (!b->data) {
                b->data = strdup("");
                if (!b->data)
                        return -ENOMEM;
        }
        *ret = b->data;
        if (ret_size)
                *ret_size = b->len;
        b->data = NULL;
        b->len = b->allocated = 0;
        return 0;
}

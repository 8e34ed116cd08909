/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "seed/volume.h"

int volume_read(const struct volume *v, uint64_t offset, void *buf, size_t size) {
        uint8_t *p = buf;

        if (offset > v->size || size > v->size - offset)
                return log_error_errno(-EBADMSG, "%s: filesystem points to bytes %llu..%llu, beyond the end of "
                                       "the volume (%llu bytes)", v->name, (unsigned long long) offset,
                                       (unsigned long long) offset + size, (unsigned long long) v->size);
        if (v->fd < 0) {
                memcpy(buf, v->data + offset, size);
                return 0;
        }
        while (size > 0) {
                ssize_t n = pread(v->fd, p, size, (off_t) offset);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(-errno, "%s: cannot read at byte %llu: %m", v->name,
                                               (unsigned long long) offset);
                }
                if (n == 0)
                        return log_error_errno(-EIO, "%s: unexpected end of the volume at byte %llu (did it shrink?)",
                                               v->name, (unsigned long long) offset);
                p += n;
                offset += (uint64_t) n;
                size -= (size_t) n;
        }
        return 0;
}

int ascii_strcasecmp(const char *a, const char *b) {
        for (;; a++, b++) {
                unsigned char x = (unsigned char) *a, y = (unsigned char) *b;
                if (x >= 'A' && x <= 'Z')
                        x += 'a' - 'A';
                if (y >= 'A' && y <= 'Z')
                        y += 'a' - 'A';
                if (x != y || x == 0)
                        return x - y;
        }
}

/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A seed volume (image file, block device, or a buffer for tests and fuzzers), read in user space:
 * the kernel may lack iso9660/vfat drivers, and untrusted media should not reach kernel filesystem
 * code anyway. The readers (fs/iso9660.c, fs/fat.c) only ever read through volume_read(), which refuses
 * anything outside [0, size). This layer and the readers below it know nothing of seeds (seed.h). */
struct volume {
        int fd;              /* pread() from it when >= 0 ... */
        const uint8_t *data; /* ... else from this buffer */
        uint64_t size;
        const char *name;    /* for messages: "/dev/sr0", "/tmp/seed.iso" */
};

/* Reads exactly size bytes at offset. -EBADMSG (logged) when the range is not inside the volume,
 * -EIO (logged) on a read error. */
int volume_read(const struct volume *v, uint64_t offset, void *buf, size_t size);

/* Case-insensitive ASCII comparison, as the vfat driver and the plain-ISO name mapping compare. */
int ascii_strcasecmp(const char *a, const char *b);

/* Identifies the filesystem on fd with libblkid: TYPE into type, LABEL (or LABEL_FATBOOT) into label
 * ("" when none). 0 when a filesystem was found, -ENOENT when none, -EUCLEAN when the probe is
 * ambivalent, other -errno on failure. Logs nothing: the callers decide how much it matters. */
int volume_probe(int fd, char *type, size_t type_size, char *label, size_t label_size);


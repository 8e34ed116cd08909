/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "seed/volume.h"

/* A read-only FAT12/16/32 reader with VFAT long file names, for seed volumes made by mkfs.vfat + mcopy
 * (cloud-localds -f vfat). Names compare case-insensitively, as on the Linux vfat driver. Everything read
 * from the image is bounds-checked: cluster numbers against the cluster count, chains against the file
 * size (so a loop cannot run on), directories against a size limit. Corrupt structures give -EBADMSG
 * with a message naming the volume. */

#define FAT_MAX_CLUSTER_SIZE (64 * 1024)
#define FAT_DIR_MAX (512 * 1024) /* largest directory read (16384 entries) */
#define FAT_MAX_DEPTH 8          /* path components */

struct fat {
        const struct volume *vol;
        unsigned bits;            /* 12, 16 or 32 */
        uint32_t cluster_size;    /* bytes */
        uint64_t fat_offset;      /* byte offset of the first FAT */
        uint64_t root_offset;     /* FAT12/16: byte offset of the fixed root directory */
        uint32_t root_bytes;      /* FAT12/16: its size */
        uint32_t root_cluster;    /* FAT32: first cluster of the root directory */
        uint64_t data_offset;     /* byte offset of cluster 2 */
        uint32_t n_clusters;      /* valid cluster numbers are 2 .. n_clusters + 1 */
};

/* Reads the boot sector. -EBADMSG (logged) when this is no usable FAT volume. */
int fat_open(const struct volume *v, struct fat *ret);

/* Reads the file at path ("meta-data", "openstack/latest/user_data") into a NUL-terminated buffer.
 * -ENOENT (not logged) when absent; -EFBIG when larger than max, -EISDIR, -EBADMSG, -EIO (logged). */
int fat_read_file(const struct fat *fat, const char *path, size_t max, char **ret, size_t *ret_size);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "seed/volume.h"

/* A read-only ISO 9660 reader for seed volumes, as genisoimage -joliet -rock writes them (cloud-localds).
 * File names come, as the Linux isofs driver picks them, from Rock Ridge NM entries when the primary
 * root carries a SUSP "SP" entry, else from the Joliet tree (UCS-2), else from the plain ISO names
 * (";1" and a trailing "." dropped, compared case-insensitively). Everything read from the image is
 * bounds-checked; corrupt structures give -EBADMSG with a message naming the volume. */

#define ISO9660_SECTOR 2048
#define ISO9660_MAX_DESCRIPTORS 32   /* volume descriptors scanned before giving up */
#define ISO9660_DIR_MAX (1024 * 1024) /* largest directory read */
#define ISO9660_MAX_CE 16            /* Rock Ridge continuation areas followed per record */
#define ISO9660_MAX_DEPTH 8          /* path components */

enum iso9660_names {
        ISO9660_NAMES_PLAIN,
        ISO9660_NAMES_JOLIET,
        ISO9660_NAMES_ROCK_RIDGE,
};

struct iso9660 {
        const struct volume *vol;
        uint32_t root_extent; /* root directory of the tree used for names */
        uint32_t root_size;
        enum iso9660_names names;
        unsigned susp_skip;   /* SUSP LEN_SKP from the root "SP" entry */
};

/* Reads the volume descriptors. -EBADMSG (logged) when this is no usable ISO 9660 volume. */
int iso9660_open(const struct volume *v, struct iso9660 *ret);

/* Reads the file at path ("meta-data", "openstack/latest/user_data") into a NUL-terminated buffer.
 * -ENOENT (not logged) when absent; -EFBIG when larger than max, -EISDIR, -EBADMSG, -EIO (logged). */
int iso9660_read_file(const struct iso9660 *iso, const char *path, size_t max, char **ret, size_t *ret_size);

const char *iso9660_names_to_string(enum iso9660_names n);

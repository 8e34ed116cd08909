/* SPDX-License-Identifier: MIT */
/* ISO 9660 (ECMA-119) with Joliet and Rock Ridge (SUSP/RRIP) names, read-only and bounded: every length
 * and offset taken from the image is checked against the record, the sector, the directory and the
 * volume before it is used. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "seed/fs/iso9660.h"
#include "log.h"
#include "macro.h"

#define NAME_MAX_LEN 255
#define DR_MIN_LEN 34           /* 33 fixed bytes and at least one byte of identifier */
#define DR_FLAG_DIRECTORY 0x02
#define DR_FLAG_MULTI_EXTENT 0x80
#define NM_CONTINUE 0x01
#define NM_CURRENT 0x02
#define NM_PARENT 0x04
#define UNMATCHABLE 0x7f        /* stands for characters no seed file name contains */

struct iso_entry {
        uint32_t extent;
        uint32_t size;
        uint8_t flags;
        bool interleaved;
        char name[NAME_MAX_LEN + 1];
};

const char *iso9660_names_to_string(enum iso9660_names n) {
        switch (n) {
        case ISO9660_NAMES_PLAIN:
                return "plain";
        case ISO9660_NAMES_JOLIET:
                return "Joliet";
        case ISO9660_NAMES_ROCK_RIDGE:
                return "Rock Ridge";
        }
        return NULL;
}

static uint32_t le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint16_t le16(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}

static char ascii_or_unmatchable(unsigned c) {
        return c >= 0x20 && c < 0x7f ? (char) c : UNMATCHABLE;
}

/* "META_DAT.;1" -> "meta_dat": the version and a trailing dot go, and the name is lower-cased, as the
 * Linux driver shows plain names (map=normal). */
static void plain_name(const uint8_t *id, size_t len, char *ret) {
        size_t n = 0;

        for (size_t i = 0; i < len && id[i] != ';'; i++) {
                char c = ascii_or_unmatchable(id[i]);
                ret[n++] = c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
        }
        if (n > 0 && ret[n - 1] == '.')
                n--;
        ret[n] = 0;
}

/* Joliet identifiers are UCS-2 big-endian; ';' (forbidden in Joliet names) starts the version. */
static void joliet_name(const uint8_t *id, size_t len, char *ret) {
        size_t n = 0;

        for (size_t i = 0; i + 1 < len; i += 2) {
                unsigned c = (unsigned) id[i] << 8 | id[i + 1];
                if (c == ';')
                        break;
                ret[n++] = ascii_or_unmatchable(c);
        }
        ret[n] = 0;
}

/* Collects the Rock Ridge NM name from a record's system use area and its continuation areas.
 * Returns 1 when a name was found, 0 when there is none, -EBADMSG on a bad continuation. */
static int rock_ridge_name(const struct iso9660 *iso, const uint8_t *su, size_t su_len, char *ret) {
        uint8_t continuation[ISO9660_SECTOR];
        const uint8_t *area = su;
        size_t area_len = su_len, name_len = 0;
        bool found = false, complete = false, too_long = false;

        for (unsigned hops = 0;; hops++) {
                uint32_t ce_block = 0, ce_offset = 0, ce_len = 0;
                bool has_ce = false;
                size_t p = 0;

                while (p + 4 <= area_len) {
                        const uint8_t *e = area + p;
                        size_t len = e[2];

                        /* A malformed entry ends the area, as in the Linux driver: what follows cannot be
                         * located reliably, and the name, if any, has been seen already. */
                        if (len < 4 || len > area_len - p)
                                break;
                        if (e[0] == 'S' && e[1] == 'T')
                                break;
                        if (e[0] == 'N' && e[1] == 'M' && len >= 5 && !complete &&
                            !(e[4] & (NM_CURRENT | NM_PARENT))) {
                                size_t n = len - 5;
                                if (name_len + n > NAME_MAX_LEN)
                                        too_long = true;
                                else {
                                        for (size_t i = 0; i < n; i++)
                                                ret[name_len + i] = ascii_or_unmatchable(e[5 + i]);
                                        name_len += n;
                                }
                                found = true;
                                if (!(e[4] & NM_CONTINUE))
                                        complete = true;
                        } else if (e[0] == 'C' && e[1] == 'E' && len >= 28) {
                                ce_block = le32(e + 4);
                                ce_offset = le32(e + 12);
                                ce_len = le32(e + 20);
                                has_ce = true;
                        }
                        p += len;
                }
                if (complete || !has_ce)
                        break;
                if (hops >= ISO9660_MAX_CE)
                        return log_error_errno(-EBADMSG, "%s: iso9660: more than %d Rock Ridge continuation areas "
                                               "for one directory record (a loop?)", iso->vol->name, ISO9660_MAX_CE);
                if (ce_len == 0 || ce_offset >= ISO9660_SECTOR || ce_len > ISO9660_SECTOR - ce_offset)
                        return log_error_errno(-EBADMSG, "%s: iso9660: Rock Ridge continuation area (offset %u, "
                                               "length %u) does not fit in a sector", iso->vol->name,
                                               (unsigned) ce_offset, (unsigned) ce_len);
                if (volume_read(iso->vol, (uint64_t) ce_block * ISO9660_SECTOR + ce_offset, continuation, ce_len) < 0)
                        return -EBADMSG;
                area = continuation;
                area_len = ce_len;
        }

        if (too_long) {
                /* Longer than any name we look for: cannot match. */
                ret[0] = UNMATCHABLE;
                ret[1] = 0;
                return 1;
        }
        ret[name_len] = 0;
        return found;
}

/* Parses the directory record at dir[pos] (already checked to lie inside its sector). */
static int parse_record(const struct iso9660 *iso, const uint8_t *rec, size_t rec_len, struct iso_entry *ret) {
        size_t id_len = rec[32], su_start;
        int r;

        ret->extent = le32(rec + 2);
        ret->size = le32(rec + 10);
        ret->flags = rec[25];
        ret->interleaved = rec[26] != 0 || rec[27] != 0;

        switch (iso->names) {
        case ISO9660_NAMES_JOLIET:
                joliet_name(rec + 33, id_len, ret->name);
                return 0;
        case ISO9660_NAMES_ROCK_RIDGE:
                /* The identifier is padded to an even length, then the system use area begins. */
                su_start = 33 + id_len + (id_len % 2 == 0) + iso->susp_skip;
                if (su_start < rec_len) {
                        r = rock_ridge_name(iso, rec + su_start, rec_len - su_start, ret->name);
                        if (r != 0)
                                return r < 0 ? r : 0;
                }
                /* fall through */
        case ISO9660_NAMES_PLAIN:
                plain_name(rec + 33, id_len, ret->name);
                return 0;
        }
        return -EINVAL;
}

static bool name_matches(const struct iso9660 *iso, const char *name, const char *want) {
        /* Linux maps plain names to lower case; Joliet and Rock Ridge names are compared as written. */
        if (iso->names == ISO9660_NAMES_PLAIN)
                return ascii_strcasecmp(name, want) == 0;
        return streq(name, want);
}

static int read_directory(const struct iso9660 *iso, uint32_t extent, uint32_t size, uint8_t **ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        int r;

        if (size > ISO9660_DIR_MAX)
                return log_error_errno(-EBADMSG, "%s: iso9660: directory at sector %u claims %u bytes, more than "
                                       "the limit of %d", iso->vol->name, (unsigned) extent, (unsigned) size,
                                       ISO9660_DIR_MAX);
        buf = malloc(size ? size : 1);
        if (!buf)
                return log_error_errno(-ENOMEM, "out of memory");
        r = volume_read(iso->vol, (uint64_t) extent * ISO9660_SECTOR, buf, size);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Finds component in the directory (extent, size). 0 and ret filled when found, -ENOENT when not. */
static int lookup(const struct iso9660 *iso, uint32_t extent, uint32_t size, const char *component,
                  struct iso_entry *ret) {
        _cleanup_free_ uint8_t *dir = NULL;
        size_t pos = 0;
        int r;

        r = read_directory(iso, extent, size, &dir);
        if (r < 0)
                return r;

        while (pos < size) {
                size_t rec_len = dir[pos], in_sector = pos % ISO9660_SECTOR;

                if (rec_len == 0) {
                        /* Records never cross sectors: the rest of this one is padding. */
                        pos += ISO9660_SECTOR - in_sector;
                        continue;
                }
                if (rec_len < DR_MIN_LEN || rec_len > ISO9660_SECTOR - in_sector || rec_len > size - pos ||
                    (size_t) 33 + dir[pos + 32] > rec_len)
                        return log_error_errno(-EBADMSG, "%s: iso9660: bad directory record at byte %zu of the "
                                               "directory at sector %u (length %zu)", iso->vol->name, pos,
                                               (unsigned) extent, rec_len);
                /* Skip "." and "..", whose identifiers are the bytes 0 and 1. */
                if (!(dir[pos + 32] == 1 && dir[pos + 33] <= 1)) {
                        r = parse_record(iso, dir + pos, rec_len, ret);
                        if (r < 0)
                                return r;
                        if (name_matches(iso, ret->name, component))
                                return 0;
                }
                pos += rec_len;
        }
        return -ENOENT;
}

static int read_root_record(const struct volume *v, const uint8_t *descriptor, const char *what,
                            uint32_t *ret_extent, uint32_t *ret_size) {
        const uint8_t *root = descriptor + 156;

        if (root[0] < DR_MIN_LEN || !(root[25] & DR_FLAG_DIRECTORY))
                return log_error_errno(-EBADMSG, "%s: iso9660: the %s volume descriptor has a bad root directory "
                                       "record", v->name, what);
        *ret_extent = le32(root + 2);
        *ret_size = le32(root + 10);
        return 0;
}

/* The root directory's first record carries the SUSP "SP" entry when Rock Ridge is in use. */
static int detect_rock_ridge(struct iso9660 *iso, uint32_t extent, uint32_t size) {
        uint8_t rec[ISO9660_SECTOR];
        size_t rec_len, su;

        if (size < DR_MIN_LEN)
                return log_error_errno(-EBADMSG, "%s: iso9660: root directory of %u bytes is too small",
                                       iso->vol->name, (unsigned) size);
        if (volume_read(iso->vol, (uint64_t) extent * ISO9660_SECTOR, rec, sizeof(rec) < size ? sizeof(rec) : size) < 0)
                return -EBADMSG;
        rec_len = rec[0];
        if (rec_len < DR_MIN_LEN || rec_len > size || (size_t) 33 + rec[32] > rec_len)
                return log_error_errno(-EBADMSG, "%s: iso9660: bad first record in the root directory",
                                       iso->vol->name);
        su = 33 + rec[32] + (rec[32] % 2 == 0);
        if (su + 7 <= rec_len && rec[su] == 'S' && rec[su + 1] == 'P' && rec[su + 2] >= 7 &&
            rec[su + 4] == 0xbe && rec[su + 5] == 0xef) {
                iso->names = ISO9660_NAMES_ROCK_RIDGE;
                iso->susp_skip = rec[su + 6];
        }
        return 0;
}

int iso9660_open(const struct volume *v, struct iso9660 *ret) {
        uint8_t descriptor[ISO9660_SECTOR];
        uint32_t primary_extent = 0, primary_size = 0, joliet_extent = 0, joliet_size = 0;
        bool have_primary = false, have_joliet = false;
        int r;

        *ret = (struct iso9660) { .vol = v };

        for (unsigned i = 0; i < ISO9660_MAX_DESCRIPTORS; i++) {
                uint64_t offset = (uint64_t) (16 + i) * ISO9660_SECTOR;

                if (offset + ISO9660_SECTOR > v->size)
                        break;
                r = volume_read(v, offset, descriptor, sizeof(descriptor));
                if (r < 0)
                        return r;
                if (memcmp(descriptor + 1, "CD001", 5) != 0)
                        break;
                if (descriptor[0] == 255)
                        break;
                if (descriptor[0] == 1 && !have_primary) {
                        if (le16(descriptor + 128) != ISO9660_SECTOR)
                                return log_error_errno(-EBADMSG, "%s: iso9660: logical block size %u is not supported "
                                                       "(only %d)", v->name, le16(descriptor + 128), ISO9660_SECTOR);
                        r = read_root_record(v, descriptor, "primary", &primary_extent, &primary_size);
                        if (r < 0)
                                return r;
                        have_primary = true;
                } else if (descriptor[0] == 2 && !have_joliet && descriptor[88] == '%' && descriptor[89] == '/' &&
                           (descriptor[90] == '@' || descriptor[90] == 'C' || descriptor[90] == 'E')) {
                        r = read_root_record(v, descriptor, "Joliet", &joliet_extent, &joliet_size);
                        if (r < 0)
                                return r;
                        have_joliet = true;
                }
        }
        if (!have_primary)
                return log_error_errno(-EBADMSG, "%s: iso9660: no primary volume descriptor", v->name);

        ret->names = ISO9660_NAMES_PLAIN;
        ret->root_extent = primary_extent;
        ret->root_size = primary_size;
        r = detect_rock_ridge(ret, primary_extent, primary_size);
        if (r < 0)
                return r;
        /* Rock Ridge wins over Joliet, as in the Linux driver. */
        if (ret->names != ISO9660_NAMES_ROCK_RIDGE && have_joliet) {
                ret->names = ISO9660_NAMES_JOLIET;
                ret->root_extent = joliet_extent;
                ret->root_size = joliet_size;
        }
        return 0;
}

int iso9660_read_file(const struct iso9660 *iso, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_free_ char *data = NULL;
        struct iso_entry entry = {};
        uint32_t extent = iso->root_extent, size = iso->root_size;
        const char *p = path;
        int r;

        for (unsigned depth = 0;; depth++) {
                char component[NAME_MAX_LEN + 1];
                size_t n = strcspn(p, "/");

                if (depth >= ISO9660_MAX_DEPTH || n == 0 || n > NAME_MAX_LEN)
                        return log_error_errno(-EINVAL, "%s: iso9660: bad path \"%s\"", iso->vol->name, path);
                memcpy(component, p, n);
                component[n] = 0;

                r = lookup(iso, extent, size, component, &entry);
                if (r < 0)
                        return r;
                if (p[n] == 0)
                        break;
                if (!(entry.flags & DR_FLAG_DIRECTORY))
                        return -ENOENT;
                extent = entry.extent;
                size = entry.size;
                p += n + 1;
        }

        if (entry.flags & DR_FLAG_DIRECTORY)
                return log_error_errno(-EISDIR, "%s:%s: is a directory", iso->vol->name, path);
        if (entry.flags & DR_FLAG_MULTI_EXTENT)
                return log_error_errno(-EBADMSG, "%s:%s: multi-extent files are not supported", iso->vol->name, path);
        if (entry.interleaved)
                return log_error_errno(-EBADMSG, "%s:%s: interleaved files are not supported", iso->vol->name, path);
        if (entry.size > max)
                return log_error_errno(-EFBIG, "%s:%s: %u bytes, larger than the limit of %zu bytes", iso->vol->name,
                                       path, (unsigned) entry.size, max);

        data = malloc((size_t) entry.size + 1);
        if (!data)
                return log_error_errno(-ENOMEM, "out of memory");
        r = volume_read(iso->vol, (uint64_t) entry.extent * ISO9660_SECTOR, data, entry.size);
        if (r < 0)
                return r;
        data[entry.size] = 0;
        *ret = TAKE_PTR(data);
        if (ret_size)
                *ret_size = entry.size;
        return 0;
}

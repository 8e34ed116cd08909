/* SPDX-License-Identifier: MIT */
/* FAT12/16/32 with VFAT long names, read-only and bounded. The layout is derived from the boot sector as
 * the Microsoft FAT specification does it (the FAT type follows from the cluster count, not from any
 * label), and every cluster number read from a FAT is range-checked before it is used. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed/fs/fat.h"
#include "log.h"
#include "macro.h"

#define DIR_ENTRY_SIZE 32
#define ATTR_VOLUME_ID 0x08
#define ATTR_DIRECTORY 0x10
#define ATTR_LONG_NAME 0x0f
#define ATTR_LONG_NAME_MASK 0x3f
#define LFN_LAST 0x40
#define LFN_MAX_ENTRIES 20 /* 20 * 13 = 260 characters, enough for 255 */
#define LFN_CHARS 13
#define NAME_MAX_LEN 255
#define UNMATCHABLE 0x7f /* stands for characters no seed file name contains */

struct fat_entry {
        uint8_t attr;
        uint32_t first_cluster;
        uint32_t size;
        char name[NAME_MAX_LEN + 1];
};

static uint32_t le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint16_t le16(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}

static bool is_power_of_two(unsigned x) {
        return x != 0 && (x & (x - 1)) == 0;
}

static bool cluster_valid(const struct fat *f, uint32_t c) {
        return c >= 2 && c - 2 < f->n_clusters;
}

static uint64_t cluster_offset(const struct fat *f, uint32_t c) {
        return f->data_offset + (uint64_t) (c - 2) * f->cluster_size;
}

int fat_open(const struct volume *v, struct fat *ret) {
        uint8_t bs[512];
        unsigned bytes_per_sector, sectors_per_cluster, reserved, n_fats, root_entries;
        uint64_t fat_sectors, total_sectors, root_sectors, meta_sectors, clusters, fat_bytes_needed;
        int r;

        *ret = (struct fat) { .vol = v };

        if (v->size < sizeof(bs))
                return log_error_errno(-EBADMSG, "%s: fat: volume of %llu bytes is too small", v->name,
                                       (unsigned long long) v->size);
        r = volume_read(v, 0, bs, sizeof(bs));
        if (r < 0)
                return r;

        bytes_per_sector = le16(bs + 11);
        sectors_per_cluster = bs[13];
        reserved = le16(bs + 14);
        n_fats = bs[16];
        root_entries = le16(bs + 17);
        total_sectors = le16(bs + 19) ? le16(bs + 19) : le32(bs + 32);
        fat_sectors = le16(bs + 22) ? le16(bs + 22) : le32(bs + 36);

        if (!is_power_of_two(bytes_per_sector) || bytes_per_sector < 512 || bytes_per_sector > 4096 ||
            !is_power_of_two(sectors_per_cluster) ||
            (uint32_t) bytes_per_sector * sectors_per_cluster > FAT_MAX_CLUSTER_SIZE)
                return log_error_errno(-EBADMSG, "%s: fat: unsupported geometry (%u bytes per sector, %u sectors "
                                       "per cluster)", v->name, bytes_per_sector, sectors_per_cluster);
        if (reserved == 0 || n_fats == 0 || fat_sectors == 0 || total_sectors == 0)
                return log_error_errno(-EBADMSG, "%s: fat: boot sector has no reserved sectors, FATs or size",
                                       v->name);

        root_sectors = ((uint64_t) root_entries * DIR_ENTRY_SIZE + bytes_per_sector - 1) / bytes_per_sector;
        meta_sectors = reserved + (uint64_t) n_fats * fat_sectors + root_sectors;
        if (meta_sectors >= total_sectors)
                return log_error_errno(-EBADMSG, "%s: fat: FATs and root directory (%llu sectors) fill the whole "
                                       "volume (%llu sectors)", v->name, (unsigned long long) meta_sectors,
                                       (unsigned long long) total_sectors);
        clusters = (total_sectors - meta_sectors) / sectors_per_cluster;
        if (clusters == 0 || clusters > 0x0ffffff5)
                return log_error_errno(-EBADMSG, "%s: fat: bad cluster count %llu", v->name,
                                       (unsigned long long) clusters);

        /* The FAT type is decided by the cluster count alone (Microsoft's FAT specification). */
        ret->bits = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
        if ((ret->bits == 32) != (root_entries == 0))
                return log_error_errno(-EBADMSG, "%s: fat: FAT%u volume with %u fixed root directory entries",
                                       v->name, ret->bits, root_entries);

        fat_bytes_needed = ret->bits == 12 ? ((clusters + 2) * 3 + 1) / 2 : (clusters + 2) * (ret->bits / 8);
        if (fat_bytes_needed > fat_sectors * bytes_per_sector)
                return log_error_errno(-EBADMSG, "%s: fat: FAT of %llu sectors is too small for %llu clusters",
                                       v->name, (unsigned long long) fat_sectors, (unsigned long long) clusters);

        ret->n_clusters = (uint32_t) clusters;
        ret->cluster_size = bytes_per_sector * sectors_per_cluster;
        ret->fat_offset = (uint64_t) reserved * bytes_per_sector;
        ret->root_offset = (reserved + (uint64_t) n_fats * fat_sectors) * bytes_per_sector;
        ret->root_bytes = root_entries * DIR_ENTRY_SIZE;
        ret->data_offset = meta_sectors * bytes_per_sector;
        if (ret->bits == 32) {
                ret->root_cluster = le32(bs + 44) & 0x0fffffff;
                if (!cluster_valid(ret, ret->root_cluster))
                        return log_error_errno(-EBADMSG, "%s: fat: root directory cluster %u is outside the volume",
                                               v->name, (unsigned) ret->root_cluster);
        }
        return 0;
}

/* The cluster after c in its chain: 0 and *ret set, 1 at the end of the chain, -EBADMSG (logged) for a
 * free, bad or out-of-range link. c must be valid. */
static int next_cluster(const struct fat *f, uint32_t c, uint32_t *ret) {
        uint8_t b[4];
        uint32_t value, end, bad;
        int r;

        switch (f->bits) {
        case 12:
                r = volume_read(f->vol, f->fat_offset + c + c / 2, b, 2);
                value = le16(b);
                value = c & 1 ? value >> 4 : value & 0xfff;
                end = 0xff8;
                bad = 0xff7;
                break;
        case 16:
                r = volume_read(f->vol, f->fat_offset + (uint64_t) c * 2, b, 2);
                value = le16(b);
                end = 0xfff8;
                bad = 0xfff7;
                break;
        default:
                r = volume_read(f->vol, f->fat_offset + (uint64_t) c * 4, b, 4);
                value = le32(b) & 0x0fffffff;
                end = 0x0ffffff8;
                bad = 0x0ffffff7;
                break;
        }
        if (r < 0)
                return r;
        if (value >= end)
                return 1;
        if (value == bad)
                return log_error_errno(-EBADMSG, "%s: fat: cluster %u links to a cluster marked bad", f->vol->name,
                                       (unsigned) c);
        if (!cluster_valid(f, value))
                return log_error_errno(-EBADMSG, "%s: fat: cluster %u links to %s cluster %u", f->vol->name,
                                       (unsigned) c, value < 2 ? "free" : "nonexistent", (unsigned) value);
        *ret = value;
        return 0;
}

static int compare_clusters(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
        return x < y ? -1 : x > y;
}

/* Follows the chain from first: exactly want clusters when want > 0 (a file: links past its size are
 * ignored, too few are an error), else to the end of the chain but at most limit clusters (a directory).
 * A cluster met twice is a loop, and an error even where the size would have bounded the walk. */
static int collect_chain(const struct fat *f, uint32_t first, size_t want, size_t limit, const char *what,
                         uint32_t **ret, size_t *ret_n) {
        _cleanup_free_ uint32_t *chain = NULL, *sorted = NULL;
        size_t n = 0, max = want > 0 ? want : limit;
        uint32_t c = first;
        int r;

        if (!cluster_valid(f, first))
                return log_error_errno(-EBADMSG, "%s: fat: %s starts at nonexistent cluster %u", f->vol->name, what,
                                       (unsigned) first);
        chain = malloc(max * sizeof(*chain));
        sorted = malloc(max * sizeof(*sorted));
        if (!chain || !sorted)
                return log_error_errno(-ENOMEM, "out of memory");
        for (;;) {
                chain[n++] = c;
                if (want > 0 && n == want)
                        break;
                r = next_cluster(f, c, &c);
                if (r < 0)
                        return r;
                if (r > 0) {
                        if (want > 0)
                                return log_error_errno(-EBADMSG, "%s: fat: %s: cluster chain ends after %zu of %zu "
                                                       "clusters", f->vol->name, what, n, want);
                        break;
                }
                if (n == max)
                        return log_error_errno(-EBADMSG, "%s: fat: %s: cluster chain longer than %zu clusters (%zu "
                                               "bytes)", f->vol->name, what, max, max * f->cluster_size);
        }

        memcpy(sorted, chain, n * sizeof(*chain));
        qsort(sorted, n, sizeof(*sorted), compare_clusters);
        for (size_t i = 1; i < n; i++)
                if (sorted[i] == sorted[i - 1])
                        return log_error_errno(-EBADMSG, "%s: fat: %s: cluster chain loops (cluster %u comes twice)",
                                               f->vol->name, what, (unsigned) sorted[i]);
        *ret = TAKE_PTR(chain);
        *ret_n = n;
        return 0;
}

/* Reads a directory: the fixed FAT12/16 root (first_cluster 0) or a cluster chain, up to FAT_DIR_MAX. */
static int read_directory(const struct fat *f, uint32_t first_cluster, uint8_t **ret, size_t *ret_size) {
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_free_ uint32_t *chain = NULL;
        char what[64];
        size_t n;
        int r;

        if (first_cluster == 0) {
                if (f->root_bytes > FAT_DIR_MAX)
                        return log_error_errno(-EBADMSG, "%s: fat: root directory of %u bytes is larger than %d bytes",
                                               f->vol->name, (unsigned) f->root_bytes, FAT_DIR_MAX);
                buf = malloc(f->root_bytes ? f->root_bytes : 1);
                if (!buf)
                        return log_error_errno(-ENOMEM, "out of memory");
                r = volume_read(f->vol, f->root_offset, buf, f->root_bytes);
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(buf);
                *ret_size = f->root_bytes;
                return 0;
        }

        snprintf(what, sizeof(what), "directory at cluster %u", (unsigned) first_cluster);
        r = collect_chain(f, first_cluster, 0, FAT_DIR_MAX / f->cluster_size, what, &chain, &n);
        if (r < 0)
                return r;
        buf = malloc(n * f->cluster_size);
        if (!buf)
                return log_error_errno(-ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                r = volume_read(f->vol, cluster_offset(f, chain[i]), buf + i * f->cluster_size, f->cluster_size);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(buf);
        *ret_size = n * f->cluster_size;
        return 0;
}

static uint8_t short_name_checksum(const uint8_t *e) {
        uint8_t sum = 0;
        for (unsigned i = 0; i < 11; i++)
                sum = (uint8_t) (((sum & 1) << 7) + (sum >> 1) + e[i]);
        return sum;
}

static char ascii_or_unmatchable(unsigned c) {
        return c >= 0x20 && c < 0x7f ? (char) c : UNMATCHABLE;
}

/* "META-D~1" + "   " -> "META-D~1"; "USER    " + "TXT" -> "USER.TXT". */
static void short_name(const uint8_t *e, char *ret) {
        size_t n = 0, base = 8, ext = 3;

        while (base > 0 && e[base - 1] == ' ')
                base--;
        while (ext > 0 && e[8 + ext - 1] == ' ')
                ext--;
        for (size_t i = 0; i < base; i++)
                /* 0x05 stands for a leading 0xe5, which is not ASCII either. */
                ret[n++] = ascii_or_unmatchable(e[i]);
        if (ext > 0) {
                ret[n++] = '.';
                for (size_t i = 0; i < ext; i++)
                        ret[n++] = ascii_or_unmatchable(e[8 + i]);
        }
        ret[n] = 0;
}

static void long_name_chars(const uint8_t *e, uint16_t *out) {
        static const uint8_t offsets[LFN_CHARS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
        for (unsigned i = 0; i < LFN_CHARS; i++)
                out[i] = le16(e + offsets[i]);
}

/* Finds component in a directory. Long names count only when their entries form a complete, ordered
 * sequence whose checksum matches the short entry that follows; otherwise the short name is used, as the
 * vfat driver does. */
static int lookup(const struct fat *f, uint32_t dir_cluster, const char *component, struct fat_entry *ret) {
        _cleanup_free_ uint8_t *dir = NULL;
        uint16_t lfn[LFN_MAX_ENTRIES * LFN_CHARS];
        unsigned lfn_ord = 0, lfn_count = 0;
        uint8_t lfn_sum = 0;
        size_t size = 0;
        int r;

        r = read_directory(f, dir_cluster, &dir, &size);
        if (r < 0)
                return r;

        for (size_t pos = 0; pos + DIR_ENTRY_SIZE <= size; pos += DIR_ENTRY_SIZE) {
                const uint8_t *e = dir + pos;
                uint8_t attr = e[11];

                if (e[0] == 0x00)
                        break;
                if (e[0] == 0xe5) {
                        lfn_ord = 0;
                        continue;
                }
                if ((attr & ATTR_LONG_NAME_MASK) == ATTR_LONG_NAME) {
                        unsigned ord = e[0] & 0x1f;

                        if (e[0] & LFN_LAST) {
                                if (ord == 0 || ord > LFN_MAX_ENTRIES) {
                                        lfn_ord = 0;
                                        continue;
                                }
                                lfn_count = ord;
                                lfn_sum = e[13];
                        } else if (lfn_ord < 2 || ord != lfn_ord - 1 || e[13] != lfn_sum) {
                                lfn_ord = 0;
                                continue;
                        }
                        lfn_ord = ord;
                        long_name_chars(e, lfn + (ord - 1) * LFN_CHARS);
                        continue;
                }
                if (attr & ATTR_VOLUME_ID) {
                        lfn_ord = 0;
                        continue;
                }

                if (lfn_ord == 1 && short_name_checksum(e) == lfn_sum) {
                        size_t n = 0;
                        for (; n < lfn_count * LFN_CHARS && n < NAME_MAX_LEN && lfn[n] != 0; n++)
                                ret->name[n] = ascii_or_unmatchable(lfn[n]);
                        ret->name[n] = 0;
                } else
                        short_name(e, ret->name);
                lfn_ord = 0;

                if (ascii_strcasecmp(ret->name, component) != 0)
                        continue;
                ret->attr = attr;
                ret->first_cluster = le16(e + 26);
                if (f->bits == 32)
                        ret->first_cluster |= (uint32_t) le16(e + 20) << 16;
                ret->size = le32(e + 28);
                return 0;
        }
        return -ENOENT;
}

static int read_file_data(const struct fat *f, const char *path, uint32_t first, uint8_t *buf, uint32_t size) {
        _cleanup_free_ uint32_t *chain = NULL;
        size_t n, done = 0;
        int r;

        if (size == 0)
                return 0;
        r = collect_chain(f, first, (size + f->cluster_size - 1) / f->cluster_size, 0, path, &chain, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                size_t part = size - done < f->cluster_size ? size - done : f->cluster_size;
                r = volume_read(f->vol, cluster_offset(f, chain[i]), buf + done, part);
                if (r < 0)
                        return r;
                done += part;
        }
        return 0;
}

int fat_read_file(const struct fat *f, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_free_ char *data = NULL;
        struct fat_entry entry = {};
        uint32_t dir = f->bits == 32 ? f->root_cluster : 0;
        const char *p = path;
        int r;

        for (unsigned depth = 0;; depth++) {
                char component[NAME_MAX_LEN + 1];
                size_t n = strcspn(p, "/");

                if (depth >= FAT_MAX_DEPTH || n == 0 || n > NAME_MAX_LEN)
                        return log_error_errno(-EINVAL, "%s: fat: bad path \"%s\"", f->vol->name, path);
                memcpy(component, p, n);
                component[n] = 0;

                r = lookup(f, dir, component, &entry);
                if (r < 0)
                        return r;
                if (p[n] == 0)
                        break;
                if (!(entry.attr & ATTR_DIRECTORY))
                        return -ENOENT;
                /* Cluster 0 in a directory entry means the root, which only ".." may name. */
                if (entry.first_cluster == 0)
                        return log_error_errno(-EBADMSG, "%s: fat: directory \"%s\" has no clusters", f->vol->name,
                                               component);
                dir = entry.first_cluster;
                p += n + 1;
        }

        if (entry.attr & ATTR_DIRECTORY)
                return log_error_errno(-EISDIR, "%s:%s: is a directory", f->vol->name, path);
        if (entry.size > max)
                return log_error_errno(-EFBIG, "%s:%s: %u bytes, larger than the limit of %zu bytes", f->vol->name,
                                       path, (unsigned) entry.size, max);

        data = malloc((size_t) entry.size + 1);
        if (!data)
                return log_error_errno(-ENOMEM, "out of memory");
        r = read_file_data(f, path, entry.first_cluster, (uint8_t *) data, entry.size);
        if (r < 0)
                return r;
        data[entry.size] = 0;
        *ret = TAKE_PTR(data);
        if (ret_size)
                *ret_size = entry.size;
        return 0;
}

/* SPDX-License-Identifier: MIT */
/* The seed volume readers: the fuzz corpus images (made by cloud-localds, genisoimage and mkfs.vfat, see
 * tests/fuzz/seed-corpus.sh) read back as the seed files they were made from, and damaged copies of them
 * (loops, bad links, sizes, lengths) fail with -EBADMSG or -EFBIG instead of reading out of bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "seed/fs/fat.h"
#include "fileio.h"
#include "seed/fs/iso9660.h"
#include "log.h"
#include "seed/volume.h"
#include "seed/seed.h"

static char *load(const char *rel, size_t *size) {
        const char *top = getenv("TOP");
        char path[4096];
        char *data = NULL;

        snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
        if (read_file_limited(path, 4 * 1024 * 1024, &data, size) < 0)
                fail_msg("cannot read %s (set TOP to the source tree)", path);
        return data;
}

static void assert_file(const struct seed *s, enum seed_file f, const char *source) {
        size_t size;
        char *want = load(source, &size);

        assert_non_null(s->data[f]);
        assert_int_equal(s->size[f], size);
        assert_memory_equal(s->data[f], want, size);
        free(want);
}

static int read_corpus(const char *rel, const char *type, const char *label, struct seed *s) {
        size_t size;
        char *data = load(rel, &size);
        struct volume v = { .fd = -1, .data = (const uint8_t *) data, .size = size, .name = rel };
        int r = seed_read_volume(&v, type, label, s);
        free(data);
        return r;
}

#define SMALL "tests/data/seed-sources/small/"

static void test_iso_cloud_localds(void **state) {
        static const char *const images[] = {
                "tests/fuzz/corpus/iso9660/cloud-localds.iso",
                "tests/fuzz/corpus/iso9660/rock-ridge-only.iso",
                "tests/fuzz/corpus/iso9660/joliet-only.iso",
                "tests/fuzz/corpus/iso9660/cloud-localds-all-files.iso",
        };
        for (size_t i = 0; i < ELEMENTSOF(images); i++) {
                struct seed s = {};
                char name[256];

                assert_int_equal(read_corpus(images[i], "iso9660", "cidata", &s), 0);
                assert_file(&s, SEED_META_DATA, SMALL "meta-data");
                assert_file(&s, SEED_USER_DATA, SMALL "user-data");
                if (i > 0)
                        assert_file(&s, SEED_NETWORK_CONFIG, SMALL "network-config");
                else
                        assert_null(s.data[SEED_NETWORK_CONFIG]);
                if (i == 3)
                        assert_file(&s, SEED_VENDOR_DATA, SMALL "vendor-data");
                snprintf(name, sizeof(name), "%s:meta-data", images[i]);
                assert_string_equal(s.name[SEED_META_DATA], name);
                assert_false(s.config_drive);
                seed_done(&s);
        }
}

static void test_iso_name_schemes(void **state) {
        static const struct {
                const char *image;
                enum iso9660_names names;
        } cases[] = {
                { "tests/fuzz/corpus/iso9660/cloud-localds.iso", ISO9660_NAMES_ROCK_RIDGE },
                { "tests/fuzz/corpus/iso9660/rock-ridge-only.iso", ISO9660_NAMES_ROCK_RIDGE },
                { "tests/fuzz/corpus/iso9660/joliet-only.iso", ISO9660_NAMES_JOLIET },
                { "tests/fuzz/corpus/iso9660/plain-names.iso", ISO9660_NAMES_PLAIN },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t size;
                char *data = load(cases[i].image, &size), *file = NULL;
                struct volume v = { .fd = -1, .data = (const uint8_t *) data, .size = size, .name = "x" };
                struct iso9660 iso;

                assert_int_equal(iso9660_open(&v, &iso), 0);
                assert_int_equal(iso.names, cases[i].names);
                if (cases[i].names == ISO9660_NAMES_PLAIN) {
                        /* Without Joliet or Rock Ridge, Linux shows "meta_dat": no NoCloud seed. */
                        assert_int_equal(iso9660_read_file(&iso, "meta-data", SEED_FILE_MAX, &file, NULL), -ENOENT);
                        assert_int_equal(iso9660_read_file(&iso, "META_DAT", SEED_FILE_MAX, &file, NULL), 0);
                        free(file);
                } else
                        /* Joliet and Rock Ridge names are case-sensitive, as on Linux. */
                        assert_int_equal(iso9660_read_file(&iso, "META-DATA", SEED_FILE_MAX, &file, NULL), -ENOENT);
                free(data);
        }
}

static void test_iso_rock_ridge_continuation_corpus(void **state) {
        struct seed s = {};

        /* Hand-made by seed-corpus.sh: meta-data's NM entry continues in a CE area. */
        assert_int_equal(read_corpus("tests/fuzz/corpus/iso9660/rock-ridge-continuation.iso", "iso9660", "cidata", &s), 0);
        assert_file(&s, SEED_META_DATA, SMALL "meta-data");
        assert_file(&s, SEED_USER_DATA, SMALL "user-data");
        seed_done(&s);
}

static void test_iso_plain_names_is_no_seed(void **state) {
        struct seed s = {};
        assert_int_equal(read_corpus("tests/fuzz/corpus/iso9660/plain-names.iso", "iso9660", "cidata", &s), -EINVAL);
        seed_done(&s);
}

static void test_iso_json_meta_data(void **state) {
        struct seed s = {};
        static const char want[] = "{\n\"instance-id\": \"iid-local01\",\n\"local-hostname\": \"node-9\"\n}\n";

        assert_int_equal(read_corpus("tests/fuzz/corpus/iso9660/cloud-localds-json-meta-data.iso", "iso9660", "cidata",
                                     &s), 0);
        assert_string_equal(s.data[SEED_META_DATA], want);
        seed_done(&s);
}

static void test_configdrive(void **state) {
        static const struct {
                const char *image, *type, *label;
        } cases[] = {
                { "tests/fuzz/corpus/iso9660/configdrive.iso", "iso9660", "config-2" },
                { "tests/fuzz/corpus/fat/configdrive.img", "vfat", "CONFIG-2" },
                /* Named explicitly under another label: still recognised by its layout. */
                { "tests/fuzz/corpus/iso9660/configdrive.iso", "iso9660", NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct seed s = {};
                char name[256];

                assert_int_equal(read_corpus(cases[i].image, cases[i].type, cases[i].label, &s), 0);
                /* meta_data.json as it is: the parser maps it (config_drive), and its messages point into it. */
                assert_true(s.config_drive);
                assert_file(&s, SEED_META_DATA, "tests/data/seed-sources/configdrive/openstack/latest/meta_data.json");
                assert_file(&s, SEED_USER_DATA, "tests/data/seed-sources/configdrive/openstack/latest/user_data");
                snprintf(name, sizeof(name), "%s:openstack/latest/meta_data.json", cases[i].image);
                assert_string_equal(s.name[SEED_META_DATA], name);
                assert_null(s.data[SEED_NETWORK_CONFIG]);
                seed_done(&s);
        }
}

static void test_fat_images(void **state) {
        static const struct {
                const char *image;
                unsigned bits;
                bool network_config;
        } cases[] = {
                { "tests/fuzz/corpus/fat/cloud-localds.img", 12, false },
                { "tests/fuzz/corpus/fat/cloud-localds-upper-label.img", 12, true },
                { "tests/fuzz/corpus/fat/fat16-fragmented.img", 16, true },
                { "tests/fuzz/corpus/fat/fat32.img", 32, false },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t size;
                char *data = load(cases[i].image, &size), *file = NULL;
                struct volume v = { .fd = -1, .data = (const uint8_t *) data, .size = size, .name = cases[i].image };
                struct fat fat;
                struct seed s = {};

                assert_int_equal(fat_open(&v, &fat), 0);
                assert_int_equal(fat.bits, cases[i].bits);
                assert_int_equal(seed_read_volume(&v, "vfat", "cidata", &s), 0);
                assert_file(&s, SEED_META_DATA, SMALL "meta-data");
                assert_file(&s, SEED_USER_DATA, SMALL "user-data");
                if (cases[i].network_config)
                        assert_file(&s, SEED_NETWORK_CONFIG, SMALL "network-config");
                else
                        assert_null(s.data[SEED_NETWORK_CONFIG]);
                /* vfat compares names without case. */
                assert_int_equal(fat_read_file(&fat, "USER-DATA", SEED_FILE_MAX, &file, NULL), 0);
                free(file);
                seed_done(&s);
                free(data);
        }
}

/* Damaging copies of the FAT16 image, whose user-data occupies clusters 3, 5, 6 (512 bytes each). */
struct fat16_fixture {
        char *data;
        size_t size;
        struct volume v;
        struct fat fat;
        uint8_t *user_data_entry;
};

static void fat16_load(struct fat16_fixture *x) {
        x->data = load("tests/fuzz/corpus/fat/fat16-fragmented.img", &x->size);
        x->v = (struct volume) { .fd = -1, .data = (const uint8_t *) x->data, .size = x->size, .name = "fat16.img" };
        assert_int_equal(fat_open(&x->v, &x->fat), 0);
        x->user_data_entry = memmem(x->data + x->fat.root_offset, x->fat.root_bytes, "USER-D~1   ", 11);
        assert_non_null(x->user_data_entry);
        /* The fixture's assumptions about the layout. */
        assert_int_equal(x->user_data_entry[26] | x->user_data_entry[27] << 8, 3);
}

static void fat16_set(struct fat16_fixture *x, unsigned cluster, unsigned value) {
        uint8_t *e = (uint8_t *) x->data + x->fat.fat_offset + cluster * 2;
        e[0] = value & 0xff;
        e[1] = value >> 8;
}

static int fat16_read_user_data(struct fat16_fixture *x) {
        char *file = NULL;
        int r = fat_read_file(&x->fat, "user-data", SEED_FILE_MAX, &file, NULL);
        free(file);
        return r;
}

static void test_fat_damage(void **state) {
        static const struct {
                unsigned cluster, value;
        } links[] = {
                { 5, 3 },      /* loop back to the first cluster */
                { 5, 5 },      /* a cluster linking to itself */
                { 5, 0 },      /* a free cluster in the chain */
                { 5, 0xfff7 }, /* a bad cluster */
                { 5, 0xff00 }, /* beyond the last cluster */
                { 3, 0xffff }, /* the chain ends early */
                { 3, 1 },      /* reserved cluster number */
        };
        struct fat16_fixture x;

        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                fat16_load(&x);
                assert_int_equal(fat16_read_user_data(&x), 0);
                fat16_set(&x, links[i].cluster, links[i].value);
                assert_int_equal(fat16_read_user_data(&x), -EBADMSG);
                free(x.data);
        }

        /* A size beyond the limit is refused before anything is read. */
        fat16_load(&x);
        x.user_data_entry[28] = (SEED_FILE_MAX + 1) & 0xff;
        x.user_data_entry[29] = ((SEED_FILE_MAX + 1) >> 8) & 0xff;
        x.user_data_entry[30] = ((SEED_FILE_MAX + 1) >> 16) & 0xff;
        assert_int_equal(fat16_read_user_data(&x), -EFBIG);
        free(x.data);

        /* First cluster out of range. */
        fat16_load(&x);
        x.user_data_entry[26] = 0xf0;
        x.user_data_entry[27] = 0xff;
        assert_int_equal(fat16_read_user_data(&x), -EBADMSG);
        free(x.data);

        /* A broken long-name checksum: the entry is known by its short name only, as on Linux. */
        fat16_load(&x);
        x.user_data_entry[-32 + 13] ^= 0x55;
        assert_int_equal(fat16_read_user_data(&x), -ENOENT);
        {
                char *file = NULL;
                assert_int_equal(fat_read_file(&x.fat, "user-d~1", SEED_FILE_MAX, &file, NULL), 0);
                free(file);
        }
        free(x.data);

        /* A volume cut short: the data is beyond its end. */
        fat16_load(&x);
        x.v.size = x.fat.data_offset + 512;
        assert_int_equal(fat16_read_user_data(&x), -EBADMSG);
        free(x.data);
}

static void test_fat_boot_sector(void **state) {
        static const struct {
                unsigned offset, value;
        } damage[] = {
                { 12, 0 },    /* bytes per sector 0 */
                { 12, 0x03 }, /* bytes per sector 0x300: not a power of two */
                { 13, 3 },    /* sectors per cluster: not a power of two */
                { 14, 0 },    /* no reserved sectors (low byte; high byte is 0) */
                { 16, 0 },    /* no FATs */
                { 22, 1 },    /* FAT of 1 sector: too small for the clusters */
        };
        for (size_t i = 0; i < ELEMENTSOF(damage); i++) {
                size_t size;
                char *data = load("tests/fuzz/corpus/fat/fat16-fragmented.img", &size);
                struct volume v = { .fd = -1, .data = (const uint8_t *) data, .size = size, .name = "x" };
                struct fat fat;

                data[damage[i].offset] = (char) damage[i].value;
                if (damage[i].offset == 22)
                        data[23] = 0;
                assert_int_equal(fat_open(&v, &fat), -EBADMSG);
                free(data);
        }
}

static void test_fat_directory_loop(void **state) {
        size_t size;
        char *data = load("tests/fuzz/corpus/fat/configdrive.img", &size), *file = NULL;
        struct volume v = { .fd = -1, .data = (const uint8_t *) data, .size = size, .name = "cd.img" };
        struct fat fat;
        uint8_t *entry, *e;
        unsigned c;

        assert_int_equal(fat_open(&v, &fat), 0);
        assert_int_equal(fat.bits, 12);
        assert_int_equal(fat_read_file(&fat, "openstack/latest/user_data", SEED_FILE_MAX, &file, NULL), 0);
        free(file);
        /* Directories may not be read as files, nor files as directories. */
        assert_int_equal(fat_read_file(&fat, "openstack", SEED_FILE_MAX, &file, NULL), -EISDIR);
        assert_int_equal(fat_read_file(&fat, "openstack/latest/user_data/x", SEED_FILE_MAX, &file, NULL), -ENOENT);

        entry = memmem(data + fat.root_offset, fat.root_bytes, "OPENST~1   ", 11);
        assert_non_null(entry);
        c = entry[26] | entry[27] << 8;
        /* FAT12: entry c lives in 12 bits at byte c * 3 / 2; make the directory's cluster link to itself. */
        e = (uint8_t *) data + fat.fat_offset + c + c / 2;
        if (c & 1) {
                e[0] = (uint8_t) ((e[0] & 0x0f) | (c & 0x0f) << 4);
                e[1] = (uint8_t) (c >> 4);
        } else {
                e[0] = (uint8_t) c;
                e[1] = (uint8_t) ((e[1] & 0xf0) | (c >> 8));
        }
        assert_int_equal(fat_read_file(&fat, "openstack/latest/user_data", SEED_FILE_MAX, &file, NULL), -EBADMSG);
        free(data);
}

/* Damaging copies of the cloud-localds ISO (Rock Ridge names, read from the primary tree). */
static uint8_t *iso_user_data_record(char *data, size_t size) {
        uint8_t *id = memmem(data, size, "USER_DAT.;1", 11);
        assert_non_null(id);
        return id - 33;
}

static int iso_read(char *data, size_t size, const char *path) {
        struct volume v = { .fd = -1, .data = (const uint8_t *) data, .size = size, .name = "x.iso" };
        struct iso9660 iso;
        char *file = NULL;
        int r;

        r = iso9660_open(&v, &iso);
        if (r < 0)
                return r;
        r = iso9660_read_file(&iso, path, SEED_FILE_MAX, &file, NULL);
        free(file);
        return r;
}

static void put_le32(uint8_t *p, uint32_t v) {
        p[0] = v & 0xff;
        p[1] = (v >> 8) & 0xff;
        p[2] = (v >> 16) & 0xff;
        p[3] = v >> 24;
}

static void test_iso_damage(void **state) {
        const char *image = "tests/fuzz/corpus/iso9660/cloud-localds.iso";
        size_t size;
        char *data;
        uint8_t *rec;

        data = load(image, &size);
        assert_int_equal(iso_read(data, size, "user-data"), 0);
        rec = iso_user_data_record(data, size);
        put_le32(rec + 10, SEED_FILE_MAX + 1);
        assert_int_equal(iso_read(data, size, "user-data"), -EFBIG);
        put_le32(rec + 10, 100);
        put_le32(rec + 2, 0x00ffffff); /* extent far beyond the end */
        assert_int_equal(iso_read(data, size, "user-data"), -EBADMSG);
        free(data);

        data = load(image, &size);
        rec = iso_user_data_record(data, size);
        rec[0] = 20; /* record shorter than its fixed part */
        assert_int_equal(iso_read(data, size, "user-data"), -EBADMSG);
        free(data);

        data = load(image, &size);
        rec = iso_user_data_record(data, size);
        rec[26] = 1; /* interleaved */
        assert_int_equal(iso_read(data, size, "user-data"), -EBADMSG);
        free(data);

        data = load(image, &size);
        rec = iso_user_data_record(data, size);
        rec[25] |= 0x80; /* multi-extent */
        assert_int_equal(iso_read(data, size, "user-data"), -EBADMSG);
        free(data);

        data = load(image, &size);
        memcpy(data + 16 * 2048 + 1, "CD002", 5);
        assert_int_equal(iso_read(data, size, "user-data"), -EBADMSG);
        free(data);

        data = load(image, &size);
        data[16 * 2048 + 128] = 0; /* logical block size 0x0000 */
        data[16 * 2048 + 129] = 2; /* 512 */
        assert_int_equal(iso_read(data, size, "user-data"), -EBADMSG);
        free(data);

        data = load(image, &size);
        assert_int_equal(iso_read(data, 16 * 2048 + 100, "user-data"), -EBADMSG); /* cut short */
        free(data);
}

/* A hand-made ISO for what genisoimage does not write: Rock Ridge names continued in "CE" areas,
 * continuation loops, records crossing a sector. Sectors: 16 PVD, 17 terminator, 18 root, 19 data. */
#define S 2048
static uint8_t *tiny_iso(size_t *size) {
        uint8_t *d = calloc(20, S), *p;

        *size = 20 * S;
        p = d + 16 * S;
        p[0] = 1;
        memcpy(p + 1, "CD001", 5);
        p[6] = 1;
        p[128] = S & 0xff;
        p[129] = S >> 8;
        p[156] = 34;
        put_le32(p + 156 + 2, 18);
        put_le32(p + 156 + 10, S);
        p[156 + 25] = 2;
        p[156 + 32] = 1;
        p = d + 17 * S;
        p[0] = 255;
        memcpy(p + 1, "CD001", 5);

        /* "." with the SUSP "SP" entry, then "..". */
        p = d + 18 * S;
        p[0] = 34 + 7;
        put_le32(p + 2, 18);
        put_le32(p + 10, S);
        p[25] = 2;
        p[32] = 1;
        memcpy(p + 34, "SP\7\1\xbe\xef\0", 7);
        p += p[0];
        p[0] = 34;
        put_le32(p + 2, 18);
        put_le32(p + 10, S);
        p[25] = 2;
        p[32] = 1;
        p[33] = 1;
        memcpy(d + 19 * S, "hello\n", 6);
        return d;
}

/* Puts a file record named "A.;1" with the given system use bytes after "." and ".." in the tiny ISO's
 * root. The identifier has an even length, so a padding byte comes before the system use area. */
static void tiny_iso_file(uint8_t *d, const void *su, size_t su_len) {
        uint8_t *p = d + 18 * S + 41 + 34;
        p[0] = (uint8_t) (33 + 4 + 1 + su_len);
        put_le32(p + 2, 19);
        put_le32(p + 10, 6);
        p[32] = 4;
        memcpy(p + 33, "A.;1", 4);
        memcpy(p + 38, su, su_len);
}

static void ce_entry(uint8_t *e, uint32_t block, uint32_t offset, uint32_t length) {
        memset(e, 0, 28);
        memcpy(e, "CE\34\1", 4);
        put_le32(e + 4, block);
        put_le32(e + 12, offset);
        put_le32(e + 20, length);
}

static void test_iso_rock_ridge_continuation(void **state) {
        uint8_t su[64], *d;
        size_t size;
        char *file = NULL;
        struct volume v;
        struct iso9660 iso;

        /* "meta-" here, "data" in a continuation area at sector 19, byte 100. */
        d = tiny_iso(&size);
        memcpy(su, "NM\12\1\1meta-", 10);
        ce_entry(su + 10, 19, 100, 9 + 4);
        tiny_iso_file(d, su, 38);
        memcpy(d + 19 * S + 100, "NM\11\1\0data" "ST\4\1", 13);
        v = (struct volume) { .fd = -1, .data = d, .size = size, .name = "tiny.iso" };
        assert_int_equal(iso9660_open(&v, &iso), 0);
        assert_int_equal(iso.names, ISO9660_NAMES_ROCK_RIDGE);
        assert_int_equal(iso9660_read_file(&iso, "meta-data", SEED_FILE_MAX, &file, NULL), 0);
        assert_string_equal(file, "hello\n");
        free(file);
        /* Without its NM entries the record falls back to the plain name. */
        assert_int_equal(iso9660_read_file(&iso, "a", SEED_FILE_MAX, &file, NULL), -ENOENT);

        /* A continuation area that continues into itself. */
        ce_entry(su + 10, 19, 100, 28);
        tiny_iso_file(d, su, 38);
        ce_entry(d + 19 * S + 100, 19, 100, 28);
        assert_int_equal(iso9660_read_file(&iso, "meta-data", SEED_FILE_MAX, &file, NULL), -EBADMSG);

        /* A continuation area that does not fit in its sector. */
        ce_entry(su + 10, 19, 2040, 28);
        tiny_iso_file(d, su, 38);
        assert_int_equal(iso9660_read_file(&iso, "meta-data", SEED_FILE_MAX, &file, NULL), -EBADMSG);
        free(d);

        /* No NM at all: the plain name, lower-cased, as Linux shows it. */
        d = tiny_iso(&size);
        tiny_iso_file(d, "", 0);
        v = (struct volume) { .fd = -1, .data = d, .size = size, .name = "tiny.iso" };
        assert_int_equal(iso9660_open(&v, &iso), 0);
        assert_int_equal(iso9660_read_file(&iso, "a", SEED_FILE_MAX, &file, NULL), 0);
        free(file);

        /* Records of 250 bytes from byte 75 on: the eighth, at byte 1825, runs past the sector's end. */
        for (unsigned i = 0; i < 8; i++) {
                uint8_t *r = d + 18 * S + 75 + i * 250;
                memset(r, 0, 250);
                r[0] = 250;
                r[32] = 4;
                memcpy(r + 33, "Z.;1", 4);
        }
        assert_int_equal(iso9660_read_file(&iso, "a", SEED_FILE_MAX, &file, NULL), -EBADMSG);

        /* A directory size that ends inside a record. */
        memset(d + 18 * S + 75, 0, S - 75);
        tiny_iso_file(d, "", 0);
        put_le32(d + 16 * S + 156 + 10, 80);
        assert_int_equal(iso9660_open(&v, &iso), 0);
        assert_int_equal(iso9660_read_file(&iso, "a", SEED_FILE_MAX, &file, NULL), -EBADMSG);
        free(d);
}

static void test_image_files(void **state) {
        /* Through libblkid, as --seed FILE does it. */
        static const struct {
                const char *image, *origin_suffix;
        } cases[] = {
                { "tests/fuzz/corpus/iso9660/cloud-localds.iso", " (iso9660, label cidata)" },
                { "tests/fuzz/corpus/fat/cloud-localds.img", " (vfat, label cidata)" },
                { "tests/fuzz/corpus/fat/cloud-localds-upper-label.img", " (vfat, label CIDATA)" },
                { "tests/fuzz/corpus/fat/fat32.img", " (vfat, label CIDATA)" },
        };
        const char *top = getenv("TOP");

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct seed s = {};
                char path[4096], origin[4200];

                snprintf(path, sizeof(path), "%s/%s", top ? top : ".", cases[i].image);
                assert_int_equal(seed_read_image(path, &s), 0);
                snprintf(origin, sizeof(origin), "%s%s", path, cases[i].origin_suffix);
                assert_string_equal(s.origin, origin);
                assert_file(&s, SEED_USER_DATA, SMALL "user-data");
                seed_done(&s);
        }
        {
                struct seed s = {};
                char path[4096];
                snprintf(path, sizeof(path), "%s/tests/data/seed-sources/small/meta-data", top ? top : ".");
                assert_int_equal(seed_read_image(path, &s), -EINVAL); /* no filesystem */
                assert_int_equal(seed_read_image("/dev/null", &s), -EINVAL);
                assert_int_equal(seed_read_image("/nonexistent/seed.iso", &s), -ENOENT);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_iso_cloud_localds),
                cmocka_unit_test(test_iso_name_schemes),
                cmocka_unit_test(test_iso_rock_ridge_continuation_corpus),
                cmocka_unit_test(test_iso_plain_names_is_no_seed),
                cmocka_unit_test(test_iso_json_meta_data),
                cmocka_unit_test(test_configdrive),
                cmocka_unit_test(test_fat_images),
                cmocka_unit_test(test_fat_damage),
                cmocka_unit_test(test_fat_boot_sector),
                cmocka_unit_test(test_fat_directory_loop),
                cmocka_unit_test(test_iso_damage),
                cmocka_unit_test(test_iso_rock_ridge_continuation),
                cmocka_unit_test(test_image_files),
        };
        log_set_max_level(LOG_CRIT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}

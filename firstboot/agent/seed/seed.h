/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A NoCloud seed as found: the raw bytes of its files and where they came from. Parsing happens
 * elsewhere (config-parse.c); the sources only find and read, within size limits. */

#define SEED_FILE_MAX (256 * 1024) /* each of meta-data, user-data, network-config, vendor-data */

enum seed_file {
        SEED_META_DATA,
        SEED_USER_DATA,
        SEED_NETWORK_CONFIG,
        SEED_VENDOR_DATA,
        _SEED_FILE_MAX,
};

struct seed {
        char *data[_SEED_FILE_MAX];   /* NUL-terminated; NULL when the file is absent */
        size_t size[_SEED_FILE_MAX];
        /* Names used in error messages, e.g. "/dev/sr0:meta-data" or
         * "/var/lib/cloud/seed/nocloud/meta-data" or "http://h/v1/seeds/master/meta-data". */
        char name[_SEED_FILE_MAX][4200];
        char origin[4200];            /* human description of the source, for logs and show-seed */
        bool config_drive;            /* ConfigDrive layout: meta_data.json/user_data */
};

const char *seed_file_to_string(enum seed_file f); /* "meta-data", ... */

void seed_done(struct seed *s);

/* Sets the data of one file (copies it); used by every source. */
int seed_set_file(struct seed *s, enum seed_file f, const char *name, const char *data, size_t size);

struct seed_options {
        const char *explicit_source;  /* --seed: directory, image/ISO file, block device or http(s) URL */
        int device_wait_ms;           /* how long to wait for a cidata device to appear */
        int http_deadline_ms;         /* overall deadline for NoCloud-net */
};

/* Finds and reads the seed, in this order: --seed, the kernel command line, a cidata/config-2 block
 * device, /var/lib/cloud/seed/nocloud{,-net}. All host paths go through --root. Returns 0 on success,
 * -ENOENT when no seed exists anywhere (logged), other -errno on failure (logged). */
int seed_find(const struct seed_options *opts, struct seed *ret);

/* The individual sources. */
int seed_read_dir(const char *dir, struct seed *ret);          /* a path of the caller's, not under the root */
int seed_read_image(const char *path, struct seed *ret);       /* iso9660 or FAT image or device */
int seed_read_image_fd(int fd, const char *path, struct seed *ret); /* the same, opened (path for messages) */
int seed_read_url(const char *url, int deadline_ms, struct seed *ret);
/* Scans block devices (via <root>/proc/partitions and <root>/dev) with libblkid for a volume labelled
 * cidata/CIDATA (NoCloud) or config-2/CONFIG-2 (ConfigDrive), retrying while devices appear for up to
 * wait_ms; -ENOENT when there is none. */
int seed_find_device(int wait_ms, struct seed *ret);

/* Kernel command line: fills ret with the seed location ("http://..." or "/path") from
 * ds=nocloud;s=..., ds=nocloud-net;s=..., or kube_firstboot.seed=...; 0 when none, 1 when found. */
int cmdline_find_seed(const char *cmdline, char *ret, size_t size);

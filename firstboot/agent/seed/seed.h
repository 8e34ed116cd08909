/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "exit-status.h"

/* A NoCloud seed as found: the raw bytes of its files and where they came from. Parsing happens
 * elsewhere (config/); the sources only find and read, within size limits. */

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
        bool config_drive;            /* ConfigDrive layout: meta_data.json/user_data/network_data.json */
};

const char *seed_file_to_string(enum seed_file f); /* "meta-data", ... */

void seed_done(struct seed *s);

/* Sets the data of one file (copies it); used by every source. */
int seed_set_file(struct seed *s, enum seed_file f, const char *name, const char *data, size_t size);

/* user-data fetched over the network, kept in the agent's state directory (seed-keep.c): an endpoint
 * may serve it once per instance-id. */
#define SEED_KEEP_FILE "seed-user-data"

struct seed_keep {
        const char *path;             /* the copy, a host path under the root: <state dir>/seed-user-data */
        bool write;                   /* run: keep what was fetched, drop another's copy; plan, show-seed: read only */
};

struct seed_options {
        const char *explicit_source;  /* --seed: directory, image/ISO file, block device or http(s) URL */
        int device_wait_ms;           /* how long to wait for a cidata device to appear */
        int http_deadline_ms;         /* overall deadline for NoCloud-net */
        const struct seed_keep *keep; /* NULL: user-data fetched over the network is neither kept nor read back */
};

/* Finds and reads the seed, asking the sources in their search order (seed.c): --seed, the kernel
 * command line, a cidata/config-2 block device, /var/lib/cloud/seed/nocloud{,-net}. All host paths go
 * through --root. Returns 0 on success, -ENOENT when no seed exists anywhere (logged), other -errno on
 * failure (logged); *ret_failure says which kind of failure it was (FB_FAILURE_NO_SEED,
 * FB_FAILURE_BAD_INPUT for a seed or location that cannot be used, FB_FAILURE_TRANSIENT for a network
 * failure, ...). */
int seed_find(const struct seed_options *opts, struct seed *ret, enum fb_failure *ret_failure);

/* A place a seed can come from; each source's file defines its entry (seed_source_cmdline in cmdline.c,
 * ...), seed.c puts them in the search order. */
struct seed_source {
        const char *name; /* "cmdline", "device", ...: for the debug log */
        /* Looks for this source's seed: 1 (the seed in ret) when found, 0 when this source has none,
         * -errno (logged) when it names or holds a seed that cannot be read, which ends the search. */
        int (*probe)(const struct seed_options *opts, struct seed *ret);
};

extern const struct seed_source seed_source_option;  /* --seed (seed.c) */
extern const struct seed_source seed_source_cmdline; /* kube_firstboot.seed= or ds=nocloud;s=... on the kernel
                                                      * command line or in the DMI serial (cmdline.c) */
extern const struct seed_source seed_source_device;  /* a volume labelled cidata or config-2 (device.c) */
extern const struct seed_source seed_source_dirs;    /* /var/lib/cloud/seed/nocloud{,-net} (seed.c) */

/* The search order: n_ret entries. */
const struct seed_source *const *seed_search_order(size_t *n_ret);

/* The readers of a location that --seed or the kernel command line names: seed_read_location() picks
 * one by its kind. rooted: a host path, under --root (the kernel command line's); else taken as given. */
int seed_read_location(const char *location, bool rooted, const struct seed_options *opts, struct seed *ret);
int seed_read_dir(const char *dir, struct seed *ret);          /* a path of the caller's, not under the root */
int seed_read_image(const char *path, struct seed *ret);       /* iso9660 or FAT image or device */
int seed_read_image_fd(int fd, const char *path, struct seed *ret); /* the same, opened (path for messages) */
int seed_read_url(const char *url, int deadline_ms, struct seed *ret); /* NoCloud-net (seed-http.c) */
/* The same; with keep, user-data comes from the copy kept for this location and meta-data's instance-id
 * when there is one, else is fetched and kept (keep->write). */
int seed_read_url_kept(const char *url, int deadline_ms, const struct seed_keep *keep, struct seed *ret);

/* The kept copy (seed-keep.c). seed_keep_load(): 1 with the user-data kept for this location and
 * instance-id in *ret (malloc'd, NUL-terminated), 0 when there is none (a copy of another location or
 * instance, or one that is damaged, group- or world-readable or another user's, is removed when
 * keep->write, else ignored), -ENOMEM. seed_keep_save(): 1 kept, 0 not (keep->write false), -errno
 * (logged as a warning: the run goes on). */
int seed_keep_load(const struct seed_keep *keep, const char *location, const char *instance_id, char **ret,
                   size_t *ret_size);
int seed_keep_save(const struct seed_keep *keep, const char *location, const char *instance_id, const char *data,
                   size_t size);
/* meta-data's instance-id, parsed without a message (the config stage reports what is wrong); -EINVAL
 * when it has none. name: for the parser. */
int seed_keep_instance_id(const char *meta_data, size_t size, const char *name, char *ret, size_t ret_size);
/* The file's text, and its fields (pointers into text), for tests. */
struct seed_kept {
        const char *location, *instance_id, *data;
        size_t location_len, instance_id_len, size;
};
int seed_keep_format(const char *location, const char *instance_id, const char *data, size_t size, char **ret,
                     size_t *ret_size);
int seed_keep_parse(const char *text, size_t size, struct seed_kept *ret);

/* Seed volumes (image.c), on top of the volume layer (volume.h) and its filesystem readers (fs/). */
struct volume;
/* Reads the seed files from a volume whose filesystem type ("iso9660" or "vfat") is known. label may
 * be NULL. ConfigDrive layout when the label is config-2 (any case), or when the root has neither
 * meta-data nor user-data but openstack/latest/meta_data.json exists. Sets ret->origin. Returns 0 when
 * at least one seed file was read; -EINVAL (logged) when the volume holds none; -EBADMSG, -EFBIG,
 * -EIO (logged) when the volume is corrupt, a file too large, or unreadable. */
int seed_read_volume(const struct volume *v, const char *type, const char *label, struct seed *ret);
/* Reads a seed from an open image file or block device, already probed. */
int seed_read_fd(int fd, const char *path, const char *type, const char *label, struct seed *ret);
/* Scans block devices (via <root>/proc/partitions and <root>/dev) with libblkid for a volume labelled
 * cidata/CIDATA (NoCloud) or config-2/CONFIG-2 (ConfigDrive), retrying while devices appear for up to
 * wait_ms; -ENOENT when there is none. */
int seed_find_device(int wait_ms, struct seed *ret);

/* Kernel command line: fills ret with the seed location ("http://..." or "/path") from
 * ds=nocloud;s=..., ds=nocloud-net;s=..., or kube_firstboot.seed=...; 0 when none, 1 when found, -EINVAL
 * (logged) for a location that cannot be used or a ds= word that sets meta-data (h=, i=). */
int cmdline_find_seed(const char *cmdline, char *ret, size_t size);
/* The same for any line configuration (cloud-init reads the SMBIOS system serial as one): where names it
 * in messages; kube_firstboot.seed= only when ours_allowed, and *ret_ours (may be NULL) says whether it
 * gave the location. */
int line_find_seed(const char *line, const char *where, bool ours_allowed, char *ret, size_t size, bool *ret_ours);
/* network-config= on the kernel command line (cloud-init's cloudinit/net/cmdline.py): the last one;
 * 0 when there is none (or it is empty), 1 with the decoded text in *ret (malloc'd, NUL-terminated),
 * CMDLINE_NETWORK_CONFIG_DISABLED for "network-config=disabled", -EINVAL (logged) when it is not base64,
 * is gzip-compressed, or is not text. */
#define CMDLINE_NETWORK_CONFIG_DISABLED 2
int cmdline_network_config(const char *cmdline, char **ret, size_t *ret_size);

/* DMI (dmi.c): the /sys/class/dmi/id file of a cloud-init DMI key ("system-uuid": "product_uuid"), or
 * NULL. dmi_value_clean(): a DMI file's bytes as cloud-init takes them (white space stripped, an
 * uninitialised all-0xff field empty) into ret: 1, 0 when empty, -EBADMSG for a control character,
 * -ENAMETOOLONG. dmi_read(): the same of <root>/sys/class/dmi/id/FILE, -errno when unreadable. */
const char *dmi_key_file(const char *key, size_t key_len);
int dmi_value_clean(const char *data, size_t size, char *ret, size_t ret_size);
int dmi_read(const char *file, char *ret, size_t ret_size);
/* Puts the DMI value in place of every __dmi.KEY__ of a seed location, as cloud-init's sub_dmi_vars()
 * does, percent-encoded in a URL; refuses (-EINVAL, logged) an unknown key, and a value that is absent or
 * empty. 1 when something was put in, 0 when location had nothing to put in (copied as it is). */
int seed_sub_dmi(const char *location, char *ret, size_t size);

/* SPDX-License-Identifier: MIT */
/* Seed volumes (image files and block devices), identified with libblkid and read in user space with the
 * iso9660 and FAT readers: the target kernel may lack the filesystem drivers, and untrusted media should
 * not reach kernel filesystem code. */
#include <blkid/blkid.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seed/fs/fat.h"
#include "seed/fs/iso9660.h"
#include "log.h"
#include "macro.h"
#include "seed/volume.h"
#include "seed/seed.h"

#define CONFIG_DRIVE_META_DATA "openstack/latest/meta_data.json"
#define CONFIG_DRIVE_USER_DATA "openstack/latest/user_data"
#define CONFIG_DRIVE_NETWORK_DATA "openstack/latest/network_data.json"

struct seed_fs {
        bool is_iso;
        struct iso9660 iso;
        struct fat fat;
};

static int fs_read_file(const struct seed_fs *fs, const char *path, char **ret, size_t *ret_size) {
        if (fs->is_iso)
                return iso9660_read_file(&fs->iso, path, SEED_FILE_MAX, ret, ret_size);
        return fat_read_file(&fs->fat, path, SEED_FILE_MAX, ret, ret_size);
}

/* Names like "/dev/sr0:meta-data", as error messages show them. */
static void seed_take_file(struct seed *s, enum seed_file f, char *data, size_t size, const char *volume,
                           const char *path) {
        free(s->data[f]);
        s->data[f] = data;
        s->size[f] = size;
        snprintf(s->name[f], sizeof(s->name[f]), "%s:%s", volume, path);
}

static bool label_is(const char *label, const char *want) {
        return label && ascii_strcasecmp(label, want) == 0;
}

/* ConfigDrive: meta_data.json goes in as it is; the meta-data parser reads its uuid, hostname and
 * meta.role when config_drive is set, so that its messages point into the real file. So does
 * network_data.json, as the seed's network configuration (config/network-data.c). */
static int read_configdrive(const struct seed_fs *fs, const char *volume, struct seed *ret) {
        _cleanup_free_ char *meta = NULL, *user = NULL, *net = NULL;
        size_t meta_size, user_size = 0, net_size = 0;
        int r;

        r = fs_read_file(fs, CONFIG_DRIVE_META_DATA, &meta, &meta_size);
        if (r == -ENOENT)
                return log_error_errno(-EINVAL, "%s: ConfigDrive volume without %s", volume, CONFIG_DRIVE_META_DATA);
        if (r < 0)
                return r;
        r = fs_read_file(fs, CONFIG_DRIVE_USER_DATA, &user, &user_size);
        if (r < 0 && r != -ENOENT)
                return r;
        r = fs_read_file(fs, CONFIG_DRIVE_NETWORK_DATA, &net, &net_size);
        if (r < 0 && r != -ENOENT)
                return r;

        seed_take_file(ret, SEED_META_DATA, TAKE_PTR(meta), meta_size, volume, CONFIG_DRIVE_META_DATA);
        if (user)
                seed_take_file(ret, SEED_USER_DATA, TAKE_PTR(user), user_size, volume, CONFIG_DRIVE_USER_DATA);
        if (net)
                seed_take_file(ret, SEED_NETWORK_CONFIG, TAKE_PTR(net), net_size, volume, CONFIG_DRIVE_NETWORK_DATA);
        ret->config_drive = true;
        log_debug("%s: ConfigDrive layout; vendor_data.json is not used", volume);
        return 0;
}

int seed_read_volume(const struct volume *v, const char *type, const char *label, struct seed *ret) {
        struct seed_fs fs = {};
        bool any = false;
        int r;

        if (streq(type, "iso9660")) {
                fs.is_iso = true;
                r = iso9660_open(v, &fs.iso);
        } else if (streq(type, "vfat"))
                r = fat_open(v, &fs.fat);
        else
                return log_error_errno(-EINVAL, "%s: a %s filesystem cannot hold a seed (iso9660 or vfat)", v->name,
                                       type);
        if (r < 0)
                return r;

        if (label_is(label, "config-2"))
                r = read_configdrive(&fs, v->name, ret);
        else {
                for (int f = 0; f < _SEED_FILE_MAX; f++) {
                        char *data = NULL;
                        size_t size;

                        r = fs_read_file(&fs, seed_file_to_string(f), &data, &size);
                        if (r == -ENOENT)
                                continue;
                        if (r < 0)
                                return r;
                        seed_take_file(ret, f, data, size, v->name, seed_file_to_string(f));
                        any = true;
                }
                r = 0;
                if (!any) {
                        _cleanup_free_ char *probe = NULL;

                        /* A ConfigDrive under another label: read it as one rather than fail. */
                        r = fs_read_file(&fs, CONFIG_DRIVE_META_DATA, &probe, NULL);
                        if (r == -ENOENT)
                                return log_error_errno(-EINVAL, "%s: %s volume%s%s%s holds no meta-data or user-data",
                                                       v->name, type, label ? " labelled \"" : "", label ?: "",
                                                       label ? "\"" : "");
                        if (r >= 0)
                                r = read_configdrive(&fs, v->name, ret);
                }
        }
        if (r < 0)
                return r;

        if (label && *label)
                snprintf(ret->origin, sizeof(ret->origin), "%s (%s, label %s)", v->name, type, label);
        else
                snprintf(ret->origin, sizeof(ret->origin), "%s (%s, no label)", v->name, type);
        if (fs.is_iso)
                log_debug("%s: iso9660 with %s names", v->name, iso9660_names_to_string(fs.iso.names));
        else
                log_debug("%s: FAT%u, %u clusters of %u bytes", v->name, fs.fat.bits, (unsigned) fs.fat.n_clusters,
                          (unsigned) fs.fat.cluster_size);
        return 0;
}

static bool is_seed_label(const char *s) {
        return label_is(s, "cidata") || label_is(s, "config-2");
}

int volume_probe(int fd, char *type, size_t type_size, char *label, size_t label_size) {
        const char *value = NULL, *fatboot = NULL;
        blkid_probe pr;
        int r;

        type[0] = label[0] = 0;
        pr = blkid_new_probe();
        if (!pr)
                return -ENOMEM;
        if (blkid_probe_set_device(pr, fd, 0, 0) < 0) {
                r = -EIO;
                goto finish;
        }
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL);
        r = blkid_do_safeprobe(pr);
        if (r == 1 || r == -1) {
                r = r == 1 ? -ENOENT : -EIO;
                goto finish;
        }
        if (r == -2) {
                r = -EUCLEAN;
                goto finish;
        }
        if (blkid_probe_lookup_value(pr, "TYPE", &value, NULL) < 0 || !value) {
                r = -ENOENT;
                goto finish;
        }
        snprintf(type, type_size, "%s", value);

        /* FAT has two labels, in the boot sector and in the root directory; util-linux >= 2.24 reports the
         * boot sector's as LABEL_FATBOOT. Either may carry the seed label. */
        if (blkid_probe_lookup_value(pr, "LABEL", &value, NULL) < 0)
                value = NULL;
        if (blkid_probe_lookup_value(pr, "LABEL_FATBOOT", &fatboot, NULL) < 0)
                fatboot = NULL;
        if (value && (is_seed_label(value) || !fatboot || !is_seed_label(fatboot)))
                snprintf(label, label_size, "%s", value);
        else if (fatboot)
                snprintf(label, label_size, "%s", fatboot);
        r = 0;
finish:
        blkid_free_probe(pr);
        return r;
}

int seed_read_fd(int fd, const char *path, const char *type, const char *label, struct seed *ret) {
        struct volume v = { .fd = fd, .name = path };
        struct stat st;

        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, "%s: cannot stat: %m", path);
        if (S_ISREG(st.st_mode))
                v.size = (uint64_t) st.st_size;
        else if (S_ISBLK(st.st_mode)) {
                uint64_t size;
                if (ioctl(fd, BLKGETSIZE64, &size) < 0)
                        return log_error_errno(-errno, "%s: cannot get the device size: %m", path);
                v.size = size;
        } else
                return log_error_errno(-EINVAL, "%s: neither a regular file nor a block device", path);

        return seed_read_volume(&v, type, label && *label ? label : NULL, ret);
}

int seed_read_image(const char *path, struct seed *ret) {
        _cleanup_close_ int fd = -1;

        /* O_NONBLOCK: a CD-ROM drive must not try to close its tray, a FIFO must not block the open. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return log_error_errno(-errno, "%s: cannot open: %m", path);
        return seed_read_image_fd(fd, path, ret);
}

/* Disk image containers, encryption and compression around a filesystem, by their magic numbers (each
 * format's specification): what a seed image given as one holds is not readable as it is, and saying
 * which it is tells the operator what to do. */
static const struct {
        size_t offset, len;
        const char *magic, *what, *hint;
} containers[] = {
        { 0, 4, "QFI\xfb", "a qcow2 (or qcow) disk image", "attach it to the VM as a qcow2 disk, or convert it with "
          "\"qemu-img convert -O raw\"" },
        { 0, 4, "QED\0", "a QED disk image", "convert it with \"qemu-img convert -O raw\"" },
        { 0, 4, "KDMV", "a VMDK disk image", "convert it with \"qemu-img convert -O raw\"" },
        { 0, 4, "COWD", "a VMDK (ESX COWD) disk image", "convert it with \"qemu-img convert -O raw\"" },
        { 0, 21, "# Disk DescriptorFile", "a VMDK descriptor", "convert the image with \"qemu-img convert -O raw\"" },
        { 0x40, 4, "\x7f\x10\xda\xbe", "a VDI (VirtualBox) disk image", "convert it with \"qemu-img convert -O raw\"" },
        { 0, 8, "vhdxfile", "a VHDX disk image", "convert it with \"qemu-img convert -O raw\"" },
        { 0, 8, "conectix", "a dynamic VHD disk image", "convert it with \"qemu-img convert -O raw\"" },
        { 0, 6, "LUKS\xba\xbe", "a LUKS-encrypted volume", "a seed is read unencrypted: write the iso9660 or vfat "
          "image itself" },
        { 0, 2, "\x1f\x8b", "gzip-compressed", "decompress it first" },
        { 0, 6, "\xfd" "7zXZ\0", "xz-compressed", "decompress it first" },
        { 0, 3, "BZh", "bzip2-compressed", "decompress it first" },
        { 0, 4, "\x28\xb5\x2f\xfd", "zstd-compressed", "decompress it first" },
};

static int refuse_container(int fd, const char *path) {
        char head[512];
        ssize_t n = pread(fd, head, sizeof(head), 0);

        for (size_t i = 0; n > 0 && i < ELEMENTSOF(containers); i++)
                if ((size_t) n >= containers[i].offset + containers[i].len &&
                    memcmp(head + containers[i].offset, containers[i].magic, containers[i].len) == 0)
                        return log_error_errno(-EINVAL, "%s: %s, not a filesystem: a seed image holds iso9660 or vfat; "
                                               "%s", path, containers[i].what, containers[i].hint);
        return 0;
}

int seed_read_image_fd(int fd, const char *path, struct seed *ret) {
        char type[64], label[256];
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, "%s: cannot stat: %m", path);
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return log_error_errno(-EINVAL, "%s: neither a directory, a regular file nor a block device", path);

        r = refuse_container(fd, path);
        if (r < 0)
                return r;
        r = volume_probe(fd, type, sizeof(type), label, sizeof(label));
        if (r == -ENOENT)
                return log_error_errno(-EINVAL, "%s: no filesystem found (a seed image holds iso9660 or vfat)", path);
        if (r == -EUCLEAN)
                return log_error_errno(-EINVAL, "%s: more than one filesystem signature; refusing to guess", path);
        if (r < 0)
                return log_error_errno(r, "%s: cannot identify the filesystem: %m", path);
        if (!is_seed_label(label))
                log_debug("%s: label \"%s\" is neither cidata nor config-2; reading it because it was named", path,
                          label);
        return seed_read_fd(fd, path, type, label, ret);
}

/* SPDX-License-Identifier: MIT */
/* Root partition and filesystem grown to the whole disk, as cloud-init's growpart and resizefs modules
 * do: a cloud image is made small and booted on a larger disk.
 *
 * The root device comes from /proc/self/mountinfo (the last mount on "/") and sysfs: /sys/dev/block/
 * MAJ:MIN is the partition, its parent directory the disk. Sizes in sysfs are 512-byte units whatever
 * the sector size. The partition is grown with growpart when growpart would find room (the same rule:
 * at least 1 MiB free after it, the last 33 sectors kept for a GPT backup header, up to the next
 * partition); growpart's "NOCHANGE" is an answer, not an error. The filesystem is grown when the
 * partition was grown now, or when it is clearly smaller than its device: a run killed between growpart
 * and resize2fs is repaired by the next one. Under --root every path (mountinfo, sysfs, /dev) is read in
 * the tree, and the mount point given to xfs_growfs is the tree's root. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "action.h"
#include "fileio.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "path.h"
#include "spawn.h"

#define STEP "growroot"
#define MOUNTINFO_MAX (8 * 1024 * 1024)
#define SYSFS_ATTR_MAX 4096
#define MIB (1024ULL * 1024ULL)
#define GROWPART_FUDGE_BYTES MIB   /* growpart's FUDGE: less room than this is NOCHANGE */
#define GPT_BACKUP_SECTORS 33ULL   /* growpart keeps these (logical sectors) free at the end */
/* resize2fs and xfs_growfs may stop short of the device's end (ext4 drops a last group too small for its
 * own metadata, a few MiB at most): a smaller gap is "full size", so a second run does nothing. */
#define FS_SLACK_BYTES (32 * MIB)
#define GROWPART_TIMEOUT_MS (5 * 60 * 1000)
#define FS_GROW_TIMEOUT_MS (30 * 60 * 1000) /* online resize of a large filesystem takes minutes */

/* The stable XFS_IOC_FSGEOMETRY_V1 of <xfs/xfs_fs.h> (xfslibs-dev), defined here to need no headers. */
struct xfs_fsop_geom_v1 {
        uint32_t blocksize, rtextsize, agblocks, agcount, logblocks, sectsize, inodesize, imaxpct;
        uint64_t datablocks, rtblocks, rtextents, logstart;
        unsigned char uuid[16];
        uint32_t sunit, swidth;
        int32_t version;
        uint32_t flags, logsectsize, rtsectsize, dirblocksize;
};
#define XFS_IOC_FSGEOMETRY_V1 _IOR('X', 100, struct xfs_fsop_geom_v1)
_Static_assert(sizeof(struct xfs_fsop_geom_v1) == 112, "XFS_IOC_FSGEOMETRY_V1 layout");

struct root_mount {
        unsigned major, minor;
        char fstype[32]; /* the mount point is "/": find_root_mount() takes no other */
};

struct root_device {
        char *sysfs;              /* resolved /sys/devices/... of the root's block device (under the root) */
        char name[64];            /* its /dev name: vda1 */
        bool is_partition;
        unsigned partnum;
        char disk_name[64];       /* vda */
        uint64_t start, size;     /* 512-byte units */
        uint64_t disk_size;
        uint64_t limit;           /* where growpart would end the partition (exclusive), 512-byte units */
};

static void root_device_done(struct root_device *dev) {
        free(dev->sysfs);
}

static const char *format_size(uint64_t bytes, char buf[static 32]) {
        if (bytes >= 10 * 1024 * MIB)
                snprintf(buf, 32, "%.1f GiB", (double) bytes / (double) (1024 * MIB));
        else
                snprintf(buf, 32, "%llu MiB", (unsigned long long) ((bytes + MIB / 2) / MIB));
        return buf;
}

/* mountinfo escapes blanks and backslashes as \ooo */
static void unescape_octal(char *s) {
        char *out = s;

        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
                    s[3] <= '7') {
                        *out++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 3;
                } else
                        *out++ = *s;
        }
        *out = 0;
}

/* The last mount on "/" in mountinfo ("36 1 253:1 / / rw,relatime shared:1 - xfs /dev/vda1 rw"): with
 * stacked mounts the last one is the one visible. -ENOENT when there is none. */
static int find_root_mount(const char *text, size_t size, struct root_mount *ret) {
        const char *p = text, *end = text + size, *line;
        size_t len;
        bool found = false;

        while (text_next_line(&p, end, &line, &len)) {
                char buf[4096], *fields[32], *save = NULL;
                size_t n = 0, dash;
                unsigned major, minor;

                if (len >= sizeof(buf))
                        continue;
                memcpy(buf, line, len);
                buf[len] = 0;
                for (char *w = strtok_r(buf, " \t", &save); w && n < ELEMENTSOF(fields); w = strtok_r(NULL, " \t", &save))
                        fields[n++] = w;
                for (dash = 6; dash < n && !streq(fields[dash], "-"); dash++)
                        ;
                if (n < 7 || dash + 1 >= n)
                        continue;
                unescape_octal(fields[4]);
                if (!streq(fields[4], "/"))
                        continue;
                if (parse_devnum(fields[2], &major, &minor) < 0)
                        continue;
                ret->major = major;
                ret->minor = minor;
                snprintf(ret->fstype, sizeof(ret->fstype), "%s", fields[dash + 1]);
                found = true;
        }
        return found ? 0 : -ENOENT;
}

/* A sysfs attribute under an already resolved directory (a host path under the root). */
static int sysfs_read(const char *dir, const char *attr, char *ret, size_t size) {
        _cleanup_free_ char *text = NULL, *path = NULL;
        size_t n;

        if (asprintf(&path, "%s/%s", dir, attr) < 0)
                return -ENOMEM;
        if (root_read_file(path, SYSFS_ATTR_MAX, &text, &n) < 0)
                return -ENOENT;
        while (n > 0 && isspace((unsigned char) text[n - 1]))
                text[--n] = 0;
        return strscpy(ret, size, text);
}

static int sysfs_read_u64(const char *dir, const char *attr, uint64_t *ret) {
        char value[64], *end;
        int r;

        r = sysfs_read(dir, attr, value, sizeof(value));
        if (r < 0)
                return log_error_errno(r, "%s/%s: cannot read", dir, attr);
        errno = 0;
        *ret = strtoull(value, &end, 10);
        if (errno != 0 || end == value || *end != 0)
                return log_error_errno(-EINVAL, "%s/%s: \"%s\" is not a number", dir, attr, value);
        return 0;
}

static bool sysfs_has(const char *dir, const char *entry) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", dir, entry) < 0)
                return false;
        return root_exists(path);
}

/* The /dev name from uevent's DEVNAME (cciss!c0d0 is cciss/c0d0), else the sysfs name. */
static void device_name(const char *dir, char *ret, size_t size) {
        _cleanup_free_ char *text = NULL, *path = NULL;
        const char *p, *end, *line, *base = strrchr(dir, '/');
        size_t n, len;

        snprintf(ret, size, "%s", base ? base + 1 : dir);
        if (asprintf(&path, "%s/uevent", dir) < 0) {
                path = NULL;
                return;
        }
        if (root_read_file(path, SYSFS_ATTR_MAX, &text, &n) < 0)
                return;
        for (p = text, end = text + n; text_next_line(&p, end, &line, &len);)
                if (len > 8 && memcmp(line, "DEVNAME=", 8) == 0 && len - 8 < size && !memmem(line, len, "..", 2)) {
                        snprintf(ret, size, "%.*s", (int) (len - 8), line + 8);
                        return;
                }
}

/* Where growpart would end the partition: before the next partition's start, and never in the last 33
 * logical sectors of the disk. */
static int partition_limit(const char *disk_dir, struct root_device *dev) {
        uint64_t limit, sector = 512, gpt_keep;
        char value[32];
        DIR *d;
        struct dirent *de;

        if (sysfs_read(disk_dir, "queue/logical_block_size", value, sizeof(value)) >= 0) {
                uint64_t v = strtoull(value, NULL, 10);
                if (v >= 512 && v % 512 == 0)
                        sector = v;
        }
        gpt_keep = GPT_BACKUP_SECTORS * (sector / 512);
        limit = dev->disk_size > gpt_keep ? dev->disk_size - gpt_keep : 0;

        d = root_opendir(disk_dir);
        if (!d)
                return log_error_errno(-errno, "%s%s: cannot list: %m", root_get(), disk_dir);
        while ((de = readdir(d))) {
                _cleanup_free_ char *part_dir = NULL;
                uint64_t start;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&part_dir, "%s/%s", disk_dir, de->d_name) < 0) {
                        part_dir = NULL;
                        continue;
                }
                if (!sysfs_has(part_dir, "partition") || sysfs_read(part_dir, "start", value, sizeof(value)) < 0)
                        continue;
                start = strtoull(value, NULL, 10);
                if (start > dev->start && start < limit)
                        limit = start;
        }
        closedir(d);
        dev->limit = limit;
        return 0;
}

/* 1 with dev filled, 0 when the root is on something this step does not grow (why says what). */
static int find_root_device(const struct root_mount *m, struct root_device *dev, char *why, size_t why_size) {
        _cleanup_free_ char *link = NULL;
        char value[32];
        int r;

        if (asprintf(&link, "/sys/dev/block/%u:%u", m->major, m->minor) < 0)
                return log_error_errno(-ENOMEM, "/sys/dev/block: %m");
        if (root_resolve(link, &dev->sysfs) < 0) {
                snprintf(why, why_size, "root device %u:%u is no block device: not grown", m->major, m->minor);
                return 0;
        }
        if (sysfs_has(dev->sysfs, "dm") || sysfs_has(dev->sysfs, "md")) {
                /* LVM or RAID: the physical volume and the logical volume would both need growing */
                snprintf(why, why_size, "root is on device-mapper or md (%u:%u): not grown", m->major, m->minor);
                return 0;
        }
        device_name(dev->sysfs, dev->name, sizeof(dev->name));

        dev->is_partition = sysfs_has(dev->sysfs, "partition");
        if (!dev->is_partition)
                return sysfs_read_u64(dev->sysfs, "size", &dev->size) < 0 ? -EIO : 1;

        {
                _cleanup_free_ char *disk_dir = NULL;
                const char *slash;
                uint64_t partnum;

                if (sysfs_read(dev->sysfs, "partition", value, sizeof(value)) < 0 ||
                    (partnum = strtoull(value, NULL, 10)) == 0 || partnum > 4096)
                        return log_error_errno(-EINVAL, "%s/partition: not a partition number", dev->sysfs);
                dev->partnum = (unsigned) partnum;
                /* the parent disk's directory: the partition's, one component up */
                slash = strrchr(dev->sysfs, '/');
                if (!slash || slash == dev->sysfs)
                        return log_error_errno(-EINVAL, "%s: a partition without a parent disk", dev->sysfs);
                disk_dir = strndup(dev->sysfs, (size_t) (slash - dev->sysfs));
                if (!disk_dir)
                        return log_error_errno(-ENOMEM, "%s: %m", dev->sysfs);
                device_name(disk_dir, dev->disk_name, sizeof(dev->disk_name));
                if (sysfs_read_u64(dev->sysfs, "start", &dev->start) < 0 ||
                    sysfs_read_u64(dev->sysfs, "size", &dev->size) < 0 ||
                    sysfs_read_u64(disk_dir, "size", &dev->disk_size) < 0)
                        return -EIO;
                r = partition_limit(disk_dir, dev);
                if (r < 0)
                        return r;
        }
        return 1;
}

/* A /dev node: *ret_abs, /dev/NAME with symlinks resolved inside the root (/dev/mapper/x -> ../dm-0),
 * to open it; *ret_shown, the same with the --root prefix, as commands must see it. */
static int dev_node(const char *name, char **ret_abs, char **ret_shown) {
        _cleanup_free_ char *path = NULL, *resolved = NULL;

        if (asprintf(&path, "/dev/%s", name) < 0)
                return log_error_errno(-ENOMEM, "/dev/%s: %m", name);
        if (root_resolve(path, &resolved) < 0)
                resolved = TAKE_PTR(path);
        *ret_shown = root_path(resolved);
        if (!*ret_shown)
                return log_error_errno(-ENOMEM, "/dev/%s: %m", name);
        *ret_abs = TAKE_PTR(resolved);
        return 0;
}

static uint32_t le32(const unsigned char *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* ext2/3/4: blocks from the superblock, read through the block device: the mounted filesystem keeps its
 * superblock in the device's page cache, so this sees an online resize at once. */
static int ext_size(const char *device_abs, const char *device, uint64_t *ret) {
        _cleanup_close_ int fd = -1;
        unsigned char sb[1024];
        uint64_t blocks;
        uint32_t log_block_size;
        ssize_t n;

        fd = root_open_file(device_abs, 0, O_RDONLY | O_NOCTTY, 0);
        if (fd < 0)
                return log_error_errno(fd, "%s: cannot open to read the ext superblock: %s", device,
                                       chase_strerror(fd));
        n = pread(fd, sb, sizeof(sb), 1024);
        if (n != (ssize_t) sizeof(sb))
                return log_error_errno(n < 0 ? -errno : -EIO, "%s: cannot read the ext superblock", device);
        if (sb[0x38] != 0x53 || sb[0x39] != 0xef)
                return log_error_errno(-EINVAL, "%s: no ext2/3/4 superblock", device);
        log_block_size = le32(sb + 0x18);
        if (log_block_size > 6)
                return log_error_errno(-EINVAL, "%s: ext superblock with block size 1024 << %u", device, log_block_size);
        blocks = le32(sb + 0x04);
        if (le32(sb + 0x60) & 0x80) /* INCOMPAT_64BIT */
                blocks |= (uint64_t) le32(sb + 0x150) << 32;
        *ret = blocks * (1024ULL << log_block_size);
        return 0;
}

/* xfs: the data section's size from the mounted filesystem (xfs keeps its superblock in its own buffers,
 * so the device may show an old one). */
static int xfs_size(const char *mountpoint, uint64_t *ret) {
        _cleanup_close_ int fd = -1;
        struct xfs_fsop_geom_v1 geo = {};

        fd = root_open_file("/", 0, O_RDONLY | O_DIRECTORY, 0);
        if (fd < 0)
                return log_error_errno(fd, "%s: cannot open: %s", mountpoint, chase_strerror(fd));
        if (ioctl(fd, XFS_IOC_FSGEOMETRY_V1, &geo) < 0)
                return log_error_errno(-errno, "%s: cannot get the xfs geometry (is it the mounted xfs root?): %m",
                                       mountpoint);
        *ret = geo.datablocks * geo.blocksize;
        return 0;
}

static bool fs_is_ext(const char *fstype) {
        return streq(fstype, "ext2") || streq(fstype, "ext3") || streq(fstype, "ext4");
}

static int fs_size(const struct root_mount *m, const char *device_abs, const char *device, const char *mountpoint,
                   uint64_t *ret) {
        return fs_is_ext(m->fstype) ? ext_size(device_abs, device, ret) : xfs_size(mountpoint, ret);
}

static int tool_missing(const char *name) {
        return log_error_errno(-ENOENT, "%s: command not found on the search path (is %s installed?)", name,
                               streq(name, "growpart") ? "cloud-utils-growpart" :
                               streq(name, "xfs_growfs") ? "xfsprogs" : "e2fsprogs");
}

/* Runs a growth tool with its own timeout; returns the exit status, output captured for growpart. */
static int run_tool(struct fb_run *run, const char *const argv[], int timeout_ms, char **ret_output) {
        struct spawn_options opts = {
                .timeout_ms = timeout_ms,
                .log_fd = run->log_fd,
                .capture_max = ret_output ? 64 * 1024 : 0,
        };
        struct spawn_result result;
        int r;

        log_debug("running %s %s %s", argv[0], argv[1] ? argv[1] : "", argv[1] && argv[2] ? argv[2] : "");
        r = spawn_run(argv, &opts, &result);
        if (r == -ENOENT) {
                spawn_result_done(&result);
                return tool_missing(argv[0]);
        }
        if (r < 0) {
                spawn_result_done(&result);
                return log_error_errno(r, "%s: cannot run: %m", argv[0]);
        }
        if (result.timed_out) {
                spawn_result_done(&result);
                return log_error_errno(-ETIMEDOUT, "%s: timed out after %d s, killed", argv[0], timeout_ms / 1000);
        }
        if (ret_output)
                *ret_output = TAKE_PTR(result.output);
        spawn_result_done(&result);
        return result.exit_status;
}

/* growpart [--dry-run] DISK N: 1 changed (or would), 0 NOCHANGE, -errno. */
static int growpart(struct fb_run *run, const char *disk, unsigned partnum, bool ask_only) {
        char num[16];
        const char *argv[] = { "growpart", disk, num, NULL, NULL };
        const char *argv_dry[] = { "growpart", "--dry-run", disk, num, NULL };
        _cleanup_free_ char *out = NULL;
        int r;

        snprintf(num, sizeof(num), "%u", partnum);
        r = run_tool(run, ask_only ? argv_dry : argv, GROWPART_TIMEOUT_MS, &out);
        if (r < 0)
                return r;
        if (r == 0)
                return 1;
        if (r == 1 && out && strstr(out, "NOCHANGE"))
                return 0;
        return log_error_errno(-EIO, "growpart %s%s %u failed (exit status %d): see the agent log",
                               ask_only ? "--dry-run " : "", disk, partnum, r);
}

struct partition_growth {
        struct root_device *dev;
        const char *disk;
        uint64_t old_size;
};

static int grow_partition_now(struct fb_run *run, void *userdata) {
        const struct partition_growth *g = userdata;
        int r;

        r = growpart(run, g->disk, g->dev->partnum, false);
        if (r < 0)
                return r;
        if (r == 0)
                return log_error_errno(-EIO, "growpart %s %u: NOCHANGE, after its dry run found room to grow", g->disk,
                                       g->dev->partnum);
        return 0;
}

/* The kernel's view of the partition after growpart (also what the filesystem step then uses). */
static int partition_took(struct fb_run *run, void *userdata) {
        const struct partition_growth *g = userdata;
        char size[32];

        if (sysfs_read_u64(g->dev->sysfs, "size", &g->dev->size) < 0)
                return -EIO;
        if (g->dev->size <= g->old_size)
                return log_error_errno(-EIO, "growpart %s %u: the kernel still sees the partition's old size (%s); "
                                       "a reboot would pick up the new partition table", g->disk, g->dev->partnum,
                                       format_size(g->dev->size * 512, size));
        return 0;
}

/* Whether growpart would find room after the partition (its own rule). */
static bool partition_has_room(const struct root_device *dev) {
        uint64_t end = dev->start + dev->size;

        return dev->limit > end && (dev->limit - end) * 512 >= GROWPART_FUDGE_BYTES;
}

static int grow_partition(struct fb_run *run, struct root_device *dev, bool *ret_grown) {
        _cleanup_free_ char *disk_abs = NULL, *disk = NULL;
        char what[256], before[32], after[32];
        uint64_t old_size = dev->size;
        int r;

        *ret_grown = false;
        snprintf(what, sizeof(what), "partition %u of /dev/%s reaches the end of the disk", dev->partnum,
                 dev->disk_name);
        if (!partition_has_room(dev)) {
                run_unchanged(run, STEP, what);
                return 0;
        }

        r = dev_node(dev->disk_name, &disk_abs, &disk);
        if (r < 0)
                return r;
        /* growpart itself decides (partition table type, 2 TiB limit of MBR): ask it without changing anything */
        r = growpart(run, disk, dev->partnum, true);
        if (r < 0)
                return r;
        if (r == 0) {
                snprintf(what, sizeof(what), "partition %u of /dev/%s: growpart finds no room to grow it",
                         dev->partnum, dev->disk_name);
                run_unchanged(run, STEP, what);
                return 0;
        }

        snprintf(what, sizeof(what), "grow partition %u of /dev/%s (growpart)", dev->partnum, dev->disk_name);
        format_size(dev->size * 512, before);
        format_size((dev->limit - dev->start) * 512, after);
        /* what the filesystem step will see: plan's expectation; run reads the kernel's after growpart */
        dev->size = dev->limit - dev->start;
        r = action_take(run, &(struct action) { .step = STEP, .what = what, .before = before, .after = after,
                                                .kind = ACTION_CALL, .perform = grow_partition_now,
                                                .verify = partition_took,
                                                .userdata = &(struct partition_growth) { dev, disk, old_size } });
        if (r < 0)
                return r;
        *ret_grown = true;
        return 1;
}

struct filesystem_growth {
        const struct root_mount *m;
        const struct root_device *dev;
        const char *device_abs, *device, *mountpoint;
        uint64_t dev_bytes;
};

static int grow_filesystem_now(struct fb_run *run, void *userdata) {
        const struct filesystem_growth *g = userdata;
        bool ext = fs_is_ext(g->m->fstype);
        const char *argv[] = { ext ? "resize2fs" : "xfs_growfs", ext ? g->device : g->mountpoint, NULL };
        int r;

        r = run_tool(run, argv, FS_GROW_TIMEOUT_MS, NULL);
        if (r < 0)
                return r;
        if (r != 0)
                return log_error_errno(-EIO, "%s %s failed (exit status %d): see the agent log", argv[0], argv[1], r);
        return 0;
}

static int filesystem_grown(struct fb_run *run, void *userdata) {
        const struct filesystem_growth *g = userdata;
        char before[32], after[32];
        uint64_t new_bytes;
        int r;

        r = fs_size(g->m, g->device_abs, g->device, g->mountpoint, &new_bytes);
        if (r < 0)
                return r;
        if (new_bytes < g->dev_bytes && g->dev_bytes - new_bytes > FS_SLACK_BYTES)
                return log_error_errno(-EIO, "the %s filesystem on /dev/%s is %s after growing, its device %s",
                                       g->m->fstype, g->dev->name, format_size(new_bytes, before),
                                       format_size(g->dev_bytes, after));
        return 0;
}

/* The root's device node (to open it, and as commands see it) and the root's mount point as commands see
 * it. */
static int fs_paths(const struct root_device *dev, char **ret_device_abs, char **ret_device, char **ret_mountpoint) {
        int r;

        r = dev_node(dev->name, ret_device_abs, ret_device);
        if (r < 0)
                return r;
        *ret_mountpoint = root_path("/");
        if (!*ret_mountpoint)
                return log_error_errno(-ENOMEM, "/: %m");
        return 0;
}

/* fs_bytes: the filesystem's size as check_growth() found it. */
static int grow_filesystem(struct fb_run *run, const struct root_mount *m, const struct root_device *dev,
                           uint64_t fs_bytes, bool partition_grown) {
        _cleanup_free_ char *device_abs = NULL, *device = NULL, *mountpoint = NULL;
        char what[256], before[32], after[32];
        uint64_t dev_bytes = dev->size * 512;
        bool ext = fs_is_ext(m->fstype);
        int r;

        r = fs_paths(dev, &device_abs, &device, &mountpoint);
        if (r < 0)
                return r;
        if (!partition_grown && (fs_bytes >= dev_bytes || dev_bytes - fs_bytes <= FS_SLACK_BYTES)) {
                snprintf(what, sizeof(what), "the %s filesystem fills /dev/%s", m->fstype, dev->name);
                run_unchanged(run, STEP, what);
                return 0;
        }

        snprintf(what, sizeof(what), "grow the %s filesystem on /dev/%s (%s)", m->fstype, dev->name,
                 ext ? "resize2fs" : "xfs_growfs");
        return action_take(run, &(struct action) {
                        .step = STEP, .what = what, .before = format_size(fs_bytes, before),
                        .after = format_size(dev_bytes, after), .kind = ACTION_CALL, .perform = grow_filesystem_now,
                        .verify = filesystem_grown,
                        .userdata = &(struct filesystem_growth) { m, dev, device_abs, device, mountpoint, dev_bytes } });
}

/* The filesystem's size now (*ret_fs_bytes), and whether the tools growing the partition and the filesystem are
 * installed, when either may grow. */
static int check_growth(const struct root_mount *m, const struct root_device *dev, uint64_t *ret_fs_bytes) {
        _cleanup_free_ char *device_abs = NULL, *device = NULL, *mountpoint = NULL;
        bool partition = dev->is_partition && partition_has_room(dev);
        const char *fs_tool = fs_is_ext(m->fstype) ? "resize2fs" : "xfs_growfs";
        char exe[PATH_MAX];
        uint64_t fs_bytes, dev_bytes = dev->size * 512;
        int r, first = 0;

        r = fs_paths(dev, &device_abs, &device, &mountpoint);
        if (r < 0)
                return r;
        r = fs_size(m, device_abs, device, mountpoint, &fs_bytes);
        if (r < 0)
                return r;
        *ret_fs_bytes = fs_bytes;
        if (partition && spawn_find("growpart", exe, sizeof(exe)) < 0)
                first = tool_missing("growpart");
        if ((partition || (fs_bytes < dev_bytes && dev_bytes - fs_bytes > FS_SLACK_BYTES)) &&
            spawn_find(fs_tool, exe, sizeof(exe)) < 0) {
                r = tool_missing(fs_tool);
                first = first < 0 ? first : r;
        }
        return first;
}

/* The root mount and its device, and what growing them needs (check_growth()), kept for the run. */
int check_growroot(struct fb_run *run) {
        struct fb_host_facts *f = &run->facts;
        _cleanup_free_ char *text = NULL;
        struct root_mount mount = {};
        _cleanup_(root_device_done) struct root_device dev = {};
        size_t size;
        int r;

        free(f->growroot_sysfs);
        f->growroot_sysfs = NULL;
        f->growroot_grows = false;
        f->growroot_why[0] = 0;
        if (!run->config->host.grow_root || run->offline)
                return 0; /* the run says so */

        r = host_read_file("/proc/self/mountinfo", MOUNTINFO_MAX, &text, &size);
        if (r == -ENOENT) {
                /* only a tree without /proc (a chroot, a --root test tree): there is no root mount to grow */
                snprintf(f->growroot_why, sizeof(f->growroot_why),
                         "no /proc/self/mountinfo: the root mount is unknown, not grown");
                return 0;
        }
        if (r < 0)
                return r;
        if (find_root_mount(text, size, &mount) < 0)
                return log_error_errno(-ENOENT, "/proc/self/mountinfo: no mount on /");
        if (!fs_is_ext(mount.fstype) && !streq(mount.fstype, "xfs")) {
                snprintf(f->growroot_why, sizeof(f->growroot_why),
                         "root filesystem is %s (only ext2/3/4 and xfs are grown)", mount.fstype);
                return 0;
        }
        r = find_root_device(&mount, &dev, f->growroot_why, sizeof(f->growroot_why));
        if (r <= 0)
                return r;
        r = check_growth(&mount, &dev, &f->growroot_fs_bytes);
        if (r < 0)
                return r;

        f->growroot_grows = true;
        f->growroot_major = mount.major;
        f->growroot_minor = mount.minor;
        snprintf(f->growroot_fstype, sizeof(f->growroot_fstype), "%s", mount.fstype);
        f->growroot_sysfs = TAKE_PTR(dev.sysfs);
        snprintf(f->growroot_name, sizeof(f->growroot_name), "%s", dev.name);
        snprintf(f->growroot_disk_name, sizeof(f->growroot_disk_name), "%s", dev.disk_name);
        f->growroot_is_partition = dev.is_partition;
        f->growroot_partnum = dev.partnum;
        f->growroot_start = dev.start;
        f->growroot_size = dev.size;
        f->growroot_disk_size = dev.disk_size;
        f->growroot_limit = dev.limit;
        return 0;
}

int step_growroot(struct fb_run *run) {
        const struct fb_host_facts *f = &run->facts; /* check_growroot's */
        struct root_mount mount = {};
        _cleanup_(root_device_done) struct root_device dev = {};
        bool partition_grown = false;
        int r, changed = 0;

        if (!run->config->host.grow_root) {
                run_unchanged(run, STEP, "grow_root is off in the seed");
                return 0;
        }
        if (run->offline) {
                /* the disk under a tree is whatever the running system mounted there */
                run_left_out(run, STEP, "grow the root partition and filesystem");
                return 0;
        }
        if (!f->growroot_grows) {
                run_unchanged(run, STEP, f->growroot_why);
                return 0;
        }
        mount.major = f->growroot_major;
        mount.minor = f->growroot_minor;
        snprintf(mount.fstype, sizeof(mount.fstype), "%s", f->growroot_fstype);
        dev.sysfs = strdup(f->growroot_sysfs);
        if (!dev.sysfs)
                return log_error_errno(-ENOMEM, "out of memory");
        snprintf(dev.name, sizeof(dev.name), "%s", f->growroot_name);
        snprintf(dev.disk_name, sizeof(dev.disk_name), "%s", f->growroot_disk_name);
        dev.is_partition = f->growroot_is_partition;
        dev.partnum = f->growroot_partnum;
        dev.start = f->growroot_start;
        dev.size = f->growroot_size;
        dev.disk_size = f->growroot_disk_size;
        dev.limit = f->growroot_limit;

        if (dev.is_partition) {
                r = grow_partition(run, &dev, &partition_grown);
                if (r < 0)
                        return r;
                changed |= r > 0;
        }
        r = grow_filesystem(run, &mount, &dev, f->growroot_fs_bytes, partition_grown);
        if (r < 0)
                return r;
        return changed | (r > 0);
}

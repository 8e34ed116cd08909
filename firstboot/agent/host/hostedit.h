/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by the host steps: file and command helpers that report every action
 * through run_action()/run_unchanged(), and the pure text transformations of the steps (declared here
 * so the unit tests reach them; each lives in the step file that uses it). */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buffer.h"
#include "config/config.h"
#include "macro.h"
#include "engine.h"

/* Caps on the host files we read: far above any real one, low enough to bound memory. */
#define HOST_FILE_MAX (1024 * 1024)
#define HOST_KERNEL_VALUE_MAX 4096
#define HOST_COMMAND_TIMEOUT_MS (2 * 60 * 1000)
#define HOST_COMMAND_OUTPUT_MAX (64 * 1024)
/* Cap on a file we write: what we read plus our additions. */
#define HOST_TEXT_MAX (4 * HOST_FILE_MAX)

/* write_file_atomic()'s temporary name prefix (fileio.c): a SIGKILL between its mkostemp() and its
 * rename() leaves such a file behind; the next write into that directory removes it. */
#define HOST_TEMP_PREFIX ".#kfb."

/* Walks text line by line. line/len exclude the '\n'; *next moves past it. false at the end. */
bool text_next_line(const char **p, const char *end, const char **line, size_t *len);

/* Reads <root>abs_path. -ENOENT (not logged) when absent; other errors are logged with the path. */
int host_read_file(const char *abs_path, size_t max, char **ret, size_t *ret_size);

/* Brings <root>abs_path to data: run_unchanged() when old (the current content, NULL when absent)
 * already equals data, otherwise the action (action.h) of writing it atomically: what (before -> after),
 * new files get mode, flags as write_file_atomic(). 0 unchanged, 1 changed, -errno (logged). */
int host_update_file(struct fb_run *run, const char *step, const char *abs_path, const char *old,
                     size_t old_size, const char *data, size_t size, mode_t mode, unsigned flags,
                     const char *what, const char *before, const char *after);

/* Writes a value into a kernel file (/proc/sys/..., /sys/fs/selinux/enforce) with one write(2). When
 * the file is not on a kernel pseudo file system (a --root test tree), it is replaced atomically
 * instead, so a killed run never leaves a half-written stand-in behind. Logs failures. */
int host_write_kernel_value(const char *abs_path, const char *value);
/* Reads a kernel file's value with surrounding whitespace removed. -ENOENT (not logged) when absent. */
int host_read_kernel_value(const char *abs_path, char *ret, size_t size);
/* Compares two sysctl values as the kernel prints them: runs of blanks are equal. */
bool kernel_value_equal(const char *a, const char *b);

/* Runs a command (argv[0] a bare name looked up on the fixed search path), output to the agent log
 * and, when ret_output is given, captured. Returns the exit status (>= 0), or -errno: -ENOENT when
 * the command is not installed (logged unless quiet_missing), -ETIMEDOUT, ... (always logged). */
int host_command(struct fb_run *run, const char *const argv[], bool quiet_missing, char **ret_output);
/* host_command() for a command that must succeed: a non-zero exit status is logged as "WHAT failed (exit
 * status N; see the agent log)", WHAT from the format, and returned as -EIO. 0 on success. */
int host_command_ok(struct fb_run *run, const char *const argv[], const char *what_fmt, ...) _printf_(3, 4);
/* host_command() for a query that must succeed, its output captured (ret_output): a non-zero exit status
 * is logged as "COMMAND ARGS failed (exit status N; see the agent log)" and returned as -EIO. */
int host_query(struct fb_run *run, const char *const argv[], char **ret_output);

/* Removes temporary files a killed write_file_atomic() left in the directory dir_fd (shown_dir names it). */
void host_clean_stale_temps(int dir_fd, const char *shown_dir);
/* Writes <root>abs_path atomically (host_clean_stale_temps() first; flags as write_file_atomic()), never
 * through a symlink. 0 unchanged, 1 written, -errno (logged with the path). */
int host_write_file(const char *abs_path, const void *data, size_t size, mode_t mode, unsigned flags);

/* ---- text transformations (unit-tested) ---- */

/* hosts: the managed block (marker lines included) for config's nodes plus this node. */
#define HOSTS_BLOCK_BEGIN "# BEGIN kube-firstboot managed block: do not edit"
#define HOSTS_BLOCK_END "# END kube-firstboot"
int hosts_render_block(const struct fb_config *c, char **ret, size_t *ret_size, unsigned *ret_n_nodes);
/* Replaces the managed block in old (or appends it); every other line stays byte for byte. A BEGIN
 * without END (or the reverse, or two blocks) is -EBADMSG, logged as name:line. */
int hosts_merge(const char *old, size_t old_size, const char *block, size_t block_size, const char *name,
                char **ret, size_t *ret_size);

/* swap */
#define FSTAB_SWAP_MARKER "# kube-firstboot: swap off: "
/* Unit name for a path, as `systemd-escape --path --suffix=SUFFIX` makes it. -EINVAL for a path that
 * is not absolute or not normalised ("..", "."), -ENAMETOOLONG when it does not fit. */
int unit_name_from_path(const char *path, const char *suffix, char *ret, size_t size);
/* fstab device spec as systemd names its node: UUID=x -> /dev/disk/by-uuid/x, LABEL=, PARTUUID=,
 * PARTLABEL= likewise; an absolute path stays. -EINVAL for anything else. */
int fstab_spec_to_path(const char *spec, char *ret, size_t size);
/* Callback for every swap device found; returns < 0 to stop. */
typedef int (*swap_device_cb)(const char *path, void *userdata);
/* /proc/swaps: calls cb with each active swap's path (octal escapes undone). */
int proc_swaps_parse(const char *text, size_t size, swap_device_cb cb, void *userdata);
/* Comments out every active swap line of fstab with FSTAB_SWAP_MARKER; other lines untouched. cb gets
 * the device spec of every swap line, active or already commented by us (so a resumed run still masks
 * its units). *ret_n_commented counts the lines commented now. */
int fstab_disable_swap(const char *old, size_t old_size, swap_device_cb cb, void *userdata, char **ret,
                       size_t *ret_size, unsigned *ret_n_commented);

/* sysctl: "net.ipv4.ip_forward" -> "net/ipv4/ip_forward", as systemd-sysctl does: a key whose first
 * separator is '/' is taken as it is; otherwise '.' and '/' swap. */
int sysctl_key_to_path(const char *key, char *ret, size_t size);
struct sysctl_setting {
        const char *key, *value;
};
/* The reference set with the seed's extras (an extra with a reference key replaces its value). */
size_t sysctl_settings(const struct fb_config *c, struct sysctl_setting *ret, size_t max);
int sysctl_render(const struct sysctl_setting *s, size_t n, char **ret, size_t *ret_size);

/* selinux: SELINUX=enforcing lines become SELINUX=permissive (disabled stays disabled); a file
 * without a SELINUX= line gets one. *ret_old_mode names what was there ("enforcing", "absent"). */
int selinux_config_permissive(const char *old, size_t old_size, char **ret, size_t *ret_size,
                              char *ret_old_mode, size_t old_mode_size);

/* ssh: appends each key that no line of old already holds (same type and base64 blob, whatever its
 * options or comment); existing lines stay byte for byte. */
int authorized_keys_merge(const char *old, size_t old_size, char *const *keys, size_t n_keys, char **ret,
                          size_t *ret_size, unsigned *ret_n_added, unsigned *ret_n_before);


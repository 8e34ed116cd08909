/* SPDX-License-Identifier: MIT */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "macro.h"

/* Every host path the agent touches resolves under one directory descriptor, the root: --root DIR, or "/"
 * without it (the same code either way). Paths are walked one component at a time with
 * openat(O_NOFOLLOW | O_DIRECTORY), the user-space form of openat2's RESOLVE_IN_ROOT that kernel 3.10
 * lacks, so that no symbolic link in the tree leads out of it. */

/* Opens the root once (NULL or "/" is the real root). -EINVAL for a relative path, -errno when it cannot
 * be opened as a directory. */
int root_set(const char *root);
/* The root's descriptor; "/" is opened on first use when root_set() was not called (unit tests). */
int root_fd(void);
/* "" for the real root, else the --root prefix without trailing '/'. */
const char *root_get(void);

/* The name a person, or a command run on this host, knows a host path by: the --root prefix and abs_path,
 * on the heap (NULL when out of memory). For messages and for the arguments of commands that take a
 * file; never for opening it (that goes through the root descriptor). */
char *root_path(const char *abs_path);
char *root_pathf(const char *fmt, ...) _printf_(1, 2);

enum {
        CHASE_NOFOLLOW = 1 << 0, /* the final component is taken as it is, even when it is a symlink */
        CHASE_MKDIR = 1 << 1,    /* create the path's own missing directories (0755); never a link target's */
        CHASE_NO_LINKS = 1 << 2, /* refuse (-ELOOP) any symlink on the way, the final one included */
};

/* How links are resolved: a symlink on the way is followed INSIDE the root, as the installed system sees
 * it once booted from this tree (CentOS 7 has /var/run -> ../run, /lib -> usr/lib, /etc/sysconfig/selinux
 * -> ../selinux/config, /sys/class/block/X -> ../../devices/...): an absolute target starts again at rfd,
 * and a target whose ".." would climb above rfd is refused with -EXDEV (the tree is not what a host would
 * boot). A ".." of path itself stops at rfd, as "/.." is "/". At most 32 links (-ELOOP).
 *
 * chase_parent_at() resolves all of path but its final component, and that too unless CHASE_NOFOLLOW
 * when it is a symlink. It returns the directory holding the final component (*ret_dir_fd, O_CLOEXEC,
 * the caller closes it) and its name (*ret_name, on the heap; "." when path names a directory through
 * "/", "." or ".."). ret_resolved (optional): the path from rfd without links, "/a/b/name". The final
 * component need not exist; a missing directory on the way is -ENOENT, a file there -ENOTDIR. */
int chase_parent_at(int rfd, const char *path, unsigned flags, int *ret_dir_fd, char **ret_name,
                    char **ret_resolved);
/* chase_parent_at(), then openat(open_flags | O_NOFOLLOW | O_CLOEXEC, mode) of the final component: with
 * CHASE_NOFOLLOW a final symlink is -ELOOP. Returns the descriptor. */
int chase_open_at(int rfd, const char *path, unsigned flags, int open_flags, mode_t mode, char **ret_resolved);

/* A short reason for the errors chase_*() adds to the usual ones, else strerror(). */
const char *chase_strerror(int r);

/* The same, under root_fd(), for absolute host paths. */
int root_open_file(const char *abs_path, unsigned chase_flags, int open_flags, mode_t mode);
int root_open_parent(const char *abs_path, unsigned chase_flags, int *ret_dir_fd, char **ret_name);
/* NULL with errno set on failure. */
DIR *root_opendir(const char *abs_path);
/* realpath() inside the root: the host path without links ("/sys/devices/..."), on the heap. */
int root_resolve(const char *abs_path, char **ret_resolved);
/* fstatat() of the final component, not following it (lstat). */
int root_lstat(const char *abs_path, struct stat *ret);
bool root_exists(const char *abs_path);

/* fileio.h's operations on a host path: read (following links inside the root), atomic write (never
 * through a final symlink: -ELOOP), mkdir -p (mode for every directory it creates; 0 all existed, 1 one
 * created), unlink (0 absent, 1 removed). */
int root_read_file(const char *abs_path, size_t max, char **ret, size_t *ret_size);
int root_write_file(const char *abs_path, const void *data, size_t size, mode_t new_mode, unsigned flags);
int root_mkdir_p(const char *abs_path, mode_t mode);
int root_unlink(const char *abs_path);

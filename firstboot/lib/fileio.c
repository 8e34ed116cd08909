/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"
#include "fileio.h"
#include "macro.h"
#include "secret.h"

int read_fd_limited(int fd, size_t max, char **ret, size_t *ret_size) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(max);

        for (;;) {
                char chunk[8192];
                ssize_t n = read(fd, chunk, sizeof(chunk));
                int r;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                r = buffer_append(&b, chunk, (size_t) n);
                if (r < 0)
                        return r == -E2BIG ? -EFBIG : r;
        }
        return buffer_steal(&b, ret, ret_size);
}

int read_opened_file(int fd, size_t max, char **ret, size_t *ret_size) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode) && (size_t) st.st_size > max)
                return -EFBIG;
        return read_fd_limited(fd, max, ret, ret_size);
}

int read_file_limited(const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        return read_opened_file(fd, max, ret, ret_size);
}

/* path's directory and last component, on the heap: "a/b" -> "a", "b"; "b" -> ".", "b"; "/b" -> "/", "b". */
static int split_path(const char *path, char **ret_dir, char **ret_base) {
        const char *slash = strrchr(path, '/');
        char *dir, *base;

        if (!slash)
                dir = strdup(".");
        else
                dir = strndup(path, slash == path ? 1 : (size_t) (slash - path));
        base = strdup(slash ? slash + 1 : path);
        if (!dir || !base) {
                free(dir);
                free(base);
                return -ENOMEM;
        }
        *ret_dir = dir;
        *ret_base = base;
        return 0;
}

/* The directory of path, opened (created first with make_dirs), and path's last component. */
static int open_parent(const char *path, bool make_dirs, int *ret_dir_fd, char **ret_base) {
        _cleanup_free_ char *dir = NULL;
        int r;

        r = split_path(path, &dir, ret_base);
        if (r < 0)
                return r;
        if (make_dirs) {
                r = mkdir_p(dir, 0755);
                if (r < 0)
                        goto fail;
        }
        *ret_dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (*ret_dir_fd >= 0)
                return 0;
        r = negative_errno();
fail:
        free(*ret_base);
        *ret_base = NULL;
        return r;
}

static int file_has_content_at(int dir_fd, const char *name, const void *data, size_t size) {
        _cleanup_erase_free_ char *old = NULL; /* may be a secret's previous value */
        _cleanup_close_ int fd = -1;
        size_t old_size = 0;
        int r;

        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : negative_errno();
        r = read_opened_file(fd, size, &old, &old_size);
        if (r == -EFBIG)
                return 0;
        if (r < 0)
                return r;
        return old_size == size && memcmp(old, data, size) == 0;
}

static int write_all(int fd, const void *data, size_t size) {
        const char *p = data;

        while (size > 0) {
                ssize_t n = write(fd, p, size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += n;
                size -= n;
        }
        return 0;
}

int write_file_atomic_at(int dir_fd, const char *name, const void *data, size_t size, mode_t new_mode,
                         unsigned flags) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        bool exists;
        mode_t mode = new_mode;
        int r;

        if (!*name || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
                return -EINVAL;
        exists = fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0;
        if (!exists && errno != ENOENT)
                return negative_errno();
        if (exists && S_ISLNK(st.st_mode))
                return -ELOOP; /* never written through: the link could lead anywhere */
        if (exists && !S_ISREG(st.st_mode))
                return -EEXIST; /* never replace a device or directory */
        if (exists)
                mode = st.st_mode & 07777;
        if (flags & WRITE_ATOMIC_SECRET)
                mode = 0600;

        if (exists) {
                r = file_has_content_at(dir_fd, name, data, size);
                if (r < 0)
                        return r;
                if (r > 0 && ((st.st_mode & 07777) == mode) &&
                    (!(flags & WRITE_ATOMIC_SECRET) || (st.st_uid == 0 && st.st_gid == 0)))
                        return 0;
        }

        /* The temp file's name is derived from the target's, so a run killed mid-write leaves at most one
         * stale temp per file, which the next write of that file (the next run always makes it, since
         * the rename never happened) replaces. Only one agent runs at a time (main.c's lock). */
        if (strlen(name) > NAME_MAX - 6)
                return -ENAMETOOLONG;
        if (asprintf(&tmp, ".#kfb.%s", name) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0 && errno == EEXIST) {
                if (unlinkat(dir_fd, tmp, 0) < 0)
                        return negative_errno();
                fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        }
        if (fd < 0)
                return negative_errno();

        /* Created 0600, so the content is never readable by others before the chmod. */
        r = write_all(fd, data, size);
        if (r < 0)
                goto fail;
        if (fchmod(fd, mode) < 0)
                goto fail_errno;
        if (exists && !(flags & WRITE_ATOMIC_SECRET)) {
                if (fchown(fd, st.st_uid, st.st_gid) < 0)
                        goto fail_errno;
        }
        if (fsync(fd) < 0)
                goto fail_errno;
        if (renameat(dir_fd, tmp, dir_fd, name) < 0)
                goto fail_errno;
        if (fsync(dir_fd) < 0)
                return negative_errno();
        return 1;

fail_errno:
        r = negative_errno();
fail:
        (void) unlinkat(dir_fd, tmp, 0);
        return r;
}

int write_file_atomic(const char *path, const void *data, size_t size, mode_t new_mode, unsigned flags) {
        _cleanup_free_ char *base = NULL;
        _cleanup_close_ int dir_fd = -1;
        int r;

        r = open_parent(path, flags & WRITE_ATOMIC_MKDIR, &dir_fd, &base);
        if (r < 0)
                return r;
        return write_file_atomic_at(dir_fd, base, data, size, new_mode, flags);
}

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *buf = strdup(path);
        bool created = false;
        char *p;

        if (!buf)
                return -ENOMEM;
        for (p = buf + 1;; p++) {
                if (*p == '/' || *p == 0) {
                        char saved = *p;
                        *p = 0;
                        if (mkdir(buf, mode) < 0) {
                                if (errno != EEXIST)
                                        return negative_errno();
                        } else
                                created = true;
                        *p = saved;
                        if (saved == 0)
                                break;
                }
        }
        return created;
}

int mkdir_parents(const char *path, mode_t mode) {
        _cleanup_free_ char *dir = NULL, *base = NULL;
        int r = split_path(path, &dir, &base);

        if (r < 0)
                return r;
        return mkdir_p(dir, mode);
}

int unlink_durable_at(int dir_fd, const char *name) {
        if (unlinkat(dir_fd, name, 0) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        if (fsync(dir_fd) < 0)
                return negative_errno();
        return 1;
}

int unlink_durable(const char *path) {
        _cleanup_free_ char *base = NULL;
        _cleanup_close_ int dir_fd = -1;
        int r;

        r = open_parent(path, false, &dir_fd, &base);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        return unlink_durable_at(dir_fd, base);
}

bool file_exists(const char *path) {
        return access(path, F_OK) == 0;
}

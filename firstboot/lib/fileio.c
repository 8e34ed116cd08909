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

int read_file_limited(const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        struct stat st;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode) && (size_t) st.st_size > max)
                return -EFBIG;
        return read_fd_limited(fd, max, ret, ret_size);
}

static int split_dir(const char *path, char *dir, size_t size) {
        const char *slash = strrchr(path, '/');
        size_t n;

        if (!slash)
                return strscpy(dir, size, ".");
        n = slash == path ? 1 : (size_t) (slash - path);
        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(dir, path, n);
        dir[n] = 0;
        return 0;
}

static int fsync_directory(const char *dir) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return negative_errno();
        if (fsync(fd) < 0)
                return negative_errno();
        return 0;
}

static int file_has_content(const char *path, const void *data, size_t size) {
        _cleanup_erase_free_ char *old = NULL; /* may be a secret's previous value */
        size_t old_size = 0;
        int r;

        r = read_file_limited(path, size, &old, &old_size);
        if (r == -EFBIG || r == -ENOENT)
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

int write_file_atomic(const char *path, const void *data, size_t size, mode_t new_mode, unsigned flags) {
        char dir[PATH_MAX], tmp[PATH_MAX];
        _cleanup_close_ int fd = -1;
        struct stat st;
        bool exists;
        mode_t mode = new_mode;
        int r;

        r = split_dir(path, dir, sizeof(dir));
        if (r < 0)
                return r;
        if (flags & WRITE_ATOMIC_MKDIR) {
                r = mkdir_p(dir, 0755);
                if (r < 0)
                        return r;
        }

        exists = lstat(path, &st) >= 0;
        if (!exists && errno != ENOENT)
                return negative_errno();
        if (exists && !S_ISREG(st.st_mode))
                return -EEXIST; /* never follow or replace a symlink, device or directory */
        if (exists)
                mode = st.st_mode & 07777;
        if (flags & WRITE_ATOMIC_SECRET)
                mode = 0600;

        if (exists) {
                r = file_has_content(path, data, size);
                if (r < 0)
                        return r;
                if (r > 0 && ((st.st_mode & 07777) == mode) &&
                    (!(flags & WRITE_ATOMIC_SECRET) || (st.st_uid == 0 && st.st_gid == 0)))
                        return 0;
        }

        /* The temp file's name is derived from the target's, so a run killed mid-write leaves at most one
         * stale temp per file, which the next write of that file (the next run always makes it, since
         * the rename never happened) replaces. Only one agent runs at a time (main.c's lock). */
        {
                const char *base = strrchr(path, '/');
                base = base ? base + 1 : path;
                if (strlen(base) > NAME_MAX - 6 ||
                    snprintf(tmp, sizeof(tmp), "%s/.#kfb.%s", dir, base) >= (int) sizeof(tmp))
                        return -ENAMETOOLONG;
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0 && errno == EEXIST) {
                if (unlink(tmp) < 0)
                        return negative_errno();
                fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
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
        if (rename(tmp, path) < 0)
                goto fail_errno;
        r = fsync_directory(dir);
        if (r < 0)
                return r;
        return 1;

fail_errno:
        r = negative_errno();
fail:
        (void) unlink(tmp);
        return r;
}

int mkdir_p(const char *path, mode_t mode) {
        char buf[PATH_MAX];
        bool created = false;
        char *p;

        if (strscpy(buf, sizeof(buf), path) < 0)
                return -ENAMETOOLONG;

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
        char dir[PATH_MAX];
        int r = split_dir(path, dir, sizeof(dir));

        if (r < 0)
                return r;
        return mkdir_p(dir, mode);
}

int unlink_durable(const char *path) {
        char dir[PATH_MAX];
        int r;

        if (unlink(path) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        r = split_dir(path, dir, sizeof(dir));
        if (r < 0)
                return r;
        r = fsync_directory(dir);
        return r < 0 ? r : 1;
}

bool file_exists(const char *path) {
        return access(path, F_OK) == 0;
}

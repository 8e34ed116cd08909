/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "path.h"

#define CHASE_LINKS_MAX 32

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

static int root_dir_fd = -1;
static char *root_prefix; /* NULL for the real root */

int root_set(const char *root) {
        _cleanup_free_ char *prefix = NULL;
        int fd;

        if (root && !streq(root, "/")) {
                size_t n;

                if (root[0] != '/')
                        return -EINVAL;
                n = strlen(root);
                while (n > 1 && root[n - 1] == '/')
                        n--;
                prefix = strndup(root, n);
                if (!prefix)
                        return -ENOMEM;
        }
        /* O_PATH would do on newer kernels; 3.10's fstatat/openat on an O_PATH descriptor are not
         * reliable for everything here (fdopendir, fsync), so a plain read-only directory descriptor. */
        fd = open(prefix ? prefix : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (root_dir_fd >= 0)
                close(root_dir_fd);
        free(root_prefix);
        root_dir_fd = fd;
        root_prefix = TAKE_PTR(prefix);
        return 0;
}

int root_fd(void) {
        if (root_dir_fd < 0)
                root_dir_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return root_dir_fd;
}

const char *root_get(void) {
        return root_prefix ? root_prefix : "";
}

char *root_path(const char *abs_path) {
        char *ret;

        if (asprintf(&ret, "%s%s", root_get(), abs_path) < 0)
                return NULL;
        return ret;
}

char *root_pathf(const char *fmt, ...) {
        _cleanup_free_ char *abs_path = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&abs_path, fmt, ap);
        va_end(ap);
        if (n < 0) {
                abs_path = NULL;
                return NULL;
        }
        return root_path(abs_path);
}

/* ---- chase ---------------------------------------------------------------------------------------- */

/* The directories walked below rfd, innermost last, and their path from rfd: ".." closes the innermost,
 * so it can never reach above rfd. */
struct chase {
        int rfd;
        int *fds;
        size_t n_fds, fds_allocated;
        char *done; /* "/a/b", "" at rfd */
        size_t done_len, done_allocated;
};

static int chase_top(const struct chase *c) {
        return c->n_fds ? c->fds[c->n_fds - 1] : c->rfd;
}

static int chase_push(struct chase *c, int fd, const char *name) {
        size_t len = strlen(name);

        if (c->n_fds == c->fds_allocated) {
                size_t want = c->fds_allocated ? c->fds_allocated * 2 : 16;
                int *p = realloc(c->fds, want * sizeof(int));
                if (!p)
                        goto fail;
                c->fds = p;
                c->fds_allocated = want;
        }
        if (c->done_len + len + 2 > c->done_allocated) {
                size_t want = (c->done_len + len + 2) * 2;
                char *p = realloc(c->done, want);
                if (!p)
                        goto fail;
                c->done = p;
                c->done_allocated = want;
        }
        c->fds[c->n_fds++] = fd;
        c->done[c->done_len++] = '/';
        memcpy(c->done + c->done_len, name, len + 1);
        c->done_len += len;
        return 0;
fail:
        close(fd);
        return -ENOMEM;
}

static void chase_pop(struct chase *c) {
        close(c->fds[--c->n_fds]);
        while (c->done_len > 0 && c->done[--c->done_len] != '/')
                ;
        c->done[c->done_len] = 0;
}

static void chase_done(struct chase *c) {
        while (c->n_fds > 0)
                chase_pop(c);
        free(c->fds);
        free(c->done);
}

static int read_link_at(int dir_fd, const char *name, char **ret) {
        size_t size = 256;

        for (;;) {
                char *buf = malloc(size);
                ssize_t n;

                if (!buf)
                        return -ENOMEM;
                n = readlinkat(dir_fd, name, buf, size);
                if (n < 0) {
                        int r = negative_errno();
                        free(buf);
                        return r;
                }
                if ((size_t) n < size) {
                        buf[n] = 0;
                        *ret = buf;
                        return 0;
                }
                free(buf);
                if (size >= 65536)
                        return -ENAMETOOLONG;
                size *= 2;
        }
}

/* The walk of chase_parent_at(); mkdir_mode for CHASE_MKDIR, *ret_created when it created one. */
static int chase_walk(int rfd, const char *path, unsigned flags, mode_t mkdir_mode, bool *ret_created,
                      int *ret_dir_fd, char **ret_name, char **ret_resolved) {
        struct chase c = { .rfd = rfd };
        _cleanup_free_ char *todo = strdup(path), *name = NULL;
        size_t pos = 0, literal_from = 0; /* components at or after literal_from are path's own */
        unsigned links = 0;
        int r;

        if (!todo)
                return -ENOMEM;
        for (;;) {
                size_t len, next;
                bool literal, last;
                struct stat st;
                int fd;

                while (todo[pos] == '/')
                        pos++;
                if (!todo[pos])
                        break; /* a directory: name stays NULL, "." below */
                len = strcspn(todo + pos, "/");
                for (next = pos + len; todo[next] == '/'; next++)
                        ;
                literal = pos >= literal_from;
                last = !todo[next];
                free(name);
                name = strndup(todo + pos, len);
                if (!name) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (streq(name, ".") || streq(name, "..")) {
                        if (streq(name, "..")) {
                                if (c.n_fds > 0)
                                        chase_pop(&c);
                                else if (!literal) {
                                        r = -EXDEV; /* a link's target climbing out of the root */
                                        goto fail;
                                }
                        }
                        name = mfree(name);
                        pos = next;
                        continue;
                }
                if (last) {
                        if ((flags & CHASE_NOFOLLOW) && !(flags & CHASE_NO_LINKS))
                                break;
                        if (fstatat(chase_top(&c), name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
                                break; /* absent or not a link: the caller opens or creates it */
                } else {
                        fd = openat(chase_top(&c), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0 && errno == ENOENT && (flags & CHASE_MKDIR) && literal) {
                                if (mkdirat(chase_top(&c), name, mkdir_mode) >= 0) {
                                        if (ret_created)
                                                *ret_created = true;
                                } else if (errno != EEXIST) {
                                        r = negative_errno();
                                        goto fail;
                                }
                                fd = openat(chase_top(&c), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        }
                        if (fd >= 0) {
                                r = chase_push(&c, fd, name);
                                if (r < 0)
                                        goto fail;
                                pos = next;
                                continue;
                        }
                        /* O_NOFOLLOW | O_DIRECTORY on a symlink: ELOOP, or ENOTDIR on some kernels */
                        if (errno != ELOOP && errno != ENOTDIR) {
                                r = negative_errno();
                                goto fail;
                        }
                        if (fstatat(chase_top(&c), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                                r = negative_errno();
                                goto fail;
                        }
                        if (!S_ISLNK(st.st_mode)) {
                                r = -ENOTDIR;
                                goto fail;
                        }
                }

                /* A symlink: its target takes its place, resolved from here (relative) or from the root. */
                {
                        _cleanup_free_ char *target = NULL;
                        char *joined;
                        size_t target_len;

                        if ((flags & CHASE_NO_LINKS) || ++links > CHASE_LINKS_MAX) {
                                r = -ELOOP;
                                goto fail;
                        }
                        r = read_link_at(chase_top(&c), name, &target);
                        if (r < 0)
                                goto fail;
                        if (!target[0]) {
                                r = -ENOENT;
                                goto fail;
                        }
                        target_len = strlen(target);
                        if (asprintf(&joined, "%s/%s", target, todo + next) < 0) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        literal_from = target_len + 1 + (literal_from > next ? literal_from - next : 0);
                        free(todo);
                        todo = joined;
                        pos = 0;
                        name = mfree(name);
                        if (target[0] == '/')
                                while (c.n_fds > 0)
                                        chase_pop(&c);
                }
        }

        if (ret_resolved) {
                const char *dir = c.done ? c.done : "";
                int n = name ? asprintf(ret_resolved, "%s/%s", dir, name)
                             : asprintf(ret_resolved, "%s", dir[0] ? dir : "/");
                if (n < 0) {
                        *ret_resolved = NULL;
                        r = -ENOMEM;
                        goto fail;
                }
        }
        if (c.n_fds > 0)
                *ret_dir_fd = c.fds[--c.n_fds]; /* handed out: not closed by chase_done() */
        else {
                *ret_dir_fd = fcntl(rfd, F_DUPFD_CLOEXEC, 3);
                if (*ret_dir_fd < 0) {
                        r = negative_errno();
                        goto fail_resolved;
                }
        }
        *ret_name = name ? TAKE_PTR(name) : strdup(".");
        if (!*ret_name) {
                close(*ret_dir_fd);
                r = -ENOMEM;
                goto fail_resolved;
        }
        chase_done(&c);
        return 0;

fail_resolved:
        if (ret_resolved) {
                free(*ret_resolved);
                *ret_resolved = NULL;
        }
fail:
        chase_done(&c);
        return r;
}

int chase_parent_at(int rfd, const char *path, unsigned flags, int *ret_dir_fd, char **ret_name,
                    char **ret_resolved) {
        return chase_walk(rfd, path, flags, 0755, NULL, ret_dir_fd, ret_name, ret_resolved);
}

int chase_open_at(int rfd, const char *path, unsigned flags, int open_flags, mode_t mode, char **ret_resolved) {
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dir_fd = -1;
        int fd, r;

        r = chase_parent_at(rfd, path, flags, &dir_fd, &name, ret_resolved);
        if (r < 0)
                return r;
        fd = openat(dir_fd, name, open_flags | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0) {
                r = negative_errno();
                if (ret_resolved) {
                        free(*ret_resolved);
                        *ret_resolved = NULL;
                }
                return r;
        }
        return fd;
}

const char *chase_strerror(int r) {
        if (r == -EXDEV)
                return "a symbolic link on the way leads out of the root";
        if (r == -ELOOP)
                return "a symbolic link, not followed (or too many links)";
        {
                static __thread char buf[64]; /* only for an error glibc has no text of its own for */
                return errno_text(r, buf, sizeof(buf));
        }
}

/* ---- under the root ----------------------------------------------------------------------------------- */

int root_open_file(const char *abs_path, unsigned chase_flags, int open_flags, mode_t mode) {
        int rfd = root_fd();

        if (rfd < 0)
                return -EBADF;
        return chase_open_at(rfd, abs_path, chase_flags, open_flags, mode, NULL);
}

int root_open_parent(const char *abs_path, unsigned chase_flags, int *ret_dir_fd, char **ret_name) {
        int rfd = root_fd();

        if (rfd < 0)
                return -EBADF;
        return chase_parent_at(rfd, abs_path, chase_flags, ret_dir_fd, ret_name, NULL);
}

DIR *root_opendir(const char *abs_path) {
        int fd = root_open_file(abs_path, 0, O_RDONLY | O_DIRECTORY, 0);
        DIR *d;

        if (fd < 0) {
                errno = -fd;
                return NULL;
        }
        d = fdopendir(fd);
        if (!d) {
                int saved = errno;
                close(fd);
                errno = saved;
        }
        return d;
}

int root_resolve(const char *abs_path, char **ret_resolved) {
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dir_fd = -1;
        int rfd = root_fd();
        struct stat st;
        int r;

        if (rfd < 0)
                return -EBADF;
        r = chase_parent_at(rfd, abs_path, 0, &dir_fd, &name, ret_resolved);
        if (r < 0)
                return r;
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) { /* realpath() wants it to exist */
                r = negative_errno();
                free(*ret_resolved);
                *ret_resolved = NULL;
                return r;
        }
        return 0;
}

int root_lstat(const char *abs_path, struct stat *ret) {
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dir_fd = -1;
        int r;

        r = root_open_parent(abs_path, CHASE_NOFOLLOW, &dir_fd, &name);
        if (r < 0)
                return r;
        if (fstatat(dir_fd, name, ret, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        return 0;
}

bool root_exists(const char *abs_path) {
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dir_fd = -1;
        struct stat st;

        if (root_open_parent(abs_path, 0, &dir_fd, &name) < 0)
                return false;
        return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0; /* a final link was followed */
}

int root_read_file(const char *abs_path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = root_open_file(abs_path, 0, O_RDONLY | O_NOCTTY, 0);

        if (fd < 0)
                return fd;
        return read_opened_file(fd, max, ret, ret_size);
}

int root_write_file(const char *abs_path, const void *data, size_t size, mode_t new_mode, unsigned flags) {
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dir_fd = -1;
        int r;

        r = root_open_parent(abs_path, CHASE_NOFOLLOW | (flags & WRITE_ATOMIC_MKDIR ? CHASE_MKDIR : 0), &dir_fd,
                             &name);
        if (r < 0)
                return r;
        return write_file_atomic_at(dir_fd, name, data, size, new_mode, flags);
}

int root_mkdir_p(const char *abs_path, mode_t mode) {
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dir_fd = -1;
        bool created = false;
        struct stat st;
        int rfd = root_fd(), r;

        if (rfd < 0)
                return -EBADF;
        r = chase_walk(rfd, abs_path, CHASE_MKDIR, mode, &created, &dir_fd, &name, NULL);
        if (r < 0)
                return r;
        if (mkdirat(dir_fd, name, mode) >= 0)
                return 1;
        if (errno != EEXIST)
                return negative_errno();
        /* exists: a directory (a final link was followed inside the root by the walk) */
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        return created;
}

int root_unlink(const char *abs_path) {
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dir_fd = -1;
        int r;

        r = root_open_parent(abs_path, CHASE_NOFOLLOW, &dir_fd, &name);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return unlink_durable_at(dir_fd, name);
}

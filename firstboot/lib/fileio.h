/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Paths here are the caller's own (a seed file, seedgen's output directory); host paths under the
 * root go through path.h's root_*(), which end in the *_at() forms below. */

/* Reads a whole regular file (or block of a pseudo file) of at most max bytes into a NUL-terminated
 * buffer. -EFBIG when the file is larger than max, -ENOENT when it does not exist. */
int read_file_limited(const char *path, size_t max, char **ret, size_t *ret_size);

/* Reads at most max bytes from an already open descriptor. */
int read_fd_limited(int fd, size_t max, char **ret, size_t *ret_size);
/* read_file_limited() of an opened file: -EISDIR for a directory, -EFBIG for a larger regular file. */
int read_opened_file(int fd, size_t max, char **ret, size_t *ret_size);

enum {
        WRITE_ATOMIC_SECRET = 1 << 0, /* force mode 0600, owner root, even over an existing file */
        WRITE_ATOMIC_MKDIR = 1 << 1,  /* create missing parent directories (0755) */
};

/* Replaces path with data: temp file in the same directory, fsync, rename, fsync the directory.
 * An existing file keeps its mode and owner; a new one gets new_mode. Returns 0 when the file already
 * holds exactly data (nothing written, mtime unchanged), 1 when it was written, -errno on failure (the
 * original is then intact). */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t new_mode, unsigned flags);
/* The same for the entry name of the directory dir_fd (WRITE_ATOMIC_MKDIR does not apply): the temp file
 * is made, renamed and fsynced with *at() calls on dir_fd. An existing symlink is -ELOOP (never written
 * through), any other non-regular file -EEXIST. */
int write_file_atomic_at(int dir_fd, const char *name, const void *data, size_t size, mode_t new_mode,
                         unsigned flags);

/* mkdir -p, with mode for every directory it creates. 0 if all existed, 1 if one was created. */
int mkdir_parents(const char *path, mode_t mode);
int mkdir_p(const char *path, mode_t mode);

/* Removes a file; 0 if it did not exist, 1 if removed. Fsyncs the directory. */
int unlink_durable(const char *path);
int unlink_durable_at(int dir_fd, const char *name);

bool file_exists(const char *path);

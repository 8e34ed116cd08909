/* SPDX-License-Identifier: MIT */
/* Static files: seeds, kickstart files and the repository, opened beneath their root and sent. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "server-files.h"
#include "server-request.h"

/* Files up to this size are read and sent from memory: headers and body then leave in one send()
 * instead of a send() and a sendfile() (seeds and kickstart files are a few KiB). */
#define SMALL_FILE_MAX (64 * 1024)

static mhd_result respond_fd(struct request *req, int fd, const struct stat *st, const char *content_type) {
        struct MHD_Response *response;
        uint64_t bytes = (uint64_t) st->st_size;
        mhd_result r;

        if (st->st_size <= SMALL_FILE_MAX) {
                size_t want = (size_t) st->st_size;
                char *data = malloc(want + 1);
                ssize_t n;

                /* one read: a short read of a regular file is its end; one that fills want + 1 bytes
                 * means the file is growing, and it is served as it was when stat()ed */
                do
                        n = data ? read(fd, data, want + 1) : -1;
                while (n < 0 && errno == EINTR);
                close(fd);
                if (n < 0) {
                        free(data);
                        return respond_text(req, 500, "cannot read the file");
                }
                if ((size_t) n > want)
                        n = (ssize_t) want;
                bytes = (uint64_t) n;
                response = MHD_create_response_from_buffer((size_t) n, data, MHD_RESPMEM_MUST_FREE);
                if (!response)
                        free(data);
        } else {
                /* takes fd, closes it when the response is done */
                response = MHD_create_response_from_fd((size_t) st->st_size, fd);
                if (!response)
                        close(fd);
        }
        if (!response)
                return respond_text(req, 500, "cannot serve the file");
        MHD_add_response_header(response, "Content-Type", content_type);
        MHD_add_response_header(response, "Cache-Control", "no-cache");
        MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
        r = queue(req, 200, response, bytes);
        MHD_destroy_response(response);
        return r;
}

int open_beneath(const char *root, const char *rest, struct stat *ret_st) {
        _cleanup_close_ int dir = -1;
        char path[PATH_MAX];
        const char *p = rest, *slash = strchr(rest, '/');
        int fd;

        /* the first component by its full path: one open() instead of opening root, then it */
        if ((size_t) snprintf(path, sizeof(path), "%s/%.*s", root, slash ? (int) (slash - rest) : (int) strlen(rest),
                              rest) >= sizeof(path))
                return -ENAMETOOLONG;
        if (slash) {
                dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dir < 0)
                        return negative_errno();
                p = slash + 1;
                while ((slash = strchr(p, '/'))) {
                        char component[SEGMENT_MAX + 1];
                        size_t n = (size_t) (slash - p);

                        if (n == 0 || n >= sizeof(component))
                                return -ENOENT;
                        memcpy(component, p, n);
                        component[n] = 0;
                        fd = openat(dir, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0)
                                return negative_errno();
                        close(dir);
                        dir = fd;
                        p = slash + 1;
                }
        }
        /* O_NONBLOCK: opening a FIFO must not hang the server */
        if (dir >= 0)
                fd = openat(dir, p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        else
                fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, ret_st) < 0) {
                int r = negative_errno();
                close(fd);
                return r;
        }
        if (!S_ISREG(ret_st->st_mode)) {
                close(fd);
                return -ENOENT;
        }
        return fd;
}

const char *content_type_for(const char *name) {
        static const struct {
                const char *suffix, *type;
        } types[] = {
                { ".rpm", "application/x-rpm" },
                { ".xml", "application/xml" },
                { ".gz", "application/gzip" },
                { ".bz2", "application/x-bzip2" },
                { ".xz", "application/x-xz" },
                { ".zst", "application/zstd" },
                { ".sqlite", "application/vnd.sqlite3" },
                { ".json", "application/json" },
                { ".html", "text/html; charset=utf-8" },
                { ".cfg", "text/plain; charset=utf-8" },
                { ".ks", "text/plain; charset=utf-8" },
                { ".txt", "text/plain; charset=utf-8" },
                { ".asc", "text/plain; charset=utf-8" },
                { ".repo", "text/plain; charset=utf-8" },
                { ".iso", "application/octet-stream" },
        };
        size_t len = strlen(name);

        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                size_t n = strlen(types[i].suffix);
                if (len > n && strcasecmp(name + len - n, types[i].suffix) == 0)
                        return types[i].type;
        }
        return "application/octet-stream";
}

mhd_result serve_file(struct request *req, const char *root, const char *rest, const char *content_type) {
        struct stat st = {};
        int fd;

        fd = open_beneath(root, rest, &st);
        if (fd == -EACCES || fd == -EPERM)
                return respond_text(req, 403, "forbidden");
        if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP || fd == -EISDIR || fd == -ENAMETOOLONG)
                return respond_text(req, 404, "not found");
        if (fd < 0) {
                log_warning_errno(fd, "%s/%s: cannot open: %m", root, rest);
                return respond_text(req, 500, "cannot open the file");
        }
        return respond_fd(req, fd, &st, content_type);
}

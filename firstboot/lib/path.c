/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "macro.h"
#include "path.h"

static char root_prefix[PATH_MAX];

int root_set(const char *root) {
        size_t n;

        if (!root || streq(root, "/")) {
                root_prefix[0] = 0;
                return 0;
        }
        if (root[0] != '/')
                return -EINVAL;
        n = strlen(root);
        while (n > 1 && root[n - 1] == '/')
                n--;
        if (n >= sizeof(root_prefix) - 256)
                return -ENAMETOOLONG;
        memcpy(root_prefix, root, n);
        root_prefix[n] = 0;
        return 0;
}

const char *root_get(void) {
        return root_prefix;
}

int root_path(char *buf, size_t size, const char *abs_path) {
        int n;

        if (abs_path[0] != '/')
                return -EINVAL;
        n = snprintf(buf, size, "%s%s", root_prefix, abs_path);
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return 0;
}

int root_pathf(char *buf, size_t size, const char *fmt, ...) {
        char abs_path[PATH_MAX];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(abs_path, sizeof(abs_path), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= sizeof(abs_path))
                return -ENAMETOOLONG;
        return root_path(buf, size, abs_path);
}

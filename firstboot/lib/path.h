/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* Every host path the agent touches goes through here, so that --root DIR confines it to DIR. */

int root_set(const char *root);       /* NULL or "/" means the real root */
const char *root_get(void);           /* "" for the real root, else the prefix without trailing '/' */

/* Joins the root prefix and an absolute path; returns -ENAMETOOLONG when it does not fit. */
int root_path(char *buf, size_t size, const char *abs_path);

/* Like root_path, but formats the absolute path first. */
int root_pathf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/stat.h>

#include "mhd-compat.h"

/* Static files: seeds (/v1/seeds/NODE/FILE), kickstart files (/ks/) and the package repository
 * (/repo/), each below a directory of the config. */

struct request;

/* Opens root/rest, where rest is "a/b/c" of already validated components, without following a
 * symbolic link anywhere below root (root itself is the administrator's and may be one), and only if
 * it is a regular file. Returns the descriptor or -errno. */
int open_beneath(const char *root, const char *rest, struct stat *ret_st);

/* The Content-Type for a file name, by its suffix. */
const char *content_type_for(const char *name);

/* Answers with root/rest: 200, or 403, 404, 500. */
mhd_result serve_file(struct request *req, const char *root, const char *rest, const char *content_type);

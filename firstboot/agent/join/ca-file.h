/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* The CA files the agent hands to libcurl (CURLOPT_CAINFO takes a path, and libcurl 7.29 has no
 * CAINFO_BLOB): written 0600 into /run/kube-firstboot under the root, from PEM the agent has already
 * checked, so that libcurl reads exactly what was validated. */

#define CA_FILE_DIR "/run/kube-firstboot"
/* Trusted for https seed URLs when present (the kickstart installs it; docs/seed-format.md). */
#define SEED_CA_PATH "/etc/kube-firstboot/seed-ca.pem"

/* Writes pem (lib/pem.h's form, checked again here) to CA_FILE_DIR/name and returns the path libcurl
 * opens (under --root), on the heap. -errno, logged, when it cannot. */
int ca_file_install(const char *pem, size_t size, const char *name, char **ret_path);

/* For an https seed URL: the seed CA under the root, installed as above. 1 with *ret_path, 0 when
 * there is none (the system's CA store applies), -errno (logged) when it exists but is unusable. */
int ca_file_for_seed(char **ret_path);

/* SPDX-License-Identifier: MIT */
/* The seed's configuration, one file per job: config-parse.c loads a seed (config_load), meta-data.c,
 * user-data.c and network-config.c parse one file each, cross-checks.c checks what spans them, show.c
 * prints the result for show-seed. */
#pragma once

#include <stdio.h>

#include "config/config.h"
#include "seed/seed.h"
#include "yaml-schema.h"

/* kubernetes.control_plane when user-data does not say: the reference lab's master. */
#define DEFAULT_CONTROL_PLANE "192.168.220.104"

/* Parses and validates meta-data, user-data and (if present) network-config of the seed into c
 * (which the caller has config_init()ed). Every error is logged once, as
 * "NAME:LINE:COLUMN: FIELD: what is wrong", and the first one is returned (-EINVAL, -E2BIG, ...). */
int config_load(const struct seed *s, struct fb_config *c);

/* The individual parsers, for tests and fuzzers. name is used in messages. */
int metadata_parse(const char *data, size_t size, const char *name, struct fb_config *c);
/* The same, or (config_drive) ConfigDrive's meta_data.json: uuid, hostname, meta: {role}. */
int metadata_parse_full(const char *data, size_t size, const char *name, bool config_drive, struct fb_config *c);
int userdata_parse(const char *data, size_t size, const char *name, struct fb_config *c);
int netconfig_parse(const char *data, size_t size, const char *name, struct fb_config *c);
/* Cross-field checks once everything is parsed (CIDR overlaps, this host in the hosts list, ...). */
int config_validate(struct fb_config *c);

/* show-seed: the configuration as YAML, secrets (cluster key, token) masked. */
void config_show(FILE *f, const struct fb_config *c, const char *origin);

/* What the parsers share: data (a seed file, at most SEED_FILE_MAX bytes) into a tree, *ret NULL when it
 * is empty. Errors are logged, and kept in x->error. */
int config_load_tree(struct schema_ctx *x, const char *data, size_t size, struct ynode **ret);

/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

#include "config/config.h"
#include "seed/seed.h"

/* Parses and validates meta-data, user-data and (if present) network-config of the seed into c
 * (which the caller has config_init()ed). Every error is logged once, as
 * "NAME:LINE:COLUMN: FIELD: what is wrong", and the first one is returned (-EINVAL, -E2BIG, ...). */
int config_load(const struct seed *s, struct fb_config *c);

/* The individual parsers, for tests and fuzzers. name is used in messages. */
int metadata_parse(const char *data, size_t size, const char *name, struct fb_config *c);
int userdata_parse(const char *data, size_t size, const char *name, struct fb_config *c);
int netconfig_parse(const char *data, size_t size, const char *name, struct fb_config *c);
/* Cross-field checks once everything is parsed (CIDR overlaps, this host in the hosts list, ...). */
int config_validate(struct fb_config *c);

/* show-seed: the configuration as YAML, secrets (cluster key, token) masked. */
void config_show(FILE *f, const struct fb_config *c, const char *origin);

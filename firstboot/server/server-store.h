/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server-config.h"
#include "server-records.h"

/* What the server keeps: per cluster the sealed join record and the last progress report of each
 * node, in memory and under the state directory:
 *   STATE/clusters/<cluster>/join.json
 *   STATE/clusters/<cluster>/nodes/<node>.json
 * Every write goes to disk first (write_file_atomic), then to memory, so what a client was told is
 * stored survives a restart. */

struct cluster {
        char name[64];
        char bearer[65];
        char *record;               /* the sealed record exactly as PUT, or NULL */
        size_t record_size;
        int64_t record_received;
        void *record_response;      /* the HTTP layer's cached response for record */
        struct report **reports;    /* sorted by node name */
        size_t n_reports;
        unsigned n_waiters;         /* long polls waiting for a record */
};

struct store {
        char *state_dir;
        unsigned max_nodes;
        struct cluster *clusters;
        size_t n_clusters;
};

/* Creates the state directories of the configured clusters and loads what they hold. Files that do
 * not parse are logged and skipped. */
int store_open(struct store *st, const struct server_config *config);
void store_close(struct store *st);

struct cluster *store_find(struct store *st, const char *name);

/* Return 1 when the entry is new, 0 when it replaced one; -EINVAL (err filled), -ENOSPC (too many
 * nodes), or -errno from writing the state file. */
int store_put_record(struct store *st, struct cluster *c, const char *data, size_t size, char *err, size_t err_size);
int store_put_report(struct store *st, struct cluster *c, const char *node, const char *data, size_t size, char *err,
                     size_t err_size);

/* {"node-1":{...},...} of a cluster's reports; malloc'd. */
int store_reports_json(const struct cluster *c, char **ret, size_t *ret_size);

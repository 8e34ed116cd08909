/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mhd-compat.h"
#include "server-config.h"

/* Who may fetch a node's secret seed files (docs/kube-firstboot-server.8, "SEED ACCESS"):
 *   - user-data and vendor-data go only to the node of nodes: whose name is the seed directory's: to a
 *     client whose IPv4 address is the node's address, or whose MAC in the server's neighbour table
 *     (/proc/net/arp) is the node's mac; a node not listed never gets them;
 *   - user-data goes out once per instance-id (of the node's meta-data): when its whole body was
 *     sent, STATE/seeds-served/<node> records the instance-id, and a later fetch is refused until the
 *     operator re-arms the node (--rearm) or the meta-data names a new instance-id.
 * Every refusal is kept as a warning for the status page and GET /v1/warnings. */

#define SEED_SERVED_DIR "seeds-served"
#define SEED_INSTANCE_ID_MAX 256
#define SEED_WARNINGS_MAX 64

struct seed_warning {
        int64_t time;               /* wall clock */
        char node[64];
        char file[16];
        char client[16];            /* dotted quad */
        char reason[160];           /* no secret: names, addresses, MACs */
};

/* The last SEED_WARNINGS_MAX refusals, oldest overwritten first. */
struct seed_warnings {
        struct seed_warning items[SEED_WARNINGS_MAX];
        size_t next, count;
        uint64_t total;             /* refusals since the start */
};

/* Whether only the node itself may fetch this seed file; whether it goes out once per instance-id. */
bool seed_file_is_secret(const char *file);
bool seed_file_is_once(const char *file);

/* The MAC that the neighbour table at path (/proc/net/arp) holds for addr (host byte order), from a
 * complete entry only. 0 and mac, -ENOENT when there is none, -errno reading the table. */
int neighbour_mac(const char *path, uint32_t addr, char mac[static 18]);

/* The instance-id of a meta-data document; -EBADMSG when it has none. */
int meta_data_instance_id(const char *data, size_t size, char *ret, size_t ret_size);

/* STATE/seeds-served/<node>: the instance-id under which the node's user-data went out. 1 and it in
 * ret, 0 when the node is armed (no mark), -errno. */
int seed_served_get(const char *state_dir, const char *node, char *ret, size_t ret_size);
int seed_served_set(const char *state_dir, const char *node, const char *instance_id);
/* Removes the mark: 1 removed, 0 there was none. */
int seed_rearm(const char *state_dir, const char *node);

void seed_warning_add(struct seed_warnings *w, int64_t time, const char *node, const char *file, const char *client,
                      const char *reason);
/* {"total":N,"warnings":[{"time":T,"node":"...","file":"...","client":"...","reason":"..."},...]}, newest
 * first; malloc'd. */
int seed_warnings_json(const struct seed_warnings *w, char **ret, size_t *ret_size);
/* The i-th newest warning, i < w->count. */
const struct seed_warning *seed_warning_nth(const struct seed_warnings *w, size_t i);

struct request;
/* GET or HEAD of /v1/seeds/NODE/FILE: refuses (403) what the rules above refuse, else serves the file. */
mhd_result seed_reply(struct request *req);
/* From the request-completed callback: marks the node's user-data served when the whole body went out. */
void seed_request_completed(struct request *req, bool completed_ok);

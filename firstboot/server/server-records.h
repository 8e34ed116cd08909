/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bodies of the two writes (docs/join-protocol.md): a sealed join record, checked for its shape
 * and kept as sent, and a node's progress report, parsed and kept in a canonical form. */

#define JOIN_RECORD_MAX (16 * 1024)
#define REPORT_MAX 4096
#define REPORT_MESSAGE_MAX 256

struct report {
        char node[64];
        char role[32];
        char stage[16];
        char status[16];
        char message[REPORT_MESSAGE_MAX + 1];
        int64_t time;       /* the node's clock, Unix seconds */
        int64_t received;   /* the server's clock when the report arrived */
        char *json;         /* as served by GET .../nodes */
        size_t json_size;
};

/* The checks a write must pass; on failure they fill err (a short reason for the client, without the
 * body's content) and return -EINVAL. */
int record_check(const char *cluster, const char *data, size_t size, char *err, size_t err_size);
int report_parse(const char *node, const char *data, size_t size, bool stored, struct report **ret, char *err,
                 size_t err_size);
void report_free(struct report *r);

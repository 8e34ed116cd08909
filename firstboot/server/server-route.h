/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "server-config.h"
#include "server-store.h"

/* The server's URL space (docs/join-protocol.md, docs/kube-firstboot-server.8):
 *   /                                   status page                GET HEAD
 *   /v1/seeds/NODE/FILE                 a node's seed file          GET HEAD
 *   /ks/PATH, /repo/PATH                kickstart and repository    GET HEAD
 *   /v1/clusters/CLUSTER/join           the sealed join record      GET HEAD PUT
 *   /v1/clusters/CLUSTER/nodes          every node's progress       GET HEAD
 *   /v1/clusters/CLUSTER/nodes/NODE     one node's progress         PUT
 *   /v1/warnings                        refused seed fetches        GET HEAD */

#define URL_MAX 1024
#define SEGMENTS_MAX 16
#define SEGMENT_MAX 255

enum route {
        ROUTE_NONE,
        ROUTE_STATUS,
        ROUTE_SEED,
        ROUTE_STATIC,
        ROUTE_JOIN,
        ROUTE_NODES,
        ROUTE_NODE,
        ROUTE_WARNINGS,
};

enum method {
        METHOD_OTHER,
        METHOD_GET,
        METHOD_HEAD,
        METHOD_PUT,
};

/* What a request path names. */
struct route_match {
        enum route route;
        struct cluster *cluster;    /* ROUTE_JOIN, ROUTE_NODES, ROUTE_NODE */
        char node[64];              /* ROUTE_SEED, ROUTE_NODE */
        const char *static_root;    /* ROUTE_SEED, ROUTE_STATIC: a directory of the config */
        char *static_rest;          /* path below static_root (or below the node's seed directory); malloc'd */
};

/* The characters a request path may hold, '/' included. */
bool path_char_ok(unsigned char c);

/* Parses an (unescaped) path into m, which the caller frees with route_match_done(). Returns 0, or
 * the status to answer with: 400 for a path outside the fixed character set or with empty, dot or
 * over-long segments (this is where every traversal attempt ends), 404 for a well-formed path that
 * names nothing, 500 when out of memory. */
unsigned route_parse(const struct server_config *config, struct store *store, const char *url,
                     struct route_match *m);
void route_match_done(struct route_match *m);

enum method method_parse(const char *m);

/* Whether the route answers the method, and the Allow header of its 405. */
bool route_allows(enum route route, enum method method);
const char *route_allow_header(enum route route);

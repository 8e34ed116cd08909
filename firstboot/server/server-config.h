/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* kube-firstboot-server's configuration: a YAML file (docs/kube-firstboot-server.8,
 * firstboot/server/server.yaml.example) with command-line flags on top. */

#define SERVER_DEFAULT_PORT 8780
#define SERVER_CONFIG_MAX (64 * 1024)
#define SERVER_MAX_CLUSTERS 64
#define SERVER_MAX_NODES 4096

struct server_cluster_config {
        char name[64];
        char bearer[65];
};

/* A node of nodes:, whose secret seed files (user-data, vendor-data) only it may fetch. */
struct server_node_config {
        char name[64];              /* its seed directory, seed_dir/<name>/ */
        uint32_t address;           /* host byte order */
        char mac[18];               /* "aa:bb:cc:dd:ee:ff", or "" for none */
        char uuid[37];              /* its SMBIOS system UUID, lower case, or "" for none */
};

struct server_limits {
        size_t max_body;            /* bytes of a request body (413 above) */
        unsigned max_connections;   /* open connections in all */
        unsigned max_per_ip;        /* open connections from one address; 0: no limit */
        unsigned connection_timeout; /* s of silence before an idle connection is closed */
        unsigned header_timeout;    /* s for a client to send a complete request head */
        unsigned request_timeout;   /* s for a client to send its whole body */
        unsigned max_wait;          /* cap on ?wait=SECONDS, at most 60 */
        unsigned max_nodes;         /* progress reports kept per cluster */
        size_t connection_memory;   /* per-connection buffer for the request head and body chunks */
};

struct server_config {
        uint32_t listen_addr;       /* host byte order */
        uint16_t listen_port;
        char *seed_dir;
        char *ks_dir;               /* NULL: /ks/ not served */
        char *repo_dir;             /* NULL: /repo/ not served */
        char *state_dir;
        bool access_log;
        struct server_cluster_config *clusters;
        size_t n_clusters;
        struct server_node_config *nodes;
        size_t n_nodes;
        struct server_limits limits;
        /* tls: {cert, key}: https with this certificate (PEM, its chain may follow) and key, both NULL
         * for plain http. The files are read once, at start, by server_tls_load(). */
        char *tls_cert;
        char *tls_key;
        const struct server_tls *tls; /* what server_tls_load() read, set by main(); NULL: plain http */
};

/* What server_tls_load() read: handed to libmicrohttpd, erased by server_tls_done(). */
struct server_tls {
        char *cert_pem;
        char *key_pem;
        size_t key_size;
};

/* Reads the certificate and the key that c->tls_* name (nothing when they are NULL): the key file must
 * be a regular file that neither group nor others may read, and both must look like PEM. Logs and
 * returns -EINVAL (or -errno) when not. */
int server_tls_load(const struct server_config *c, struct server_tls *ret);
void server_tls_done(struct server_tls *t);

void server_config_init(struct server_config *c);
void server_config_done(struct server_config *c);

/* Reads and parses a YAML config file over the defaults in c. Errors are logged as
 * "FILE:LINE:COLUMN: FIELD: what is wrong"; returns -EINVAL (or -errno reading the file). */
int server_config_load(struct server_config *c, const char *path);
int server_config_parse(struct server_config *c, const char *data, size_t size, const char *name);

/* "ADDRESS:PORT" with a dotted-quad address; "*:PORT" and ":PORT" mean 0.0.0.0. */
int parse_listen(const char *s, uint32_t *ret_addr, uint16_t *ret_port);

/* The node of nodes: with this name, or NULL. */
const struct server_node_config *server_config_node(const struct server_config *c, const char *name);
/* The node that a seed URL names: by its name, its system UUID or its MAC (either case; the MAC with ':' or
 * '-'), or NULL. */
const struct server_node_config *server_config_node_by_id(const struct server_config *c, const char *id);

/* Replaces a string field (for flags). */
int config_set_string(char **field, const char *value);

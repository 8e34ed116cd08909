/* SPDX-License-Identifier: MIT */
/* Routing: from a request's path and method to what it names, or the status that refuses it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "server-route.h"
#include "server-util.h"

/* The methods each route answers: GET and HEAD read, PUT writes. */
#define READS ((1u << METHOD_GET) | (1u << METHOD_HEAD))
#define WRITES (1u << METHOD_PUT)
static const struct {
        unsigned methods;
        const char *allow;
} route_table[] = {
        [ROUTE_NONE] = { 0, "GET, HEAD" },
        [ROUTE_STATUS] = { READS, "GET, HEAD" },
        [ROUTE_SEED] = { READS, "GET, HEAD" },
        [ROUTE_STATIC] = { READS, "GET, HEAD" },
        [ROUTE_JOIN] = { READS | WRITES, "GET, HEAD, PUT" },
        [ROUTE_NODES] = { READS, "GET, HEAD" },
        [ROUTE_NODE] = { WRITES, "PUT" },
        [ROUTE_WARNINGS] = { READS, "GET, HEAD" },
};

bool path_char_ok(unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-' || c == '~' || c == '+' || c == '/';
}

static const char *const seed_files[] = { "meta-data", "user-data", "network-config", "vendor-data" };

unsigned route_parse(const struct server_config *config, struct store *store, const char *url,
                     struct route_match *m) {
        const char *seg[SEGMENTS_MAX];
        const struct server_node_config *node;
        size_t seglen[SEGMENTS_MAX], n = 0, len = strlen(url);
        const char *p;

        if (len == 0 || len > URL_MAX || url[0] != '/')
                return 400;
        for (size_t i = 0; i < len; i++)
                if (!path_char_ok((unsigned char) url[i]))
                        return 400;
        if (streq(url, "/")) {
                m->route = ROUTE_STATUS;
                return 0;
        }

#define SEG_IS(i, s) (seglen[i] == strlen(s) && strncmp(seg[i], (s), seglen[i]) == 0)
        for (p = url + 1;;) {
                const char *slash = strchr(p, '/');
                size_t l = slash ? (size_t) (slash - p) : strlen(p);

                if (n >= SEGMENTS_MAX)
                        return 400;
                if (l == 0) {
                        /* "/ks/" or "/repo/sub/": a directory, and there are no listings */
                        if (!slash && n >= 1 && (SEG_IS(0, "ks") || SEG_IS(0, "repo")))
                                return 404;
                        return 400;
                }
                if (p[0] == '.' || l > SEGMENT_MAX)
                        return 400;
                seg[n] = p;
                seglen[n] = l;
                n++;
                if (!slash)
                        break;
                p = slash + 1;
        }

        if ((SEG_IS(0, "ks") || SEG_IS(0, "repo")) && n >= 2) {
                const char *root = SEG_IS(0, "ks") ? config->ks_dir : config->repo_dir;
                if (!root)
                        return 404;
                m->route = ROUTE_STATIC;
                m->static_root = root;
                m->static_rest = strdup(seg[1]);
                return m->static_rest ? 0 : 500;
        }
        if (n == 2 && SEG_IS(0, "v1") && SEG_IS(1, "warnings")) {
                m->route = ROUTE_WARNINGS;
                return 0;
        }
        if (n < 4 || !SEG_IS(0, "v1"))
                return 404;
        if (SEG_IS(1, "seeds")) {
                if (n != 4)
                        return 404;
                if (seglen[2] >= sizeof(m->node))
                        return 400;
                memcpy(m->node, seg[2], seglen[2]);
                m->node[seglen[2]] = 0;
                /* a node's system UUID or MAC stands for its name (a URL with __dmi.system-uuid__ serves
                 * every machine); the seed-access rules then apply to the node so named */
                node = server_config_node_by_id(config, m->node);
                if (node)
                        strscpy(m->node, sizeof(m->node), node->name);
                if (!name_is_valid(m->node))
                        return 400;
                for (size_t i = 0; i < ELEMENTSOF(seed_files); i++)
                        if (SEG_IS(3, seed_files[i])) {
                                m->route = ROUTE_SEED;
                                m->static_root = config->seed_dir;
                                if (asprintf(&m->static_rest, "%s/%s", m->node, seed_files[i]) < 0) {
                                        m->static_rest = NULL;
                                        return 500;
                                }
                                return 0;
                        }
                return 404;
        }
        if (SEG_IS(1, "clusters") && n <= 5) {
                char name[64];

                if (seglen[2] >= sizeof(name))
                        return 400;
                memcpy(name, seg[2], seglen[2]);
                name[seglen[2]] = 0;
                if (!name_is_valid(name))
                        return 400;
                if (n == 4 && SEG_IS(3, "join"))
                        m->route = ROUTE_JOIN;
                else if (n == 4 && SEG_IS(3, "nodes"))
                        m->route = ROUTE_NODES;
                else if (n == 5 && SEG_IS(3, "nodes")) {
                        if (seglen[4] >= sizeof(m->node))
                                return 400;
                        memcpy(m->node, seg[4], seglen[4]);
                        m->node[seglen[4]] = 0;
                        if (!name_is_valid(m->node))
                                return 400;
                        m->route = ROUTE_NODE;
                } else
                        return 404;
                m->cluster = store_find(store, name);
                if (!m->cluster)
                        return 404;
                return 0;
        }
#undef SEG_IS
        return 404;
}

void route_match_done(struct route_match *m) {
        free(m->static_rest);
        m->static_rest = NULL;
}

enum method method_parse(const char *m) {
        if (streq(m, "GET"))
                return METHOD_GET;
        if (streq(m, "HEAD"))
                return METHOD_HEAD;
        if (streq(m, "PUT"))
                return METHOD_PUT;
        return METHOD_OTHER;
}

bool route_allows(enum route route, enum method method) {
        return (unsigned) route < ELEMENTSOF(route_table) && (route_table[route].methods & (1u << method)) != 0;
}

const char *route_allow_header(enum route route) {
        return (unsigned) route < ELEMENTSOF(route_table) ? route_table[route].allow : route_table[ROUTE_NONE].allow;
}

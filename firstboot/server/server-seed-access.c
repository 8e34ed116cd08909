/* SPDX-License-Identifier: MIT */
/* Seed access: a node's secret seed files go only to that node, and its user-data once per
 * instance-id (server-seed-access.h says the rules, docs/security.md what they stop and what not). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "server-files.h"
#include "server-request.h"
#include "server-seed-access.h"
#include "server-util.h"
#include "time-util.h"
#include "yaml-tree.h"

#define NEIGHBOUR_TABLE "/proc/net/arp"
#define NEIGHBOUR_TABLE_MAX (1024 * 1024)
#define META_DATA_MAX (64 * 1024)
#define ATF_COMPLETE 0x2            /* <net/if_arp.h>: the entry holds a resolved hardware address */

bool seed_file_is_secret(const char *file) {
        /* meta-data (instance-id, hostname) and network-config (addresses) hold nothing secret;
         * vendor-data is the operator's to fill and may */
        return streq(file, "user-data") || streq(file, "vendor-data");
}

bool seed_file_is_once(const char *file) {
        return streq(file, "user-data");
}

int neighbour_mac(const char *path, uint32_t addr, char mac[static 18]) {
        _cleanup_free_ char *data = NULL;
        char want[16], *line, *save = NULL;
        size_t size;
        int r;

        r = read_file_limited(path, NEIGHBOUR_TABLE_MAX, &data, &size);
        if (r < 0)
                return r;
        format_ipv4(addr, want);
        /* "IP address  HW type  Flags  HW address  Mask  Device", a header line first */
        for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *word[6], *end;
                unsigned long flags;

                if (split_words(line, word, ELEMENTSOF(word)) < 4 || !streq(word[0], want))
                        continue;
                flags = strtoul(word[2], &end, 16);
                if (*end != 0 || !(flags & ATF_COMPLETE))
                        continue;
                if (parse_mac(word[3], mac) == 0 && !streq(mac, "00:00:00:00:00:00"))
                        return 0;
        }
        return -ENOENT;
}

int meta_data_instance_id(const char *data, size_t size, char *ret, size_t ret_size) {
        _cleanup_(ytree_freep) struct ynode *root = NULL;
        const struct ynode *id;

        if (ytree_load(data, size, "meta-data", &root) < 0 || !root || root->type != YNODE_MAPPING)
                return -EBADMSG;
        id = ynode_get(root, "instance-id");
        if (!id || id->type != YNODE_SCALAR || id->length == 0 || id->length >= ret_size ||
            !string_is_safe(id->value, ret_size))
                return -EBADMSG;
        memcpy(ret, id->value, id->length + 1);
        return 0;
}

static int served_path(const char *state_dir, const char *node, char *buf, size_t size) {
        if (!name_is_valid(node))
                return -EINVAL;
        if ((size_t) snprintf(buf, size, "%s/" SEED_SERVED_DIR "/%s", state_dir, node) >= size)
                return -ENAMETOOLONG;
        return 0;
}

int seed_served_get(const char *state_dir, const char *node, char *ret, size_t ret_size) {
        _cleanup_free_ char *data = NULL;
        char path[4096];
        size_t size;
        int r;

        r = served_path(state_dir, node, path, sizeof(path));
        if (r < 0)
                return r;
        r = read_file_limited(path, SEED_INSTANCE_ID_MAX + 1, &data, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        while (size > 0 && data[size - 1] == '\n')
                data[--size] = 0;
        if (size >= ret_size)
                return -EBADMSG;
        memcpy(ret, data, size + 1);
        return 1;
}

int seed_served_set(const char *state_dir, const char *node, const char *instance_id) {
        char path[4096], line[SEED_INSTANCE_ID_MAX + 2];
        int n, r;

        r = served_path(state_dir, node, path, sizeof(path));
        if (r < 0)
                return r;
        n = snprintf(line, sizeof(line), "%s\n", instance_id);
        if (n < 0 || (size_t) n >= sizeof(line))
                return -EINVAL;
        return write_file_atomic(path, line, (size_t) n, 0600, WRITE_ATOMIC_MKDIR);
}

int seed_rearm(const char *state_dir, const char *node) {
        char path[4096];
        int r;

        r = served_path(state_dir, node, path, sizeof(path));
        if (r < 0)
                return r;
        return unlink_durable(path);
}

/* ---- warnings -------------------------------------------------------------------------------- */

void seed_warning_add(struct seed_warnings *w, int64_t time, const char *node, const char *file, const char *client,
                      const char *reason) {
        struct seed_warning *item = &w->items[w->next];

        item->time = time;
        strscpy(item->node, sizeof(item->node), node);
        strscpy(item->file, sizeof(item->file), file);
        strscpy(item->client, sizeof(item->client), client);
        strscpy(item->reason, sizeof(item->reason), reason);
        w->next = (w->next + 1) % SEED_WARNINGS_MAX;
        if (w->count < SEED_WARNINGS_MAX)
                w->count++;
        w->total++;
}

const struct seed_warning *seed_warning_nth(const struct seed_warnings *w, size_t i) {
        return &w->items[(w->next + SEED_WARNINGS_MAX - 1 - i) % SEED_WARNINGS_MAX];
}

static void json_string(struct buffer *b, const char *s) {
        buffer_puts(b, "\"");
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                if (c == '"' || c == '\\')
                        buffer_appendf(b, "\\%c", c);
                else if (c < 0x20 || c == 0x7f)
                        buffer_appendf(b, "\\u%04x", c);
                else
                        buffer_append(b, s, 1);
        }
        buffer_puts(b, "\"");
}

int seed_warnings_json(const struct seed_warnings *w, char **ret, size_t *ret_size) {
        struct buffer b = BUFFER_INIT(SERVER_RESPONSE_MAX);

        buffer_appendf(&b, "{\"total\":%llu,\"warnings\":[", (unsigned long long) w->total);
        for (size_t i = 0; i < w->count; i++) {
                const struct seed_warning *item = seed_warning_nth(w, i);

                buffer_appendf(&b, "%s{\"time\":%lld,\"node\":", i ? "," : "", (long long) item->time);
                json_string(&b, item->node);
                buffer_puts(&b, ",\"file\":");
                json_string(&b, item->file);
                buffer_puts(&b, ",\"client\":");
                json_string(&b, item->client);
                buffer_puts(&b, ",\"reason\":");
                json_string(&b, item->reason);
                buffer_puts(&b, "}");
        }
        buffer_puts(&b, "]}\n");
        return buffer_steal(&b, ret, ret_size);
}

/* ---- requests -------------------------------------------------------------------------------- */

/* 403 with a short text for the client, the reason in the access log (end=) and the whole story in
 * the warnings. */
static mhd_result refuse(struct request *req, const char *file, uint32_t client, const char *end, const char *text,
                         const char *fmt, ...) _printf_(6, 7);
static mhd_result refuse(struct request *req, const char *file, uint32_t client, const char *end, const char *text,
                         const char *fmt, ...) {
        char reason[160], address[16];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        if (client)
                format_ipv4(client, address);
        else
                strscpy(address, sizeof(address), "-");
        seed_warning_add(&req->server->seed_warnings, now_realtime_sec(), req->match.node, file, address, reason);
        req->end = end;
        return respond_text(req, 403, text);
}

static uint32_t client_address(struct request *req) {
        const union MHD_ConnectionInfo *info =
                MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

        if (!info || !info->client_addr || info->client_addr->sa_family != AF_INET)
                return 0;
        return ntohl(((const struct sockaddr_in *) (const void *) info->client_addr)->sin_addr.s_addr);
}

static int node_instance_id(const struct server_config *c, const char *node, char *ret, size_t ret_size) {
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = -1;
        char rest[128];
        struct stat st;
        size_t size;
        int r;

        snprintf(rest, sizeof(rest), "%s/meta-data", node);
        fd = open_beneath(c->seed_dir, rest, &st);
        if (fd < 0)
                return fd;
        r = read_fd_limited(fd, META_DATA_MAX, &data, &size);
        if (r < 0)
                return r;
        return meta_data_instance_id(data, size, ret, ret_size);
}

mhd_result seed_reply(struct request *req) {
        struct server *s = req->server;
        const struct server_config *c = s->config;
        const char *rest = req->match.static_rest, *file = strrchr(rest, '/') + 1;
        const struct server_node_config *node;
        char instance_id[SEED_INSTANCE_ID_MAX + 1], served[SEED_INSTANCE_ID_MAX + 1], mac[18], want[16];
        uint32_t client;
        int r;

        if (!seed_file_is_secret(file))
                return serve_file(req, req->match.static_root, rest, "text/plain; charset=utf-8");

        client = client_address(req);
        node = server_config_node(c, req->match.node);
        if (!node) {
                /* fail closed: without an inventory entry nobody can tell the node from a stranger */
                log_warning("seed %s: node %s is not in nodes: of the configuration; its %s is never served",
                            rest, req->match.node, file);
                return refuse(req, file, client, "node-not-listed", "this node is not listed on the server",
                              "not in nodes: of the configuration");
        }
        if (client != node->address) {
                format_ipv4(node->address, want);
                if (!node->mac[0])
                        return refuse(req, file, client, "not-this-node", "only the node itself may fetch this",
                                      "not the node's address %s (no mac configured)", want);
                r = neighbour_mac(NEIGHBOUR_TABLE, client, mac);
                if (r < 0 || !streq(mac, node->mac))
                        return refuse(req, file, client, "not-this-node", "only the node itself may fetch this",
                                      "not the node's address %s, and its MAC %s is not %s", want,
                                      r < 0 ? "(unknown)" : mac, node->mac);
        }
        if (!seed_file_is_once(file))
                return serve_file(req, req->match.static_root, rest, "text/plain; charset=utf-8");

        r = node_instance_id(c, req->match.node, instance_id, sizeof(instance_id));
        if (r < 0)
                return refuse(req, file, client, "no-instance-id", "the node's meta-data has no instance-id",
                              "meta-data has no usable instance-id");
        r = seed_served_get(c->state_dir, req->match.node, served, sizeof(served));
        if (r < 0) {
                log_error_errno(r, "%s/" SEED_SERVED_DIR "/%s: cannot read: %m", c->state_dir, req->match.node);
                return respond_text(req, 500, "cannot tell whether this was served");
        }
        if (r > 0 && streq(served, instance_id))
                return refuse(req, file, client, "already-served",
                              "served once for this instance-id already; the operator must re-arm the node",
                              "fetched again: already served for instance-id %s; re-arm with --rearm %s", instance_id,
                              req->match.node);
        if (req->method == METHOD_GET) {
                bool *going_out = &s->user_data_going_out[node - c->nodes];

                /* one transfer at a time: a second one now could be served as well before the first is
                 * counted. 503 is retried; once the first ends, the second is refused (sent whole) or
                 * served (cut off). */
                if (*going_out)
                        return respond_text(req, 503, "this node's user-data is being sent on another connection");
                req->seed_instance_id = strdup(instance_id);
                if (!req->seed_instance_id)
                        return respond_text(req, 500, "out of memory");
                *going_out = true;
        }
        return serve_file(req, req->match.static_root, rest, "text/plain; charset=utf-8");
}

void seed_request_completed(struct request *req, bool completed_ok) {
        const struct server_config *c = req->server->config;
        const struct server_node_config *node;
        int r;

        if (!req->seed_instance_id)
                return;
        node = server_config_node(c, req->match.node);
        if (node)
                req->server->user_data_going_out[node - c->nodes] = false;
        /* only a body that went out whole counts: a transfer lost on the way may be fetched again */
        if (completed_ok && req->status == 200) {
                r = seed_served_set(c->state_dir, req->match.node, req->seed_instance_id);
                if (r < 0)
                        log_error_errno(r, "%s/" SEED_SERVED_DIR "/%s: cannot record that user-data was served: %m",
                                        c->state_dir, req->match.node);
                else
                        log_info("seed %s: user-data served for instance-id %s; further fetches are refused until "
                                 "the node is re-armed",
                                 req->match.node, req->seed_instance_id);
        }
        free(req->seed_instance_id);
        req->seed_instance_id = NULL;
}

/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "server-store.h"
#include "server-util.h"
#include "time-util.h"

static const char *const stages[] = { "seed", "host", "init", "cni", "publish", "wait-record", "join", "done" };
static const char *const statuses[] = { "running", "done", "failed" };

static void json_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_putp)

static int fail(char *err, size_t err_size, const char *what) {
        snprintf(err, err_size, "%s", what);
        return -EINVAL;
}

/* One JSON object and nothing but white space after it. */
static json_object *parse_object(const char *data, size_t size) {
        json_tokener *tok;
        json_object *o;

        if (size > INT_MAX)
                return NULL;
        tok = json_tokener_new_ex(8);
        if (!tok)
                return NULL;
        o = json_tokener_parse_ex(tok, data, (int) size);
        if (o) {
                bool ok = json_tokener_get_error(tok) == json_tokener_success && json_object_is_type(o, json_type_object);
                for (size_t i = (size_t) tok->char_offset; ok && i < size; i++)
                        ok = strchr(" \t\r\n", data[i]) && data[i] != 0;
                if (!ok) {
                        json_object_put(o);
                        o = NULL;
                }
        }
        json_tokener_free(tok);
        return o;
}

/* The member's string value, or NULL when missing, not a string, longer than max or holding a NUL. */
static const char *member_string(json_object *o, const char *key, size_t max) {
        json_object *v;
        int len;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        len = json_object_get_string_len(v);
        if (len < 0 || (size_t) len > max || strlen(json_object_get_string(v)) != (size_t) len)
                return NULL;
        return json_object_get_string(v);
}

static bool member_int(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret) {
        json_object *v;
        int64_t i;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return false;
        i = json_object_get_int64(v);
        if (i < min || i > max)
                return false;
        *ret = i;
        return true;
}

static bool base64_length_is(const char *s, size_t min, size_t max) {
        size_t len = strlen(s), n;
        _cleanup_free_ uint8_t *buf = NULL;

        if (len == 0 || len / 4 * 3 > max + 2)
                return false;
        buf = malloc(len / 4 * 3 + 3);
        if (!buf)
                return false;
        if (base64_decode(s, buf, len / 4 * 3 + 3, &n) < 0)
                return false;
        return n >= min && n <= max;
}

int record_check(const char *cluster, const char *data, size_t size, char *err, size_t err_size) {
        _cleanup_json_ json_object *o = NULL;
        const char *s;
        int64_t version;

        if (size > JOIN_RECORD_MAX)
                return fail(err, err_size, "record larger than 16 KiB");
        o = parse_object(data, size);
        if (!o)
                return fail(err, err_size, "record: not a JSON object");
        if (!member_int(o, "version", 1, 1, &version))
                return fail(err, err_size, "record: version must be 1");
        s = member_string(o, "cluster", 63);
        if (!s || !streq(s, cluster))
                return fail(err, err_size, "record: cluster does not match the path");
        s = member_string(o, "alg", 16);
        if (!s || !streq(s, "A256GCM"))
                return fail(err, err_size, "record: alg must be A256GCM");
        s = member_string(o, "nonce", 64);
        if (!s || !base64_length_is(s, 12, 12))
                return fail(err, err_size, "record: nonce must be 12 bytes in base64");
        s = member_string(o, "sealed", JOIN_RECORD_MAX);
        if (!s || !base64_length_is(s, 16, JOIN_RECORD_MAX))
                return fail(err, err_size, "record: sealed must be base64 of at least 16 bytes");
        if (json_object_object_length(o) != 5)
                return fail(err, err_size, "record: unexpected members");
        return 0;
}

void report_free(struct report *r) {
        if (!r)
                return;
        free(r->json);
        free(r);
}

static bool one_of(const char *s, const char *const *list, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (streq(s, list[i]))
                        return true;
        return false;
}

static bool role_is_valid(const char *s) {
        size_t len = strlen(s);

        if (len == 0 || len > 31)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                        return false;
        return true;
}

static int report_serialize(struct report *r) {
        _cleanup_json_ json_object *o = json_object_new_object();
        const char *s;

        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "node", json_object_new_string(r->node));
        json_object_object_add(o, "role", json_object_new_string(r->role));
        json_object_object_add(o, "stage", json_object_new_string(r->stage));
        json_object_object_add(o, "status", json_object_new_string(r->status));
        json_object_object_add(o, "message", json_object_new_string(r->message));
        json_object_object_add(o, "time", json_object_new_int64(r->time));
        json_object_object_add(o, "received", json_object_new_int64(r->received));
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        if (!s)
                return -ENOMEM;
        r->json = strdup(s);
        if (!r->json)
                return -ENOMEM;
        r->json_size = strlen(r->json);
        return 0;
}

int report_parse(const char *node, const char *data, size_t size, bool stored, struct report **ret, char *err,
                 size_t err_size) {
        _cleanup_json_ json_object *o = NULL;
        struct report *r;
        const char *s;
        int64_t t;

        if (size > REPORT_MAX)
                return fail(err, err_size, "report larger than 4 KiB");
        o = parse_object(data, size);
        if (!o)
                return fail(err, err_size, "report: not a JSON object");
        s = member_string(o, "node", 63);
        if (!s || !streq(s, node))
                return fail(err, err_size, "report: node does not match the path");
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        strscpy(r->node, sizeof(r->node), node);

        s = member_string(o, "role", 31);
        if (!s || !role_is_valid(s)) {
                report_free(r);
                return fail(err, err_size, "report: role must match [a-z0-9-]{1,31}");
        }
        strscpy(r->role, sizeof(r->role), s);
        s = member_string(o, "stage", 15);
        if (!s || !one_of(s, stages, ELEMENTSOF(stages))) {
                report_free(r);
                return fail(err, err_size, "report: stage must be one of seed, host, init, cni, publish, "
                                           "wait-record, join, done");
        }
        strscpy(r->stage, sizeof(r->stage), s);
        s = member_string(o, "status", 15);
        if (!s || !one_of(s, statuses, ELEMENTSOF(statuses))) {
                report_free(r);
                return fail(err, err_size, "report: status must be one of running, done, failed");
        }
        strscpy(r->status, sizeof(r->status), s);
        s = member_string(o, "message", REPORT_MESSAGE_MAX);
        if (!s || !text_is_printable_utf8(s, strlen(s))) {
                report_free(r);
                return fail(err, err_size, "report: message must be printable UTF-8 of at most 256 bytes");
        }
        strscpy(r->message, sizeof(r->message), s);
        if (!member_int(o, "time", 0, (int64_t) 1 << 40, &r->time)) {
                report_free(r);
                return fail(err, err_size, "report: time must be Unix seconds");
        }
        if (stored) {
                if (!member_int(o, "received", 0, (int64_t) 1 << 40, &t)) {
                        report_free(r);
                        return fail(err, err_size, "report: received must be Unix seconds");
                }
                r->received = t;
        } else
                r->received = now_realtime_sec();

        if (report_serialize(r) < 0) {
                report_free(r);
                return -ENOMEM;
        }
        *ret = r;
        return 0;
}

struct cluster *store_find(struct store *st, const char *name) {
        for (size_t i = 0; i < st->n_clusters; i++)
                if (streq(st->clusters[i].name, name))
                        return &st->clusters[i];
        return NULL;
}

/* Index of node in the sorted reports, or where it would go (*found false). */
static size_t report_index(const struct cluster *c, const char *node, bool *found) {
        size_t lo = 0, hi = c->n_reports;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int cmp = strcmp(c->reports[mid]->node, node);
                if (cmp == 0) {
                        *found = true;
                        return mid;
                }
                if (cmp < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

/* Takes r. 1: added, 0: replaced, -ENOSPC: the cluster has max_nodes reports already. */
static int cluster_set_report(struct cluster *c, struct report *r, unsigned max_nodes) {
        bool found;
        size_t i = report_index(c, r->node, &found);
        struct report **p;

        if (found) {
                report_free(c->reports[i]);
                c->reports[i] = r;
                return 0;
        }
        if (c->n_reports >= max_nodes) {
                report_free(r);
                return -ENOSPC;
        }
        p = realloc(c->reports, (c->n_reports + 1) * sizeof(*p));
        if (!p) {
                report_free(r);
                return -ENOMEM;
        }
        c->reports = p;
        memmove(&p[i + 1], &p[i], (c->n_reports - i) * sizeof(*p));
        p[i] = r;
        c->n_reports++;
        return 1;
}

static int cluster_path(const struct store *st, const struct cluster *c, const char *rest, char *buf, size_t size) {
        int n = snprintf(buf, size, "%s/clusters/%s%s", st->state_dir, c->name, rest);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static void load_record(struct store *st, struct cluster *c) {
        char path[PATH_MAX], err[128];
        _cleanup_free_ char *data = NULL;
        size_t size;
        struct stat stbuf;
        int r;

        if (cluster_path(st, c, "/join.json", path, sizeof(path)) < 0)
                return;
        r = read_file_limited(path, JOIN_RECORD_MAX, &data, &size);
        if (r == -ENOENT)
                return;
        if (r < 0) {
                log_warning_errno(r, "%s: cannot read, ignored: %m", path);
                return;
        }
        if (record_check(c->name, data, size, err, sizeof(err)) < 0) {
                log_warning("%s: ignored: %s", path, err);
                return;
        }
        c->record = TAKE_PTR(data);
        c->record_size = size;
        c->record_received = stat(path, &stbuf) == 0 ? (int64_t) stbuf.st_mtime : now_realtime_sec();
}

static void load_reports(struct store *st, struct cluster *c) {
        char dir[PATH_MAX];
        DIR *d;
        struct dirent *de;

        if (cluster_path(st, c, "/nodes", dir, sizeof(dir)) < 0)
                return;
        d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        log_warning_errno(errno, "%s: cannot read, ignored: %m", dir);
                return;
        }
        while ((de = readdir(d))) {
                char node[64], path[PATH_MAX], err[128];
                _cleanup_free_ char *data = NULL;
                struct report *rep;
                size_t len = strlen(de->d_name), size;
                int r;

                if (len <= 5 || len - 5 >= sizeof(node) || !streq(de->d_name + len - 5, ".json"))
                        continue;
                memcpy(node, de->d_name, len - 5);
                node[len - 5] = 0;
                if (!name_is_valid(node))
                        continue;
                if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
                        continue;
                r = read_file_limited(path, REPORT_MAX, &data, &size);
                if (r < 0) {
                        log_warning_errno(r, "%s: cannot read, ignored: %m", path);
                        continue;
                }
                if (report_parse(node, data, size, true, &rep, err, sizeof(err)) < 0) {
                        log_warning("%s: ignored: %s", path, err);
                        continue;
                }
                if (cluster_set_report(c, rep, st->max_nodes) == -ENOSPC) {
                        log_warning("%s: ignored: more than %u nodes", path, st->max_nodes);
                        continue;
                }
        }
        closedir(d);
}

int store_open(struct store *st, const struct server_config *config) {
        *st = (struct store) { .max_nodes = config->limits.max_nodes };

        st->state_dir = strdup(config->state_dir);
        st->clusters = calloc(config->n_clusters ? config->n_clusters : 1, sizeof(*st->clusters));
        if (!st->state_dir || !st->clusters) {
                store_close(st);
                return log_error_errno(ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < config->n_clusters; i++) {
                struct cluster *c = &st->clusters[i];
                char dir[PATH_MAX];
                int r;

                strscpy(c->name, sizeof(c->name), config->clusters[i].name);
                strscpy(c->bearer, sizeof(c->bearer), config->clusters[i].bearer);
                st->n_clusters++;

                r = cluster_path(st, c, "/nodes", dir, sizeof(dir));
                if (r >= 0)
                        r = mkdir_p(dir, 0700);
                if (r < 0) {
                        log_error_errno(r, "%s/clusters/%s: cannot create the state directory: %m", st->state_dir,
                                        c->name);
                        store_close(st);
                        return r;
                }
                load_record(st, c);
                load_reports(st, c);
                log_info("cluster %s: %s, %zu node reports", c->name, c->record ? "join record loaded" : "no join record",
                         c->n_reports);
        }
        return 0;
}

void store_close(struct store *st) {
        for (size_t i = 0; st->clusters && i < st->n_clusters; i++) {
                struct cluster *c = &st->clusters[i];
                free(c->record);
                for (size_t j = 0; j < c->n_reports; j++)
                        report_free(c->reports[j]);
                free(c->reports);
        }
        free(st->clusters);
        free(st->state_dir);
        *st = (struct store) {};
}

int store_put_record(struct store *st, struct cluster *c, const char *data, size_t size, char *err, size_t err_size) {
        char path[PATH_MAX];
        char *copy;
        int r;

        r = record_check(c->name, data, size, err, err_size);
        if (r < 0)
                return r;
        r = cluster_path(st, c, "/join.json", path, sizeof(path));
        if (r < 0)
                return r;
        copy = malloc(size + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, data, size);
        copy[size] = 0;
        r = write_file_atomic(path, data, size, 0600, WRITE_ATOMIC_MKDIR);
        if (r < 0) {
                free(copy);
                return log_error_errno(r, "%s: cannot write: %m", path);
        }
        r = c->record ? 0 : 1;
        free(c->record);
        c->record = copy;
        c->record_size = size;
        c->record_received = now_realtime_sec();
        return r;
}

int store_put_report(struct store *st, struct cluster *c, const char *node, const char *data, size_t size, char *err,
                     size_t err_size) {
        char path[PATH_MAX];
        struct report *rep;
        bool found;
        int r;

        r = report_parse(node, data, size, false, &rep, err, err_size);
        if (r < 0)
                return r;
        report_index(c, node, &found);
        if (!found && c->n_reports >= st->max_nodes) {
                report_free(rep);
                snprintf(err, err_size, "cluster has reports from %u nodes already", st->max_nodes);
                return -ENOSPC;
        }
        r = cluster_path(st, c, "/nodes/", path, sizeof(path));
        if (r >= 0 && strlen(path) + strlen(node) + 6 > sizeof(path))
                r = -ENAMETOOLONG;
        if (r < 0) {
                report_free(rep);
                return r;
        }
        snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s.json", node);
        r = write_file_atomic(path, rep->json, rep->json_size, 0600, WRITE_ATOMIC_MKDIR);
        if (r < 0) {
                report_free(rep);
                return log_error_errno(r, "%s: cannot write: %m", path);
        }
        return cluster_set_report(c, rep, st->max_nodes);
}

int store_reports_json(const struct cluster *c, char **ret, size_t *ret_size) {
        struct buffer b = BUFFER_INIT(SERVER_RESPONSE_MAX);

        buffer_puts(&b, "{");
        for (size_t i = 0; i < c->n_reports; i++) {
                /* node names are [a-z0-9.-] only: nothing to escape */
                buffer_appendf(&b, "%s\"%s\":", i ? "," : "", c->reports[i]->node);
                buffer_append(&b, c->reports[i]->json, c->reports[i]->json_size);
        }
        buffer_puts(&b, "}\n");
        return buffer_steal(&b, ret, ret_size);
}

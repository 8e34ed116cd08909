/* SPDX-License-Identifier: MIT */
/* The state directory and its copy in memory: join records and progress reports per cluster. */
#include <dirent.h>
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
                        log_warning_errno(-errno, "%s: cannot read, ignored: %m", dir);
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
                return log_error_errno(-ENOMEM, "out of memory");
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

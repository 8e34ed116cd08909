/* SPDX-License-Identifier: MIT */
#include <json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exit-status.h"
#include "http.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "report/status-remote.h"
#include "time-util.h"

#define NODES_MAX (1024 * 1024)
#define MAX_ROWS 1024
#define WATCH_INTERVAL_S 3

struct row {
        const char *node, *role, *stage, *status, *message;
        int64_t time;
};

/* C1 controls (U+0080 to U+009F, "\xc2\x80" to "\xc2\x9f" in UTF-8): a terminal may act on them as on
 * ESC sequences, e.g. U+009B as CSI. string_is_safe() refuses the C0 ones. */
static bool has_c1_control(const char *s) {
        for (; *s; s++)
                if ((unsigned char) s[0] == 0xc2 && (unsigned char) s[1] >= 0x80 && (unsigned char) s[1] <= 0x9f)
                        return true;
        return false;
}

static const char *member(json_object *o, const char *key) {
        json_object *v;
        const char *s;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return "-";
        s = json_object_get_string(v);
        /* what a node reported is shown to a person: no control characters from the network */
        return s && string_is_safe(s, 256) && !has_c1_control(s) ? s : "?";
}

static int compare_rows(const void *a, const void *b) {
        return strcmp(((const struct row *) a)->node, ((const struct row *) b)->node);
}

int status_print_nodes(const char *json, size_t size, int64_t now, FILE *out, unsigned *ret_done, unsigned *ret_failed,
                       unsigned *ret_other) {
        struct row rows[MAX_ROWS];
        json_tokener *tok;
        json_object *root;
        size_t n = 0;

        *ret_done = *ret_failed = *ret_other = 0;
        if (size > NODES_MAX)
                return -EFBIG;
        tok = json_tokener_new_ex(8);
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, json, (int) size);
        json_tokener_free(tok);
        if (!root || !json_object_is_type(root, json_type_object)) {
                if (root)
                        json_object_put(root);
                return -EBADMSG;
        }
        {
                json_object_object_foreach(root, key, val) {
                        json_object *t;
                        if (n >= MAX_ROWS || !json_object_is_type(val, json_type_object))
                                continue;
                        rows[n].node = string_is_safe(key, 64) && !has_c1_control(key) ? key : "?";
                        rows[n].role = member(val, "role");
                        rows[n].stage = member(val, "stage");
                        rows[n].status = member(val, "status");
                        rows[n].message = member(val, "message");
                        rows[n].time = json_object_object_get_ex(val, "time", &t) && json_object_is_type(t, json_type_int)
                                               ? json_object_get_int64(t)
                                               : 0;
                        n++;
                }
        }
        qsort(rows, n, sizeof(rows[0]), compare_rows);
        fprintf(out, "%-16s %-13s %-12s %-8s %6s  %s\n", "NODE", "ROLE", "STAGE", "STATUS", "AGE", "MESSAGE");
        for (size_t i = 0; i < n; i++) {
                char age[32] = "-";
                if (rows[i].time > 0 && now >= rows[i].time)
                        snprintf(age, sizeof(age), "%llds", (long long) (now - rows[i].time));
                fprintf(out, "%-16s %-13s %-12s %-8s %6s  %s\n", rows[i].node, rows[i].role, rows[i].stage,
                        rows[i].status, age, rows[i].message);
                if (streq(rows[i].status, "failed"))
                        (*ret_failed)++;
                else if (streq(rows[i].status, "done") && streq(rows[i].stage, "done"))
                        (*ret_done)++;
                else
                        (*ret_other)++;
        }
        if (n == 0)
                fprintf(out, "(no node has reported yet)\n");
        json_object_put(root);
        return (int) n;
}

int status_remote(const char *endpoint, const char *cluster, bool watch, FILE *out) {
        char url[1200];
        size_t len = strlen(endpoint);

        if (snprintf(url, sizeof(url), "%s%sv1/clusters/%s/nodes", endpoint, len && endpoint[len - 1] == '/' ? "" : "/",
                     cluster) >= (int) sizeof(url)) {
                log_error("--endpoint: URL too long");
                return FB_EXIT_BAD_INPUT;
        }
        for (;;) {
                struct http_request req = { .url = url, .timeout_ms = 10000, .max_response = NODES_MAX };
                struct http_response res = {};
                unsigned done, failed, other;
                int r;

                r = http_request(&req, &res);
                if (r < 0 || res.status != 200) {
                        if (r < 0)
                                log_error("%s: %s", url, http_strerror(r));
                        else
                                log_error("%s: HTTP %ld", url, res.status);
                        http_response_done(&res);
                        if (!watch)
                                return FB_EXIT_RUNTIME;
                        sleep_ms(WATCH_INTERVAL_S * 1000);
                        continue;
                }
                if (watch && isatty(fileno(out)))
                        fputs("\033[H\033[2J", out); /* redraw in place, like watch(1) */
                r = status_print_nodes(res.body, res.size, now_realtime_sec(), out, &done, &failed, &other);
                http_response_done(&res);
                if (r < 0) {
                        log_error("%s: not a nodes document", url);
                        return FB_EXIT_RUNTIME;
                }
                fflush(out);
                if (failed > 0)
                        return FB_EXIT_RUNTIME;
                if (r > 0 && other == 0)
                        return FB_EXIT_OK;
                if (!watch)
                        return FB_EXIT_IN_PROGRESS;
                sleep_ms(WATCH_INTERVAL_S * 1000);
        }
}

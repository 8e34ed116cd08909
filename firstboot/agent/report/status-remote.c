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

#define WARNINGS_MAX_SHOWN 64

/* A field as shown: what the endpoint sent, made safe for a terminal. */
struct row {
        char node[65], role[64], stage[64], status[64], message[257];
        int64_t time;
};

/* The length of the well-formed UTF-8 sequence at s (overlong forms and surrogates refused), 0 if none. */
static size_t utf8_sequence(const unsigned char *s) {
        unsigned char lo = 0x80, hi = 0xbf;
        size_t n;

        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2;
        else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                n = 3;
                lo = s[0] == 0xe0 ? 0xa0 : 0x80;
                hi = s[0] == 0xed ? 0x9f : 0xbf;
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                n = 4;
                lo = s[0] == 0xf0 ? 0x90 : 0x80;
                hi = s[0] == 0xf4 ? 0x8f : 0xbf;
        } else
                return 0;
        if (s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++)
                if (s[i] < 0x80 || s[i] > 0xbf)
                        return 0;
        return n;
}

/* The C1 control at s, as one byte (0x80-0x9f) or as UTF-8 (U+0080-U+009F): its value, and its length
 * in *len; 0 if s holds none. */
static unsigned c1_control(const unsigned char *s, size_t *len) {
        if (s[0] >= 0x80 && s[0] <= 0x9f) {
                *len = 1;
                return s[0];
        }
        if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
                *len = 2;
                return s[1];
        }
        return 0;
}

/* Past the string of an OSC, DCS, SOS, PM or APC: up to BEL or ST (ESC \ or the C1 ST), or the end. */
static const unsigned char *skip_control_string(const unsigned char *p) {
        size_t len;

        for (; *p; p++) {
                if (*p == 0x07)
                        return p + 1;
                if (p[0] == 0x1b && p[1] == '\\')
                        return p + 2;
                if (c1_control(p, &len) == 0x9c)
                        return p + len;
        }
        return p;
}

/* Past the rest of an escape sequence whose introducer (ESC X, or the C1 control X + 0x40) is behind
 * p: CSI parameters, intermediates and final byte; a control string; or nothing more. */
static const unsigned char *skip_sequence(const unsigned char *p, unsigned char x) {
        switch (x) {
        case '[':
                while (*p >= 0x30 && *p <= 0x3f)
                        p++;
                while (*p >= 0x20 && *p <= 0x2f)
                        p++;
                return *p >= 0x40 && *p <= 0x7e ? p + 1 : p;
        case ']':
        case 'P':
        case 'X':
        case '^':
        case '_':
                return skip_control_string(p);
        default:
                return p;
        }
}

size_t terminal_text(const char *in, char *out, size_t size) {
        const unsigned char *p = (const unsigned char *) in;
        size_t n = 0, len;
        unsigned c1;

        if (size == 0)
                return 0;
        while (*p) {
                const unsigned char *from = p;
                size_t take = 0;
                char replace = 0;

                if (*p == 0x1b) {
                        p++;
                        if (*p >= 0x20 && *p <= 0x2f) { /* nF: intermediates, then one final byte */
                                while (*p >= 0x20 && *p <= 0x2f)
                                        p++;
                                if (*p >= 0x30 && *p <= 0x7e)
                                        p++;
                        } else if (*p >= 0x30 && *p <= 0x7e)
                                p = skip_sequence(p + 1, *p);
                } else if ((c1 = c1_control(p, &len)) != 0)
                        p = skip_sequence(p + len, (unsigned char) (c1 - 0x40));
                else if (*p == '\t' || *p == '\n' || *p == '\r') {
                        replace = ' '; /* one field stays on one line of the table */
                        p++;
                } else if (*p < 0x20 || *p == 0x7f)
                        p++;
                else if (*p < 0x80)
                        take = 1;
                else if ((take = utf8_sequence(p)) == 0) {
                        replace = '?'; /* not UTF-8: shown as a mark, never as a byte a terminal may act on */
                        p++;
                }
                if (replace && n + 1 < size)
                        out[n++] = replace;
                if (take > 0) {
                        if (n + take >= size)
                                break;
                        memcpy(out + n, from, take);
                        n += take;
                        p += take;
                }
        }
        out[n] = 0;
        return n;
}

static void member(json_object *o, const char *key, char *buf, size_t size) {
        json_object *v;
        const char *s;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
            !(s = json_object_get_string(v))) {
                strscpy(buf, size, "-");
                return;
        }
        /* what a node reported is shown to a person: no control sequence from the network */
        terminal_text(s, buf, size);
}

/* The JSON object a document of the endpoint must be: -EFBIG, -ENOMEM or -EBADMSG if it is not. */
static int parse_object(const char *json, size_t size, json_object **ret) {
        json_tokener *tok;
        json_object *root;

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
        *ret = root;
        return 0;
}

static int compare_rows(const void *a, const void *b) {
        return strcmp(((const struct row *) a)->node, ((const struct row *) b)->node);
}

int status_print_nodes(const char *json, size_t size, int64_t now, FILE *out, unsigned *ret_done, unsigned *ret_failed,
                       unsigned *ret_other) {
        _cleanup_free_ struct row *rows = NULL;
        json_object *root;
        size_t n = 0;
        int r;

        *ret_done = *ret_failed = *ret_other = 0;
        r = parse_object(json, size, &root);
        if (r < 0)
                return r;
        rows = calloc(MAX_ROWS, sizeof(*rows));
        if (!rows) {
                json_object_put(root);
                return -ENOMEM;
        }
        {
                json_object_object_foreach(root, key, val) {
                        json_object *t;
                        if (n >= MAX_ROWS || !json_object_is_type(val, json_type_object))
                                continue;
                        terminal_text(key, rows[n].node, sizeof(rows[n].node));
                        member(val, "role", rows[n].role, sizeof(rows[n].role));
                        member(val, "stage", rows[n].stage, sizeof(rows[n].stage));
                        member(val, "status", rows[n].status, sizeof(rows[n].status));
                        member(val, "message", rows[n].message, sizeof(rows[n].message));
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

int status_print_warnings(const char *json, size_t size, FILE *out) {
        json_object *root, *list, *total;
        size_t n;
        int r;

        r = parse_object(json, size, &root);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(root, "warnings", &list) || !json_object_is_type(list, json_type_array)) {
                json_object_put(root);
                return -EBADMSG;
        }
        n = (size_t) json_object_array_length(list);
        if (n > 0) {
                long long count = json_object_object_get_ex(root, "total", &total) &&
                                                  json_object_is_type(total, json_type_int)
                                          ? (long long) json_object_get_int64(total)
                                          : (long long) n;
                fprintf(out, "WARNING: the endpoint refused %lld seed fetch%s (newest first):\n", count,
                        count == 1 ? "" : "es");
        }
        for (size_t i = 0; i < n && i < WARNINGS_MAX_SHOWN; i++) {
                json_object *w = json_object_array_get_idx(list, (int) i), *t;
                char node[65], file[32], client[32], reason[257], when[32] = "-";
                struct tm tm;
                time_t at;

                if (!w || !json_object_is_type(w, json_type_object))
                        continue;
                member(w, "node", node, sizeof(node));
                member(w, "file", file, sizeof(file));
                member(w, "client", client, sizeof(client));
                member(w, "reason", reason, sizeof(reason));
                if (json_object_object_get_ex(w, "time", &t) && json_object_is_type(t, json_type_int)) {
                        at = (time_t) json_object_get_int64(t);
                        if (gmtime_r(&at, &tm))
                                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
                }
                fprintf(out, "  %s  %s/%s from %s: %s\n", when, node, file, client, reason);
        }
        json_object_put(root);
        return (int) n;
}

/* GET v1/warnings: refused seed fetches, shown under the table. An endpoint without the path (an
 * older server, or nginx) shows nothing. */
static void show_warnings(const char *endpoint, FILE *out) {
        char url[1200];
        size_t len = strlen(endpoint);
        struct http_request req = { .url = url, .timeout_ms = 10000, .max_response = NODES_MAX };
        struct http_response res = {};

        if (snprintf(url, sizeof(url), "%s%sv1/warnings", endpoint, len && endpoint[len - 1] == '/' ? "" : "/") >=
            (int) sizeof(url))
                return;
        if (http_request(&req, &res) == 0 && res.status == 200 && status_print_warnings(res.body, res.size, out) < 0)
                log_warning("%s: not a warnings document", url);
        http_response_done(&res);
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
                show_warnings(endpoint, out);
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

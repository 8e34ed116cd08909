/* SPDX-License-Identifier: MIT */
/* GET /: where every node is, for people. Everything that came from a client is HTML-escaped. */
#include <stdio.h>

#include "server-util.h"
#include "time-util.h"
#include "server.h"

#define REFRESH_SECONDS 5

static void cell(struct buffer *b, const char *text) {
        buffer_puts(b, "<td>");
        buffer_put_html(b, text);
        buffer_puts(b, "</td>");
}

static void cluster_section(struct buffer *b, const struct cluster *c, int64_t now) {
        char when[32];

        buffer_puts(b, "<h2>Cluster ");
        buffer_put_html(b, c->name);
        buffer_puts(b, "</h2>\n<p>Join record: ");
        if (c->record) {
                format_utc(c->record_received, when, sizeof(when));
                buffer_appendf(b, "published %s (%zu bytes, sealed)", when, c->record_size);
        } else
                buffer_puts(b, "not published yet");
        buffer_appendf(b, ". Waiting for it: %u.</p>\n", c->n_waiters);

        if (c->n_reports == 0) {
                buffer_puts(b, "<p>No node has reported yet.</p>\n");
                return;
        }
        buffer_puts(b, "<table>\n<tr><th>node</th><th>role</th><th>stage</th><th>status</th><th>time</th>"
                       "<th>last report</th><th>last message</th></tr>\n");
        for (size_t i = 0; i < c->n_reports; i++) {
                const struct report *r = c->reports[i];
                char ago[32];
                int64_t age = now - r->received;

                buffer_puts(b, "<tr class=\"");
                buffer_put_html(b, r->status);
                buffer_puts(b, "\">");
                cell(b, r->node);
                cell(b, r->role);
                cell(b, r->stage);
                cell(b, r->status);
                format_utc(r->time, when, sizeof(when));
                cell(b, when);
                if (age < 0)
                        age = 0;
                snprintf(ago, sizeof(ago), "%llds ago", (long long) age);
                cell(b, ago);
                cell(b, r->message);
                buffer_puts(b, "</tr>\n");
        }
        buffer_puts(b, "</table>\n");
}

/* Refused fetches of secret seed files: a stranger trying, or a node whose user-data went out
 * already (to it, or to someone faster) and that needs the operator. */
static void seed_warnings_section(struct buffer *b, const struct seed_warnings *w) {
        char when[32];

        if (w->count == 0)
                return;
        buffer_appendf(b, "<h2 class=\"warning\">Seed access refused: <span id=\"seed-warnings\">%llu</span></h2>\n",
                       (unsigned long long) w->total);
        buffer_puts(b, "<table>\n<tr><th>time</th><th>node</th><th>file</th><th>client</th><th>why</th></tr>\n");
        for (size_t i = 0; i < w->count; i++) {
                const struct seed_warning *item = seed_warning_nth(w, i);

                format_utc(item->time, when, sizeof(when));
                buffer_puts(b, "<tr class=\"failed\">");
                cell(b, when);
                cell(b, item->node);
                cell(b, item->file);
                cell(b, item->client);
                cell(b, item->reason);
                buffer_puts(b, "</tr>\n");
        }
        buffer_appendf(b, "</table>\n<p>The last %d are kept. A node refused with \"already served\" gets its "
                          "user-data again after <code>kube-firstboot-server --config FILE --rearm NODE</code>.</p>\n",
                       SEED_WARNINGS_MAX);
}

int status_page(const struct server *s, char **ret, size_t *ret_size) {
        struct buffer b = BUFFER_INIT(SERVER_RESPONSE_MAX);
        int64_t now = now_realtime_sec();
        char when[32];

        buffer_appendf(&b,
                       "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                       "<meta http-equiv=\"refresh\" content=\"%d\">"
                       "<title>kube-firstboot</title>\n<style>"
                       "body{font-family:sans-serif;margin:1em 2em}"
                       "table{border-collapse:collapse}"
                       "th,td{border:1px solid #bbb;padding:.2em .6em;text-align:left}"
                       "tr.done td{background:#e6f4e6}tr.failed td{background:#f8dddd}tr.running td{background:#fdf6dc}"
                       "</style></head>\n<body>\n<h1>kube-firstboot</h1>\n",
                       REFRESH_SECONDS);
        format_utc(now, when, sizeof(when));
        buffer_appendf(&b, "<p>Server time %s. Long polls waiting: <span id=\"waiters\">%u</span>.</p>\n", when,
                       s->waiters.n_waiting);
        seed_warnings_section(&b, &s->seed_warnings);
        if (s->store.n_clusters == 0)
                buffer_puts(&b, "<p>No cluster is configured.</p>\n");
        for (size_t i = 0; i < s->store.n_clusters; i++)
                cluster_section(&b, &s->store.clusters[i], now);
        buffer_appendf(&b, "<p><small>kube-firstboot-server %s</small></p>\n</body></html>\n", VERSION);
        return buffer_steal(&b, ret, ret_size);
}

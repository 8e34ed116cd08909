/* SPDX-License-Identifier: MIT */
/* GET /: where every node is, for people. Everything that came from a client is HTML-escaped. */
#include <stdio.h>

#include "server-util.h"
#include "server.h"

#define REFRESH_SECONDS 5

static void cell(struct strbuf *b, const char *text) {
        strbuf_puts(b, "<td>");
        strbuf_put_html(b, text);
        strbuf_puts(b, "</td>");
}

static void cluster_section(struct strbuf *b, const struct cluster *c, int64_t now) {
        char when[32];

        strbuf_puts(b, "<h2>Cluster ");
        strbuf_put_html(b, c->name);
        strbuf_puts(b, "</h2>\n<p>Join record: ");
        if (c->record) {
                format_utc(c->record_received, when, sizeof(when));
                strbuf_printf(b, "published %s (%zu bytes, sealed)", when, c->record_size);
        } else
                strbuf_puts(b, "not published yet");
        strbuf_printf(b, ". Waiting for it: %u.</p>\n", c->n_waiters);

        if (c->n_reports == 0) {
                strbuf_puts(b, "<p>No node has reported yet.</p>\n");
                return;
        }
        strbuf_puts(b, "<table>\n<tr><th>node</th><th>role</th><th>stage</th><th>status</th><th>time</th>"
                       "<th>last report</th><th>last message</th></tr>\n");
        for (size_t i = 0; i < c->n_reports; i++) {
                const struct report *r = c->reports[i];
                char ago[32];
                int64_t age = now - r->received;

                strbuf_puts(b, "<tr class=\"");
                strbuf_put_html(b, r->status);
                strbuf_puts(b, "\">");
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
                strbuf_puts(b, "</tr>\n");
        }
        strbuf_puts(b, "</table>\n");
}

int status_page(const struct server *s, char **ret, size_t *ret_size) {
        struct strbuf b = {};
        int64_t now = wall_time();
        char when[32];

        strbuf_printf(&b,
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
        strbuf_printf(&b, "<p>Server time %s. Long polls waiting: <span id=\"waiters\">%u</span>.</p>\n", when,
                      s->waiters.n_waiting);
        if (s->store.n_clusters == 0)
                strbuf_puts(&b, "<p>No cluster is configured.</p>\n");
        for (size_t i = 0; i < s->store.n_clusters; i++)
                cluster_section(&b, &s->store.clusters[i], now);
        strbuf_printf(&b, "<p><small>kube-firstboot-server %s</small></p>\n</body></html>\n", VERSION);
        return strbuf_finish(&b, ret, ret_size);
}

/* SPDX-License-Identifier: MIT */
/* libFuzzer target: what kube-firstboot-server does with a request before any response goes out.
 *
 * Input: "TARGET\nAUTHORIZATION\nBODY". TARGET is the request target as a client sends it (path,
 * %-escapes, query); it goes through the server's own unescaper (http_unescape) and router
 * (route_parse), and, when it routes to a seed or a /ks/ or /repo/ file, through open_beneath() on a
 * fixture tree with symbolic links and a FIFO pointing out of it. AUTHORIZATION is compared with the
 * cluster's bearer. BODY goes through both write validators, record_check() and report_parse(),
 * whatever the route, so that JSON mutations are not held back by the path.
 *
 * It checks the promises the rest of the server relies on: a routed path has no empty, dot or
 * over-long segment and only the fixed character set; a file it opens is a regular file inside its
 * root; a report that passes serialises to JSON that passes again, unchanged; the log and HTML
 * escapers emit only what they promise. libmicrohttpd's own request parsing is not fuzzed here (the
 * server sees what it has parsed: a method, a path, headers). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "server-files.h"
#include "server-route.h"
#include "server-util.h"
#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BEARER "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct server fz_server;
static struct server_config fz_config;
static struct cluster fz_clusters[2];
static char fz_top[64];

static void fz_write(const char *path, const char *text) {
        FILE *f = fopen(path, "we");
        if (!f || fputs(text, f) < 0 || fclose(f) != 0)
                abort();
}

static void fz_cleanup(void) {
        char cmd[128];
        /* only the directory mkdtemp() made for this process */
        if (fz_top[0] && snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_top) < (int) sizeof(cmd))
                (void) !system(cmd);
}

/* seeds/, ks/ and repo/ as tests/lib/server.sh's server_fixture lays them out: files, links out of
 * the tree, a FIFO, a hidden file, a secret next door. */
static void fz_setup(void) {
        const char *tmp = getenv("TMPDIR");
        char p[PATH_MAX], q[PATH_MAX];
        static const char *const dirs[] = { "seeds", "seeds/node-1", "seeds/node-2", "ks", "ks/sub", "repo",
                                            "repo/repodata", "outside" };

        snprintf(fz_top, sizeof(fz_top), "%s/fuzz-server-route.XXXXXX", tmp && strlen(tmp) < 30 ? tmp : "/tmp");
        if (!mkdtemp(fz_top))
                abort();
        atexit(fz_cleanup);
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                snprintf(p, sizeof(p), "%s/%s", fz_top, dirs[i]);
                if (mkdir(p, 0755) < 0)
                        abort();
        }
#define FZ_FILE(rel, text) (snprintf(p, sizeof(p), "%s/" rel, fz_top), fz_write(p, text))
#define FZ_LINK(target, rel) (snprintf(q, sizeof(q), "%s/" target, fz_top), snprintf(p, sizeof(p), "%s/" rel, fz_top), \
                              symlink(q, p) < 0 ? abort() : (void) 0)
        FZ_FILE("seeds/node-1/meta-data", "instance-id: iid-node-1\n");
        FZ_FILE("seeds/node-1/user-data", "#cloud-config\n");
        FZ_FILE("seeds/node-1/network-config", "version: 2\n");
        FZ_FILE("seeds/node-1/vendor-data", "#cloud-config\n");
        FZ_FILE("seeds/node-2/meta-data", "instance-id: iid-node-2\n");
        FZ_FILE("ks/node-1.cfg", "install\n");
        FZ_FILE("ks/sub/a.cfg", "sub\n");
        FZ_FILE("ks/.hidden", "x\n");
        FZ_FILE("repo/kubeadm.rpm", "rpm\n");
        FZ_FILE("repo/repodata/repomd.xml", "<repomd/>\n");
        FZ_FILE("outside/secret", "secret\n");
        FZ_LINK("outside/secret", "ks/evil-link");
        FZ_LINK("outside", "ks/dir-link");
        FZ_LINK("outside/secret", "seeds/node-2/vendor-data");
        FZ_LINK("outside", "repo/up");
        snprintf(p, sizeof(p), "%s/ks/fifo", fz_top);
        if (mkfifo(p, 0644) < 0)
                abort();

        server_config_init(&fz_config);
        free(fz_config.seed_dir);
        if (asprintf(&fz_config.seed_dir, "%s/seeds", fz_top) < 0 || asprintf(&fz_config.ks_dir, "%s/ks", fz_top) < 0 ||
            asprintf(&fz_config.repo_dir, "%s/repo", fz_top) < 0)
                abort();
        strscpy(fz_clusters[0].name, sizeof(fz_clusters[0].name), "lab");
        strscpy(fz_clusters[0].bearer, sizeof(fz_clusters[0].bearer), BEARER);
        strscpy(fz_clusters[1].name, sizeof(fz_clusters[1].name), "lab-2.example");
        strscpy(fz_clusters[1].bearer, sizeof(fz_clusters[1].bearer), BEARER);
        fz_server.config = &fz_config;
        fz_server.store.clusters = fz_clusters;
        fz_server.store.n_clusters = ELEMENTSOF(fz_clusters);
        fz_server.store.max_nodes = 16;
}

/* A path below a root as route_parse() promises it: "seg/seg/...", each segment non-empty, not
 * starting with '.', at most SEGMENT_MAX long, of path characters only. */
static void fz_check_rest(const char *rest) {
        const char *p = rest;

        if (!*p)
                abort();
        for (;;) {
                size_t n = strcspn(p, "/");
                if (n == 0 || n > SEGMENT_MAX || p[0] == '.')
                        abort();
                for (size_t i = 0; i < n; i++)
                        if (!path_char_ok((unsigned char) p[i]) || p[i] == '/')
                                abort();
                if (!p[n])
                        break;
                p += n + 1;
        }
}

/* A file open_beneath() hands out is a regular file inside root, never the secret beside it. */
static void fz_check_open(const char *root, const char *rest) {
        char link[64], target[PATH_MAX];
        struct stat st;
        ssize_t n;
        size_t root_len = strlen(root);
        int fd = open_beneath(root, rest, &st);

        if (fd < 0)
                return;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
                abort();
        target[n] = 0;
        if (!S_ISREG(st.st_mode) || strncmp(target, root, root_len) != 0 || target[root_len] != '/' ||
            strstr(target, "/outside/"))
                abort();
        close(fd);
}

/* what escape_for_log() may write: its safe set, %XX escapes and the "..." of a cut */
static bool fz_log_char(unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("/._-~+:@,%", c);
}

static void fz_route(char *target) {
        struct route_match match = {};
        char *query = strchr(target, '?'), log_buf[200];
        size_t len, n;
        unsigned status;

        if (query)
                *query = 0;
        len = strlen(target);
        n = http_unescape(NULL, NULL, target);
        if (n > len || strlen(target) != n)
                abort();

        escape_for_log(target, log_buf, sizeof(log_buf));
        if (strlen(log_buf) >= sizeof(log_buf))
                abort();
        for (const char *c = log_buf; *c; c++)
                if (!fz_log_char((unsigned char) *c))
                        abort();

        status = route_parse(&fz_config, &fz_server.store, target, &match);
        if (status != 0 && status != 400 && status != 404 && status != 500)
                abort();
        if (status == 0) {
                /* a routed path is made of path characters and has no dot segment */
                if (strstr(target, "/.") || strstr(target, "//"))
                        abort();
                switch (match.route) {
                case ROUTE_STATUS:
                        if (!streq(target, "/"))
                                abort();
                        break;
                case ROUTE_SEED:
                        if (!name_is_valid(match.node) || match.static_root != fz_config.seed_dir)
                                abort();
                        fz_check_rest(match.static_rest);
                        fz_check_open(match.static_root, match.static_rest);
                        break;
                case ROUTE_STATIC:
                        if (match.static_root != fz_config.ks_dir && match.static_root != fz_config.repo_dir)
                                abort();
                        fz_check_rest(match.static_rest);
                        fz_check_open(match.static_root, match.static_rest);
                        break;
                case ROUTE_NODE:
                        if (!name_is_valid(match.node) || !match.cluster)
                                abort();
                        break;
                case ROUTE_JOIN:
                case ROUTE_NODES:
                        if (!match.cluster || !name_is_valid(match.cluster->name))
                                abort();
                        break;
                default:
                        abort();
                }
        }
        route_match_done(&match);
}

static void fz_body(const char *body, size_t size) {
        char err[192];
        struct report *r = NULL, *again = NULL;
        struct buffer b = BUFFER_INIT(SERVER_RESPONSE_MAX);
        char *html = NULL;

        if (record_check("lab", body, size, err, sizeof(err)) == 0 && size > JOIN_RECORD_MAX)
                abort();

        if (report_parse("node-1", body, size, false, &r, err, sizeof(err)) == 0) {
                if (!text_is_printable_utf8(r->message, strlen(r->message)) || !r->json)
                        abort();
                /* what GET .../nodes serves and the state file keeps parses back to the same */
                if (report_parse("node-1", r->json, r->json_size, true, &again, err, sizeof(err)) != 0 ||
                    !streq(again->json, r->json))
                        abort();
                buffer_put_html(&b, r->message);
                if (buffer_steal(&b, &html, NULL) < 0 || strpbrk(html, "<>\"'"))
                        abort();
                free(html);
                report_free(again);
                report_free(r);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *nl, *nl2, *end = (const char *) data + size;
        char *target, *auth;

        if (size > 2 * JOIN_RECORD_MAX)
                return 0;
        if (!fz_top[0]) {
                log_set_max_level(LOG_CRIT);
                fz_setup();
        }
        nl = memchr(data, '\n', size);
        if (!nl)
                nl = end;
        target = strndup((const char *) data, (size_t) (nl - (const char *) data));
        if (!target)
                return 0;
        fz_route(target);
        free(target);
        if (nl == end)
                return 0;

        nl2 = memchr(nl + 1, '\n', (size_t) (end - nl - 1));
        if (!nl2)
                nl2 = end;
        auth = strndup(nl + 1, (size_t) (nl2 - nl - 1));
        if (!auth)
                return 0;
        if (secret_equal(BEARER, auth) != streq(BEARER, auth))
                abort();
        free(auth);
        if (nl2 != end)
                fz_body(nl2 + 1, (size_t) (end - nl2 - 1));
        return 0;
}

/* SPDX-License-Identifier: MIT */
/* kube-firstboot-server's route table: which path names what, which methods each route answers and
 * the Allow header of its 405, every refusal of a malformed path, and the unescaper in front of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit-test.h"

#include "macro.h"
#include "server-route.h"
#include "server.h"

static struct server_config config;
static struct cluster clusters[2];
static struct store store;

static int setup(void **state) {
        server_config_init(&config);
        assert_int_equal(config_set_string(&config.seed_dir, "/srv/seeds"), 0);
        assert_int_equal(config_set_string(&config.ks_dir, "/srv/ks"), 0);
        config.repo_dir = NULL; /* /repo/ not served */
        strscpy(clusters[0].name, sizeof(clusters[0].name), "lab");
        strscpy(clusters[1].name, sizeof(clusters[1].name), "lab-2.example");
        store = (struct store) { .clusters = clusters, .n_clusters = ELEMENTSOF(clusters) };
        return 0;
}

static int teardown(void **state) {
        server_config_done(&config);
        return 0;
}

/* Routes url, checks the status, and returns the match (freed by the caller). */
static struct route_match route(const char *url, unsigned expected_status) {
        struct route_match m = {};
        unsigned status = route_parse(&config, &store, url, &m);

        if (status != expected_status)
                fail_msg("%s: status %u, expected %u", url, status, expected_status);
        return m;
}

static void test_status_page(void **state) {
        struct route_match m = route("/", 0);

        assert_int_equal(m.route, ROUTE_STATUS);
        assert_null(m.static_rest);
}

static void test_seeds(void **state) {
        static const char *const files[] = { "meta-data", "user-data", "network-config", "vendor-data" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                char url[128], rest[64];
                struct route_match m;

                snprintf(url, sizeof(url), "/v1/seeds/node-1/%s", files[i]);
                snprintf(rest, sizeof(rest), "node-1/%s", files[i]);
                m = route(url, 0);
                assert_int_equal(m.route, ROUTE_SEED);
                assert_string_equal(m.node, "node-1");
                assert_ptr_equal(m.static_root, config.seed_dir);
                assert_string_equal(m.static_rest, rest);
                route_match_done(&m);
                assert_null(m.static_rest);
        }
        route("/v1/seeds/node-1/other-data", 404);
        route("/v1/seeds/node-1", 404);
        route("/v1/seeds/node-1/meta-data/more", 404);
        route("/v1/seeds/Node-1/meta-data", 400);     /* names are lower case */
        route("/v1/seeds/-node/meta-data", 400);
        route("/v1/seeds/node_1/meta-data", 400);
}

static void test_static_trees(void **state) {
        struct route_match m = route("/ks/node-1.cfg", 0);

        assert_int_equal(m.route, ROUTE_STATIC);
        assert_ptr_equal(m.static_root, config.ks_dir);
        assert_string_equal(m.static_rest, "node-1.cfg");
        route_match_done(&m);

        m = route("/ks/sub/dir/a.cfg", 0);
        assert_int_equal(m.route, ROUTE_STATIC);
        assert_string_equal(m.static_rest, "sub/dir/a.cfg");
        route_match_done(&m);

        /* a tree the config does not serve, directories (no listings), the bare prefix */
        route("/repo/kubeadm.rpm", 404);
        route("/ks/", 404);
        route("/ks/sub/", 404);
        route("/ks", 404);
}

static void test_clusters(void **state) {
        struct route_match m = route("/v1/clusters/lab/join", 0);

        assert_int_equal(m.route, ROUTE_JOIN);
        assert_ptr_equal(m.cluster, &clusters[0]);

        m = route("/v1/clusters/lab-2.example/nodes", 0);
        assert_int_equal(m.route, ROUTE_NODES);
        assert_ptr_equal(m.cluster, &clusters[1]);

        m = route("/v1/clusters/lab/nodes/node-3", 0);
        assert_int_equal(m.route, ROUTE_NODE);
        assert_ptr_equal(m.cluster, &clusters[0]);
        assert_string_equal(m.node, "node-3");
        assert_null(m.static_rest);

        route("/v1/clusters/other/join", 404);        /* not configured */
        route("/v1/clusters/lab/record", 404);
        route("/v1/clusters/lab/join/more", 404);
        route("/v1/clusters/lab/nodes/node-1/more", 404);
        route("/v1/clusters/lab", 404);
        route("/v1/clusters/LAB/join", 400);
        route("/v1/clusters/lab/nodes/Node-1", 400);
        route("/v2/clusters/lab/join", 404);
}

static void test_refusals(void **state) {
        char url[URL_MAX + 2], segment[SEGMENT_MAX + 2];
        struct route_match m;

        route("", 400);
        route("v1/seeds/node-1/meta-data", 400);
        route("//", 400);
        route("/v1//seeds/node-1/meta-data", 400);
        route("/ks/../etc/passwd", 400);
        route("/ks/./a.cfg", 400);
        route("/ks/.hidden", 400);
        route("/ks/a.cfg?x=1", 400);                  /* the query is not part of the path */
        route("/ks/a%2e.cfg", 400);                   /* an escape the unescaper left */
        route("/ks/a b.cfg", 400);
        route("/ks/a\\b.cfg", 400);
        route("/ks/a\x7f.cfg", 400);                  /* what "%00" becomes */
        route("/ks/caf\xc3\xa9.cfg", 400);

        /* at most SEGMENTS_MAX segments */
        m = route("/ks/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15", 0);
        assert_string_equal(m.static_rest, "1/2/3/4/5/6/7/8/9/10/11/12/13/14/15");
        route_match_done(&m);
        route("/ks/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16", 400);

        /* segments of at most SEGMENT_MAX bytes */
        memset(segment, 'a', SEGMENT_MAX);
        segment[SEGMENT_MAX] = 0;
        snprintf(url, sizeof(url), "/ks/%s", segment);
        m = route(url, 0);
        route_match_done(&m);
        strcat(segment, "a");
        snprintf(url, sizeof(url), "/ks/%s", segment);
        route(url, 400);

        /* paths of at most URL_MAX bytes */
        memset(url, 'a', sizeof(url) - 1);
        url[sizeof(url) - 1] = 0;
        url[0] = '/';
        route(url, 400);
}

static void test_methods(void **state) {
        static const struct {
                enum route route;
                bool get, put;
                const char *allow;
        } table[] = {
                { ROUTE_STATUS, true, false, "GET, HEAD" },
                { ROUTE_SEED, true, false, "GET, HEAD" },
                { ROUTE_STATIC, true, false, "GET, HEAD" },
                { ROUTE_JOIN, true, true, "GET, HEAD, PUT" },
                { ROUTE_NODES, true, false, "GET, HEAD" },
                { ROUTE_NODE, false, true, "PUT" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                assert_int_equal(route_allows(table[i].route, METHOD_GET), table[i].get);
                assert_int_equal(route_allows(table[i].route, METHOD_HEAD), table[i].get);
                assert_int_equal(route_allows(table[i].route, METHOD_PUT), table[i].put);
                assert_false(route_allows(table[i].route, METHOD_OTHER));
                assert_string_equal(route_allow_header(table[i].route), table[i].allow);
        }
        assert_false(route_allows(ROUTE_NONE, METHOD_GET));

        assert_int_equal(method_parse("GET"), METHOD_GET);
        assert_int_equal(method_parse("HEAD"), METHOD_HEAD);
        assert_int_equal(method_parse("PUT"), METHOD_PUT);
        assert_int_equal(method_parse("get"), METHOD_OTHER);
        assert_int_equal(method_parse("POST"), METHOD_OTHER);
        assert_int_equal(method_parse("DELETE"), METHOD_OTHER);
        assert_int_equal(method_parse(""), METHOD_OTHER);
}

static void unescape(const char *in, const char *expected) {
        char buf[64];
        size_t n;

        strscpy(buf, sizeof(buf), in);
        n = http_unescape(NULL, NULL, buf);
        assert_string_equal(buf, expected);
        assert_int_equal(n, strlen(expected));
}

static void test_unescape(void **state) {
        unescape("/ks/a.cfg", "/ks/a.cfg");
        unescape("/ks/%61%2E%63fg", "/ks/a.cfg");
        unescape("/ks/%2e%2e/x", "/ks/../x");
        unescape("/ks/a%00b", "/ks/a\x7f" "b");       /* cannot cut the path short */
        unescape("/ks/100%", "/ks/100%");             /* a lone '%' stays, and the router refuses it */
        unescape("/ks/%zz%4", "/ks/%zz%4");
        route("/ks/a\x7f" "b", 400);
        route("/ks/100%", 400);
}

UNIT_TEST_MAIN(setup, teardown, test_status_page, test_seeds, test_static_trees, test_clusters, test_refusals,
               test_methods, test_unescape)

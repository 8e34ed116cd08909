/* SPDX-License-Identifier: MIT */
/* kube-firstboot-server's config file parser: every key and its default, durations, and each error
 * with its exact "FILE:LINE:COLUMN: FIELD: what is wrong" line (docs/kube-firstboot-server.8), every
 * error of a file in one run, a bearer never echoed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit-test.h"

#include "log-capture.h"
#include "log.h"
#include "macro.h"
#include "server-config.h"
#include "text-assert.h"

#define BEARER "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int parse(struct server_config *c, const char *text) {
        server_config_init(c);
        return server_config_parse(c, text, strlen(text), "c.yaml");
}

/* Every limit, field by field, so that a failure names the one that differs. */
static void assert_limits(const struct server_limits *got, const struct server_limits *want) {
        assert_int_equal(got->max_body, want->max_body);
        assert_int_equal(got->max_connections, want->max_connections);
        assert_int_equal(got->max_per_ip, want->max_per_ip);
        assert_int_equal(got->connection_timeout, want->connection_timeout);
        assert_int_equal(got->header_timeout, want->header_timeout);
        assert_int_equal(got->request_timeout, want->request_timeout);
        assert_int_equal(got->max_wait, want->max_wait);
        assert_int_equal(got->max_nodes, want->max_nodes);
        assert_int_equal(got->connection_memory, want->connection_memory);
}

static void test_defaults(void **state) {
        static const struct server_limits defaults = {
                .max_body = 65536, .max_connections = 1024, .max_per_ip = 64,
                .connection_timeout = 15, .header_timeout = 10, .request_timeout = 30,
                .max_wait = 60, .max_nodes = 1024, .connection_memory = 16384,
        };
        struct server_config c;

        assert_int_equal(parse(&c, ""), 0);
        assert_int_equal(c.listen_addr, 0);
        assert_int_equal(c.listen_port, SERVER_DEFAULT_PORT);
        assert_string_equal(c.seed_dir, "/var/lib/kube-firstboot-server/seeds");
        assert_string_equal(c.state_dir, "/var/lib/kube-firstboot-server/state");
        assert_null(c.ks_dir);
        assert_null(c.repo_dir);
        assert_true(c.access_log);
        assert_int_equal(c.n_clusters, 0);
        assert_limits(&c.limits, &defaults);
        server_config_done(&c);

        /* a document of comments only is empty too */
        assert_int_equal(parse(&c, "# nothing here\n"), 0);
        assert_int_equal(c.listen_port, SERVER_DEFAULT_PORT);
        server_config_done(&c);
}

static void test_every_key(void **state) {
        static const struct server_limits limits = {
                .max_body = 2048, .max_connections = 10, .max_per_ip = 0,
                .connection_timeout = 60, .header_timeout = 5, .request_timeout = 3600,
                .max_wait = 0, .max_nodes = 7, .connection_memory = 4096,
        };
        struct server_config c;
        static const char text[] = "listen: 127.0.0.1:9000\n"
                                   "seed_dir: /srv/seeds\n"
                                   "ks_dir: /srv/ks\n"
                                   "repo_dir: /srv/repo\n"
                                   "state_dir: /srv/state\n"
                                   "access_log: false\n"
                                   "clusters:\n"
                                   "  - name: lab\n"
                                   "    bearer: " BEARER "\n"
                                   "  - {name: lab-2.example, bearer: " BEARER "}\n"
                                   "limits:\n"
                                   "  max_body: 2048\n"
                                   "  max_connections: 10\n"
                                   "  max_connections_per_ip: 0\n"
                                   "  connection_timeout: 1m\n"
                                   "  header_timeout: 5s\n"
                                   "  request_timeout: 1h\n"
                                   "  max_wait: 0\n"
                                   "  max_nodes: 7\n"
                                   "  connection_memory: 4096\n";

        assert_int_equal(parse(&c, text), 0);
        assert_int_equal(c.listen_addr, 0x7f000001);
        assert_int_equal(c.listen_port, 9000);
        assert_string_equal(c.seed_dir, "/srv/seeds");
        assert_string_equal(c.ks_dir, "/srv/ks");
        assert_string_equal(c.repo_dir, "/srv/repo");
        assert_string_equal(c.state_dir, "/srv/state");
        assert_false(c.access_log);
        assert_int_equal(c.n_clusters, 2);
        assert_string_equal(c.clusters[0].name, "lab");
        assert_string_equal(c.clusters[0].bearer, BEARER);
        assert_string_equal(c.clusters[1].name, "lab-2.example");
        assert_limits(&c.limits, &limits);
        server_config_done(&c);

        /* "*:PORT" and ":PORT" mean every address */
        assert_int_equal(parse(&c, "listen: '*:81'\n"), 0);
        assert_int_equal(c.listen_addr, 0);
        assert_int_equal(c.listen_port, 81);
        server_config_done(&c);
        assert_int_equal(parse(&c, "listen: :82\n"), 0);
        assert_int_equal(c.listen_port, 82);
        server_config_done(&c);
        /* an empty list: no clusters */
        assert_int_equal(parse(&c, "clusters: []\n"), 0);
        assert_int_equal(c.n_clusters, 0);
        server_config_done(&c);
}

/* The parse fails with -EINVAL; returns its log (valid until the next capture). */
static const char *parse_refused(const char *text) {
        struct server_config c;
        const char *log;
        int r;

        log_capture_start();
        r = parse(&c, text);
        log = log_capture_end();
        server_config_done(&c);
        if (r != -EINVAL)
                fail_msg("%s: returned %d, expected -EINVAL; log:\n%s", text, r, log);
        return log;
}

/* The parse fails with exactly one error line, expected. */
static void expect_error(const char *text, const char *expected) {
        const char *log = parse_refused(text);

        if (!strstr(log, expected) || strchr(log, '\n') != log + strlen(log) - 1)
                fail_msg("expected one line:\n  %s\nlog was:\n%s", expected, log);
}

static void test_tls(void **state) {
        struct server_config c;

        assert_int_equal(parse(&c, "listen: 0.0.0.0:8443\n"), 0);
        assert_null(c.tls_cert);
        assert_null(c.tls_key);
        server_config_done(&c);

        assert_int_equal(parse(&c, "tls:\n  cert: /srv/lab/tls/server.pem\n  key: \"/srv/lab/tls/server.key\"\n"), 0);
        assert_string_equal(c.tls_cert, "/srv/lab/tls/server.pem");
        assert_string_equal(c.tls_key, "/srv/lab/tls/server.key");
        assert_null(c.tls); /* set by main() once the files are read */
        server_config_done(&c);
}

static void test_errors(void **state) {
        static const struct {
                const char *text, *expected;
        } cases[] = {
                /* keys */
                { "listen: 127.0.0.1:1\ncolour: blue\n",
                  "c.yaml:2:1: colour: unknown key (known keys: listen, seed_dir, ks_dir, repo_dir, state_dir, "
                  "access_log, clusters, nodes, limits, tls)\n" },
                { "state-dir: /srv\n", "c.yaml:1:1: state-dir: unknown key; did you mean state_dir?\n" },
                { "listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n", "c.yaml:2:1: duplicate key \"listen\" (first at line 1 column 1)\n" },
                { "limits:\n  max_wait: 5s\n  bogus: 1\n", "c.yaml:3:3: bogus: unknown key in limits\n" },
                { "clusters:\n  - name: lab\n    colour: blue\n",
                  "c.yaml:3:5: clusters.colour: unknown key (known keys: name, bearer)\n" },
                { "[1, 2]\n", "c.yaml:1:1: expected a mapping (key: value), got a list\n" },
                { "? [a]\n: 1\n", "c.yaml:1:3: mapping key is a list; keys must be strings\n" },
                { "a: &x 1\n", "c.yaml:1:4: anchors (&name) are not allowed\n" },
                { "limits: [1, 2]\n", "c.yaml:1:9: limits: expected a mapping (key: value), got a list\n" },
                { "listen: [1\n", "c.yaml:2:1: not valid YAML: " },

                /* values */
                { "tls: /etc/cert.pem\n", "c.yaml:1:6: tls: expected a mapping {cert: PATH, key: PATH}\n" },
                { "tls:\n  cert: /etc/c.pem\n", "c.yaml:1:1: tls.key: required but missing; the server's private key" },
                { "tls:\n  cert: c.pem\n  key: /k\n", "c.yaml:2:9: tls.cert: must be an absolute path\n" },
                { "tls:\n  cert: /c\n  key: /k\n  ca: /x\n", "c.yaml:4:3: tls.ca: unknown key (known keys: cert, key)\n" },
                { "listen: 10.0.0.1\n", "c.yaml:1:9: listen: must be IPV4-ADDRESS:PORT, e.g. 0.0.0.0:8780\n" },
                { "listen: localhost:80\n", "c.yaml:1:9: listen: must be IPV4-ADDRESS:PORT, e.g. 0.0.0.0:8780\n" },
                { "listen: 10.0.0.1:65536\n", "c.yaml:1:9: listen: must be IPV4-ADDRESS:PORT, e.g. 0.0.0.0:8780\n" },
                { "listen:\n  - 10.0.0.1:80\n", "c.yaml:2:3: listen: expected a single value, got a list\n" },
                { "listen:\n", "c.yaml:1:8: listen: has no value\n" },
                { "seed_dir: seeds\n", "c.yaml:1:11: seed_dir: must be an absolute path\n" },
                { "state_dir: ''\n", "c.yaml:1:12: state_dir: must be a non-empty string without control characters\n" },
                { "ks_dir: \"/srv/\\tks\"\n", "c.yaml:1:9: ks_dir: must be a non-empty string without control characters\n" },
                { "repo_dir: \"/srv/\\0repo\"\n", "c.yaml:1:11: value contains a NUL character\n" },
                { "access_log: yes\n", "c.yaml:1:13: access_log: must be true or false\n" },
                { "limits:\n  max_wait: 61s\n",
                  "c.yaml:2:13: limits.max_wait: must be a duration in seconds from 0 to 60\n" },
                { "limits:\n  header_timeout: 0\n",
                  "c.yaml:2:19: limits.header_timeout: must be a duration in seconds from 1 to 3600\n" },
                { "limits:\n  connection_timeout: soon\n",
                  "c.yaml:2:23: limits.connection_timeout: must be a duration in seconds from 1 to 3600\n" },
                { "limits:\n  max_body: 1023\n", "c.yaml:2:13: limits.max_body: must be a number from 1024 to 1048576\n" },
                { "limits:\n  max_connections: 0\n",
                  "c.yaml:2:20: limits.max_connections: must be a number from 1 to 65536\n" },
                { "limits:\n  max_connections_per_ip: -1\n",
                  "c.yaml:2:27: limits.max_connections_per_ip: must be a number from 0 to 65536\n" },
                { "limits:\n  max_nodes: 100001\n", "c.yaml:2:14: limits.max_nodes: must be a number from 1 to 100000\n" },
                { "limits:\n  connection_memory: 4k\n",
                  "c.yaml:2:22: limits.connection_memory: must be a number from 4096 to 1048576\n" },
                { "limits:\n  request_timeout: {a: 1}\n",
                  "c.yaml:2:20: limits.request_timeout: expected a single value, got a mapping\n" },

                /* clusters */
                { "clusters: lab\n", "c.yaml:1:11: clusters: expected a list\n" },
                { "clusters:\n  - lab\n", "c.yaml:2:5: clusters: expected a mapping (key: value), got a scalar\n" },
                { "clusters:\n  - name: Lab_1\n    bearer: " BEARER "\n",
                  "c.yaml:2:11: clusters.name: must match [a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?\n" },
                { "clusters:\n  - bearer: " BEARER "\n", "c.yaml:2:5: clusters: a cluster needs a name\n" },
                { "clusters:\n  - name: lab\n", "c.yaml:2:5: lab: a cluster needs a bearer\n" },
                { "clusters:\n  - name: lab\n    bearer: " BEARER "\n  - name: lab\n    bearer: " BEARER "\n",
                  "c.yaml:4:5: lab: cluster listed twice\n" },
                { "clusters:\n  - name: lab\n    name: lab\n", "c.yaml:3:5: duplicate key \"name\" (first at line 2 column 5)\n" },

                /* nodes */
                { "nodes: master\n", "c.yaml:1:8: nodes: expected a list\n" },
                { "nodes:\n  - name: Master\n    address: 192.168.220.104\n",
                  "c.yaml:2:11: nodes.name: must match [a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?\n" },
                { "nodes:\n  - name: master\n    address: 192.168.220\n",
                  "c.yaml:3:14: nodes.address: must be an IPv4 address like 192.168.220.104\n" },
                { "nodes:\n  - name: master\n    address: 0.0.0.0\n",
                  "c.yaml:3:14: nodes.address: must be an IPv4 address like 192.168.220.104\n" },
                { "nodes:\n  - name: master\n    address: 192.168.220.104\n    mac: 52:54:00:fb:00\n",
                  "c.yaml:4:10: nodes.mac: must be a MAC address like \"52:54:00:fb:00:68\"\n" },
                { "nodes:\n  - name: master\n    address: 192.168.220.104\n    mac: \"00:00:00:00:00:00\"\n",
                  "c.yaml:4:10: nodes.mac: must be a MAC address like \"52:54:00:fb:00:68\"\n" },
                { "nodes:\n  - name: master\n    adress: 192.168.220.104\n",
                  "c.yaml:3:5: nodes.adress: unknown key; did you mean address?\n" },
                { "nodes:\n  - address: 192.168.220.104\n", "c.yaml:2:5: nodes: a node needs a name\n" },
                { "nodes:\n  - name: master\n    mac: \"52:54:00:fb:00:68\"\n", "c.yaml:2:5: master: a node needs an address\n" },
                { "nodes:\n  - name: master\n    address: 192.168.220.104\n  - name: master\n    address: 192.168.220.105\n",
                  "c.yaml:4:5: master: node listed twice\n" },
                { "nodes:\n  - name: master\n    address: 192.168.220.104\n    uuid: 5f3c1a2e-8d4b-4c6a-9e1f\n",
                  "c.yaml:4:11: nodes.uuid: must be a system UUID like \"5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e6f\" "
                  "(/sys/class/dmi/id/product_uuid of the node)\n" },
                { "nodes:\n  - name: master\n    address: 192.168.220.104\n    uuid: 5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e6f\n"
                  "  - name: node-1\n    address: 192.168.220.105\n    uuid: 5F3C1A2E-8D4B-4C6A-9E1F-0A2B3C4D5E6F\n",
                  "c.yaml:5:5: node-1: its uuid is another node's too\n" },
                { "nodes:\n  - name: master\n    address: 192.168.220.104\n    mac: \"52:54:00:fb:00:68\"\n"
                  "  - name: node-1\n    address: 192.168.220.105\n    mac: \"52:54:00:fb:00:68\"\n",
                  "c.yaml:5:5: node-1: its mac is another node's too\n" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                expect_error(cases[i].text, cases[i].expected);
}

static void test_nodes(void **state) {
        struct server_config c;
        static const char text[] = "nodes:\n"
                                   "  - name: master\n"
                                   "    address: 192.168.220.104\n"
                                   "    mac: \"52:54:00:FB:00:68\"\n"
                                   "  - name: node-1\n"
                                   "    address: 127.0.0.1\n"
                                   "    uuid: 5F3C1A2E-8D4B-4C6A-9E1F-0A2B3C4D5E6F\n";

        assert_int_equal(parse(&c, text), 0);
        assert_int_equal(c.n_nodes, 2);
        assert_string_equal(c.nodes[0].name, "master");
        assert_int_equal(c.nodes[0].address, 0xc0a8dc68u);
        assert_string_equal(c.nodes[0].mac, "52:54:00:fb:00:68"); /* normalised to lower case */
        assert_string_equal(c.nodes[1].name, "node-1");
        assert_int_equal(c.nodes[1].address, 0x7f000001u);
        assert_string_equal(c.nodes[1].mac, "");
        assert_ptr_equal(server_config_node(&c, "node-1"), &c.nodes[1]);
        assert_null(server_config_node(&c, "node-2"));
        /* a seed URL may name a node by its system UUID or MAC, in either case, the MAC with '-' too */
        assert_string_equal(c.nodes[1].uuid, "5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e6f");
        assert_string_equal(c.nodes[0].uuid, "");
        assert_ptr_equal(server_config_node_by_id(&c, "node-1"), &c.nodes[1]);
        assert_ptr_equal(server_config_node_by_id(&c, "5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e6f"), &c.nodes[1]);
        assert_ptr_equal(server_config_node_by_id(&c, "5F3C1A2E-8D4B-4C6A-9E1F-0A2B3C4D5E6F"), &c.nodes[1]);
        assert_ptr_equal(server_config_node_by_id(&c, "52:54:00:fb:00:68"), &c.nodes[0]);
        assert_ptr_equal(server_config_node_by_id(&c, "52-54-00-FB-00-68"), &c.nodes[0]);
        assert_null(server_config_node_by_id(&c, "52-54-00-fb-00-69"));
        assert_null(server_config_node_by_id(&c, "52-54-00-fb-00-68-"));
        assert_null(server_config_node_by_id(&c, "5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e60"));
        assert_null(server_config_node_by_id(&c, ""));
        server_config_done(&c);

        assert_int_equal(parse(&c, "nodes: []\n"), 0);
        assert_int_equal(c.n_nodes, 0);
        assert_null(server_config_node(&c, "master"));
        server_config_done(&c);
}

static void test_every_error_reported(void **state) {
        const char *log = parse_refused("listen: nowhere\n"
                                        "seed_dir: seeds\n"
                                        "limits:\n"
                                        "  max_wait: 61\n"
                                        "  bogus: 1\n");

        assert_contains_all(log, "c.yaml:1:9: listen: must be IPV4-ADDRESS:PORT, e.g. 0.0.0.0:8780\n",
                            "c.yaml:2:11: seed_dir: must be an absolute path\n",
                            "c.yaml:4:13: limits.max_wait: must be a duration in seconds from 0 to 60\n",
                            "c.yaml:5:3: bogus: unknown key in limits\n");
}

static void test_bearer_never_echoed(void **state) {
        const char *log = parse_refused("clusters:\n  - name: lab\n    bearer: SECRET-VALUE-NOT-TO-ECHO\n");

        assert_non_null(strstr(log, "c.yaml:3:13: clusters.bearer: must be 64 lower-case hex digits\n"));
        assert_null(strstr(log, "SECRET"));

        /* upper case is refused too */
        log = parse_refused("clusters:\n  - name: lab\n    bearer: 0123456789ABCDEF0123456789abcdef0123456789abcdef"
                            "0123456789abcdef\n");
        assert_non_null(strstr(log, "clusters.bearer: must be 64 lower-case hex digits"));
        assert_null(strstr(log, "0123456789ABCDEF"));
}

static void test_too_many_clusters(void **state) {
        char text[SERVER_MAX_CLUSTERS * 120 + 64];
        size_t n = 0;

        n += (size_t) snprintf(text + n, sizeof(text) - n, "clusters:\n");
        for (int i = 0; i <= SERVER_MAX_CLUSTERS; i++)
                n += (size_t) snprintf(text + n, sizeof(text) - n, "  - {name: c%d, bearer: %s}\n", i, BEARER);
        assert_true(n < sizeof(text));
        expect_error(text, "c.yaml:2:3: clusters: too many clusters (at most 64)\n");
}

static void test_flags_helpers(void **state) {
        uint32_t addr = 1;
        uint16_t port = 1;
        char *field = NULL;

        assert_int_equal(parse_listen("192.168.220.1:8780", &addr, &port), 0);
        assert_int_equal(addr, 0xc0a8dc01);
        assert_int_equal(port, 8780);
        assert_int_equal(parse_listen("*:0", &addr, &port), 0);
        assert_int_equal(addr, 0);
        assert_int_equal(port, 0);
        assert_int_equal(parse_listen("8780", &addr, &port), -EINVAL);
        assert_int_equal(parse_listen("1.2.3:80", &addr, &port), -EINVAL);
        assert_int_equal(parse_listen("255.255.255.255.1:80", &addr, &port), -EINVAL);
        assert_int_equal(parse_listen("1.2.3.4:", &addr, &port), -EINVAL);

        assert_int_equal(config_set_string(&field, "/a"), 0);
        assert_string_equal(field, "/a");
        assert_int_equal(config_set_string(&field, NULL), 0);
        assert_null(field);
}

UNIT_TEST_MAIN(NULL, NULL, test_defaults, test_every_key, test_tls, test_errors, test_nodes, test_every_error_reported,
               test_bearer_never_echoed, test_too_many_clusters, test_flags_helpers)

/* SPDX-License-Identifier: MIT */
/* Seed parsing and validation: the YAML loader, meta-data, user-data, network-config (v1 and v2),
 * cross-field checks, error positions and wording, limits, and show-seed's masking. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/config-parse.h"
#include "config/config.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "seed/seed.h"
#include "yaml-tree.h"

/* ---- log capture ------------------------------------------------------------------------------ */

static FILE *capture;
static char logged[64 * 1024];

static void capture_start(void) {
        capture = tmpfile();
        assert_non_null(capture);
        log_set_extra_fd(fileno(capture));
        log_set_max_level(LOG_CRIT); /* keep the test output quiet; everything goes to the capture */
}

static const char *capture_end(void) {
        size_t n;

        log_set_extra_fd(-1);
        log_set_max_level(LOG_INFO);
        rewind(capture);
        n = fread(logged, 1, sizeof(logged) - 1, capture);
        logged[n] = 0;
        fclose(capture);
        capture = NULL;
        return logged;
}

static void assert_logged(const char *log, const char *needle) {
        if (!strstr(log, needle))
                fail_msg("expected in the log:\n  %s\nlog was:\n%s", needle, log);
}

/* ---- seeds ------------------------------------------------------------------------------------ */

#define KEY_B64 "VEVTVC1PTkxZIGNsdXN0ZXIga2V5LCBub3Qgc2FmZSE="
#define KEY_TEXT "TEST-ONLY cluster key, not safe!"
#define TOKEN "abcdef.0123456789abcdef"

#define MD "instance-id: i-1\nlocal-hostname: master\nrole: control-plane\n"
#define MD_WORKER "instance-id: i-2\nlocal-hostname: node-1\nrole: worker\n"
/* lines 1-4; what a test appends starts on line 5, two-space indented keys at column 3 */
#define UD "#cloud-config\nkube_firstboot:\n  endpoint: http://192.168.220.1:8780/\n  cluster_key: " KEY_B64 "\n"
#define HOSTS                                                                                                          \
        "  hosts:\n    - {name: master, address: 192.168.220.104}\n    - {name: node-1, address: 192.168.220.105}\n"
#define NC_V1_GW(ip, gw)                                                                                               \
        "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n"              \
        "        address: " ip "/24\n        gateway: " gw "\n"
#define NC_V1(ip) NC_V1_GW(ip, "192.168.220.1")

/* Parses what is given (NULL: skip) and validates when everything parsed. Returns the first error. */
static int load(struct fb_config *c, const char *md, const char *ud, const char *nc) {
        int r = 0, k;

        config_init(c);
        if (md) {
                k = metadata_parse(md, strlen(md), "/seed/meta-data", c);
                if (k < 0)
                        r = k;
        }
        if (ud) {
                k = userdata_parse(ud, strlen(ud), "/seed/user-data", c);
                if (k < 0 && r == 0)
                        r = k;
        }
        if (nc) {
                k = netconfig_parse(nc, strlen(nc), "/seed/network-config", c);
                if (k < 0 && r == 0)
                        r = k;
        }
        if (r == 0)
                r = config_validate(c);
        return r;
}

static const char *load_error(const char *md, const char *ud, const char *nc, int expected_r) {
        struct fb_config c;
        int r;

        capture_start();
        r = load(&c, md, ud, nc);
        config_done(&c);
        capture_end();
        if (r != expected_r)
                fail_msg("expected %d, got %d; log:\n%s", expected_r, r, logged);
        return logged;
}

static void expect_error(const char *md, const char *ud, const char *nc, const char *needle) {
        assert_logged(load_error(md, ud, nc, -EINVAL), needle);
}

static void expect_ok(struct fb_config *c, const char *md, const char *ud, const char *nc) {
        int r;

        capture_start();
        r = load(c, md, ud, nc);
        capture_end();
        if (r != 0)
                fail_msg("expected success, got %d; log:\n%s", r, logged);
}

static const char *top(void) {
        const char *t = getenv("TOP");
        return t ? t : ".";
}

/* ---- the YAML loader -------------------------------------------------------------------------- */

static int yload(const char *s, struct ynode **ret) {
        int r;
        capture_start();
        r = ytree_load(s, strlen(s), "t.yaml", ret);
        capture_end();
        return r;
}

static void test_yaml_tree_and_positions(void **state) {
        struct ynode *root = NULL, *list, *map;
        const char *doc = "# comment\na: 1\nlist:\n  - x\n  - 'y'\nmap: {k: v, e: }\nq: \"\"\nn: ~\n";

        assert_int_equal(yload(doc, &root), 0);
        assert_non_null(root);
        assert_int_equal(root->type, YNODE_MAPPING);
        assert_int_equal(root->n_items, 5);
        assert_string_equal(root->keys[0]->value, "a");
        assert_int_equal(root->keys[0]->line, 2);
        assert_int_equal(root->keys[0]->column, 1);
        assert_int_equal(root->items[0]->line, 2);
        assert_int_equal(root->items[0]->column, 4);
        list = ynode_get(root, "list");
        assert_non_null(list);
        assert_int_equal(list->type, YNODE_SEQUENCE);
        assert_int_equal(list->n_items, 2);
        assert_string_equal(list->items[1]->value, "y");
        assert_false(list->items[1]->plain);
        assert_int_equal(list->items[1]->line, 5);
        assert_int_equal(list->items[1]->column, 5);
        map = ynode_get(root, "map");
        assert_int_equal(map->type, YNODE_MAPPING);
        assert_string_equal(ynode_get(map, "k")->value, "v");
        assert_true(ynode_is_null(ynode_get(map, "e")));
        assert_false(ynode_is_null(ynode_get(root, "q"))); /* "" quoted is a string */
        assert_true(ynode_is_null(ynode_get(root, "n")));
        assert_null(ynode_get(root, "missing"));
        assert_null(ynode_get(list, "x")); /* not a mapping */
        ytree_free(root);
}

static void test_yaml_empty(void **state) {
        struct ynode *root = (struct ynode *) 1;

        assert_int_equal(yload("", &root), 0);
        assert_null(root);
        assert_int_equal(yload("# only a comment\n", &root), 0);
        assert_null(root);
        assert_int_equal(yload("---\n", &root), 0);
        assert_true(ynode_is_null(root)); /* an explicit empty document: a null scalar */
        ytree_free(root);
}

static void expect_yaml_error(const char *doc, int expected, const char *needle) {
        struct ynode *root = NULL;
        int r = yload(doc, &root);
        if (r != expected)
                fail_msg("expected %d, got %d; log:\n%s", expected, r, logged);
        assert_null(root);
        assert_logged(logged, needle);
}

static void test_yaml_refusals(void **state) {
        char *big;

        expect_yaml_error("a: &x 1\nb: 2\n", -EINVAL, "t.yaml:1:4: anchors (&name) are not allowed");
        expect_yaml_error("a: [1]\nb: *x\n", -EINVAL, "t.yaml:2:4: aliases (*name) are not allowed");
        expect_yaml_error("a: &x [1]\nb: *x\n", -EINVAL, "t.yaml:1:4: anchors (&name) are not allowed");
        expect_yaml_error("a: 1\n---\nb: 2\n", -EINVAL, "t.yaml:2:1: more than one YAML document");
        expect_yaml_error("a: 1\nb: 2\na: 3\n", -EINVAL, "t.yaml:3:1: duplicate key \"a\" (first at line 1 column 1)");
        expect_yaml_error("{\"a\": 1, \"a\": 2}", -EINVAL, "t.yaml:1:10: duplicate key \"a\"");
        expect_yaml_error("? [a, b]\n: c\n", -EINVAL, "t.yaml:1:3: mapping key is a list; keys must be strings");
        expect_yaml_error("? {a: b}\n: c\n", -EINVAL, "t.yaml:1:3: mapping key is a mapping");
        expect_yaml_error("a: !foo bar\n", -EINVAL, "t.yaml:1:4: only the standard tags");
        expect_yaml_error("a: !!binary aGVsbG8=\n", -EINVAL, "t.yaml:1:4: only the standard tags");
        expect_yaml_error("a: \"x\\0y\"\n", -EINVAL, "t.yaml:1:4: value contains a NUL character");
        expect_yaml_error("a: b: c\n", -EINVAL, "t.yaml:1:5: not valid YAML: mapping values are not allowed in this context");
        expect_yaml_error("a:\n  - 1\n b: 2\n", -EINVAL, "t.yaml:3:2: not valid YAML");
        /* libyaml 0.1.4 (CentOS 7) refuses ':' in plain scalars inside flow collections; say what to do */
        expect_yaml_error("a: {b: c:d, e: f}\n", -EINVAL,
                          "t.yaml:1:9: not valid YAML: found unexpected ':' (in { } or [ ], quote values that contain ':')");
        expect_yaml_error("a: [x, \xc3\xa9:d]\n", -EINVAL, "t.yaml:1:9: not valid YAML: found unexpected ':'");
        expect_yaml_error("a: {b:c: d}\n", -EINVAL, "t.yaml:1:6: not valid YAML: found unexpected ':'");
        expect_yaml_error("a: \"\xff\"\n", -EINVAL, "t.yaml:1:5: not valid YAML: invalid leading UTF-8 octet");
        expect_yaml_error("a: [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]\n", -E2BIG, "nested deeper than 16 levels");

        /* the node limit */
        big = malloc(YAML_MAX_NODES * 3 + 16);
        assert_non_null(big);
        strcpy(big, "[");
        for (int i = 0; i < YAML_MAX_NODES; i++)
                strcat(big, "1,");
        strcat(big, "1]");
        expect_yaml_error(big, -E2BIG, "more than 8192 YAML nodes");
        free(big);

        /* the scalar limit */
        big = malloc(YAML_MAX_SCALAR + 16);
        assert_non_null(big);
        strcpy(big, "a: ");
        memset(big + 3, 'x', YAML_MAX_SCALAR + 1);
        big[YAML_MAX_SCALAR + 4] = 0;
        expect_yaml_error(big, -E2BIG, "t.yaml:1:4: value longer than 65536 bytes");
        free(big);
}

static void test_yaml_standard_tags_and_depth_ok(void **state) {
        struct ynode *root = NULL;
        assert_int_equal(yload("a: !!str 1\nb: !!int 2\n", &root), 0);
        assert_false(ynode_get(root, "a")->plain);
        ytree_free(root);
        root = NULL;
        assert_int_equal(yload("a: [[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]\n", &root), 0); /* 16 levels */
        ytree_free(root);
}

static void test_yaml_escape(void **state) {
        char buf[80];
        ytree_escape("a\"b\\c\n\x01\xc3\xa9", buf, sizeof(buf));
        assert_string_equal(buf, "a\\\"b\\\\c\\x0a\\x01\\xc3\\xa9");
        ytree_escape("0123456789012345678901234567890123456789012345678901234567890123456789", buf, sizeof(buf));
        assert_string_equal(buf, "0123456789012345678901234567890123456789012345678901234567890123...");
}

/* ---- the reference seeds ---------------------------------------------------------------------- */

static void load_reference(const char *node, struct seed *s, struct fb_config *c) {
        char dir[PATH_MAX];
        int r;

        snprintf(dir, sizeof(dir), "%s/tests/data/seeds/reference/%s", top(), node);
        memset(s, 0, sizeof(*s));
        assert_int_equal(seed_read_dir(dir, s), 0);
        config_init(c);
        capture_start();
        r = config_load(s, c);
        capture_end();
        if (r != 0)
                fail_msg("reference seed %s: %d\n%s", node, r, logged);
}

static void test_reference_master(void **state) {
        struct seed s;
        struct fb_config c;
        char a[16];

        load_reference("master", &s, &c);
        assert_string_equal(c.instance_id, "lab-master-1");
        assert_string_equal(c.hostname, "master");
        assert_int_equal(c.role, FB_ROLE_CONTROL_PLANE);
        assert_string_equal(c.cluster_name, "lab");
        assert_string_equal(c.endpoint, "http://192.168.220.1:8780/");
        assert_true(c.have_cluster_key);
        assert_memory_equal(c.cluster_key, KEY_TEXT, 32);
        assert_string_equal(c.token, "");
        assert_int_equal(c.token_ttl_s, 24 * 3600);
        assert_int_equal(c.join_timeout_s, 3600);
        assert_int_equal(c.n_hosts, 4);
        for (size_t i = 0; i < 4; i++) {
                static const char *const names[] = { "master", "node-1", "node-2", "node-3" };
                assert_string_equal(c.hosts[i].name, names[i]);
                assert_int_equal(c.hosts[i].address, 0xc0a8dc68u + i);
        }
        assert_string_equal(c.k8s.version, "v1.23.6");
        assert_string_equal(c.k8s.control_plane_host, "192.168.220.104");
        assert_int_equal(c.k8s.control_plane_port, 6443);
        assert_non_null(c.k8s.control_plane_pos.file);
        assert_string_equal(c.k8s.image_repository, "registry.aliyuncs.com/google_containers");
        format_ipv4(c.k8s.service_net, a);
        assert_string_equal(a, "10.1.0.0");
        assert_int_equal(c.k8s.service_prefix, 16);
        format_ipv4(c.k8s.pod_net, a);
        assert_string_equal(a, "10.244.0.0");
        assert_int_equal(c.k8s.pod_prefix, 16);
        assert_string_equal(c.k8s.cni, "flannel");
        assert_string_equal(c.k8s.runtime, "docker");
        assert_int_equal(c.host.swap, FB_SWAP_OFF);
        assert_int_equal(c.host.selinux, FB_SELINUX_PERMISSIVE);
        assert_int_equal(c.host.firewall, FB_FIREWALL_OPEN);
        assert_true(c.host.grow_root);
        assert_int_equal(c.host.n_sysctls, 0);
        assert_int_equal(c.n_ssh_keys, 1);
        assert_true(strncmp(c.ssh_keys[0], "ssh-ed25519 AAAA", 16) == 0);
        assert_true(c.have_network_config);
        assert_int_equal(c.n_ifaces, 1);
        assert_string_equal(c.ifaces[0].name, "eth0");
        assert_string_equal(c.ifaces[0].mac, "52:54:00:fb:00:68");
        assert_int_equal(c.ifaces[0].address, 0xc0a8dc68u);
        assert_int_equal(c.ifaces[0].prefix, 24);
        assert_int_equal(c.ifaces[0].gateway, 0xc0a8dc01u);
        assert_int_equal(c.ifaces[0].n_dns, 1);
        assert_int_equal(c.ifaces[0].dns[0], 0xc0a8dc01u);
        assert_string_equal(c.ifaces[0].search, "lab.internal");
        assert_int_equal(config_node_address(&c), 0xc0a8dc68u);
        /* positions point into the seed's files */
        assert_non_null(strstr(c.instance_id_pos.file, "reference/master/meta-data"));
        assert_int_equal(c.instance_id_pos.line, 1);
        assert_int_equal(c.instance_id_pos.column, 14);
        assert_int_equal(c.role_pos.line, 3);
        assert_non_null(strstr(c.ifaces[0].pos.file, "network-config"));
        assert_int_equal(c.ifaces[0].pos.line, 9);
        assert_int_equal(c.ifaces[0].pos.column, 18);
        config_done(&c);
        seed_done(&s);
}

static void test_reference_workers(void **state) {
        static const char *const nodes[] = { "node-1", "node-2", "node-3" };

        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                struct seed s;
                struct fb_config c;
                char mac[18];

                load_reference(nodes[i], &s, &c);
                assert_string_equal(c.hostname, nodes[i]);
                assert_int_equal(c.role, FB_ROLE_WORKER);
                assert_int_equal(c.n_ifaces, 1);
                assert_string_equal(c.ifaces[0].name, "eth0");
                snprintf(mac, sizeof(mac), "52:54:00:fb:00:%02x", (unsigned) (0x69 + i));
                assert_string_equal(c.ifaces[0].mac, mac);
                assert_int_equal(c.ifaces[0].address, 0xc0a8dc69u + i);
                assert_int_equal(c.ifaces[0].prefix, 24);
                assert_int_equal(c.ifaces[0].gateway, 0xc0a8dc01u);
                assert_int_equal(c.ifaces[0].n_dns, 1);
                assert_string_equal(c.ifaces[0].search, "lab.internal");
                assert_int_equal(c.n_hosts, 4);
                config_done(&c);
                seed_done(&s);
        }
}

/* ---- meta-data -------------------------------------------------------------------------------- */

static void test_metadata_json(void **state) {
        struct fb_config c;

        /* what cloud-localds writes without a meta-data file (plus -H and our role) */
        expect_ok(&c, "{\n\"instance-id\": \"iid-local01\",\n\"local-hostname\": \"master\",\n\"role\": \"control-plane\"\n}\n",
                  UD, NULL);
        assert_string_equal(c.instance_id, "iid-local01");
        assert_string_equal(c.hostname, "master");
        assert_int_equal(c.instance_id_pos.line, 2);
        assert_int_equal(c.instance_id_pos.column, 16);
        config_done(&c);

        /* cloud-localds' exact default: readable, but incomplete */
        assert_logged(load_error("{\n\"instance-id\": \"iid-local01\"\n}\n", UD, NULL, -EINVAL),
                      "/seed/meta-data:1:1: local-hostname: required but missing");
        assert_logged(logged, "/seed/meta-data:1:1: role: required but missing; add \"role: control-plane\" or \"role: worker\"");
}

static void test_metadata_other_keys_ignored(void **state) {
        struct fb_config c;

        expect_ok(&c, MD "dsmode: local\npublic-keys: [a, b]\ninterfaces: |\n  auto eth0\n", UD, NULL);
        assert_null(strstr(logged, "dsmode"));
        config_done(&c);
}

static void test_metadata_errors(void **state) {
        expect_error("", UD, NULL, "/seed/meta-data:1:1: meta-data is empty");
        expect_error("- a\n", UD, NULL, "/seed/meta-data:1:1: expected a mapping (key: value), got a list");
        expect_error("instance-id: a/b\nlocal-hostname: m\nrole: worker\n", UD, NULL,
                     "/seed/meta-data:1:14: instance-id: \"a/b\" may only contain letters, digits");
        expect_error("instance-id: ..\nlocal-hostname: m\nrole: worker\n", UD, NULL,
                     "/seed/meta-data:1:14: instance-id: \"..\" cannot name a state directory");
        expect_error("instance-id:\nlocal-hostname: m\nrole: worker\n", UD, NULL, "/seed/meta-data:1:13: instance-id: has no value");
        expect_error("instance-id: [a]\nlocal-hostname: m\nrole: worker\n", UD, NULL,
                     "/seed/meta-data:1:14: instance-id: expected a single value, got a list");
        expect_error("instance-id: "
                     "a12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345"
                     "678901234567890123456789012345678\nlocal-hostname: m\nrole: worker\n",
                     UD, NULL, "instance-id: longer than 128 characters");
        expect_error("instance-id: i\nlocal-hostname: Master\nrole: worker\n", UD, NULL,
                     "/seed/meta-data:2:17: local-hostname: \"Master\" must be lower case");
        expect_error("instance-id: i\nlocal-hostname: node_1\nrole: worker\n", UD, NULL,
                     "/seed/meta-data:2:17: local-hostname: \"node_1\" is not a valid host name (RFC 1123");
        expect_error("instance-id: i\nlocal-hostname: -a\nrole: worker\n", UD, NULL, "local-hostname: \"-a\" is not a valid host name");
        expect_error("instance-id: i\nlocal-hostname: m\nrole: master\n", UD, NULL,
                     "/seed/meta-data:3:7: role: \"master\" is not one of: control-plane, worker; did you mean control-plane?");
        expect_error("instance-id: i\nlocal-hostname: m\nrole: wroker\n", UD, NULL,
                     "/seed/meta-data:3:7: role: \"wroker\" is not one of: control-plane, worker; did you mean worker?");
        expect_error("instance-id: i\nlocal-hostname: m\nrole: boss\n", UD, NULL,
                     "role: \"boss\" is not one of: control-plane, worker\n");
}

static void test_configdrive(void **state) {
        static const char md2[] = "{\"uuid\": \"u\", \"hostname\": \"h\"}";
        static const char md[] = "{\"uuid\": \"83679162-1378-4288-a2d4-70e13ec132aa\", \"hostname\": \"node-1\", "
                                 "\"name\": \"node-1\", \"meta\": {\"role\": \"worker\", \"other\": \"x\"}}";
        struct seed s = {};
        struct fb_config c;
        int r;

        assert_int_equal(seed_set_file(&s, SEED_META_DATA, "/cd/openstack/latest/meta_data.json", md, strlen(md)), 0);
        assert_int_equal(seed_set_file(&s, SEED_USER_DATA, "/cd/openstack/latest/user_data", UD HOSTS, strlen(UD HOSTS)), 0);
        s.config_drive = true;
        config_init(&c);
        capture_start();
        r = config_load(&s, &c);
        capture_end();
        if (r != 0)
                fail_msg("%s", logged);
        assert_string_equal(c.instance_id, "83679162-1378-4288-a2d4-70e13ec132aa");
        assert_string_equal(c.hostname, "node-1");
        assert_int_equal(c.role, FB_ROLE_WORKER);
        config_done(&c);

        assert_int_equal(seed_set_file(&s, SEED_META_DATA, "/cd/meta_data.json", md2, strlen(md2)), 0);
        config_init(&c);
        capture_start();
        assert_int_equal(config_load(&s, &c), -EINVAL);
        capture_end();
        assert_logged(logged, "/cd/meta_data.json:1:1: meta: required but missing");
        config_done(&c);
        seed_done(&s);
}

/* ---- user-data -------------------------------------------------------------------------------- */

static void test_userdata_defaults(void **state) {
        struct fb_config c;
        char a[16];

        expect_ok(&c, MD, UD, NULL);
        assert_string_equal(c.cluster_name, "kubernetes");
        assert_string_equal(c.endpoint, "http://192.168.220.1:8780/");
        assert_int_equal(c.endpoint_pos.line, 3);
        assert_int_equal(c.endpoint_pos.column, 13);
        assert_int_equal(c.cluster_key_pos.line, 4);
        assert_int_equal(c.kube_firstboot_pos.line, 2);
        assert_int_equal(c.kube_firstboot_pos.column, 1);
        assert_string_equal(c.token, "");
        assert_int_equal(c.token_ttl_s, 86400);
        assert_int_equal(c.join_timeout_s, 3600);
        assert_int_equal(c.n_hosts, 0);
        assert_string_equal(c.k8s.version, "v1.23.6");
        assert_string_equal(c.k8s.control_plane_host, "192.168.220.104");
        assert_int_equal(c.k8s.control_plane_port, 6443);
        assert_null(c.k8s.control_plane_pos.file); /* a default */
        assert_string_equal(c.k8s.image_repository, "registry.aliyuncs.com/google_containers");
        format_ipv4(c.k8s.service_net, a);
        assert_string_equal(a, "10.1.0.0");
        format_ipv4(c.k8s.pod_net, a);
        assert_string_equal(a, "10.244.0.0");
        assert_null(c.k8s.pod_pos.file);
        assert_string_equal(c.k8s.cni, "flannel");
        assert_string_equal(c.k8s.runtime, "docker");
        assert_int_equal(c.host.swap, FB_SWAP_OFF);
        assert_int_equal(c.host.selinux, FB_SELINUX_PERMISSIVE);
        assert_int_equal(c.host.firewall, FB_FIREWALL_OPEN);
        assert_true(c.host.grow_root);
        assert_int_equal(c.n_ssh_keys, 0);
        assert_false(c.have_network_config);
        config_done(&c);
}

static void test_userdata_every_field(void **state) {
        static const char ud[] = "#cloud-config\r\n"
                                 "kube_firstboot:\n"
                                 "  cluster: prod-1\n"
                                 "  endpoint: https://meta.example.com:8443/seeds/v1\n"
                                 "  cluster_key: \"" KEY_B64 "\"\n"
                                 "  token: " TOKEN "\n"
                                 "  token_ttl: 2h30m\n"
                                 "  join_timeout: 5400\n"
                                 "  hosts:\n"
                                 "    - name: cp\n"
                                 "      address: 10.0.0.10\n"
                                 "    - {name: master, address: 10.0.0.11}\n"
                                 "  kubernetes:\n"
                                 "    version: 1.22.17\n"
                                 "    control_plane: cp:7443\n"
                                 "    image_repository: registry.example.com:5000/k8s\n"
                                 "    service_cidr: 172.16.0.0/12\n"
                                 "    pod_cidr: 192.168.0.0/17\n"
                                 "    cni: none\n"
                                 "    runtime: 'docker'\n"
                                 "  host:\n"
                                 "    swap: keep\n"
                                 "    selinux: keep\n"
                                 "    firewall: disable\n"
                                 "    grow_root: No\n"
                                 "    sysctls:\n"
                                 "      vm.max_map_count: 262144\n"
                                 "      net/ipv4/conf/eth0.100/rp_filter: 2\n"
                                 "      net.ipv4.tcp_rmem: \"4096 87380 6291456\"\n"
                                 "      net.ipv4.ip_forward: 1\n"
                                 "ssh_authorized_keys:\n"
                                 "  - ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 alice@example\n"
                                 "  - 'from=\"10.0.0.0/8\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEK57Aab'\n"
                                 "packages: [htop]\n"
                                 "runcmd:\n  - echo hi\n";
        struct fb_config c;
        char a[16];

        expect_ok(&c, "instance-id: i\nlocal-hostname: master\nrole: worker\n", ud,
                  "version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.11/16]\n");
        assert_logged(logged, "notice: /seed/user-data: ignoring cloud-config keys that kube-firstboot does not use: "
                              "packages (line 34), runcmd (line 35)");
        assert_string_equal(c.cluster_name, "prod-1");
        assert_string_equal(c.endpoint, "https://meta.example.com:8443/seeds/v1/");
        assert_memory_equal(c.cluster_key, KEY_TEXT, 32);
        assert_string_equal(c.token, TOKEN);
        assert_int_equal(c.token_pos.line, 6);
        assert_int_equal(c.token_ttl_s, 9000);
        assert_int_equal(c.join_timeout_s, 5400);
        assert_int_equal(c.n_hosts, 2);
        assert_string_equal(c.hosts[1].name, "master");
        assert_int_equal(c.hosts[1].pos.line, 12);
        assert_int_equal(c.hosts[1].pos.column, 14);
        assert_int_equal(c.hosts[1].address_pos.column, 31);
        assert_string_equal(c.k8s.version, "v1.22.17");
        assert_string_equal(c.k8s.control_plane_host, "cp");
        assert_int_equal(c.k8s.control_plane_port, 7443);
        assert_string_equal(c.k8s.image_repository, "registry.example.com:5000/k8s");
        format_ipv4(c.k8s.service_net, a);
        assert_string_equal(a, "172.16.0.0");
        assert_int_equal(c.k8s.service_prefix, 12);
        assert_int_equal(c.k8s.pod_prefix, 17);
        assert_int_equal(c.k8s.pod_pos.line, 18);
        assert_int_equal(c.k8s.pod_pos.column, 15);
        assert_string_equal(c.k8s.cni, "none");
        assert_int_equal(c.host.swap, FB_SWAP_KEEP);
        assert_int_equal(c.host.selinux, FB_SELINUX_KEEP);
        assert_int_equal(c.host.firewall, FB_FIREWALL_DISABLE);
        assert_false(c.host.grow_root);
        assert_int_equal(c.host.n_sysctls, 4);
        assert_string_equal(c.host.sysctls[0].key, "vm.max_map_count");
        assert_string_equal(c.host.sysctls[0].value, "262144");
        assert_string_equal(c.host.sysctls[1].key, "net.ipv4.conf.eth0/100.rp_filter");
        assert_string_equal(c.host.sysctls[2].value, "4096 87380 6291456");
        assert_int_equal(c.host.sysctls[3].pos.line, 30);
        assert_int_equal(c.n_ssh_keys, 2);
        assert_string_equal(c.ssh_keys[0], "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 alice@example");
        config_done(&c);
}

static void test_userdata_values(void **state) {
        static const struct {
                const char *yaml, *field;
        } ok[] = {
                { "  cluster: a\n", "cluster" },
                { "  cluster: 0-9\n", "cluster" },
                { "  token: \"\"\n", "token" },
                { "  token:\n", "token" },
                { "  token_ttl: 1m\n", "ttl" },
                { "  token_ttl: 8760h\n", "ttl" },
                { "  join_timeout: 168h\n", "join" },
                { "  hosts: []\n", "hosts" },
                { "  hosts:\n", "hosts" },
                { "  kubernetes:\n", "kubernetes" },
                { "  kubernetes: {version: v1.23.0}\n", "version" },
                { "  kubernetes: {control_plane: 192.168.220.104}\n", "cp" },
                { "  kubernetes: {control_plane: \"api.k8s.example.com:443\"}\n", "cp" },
                { "  kubernetes:\n    control_plane: api.k8s.example.com:443\n", "cp" },
                { "  host: {grow_root: yes}\n", "grow_root" },
                { "  host: {grow_root: TRUE}\n", "grow_root" },
                { "  host: {grow_root: false}\n", "grow_root" },
                { "  host: {swap: \"off\"}\n", "swap" },
                { "  host: {sysctls: }\n", "sysctls" },
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                char ud[1024];
                struct fb_config c;
                snprintf(ud, sizeof(ud), "%s%s", UD, ok[i].yaml);
                capture_start();
                if (load(&c, MD, ud, NULL) != 0) {
                        capture_end();
                        fail_msg("%s: %s", ok[i].yaml, logged);
                }
                capture_end();
                config_done(&c);
        }
}

struct bad {
        const char *yaml; /* appended to UD */
        const char *expected;
};

static void expect_userdata_errors(const struct bad *bad, size_t n) {
        for (size_t i = 0; i < n; i++) {
                char ud[2048];
                snprintf(ud, sizeof(ud), "%s%s", UD, bad[i].yaml);
                expect_error(MD, ud, NULL, bad[i].expected);
        }
}

static void test_userdata_errors(void **state) {
        static const struct bad bad[] = {
                { "  clustr: a\n", "/seed/user-data:5:3: kube_firstboot.clustr: unknown key; did you mean cluster?" },
                { "  colour: red\n", "kube_firstboot.colour: unknown key (known keys: cluster, endpoint, cluster_key, token" },
                { "  cluster: Lab\n", "/seed/user-data:5:12: kube_firstboot.cluster: \"Lab\" may only contain lower-case" },
                { "  cluster: -lab\n", "kube_firstboot.cluster: \"-lab\" may only contain" },
                { "  cluster: a234567890123456789012345678901234567890123456789012345678901234\n",
                  "kube_firstboot.cluster: longer than 63 characters" },
                { "  cluster: [a]\n", "kube_firstboot.cluster: expected a single value, got a list" },
                { "  cluster: \"a\\tb\"\n", "kube_firstboot.cluster: contains a control or non-ASCII character" },
                { "  token: abcdef.0123456789ABCDEF\n",
                  "/seed/user-data:5:10: kube_firstboot.token: is not a bootstrap token of the form" },
                { "  token_ttl: 0\n", "kube_firstboot.token_ttl: \"0\" is out of range (1m to 8760h" },
                { "  token_ttl: 1d\n", "kube_firstboot.token_ttl: \"1d\" is not a duration like 24h, 90m, 2h30m or 45s" },
                { "  join_timeout: 200h\n", "kube_firstboot.join_timeout: \"200h\" is out of range (1m to 168h)" },
                { "  hosts: {master: 1.2.3.4}\n", "kube_firstboot.hosts: expected a list of {name, address} mappings, got a mapping" },
                { "  hosts:\n    - master 192.168.220.104\n",
                  "/seed/user-data:6:7: kube_firstboot.hosts[0]: expected a mapping {name: ..., address: ...}, got a scalar" },
                { "  hosts:\n    - {name: master}\n", "/seed/user-data:6:7: kube_firstboot.hosts[0].address: required but missing" },
                { "  hosts:\n    - {name: m, adress: 10.0.0.1}\n",
                  "/seed/user-data:6:17: kube_firstboot.hosts[0].adress: unknown key; did you mean address?" },
                { "  hosts:\n    - {name: m, address: 10.0.0.256}\n",
                  "kube_firstboot.hosts[0].address: \"10.0.0.256\" is not an IPv4 address" },
                { "  hosts:\n    - {name: m, address: 010.0.0.1}\n", "\"010.0.0.1\" is not an IPv4 address" },
                { "  hosts:\n    - {name: m, address: 127.0.0.1}\n",
                  "kube_firstboot.hosts[0].address: 127.0.0.1 is in 127.0.0.0/8 (loopback)" },
                { "  hosts:\n    - {name: m, address: \"fe80::1\"}\n", "IPv6 is not supported, only IPv4" },
                { "  kubernetes:\n    pod_cidr: 10.244.0.1/16\n",
                  "/seed/user-data:6:15: kube_firstboot.kubernetes.pod_cidr: \"10.244.0.1/16\" has host bits set; did you mean "
                  "10.244.0.0/16?" },
                { "  kubernetes:\n    pod_cidr: 10.0.0.0/24\n",
                  "kube_firstboot.kubernetes.pod_cidr: 10.0.0.0/24: the prefix must be /8 to /23 (every node gets a /24 of it)" },
                { "  kubernetes:\n    pod_cidr: 10.244.0.0\n",
                  "kube_firstboot.kubernetes.pod_cidr: \"10.244.0.0\" is not an IPv4 CIDR like 10.244.0.0/16" },
                { "  kubernetes:\n    service_cidr: 10.0.0.0/8\n",
                  "kube_firstboot.kubernetes.service_cidr: 10.0.0.0/8: the prefix must be /12 to /28" },
                { "  kubernetes:\n    service_cidr: 127.0.0.0/16\n",
                  "kube_firstboot.kubernetes.service_cidr: 127.0.0.0/16 overlaps 127.0.0.0/8 (loopback)" },
                { "  kubernetes:\n    pod_cdir: 10.244.0.0/16\n",
                  "/seed/user-data:6:5: kube_firstboot.kubernetes.pod_cdir: unknown key; did you mean pod_cidr?" },
                { "  kubernetes:\n    image_repo: x\n", "kube_firstboot.kubernetes.image_repo: unknown key; did you mean image_repository?" },
                { "  kubernetes:\n    version: v1.24.0\n",
                  "kube_firstboot.kubernetes.version: v1.24.0 is not supported: kube-firstboot drives kubeadm 1.22 or 1.23" },
                { "  kubernetes:\n    version: 1.23\n", "kube_firstboot.kubernetes.version: \"1.23\" is not a Kubernetes version like v1.23.6" },
                { "  kubernetes:\n    version: v1.23.6-rc.1\n", "is not a Kubernetes version" },
                { "  kubernetes:\n    control_plane: 192.168.220.104:0\n",
                  "kube_firstboot.kubernetes.control_plane: \"192.168.220.104:0\": the port must be a number from 1 to 65535" },
                { "  kubernetes:\n    control_plane: \"[::1]:6443\"\n", "control_plane: \"[::1]:6443\": IPv6 is not supported" },
                { "  kubernetes:\n    control_plane: bad_host\n",
                  "kube_firstboot.kubernetes.control_plane: \"bad_host\" is neither an IPv4 address nor a host name" },
                { "  kubernetes:\n    control_plane: 192.168.1\n", "\"192.168.1\" is neither an IPv4 address nor a host name" },
                { "  kubernetes:\n    image_repository: /x\n", "kube_firstboot.kubernetes.image_repository: \"/x\" is not an image repository" },
                { "  kubernetes:\n    image_repository: \"a b\"\n", "\"a b\" is not an image repository" },
                { "  kubernetes:\n    cni: calico\n", "kube_firstboot.kubernetes.cni: \"calico\" is not one of: flannel, none" },
                { "  kubernetes:\n    cni: flanel\n", "\"flanel\" is not one of: flannel, none; did you mean flannel?" },
                { "  kubernetes:\n    runtime: containerd\n", "kube_firstboot.kubernetes.runtime: \"containerd\" is not one of: docker" },
                { "  kubernetes: [a]\n", "/seed/user-data:5:15: kube_firstboot.kubernetes: expected a mapping (key: value), got a list" },
                { "  host:\n    swap: false\n", "/seed/user-data:6:11: kube_firstboot.host.swap: \"false\" is not one of: off, keep" },
                { "  host:\n    selinux: disabled\n", "kube_firstboot.host.selinux: \"disabled\" is not one of: permissive, keep" },
                { "  host:\n    firewall: closed\n", "kube_firstboot.host.firewall: \"closed\" is not one of: open, keep, disable" },
                { "  host:\n    grow_root: 1\n", "kube_firstboot.host.grow_root: \"1\" is not a boolean (true, false, yes or no)" },
                { "  host:\n    growroot: true\n", "kube_firstboot.host.growroot: unknown key; did you mean grow_root?" },
                { "  host:\n    sysctls:\n      net..x: 1\n", "/seed/user-data:7:7: kube_firstboot.host.sysctls.net..x: \"net..x\" is not a sysctl key" },
                { "  host:\n    sysctls:\n      net.ipv4.ip_forward: 0\n",
                  "/seed/user-data:7:28: kube_firstboot.host.sysctls.net.ipv4.ip_forward: \"0\": Kubernetes needs net.ipv4.ip_forward = 1" },
                { "  host:\n    sysctls:\n      net/bridge/bridge-nf-call-iptables: 0\n",
                  "Kubernetes needs net.bridge.bridge-nf-call-iptables = 1" },
                { "  host:\n    sysctls:\n      vm.swappiness: 0\n      vm/swappiness: 1\n",
                  "/seed/user-data:8:7: kube_firstboot.host.sysctls.vm/swappiness: the same sysctl as line 7" },
                { "  host:\n    sysctls:\n      vm.swappiness: {a: 1}\n",
                  "kube_firstboot.host.sysctls.vm.swappiness: expected a single value, got a mapping" },
                { "  host:\n    sysctls: [a]\n", "kube_firstboot.host.sysctls: expected a mapping of sysctl keys to values, got a list" },
                { "ssh_authorized_keys:\n  - not a key\n",
                  "/seed/user-data:6:5: ssh_authorized_keys[0]: not an SSH public key line" },
                { "ssh_authorized_keys:\n  - \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEK57Aab\\nssh-rsa AAAAB3Nza x\"\n",
                  "ssh_authorized_keys[0]: not an SSH public key line" },
                { "ssh_authorized_keys: ssh-rsa AAAA\n", "/seed/user-data:5:22: ssh_authorized_keys: expected a list of public key lines, got a scalar" },
        };
        expect_userdata_errors(bad, ELEMENTSOF(bad));
}

static void test_userdata_endpoint(void **state) {
        static const struct {
                const char *endpoint, *expected;
        } cases[] = {
                { "ftp://x/", "kube_firstboot.endpoint: \"ftp://x/\" must start with http:// or https://" },
                { "http://user:secret@host/", "kube_firstboot.endpoint: must not contain credentials" },
                { "ftp://user:secret@host/", "kube_firstboot.endpoint: must not contain credentials" },
                { "http://host/?a=b", "\"http://host/?a=b\" must not have a query (?) or fragment (#)" },
                { "http://[::1]:80/", "IPv6 addresses are not supported" },
                { "http://:80/", "\"http://:80/\" has no valid host" },
                { "http://host:99999/", "port \"99999\" is not a number from 1 to 65535" },
                { "http://host:/", "\"http://host:/\" has a bad port" },
                { "http://ho_st/", "\"ho_st\" is neither an IPv4 address nor a host name" },
                { "http://host/a//b", "the path has an empty, . or .. segment" },
                { "http://host/a/../b", "the path has an empty, . or .. segment" },
                { "http://host/%2e", "the path may only contain letters, digits and -._~/" },
        };
        static const struct {
                const char *endpoint, *stored;
        } good[] = {
                { "http://meta", "http://meta/" },
                { "http://10.0.0.1:80/a/b", "http://10.0.0.1:80/a/b/" },
                { "https://Meta.Example.COM/x_y/~z/", "https://Meta.Example.COM/x_y/~z/" },
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                char ud[1024];
                struct fb_config c;
                snprintf(ud, sizeof(ud), "#cloud-config\nkube_firstboot:\n  cluster_key: %s\n  endpoint: %s\n", KEY_B64,
                         good[i].endpoint);
                expect_ok(&c, MD, ud, NULL);
                assert_string_equal(c.endpoint, good[i].stored);
                config_done(&c);
        }
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char ud[1024];
                snprintf(ud, sizeof(ud), "#cloud-config\nkube_firstboot:\n  cluster_key: %s\n  endpoint: \"%s\"\n", KEY_B64,
                         cases[i].endpoint);
                expect_error(MD, ud, NULL, cases[i].expected);
                assert_logged(logged, "/seed/user-data:4:13: kube_firstboot.endpoint: ");
                assert_null(strstr(logged, "secret"));
        }
}

static void test_userdata_secrets_never_logged(void **state) {
        static const char *const keys[] = {
                "c2VjcmV0LXNob3J0LWtleQ==",                                   /* 16 bytes */
                "c2VjcmV0LWtleS10aGF0LWlzLXdheS10b28tbG9uZy1mb3ItMzItYnl0ZXM=", /* 45 bytes */
                "secret!!key",
        };
        static const char *const expected[] = {
                "/seed/user-data:4:16: kube_firstboot.cluster_key: decodes to 16 bytes; it must be exactly 32",
                "kube_firstboot.cluster_key: decodes to more than 32 bytes; it must be exactly 32",
                "kube_firstboot.cluster_key: is not valid base64",
        };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                char ud[1024];
                snprintf(ud, sizeof(ud), "#cloud-config\nkube_firstboot:\n  endpoint: http://h/\n  cluster_key: %s\n", keys[i]);
                expect_error(MD, ud, NULL, expected[i]);
                assert_null(strstr(logged, keys[i]));
                assert_null(strstr(logged, "secret"));
        }
        expect_error(MD, UD "  token: secret.0123456789abcdeF\n", NULL, "kube_firstboot.token: is not a bootstrap token");
        assert_null(strstr(logged, "secret"));
        assert_null(strstr(logged, "0123456789"));
        expect_error(MD, UD "  token: [secret]\n", NULL, "kube_firstboot.token: expected a single value, got a list");
        assert_null(strstr(logged, "secret"));
}

static void test_userdata_required(void **state) {
        expect_error(MD, "#cloud-config\nkube_firstboot:\n  cluster: lab\n", NULL,
                     "/seed/user-data:2:1: kube_firstboot.endpoint: required but missing; the metadata endpoint URL");
        assert_logged(logged, "/seed/user-data:2:1: kube_firstboot.cluster_key: required but missing; 32 random bytes in base64");
        expect_error(MD, "#cloud-config\nkube_firstboot:\n", NULL, "/seed/user-data:2:1: kube_firstboot.endpoint: required but missing");
        expect_error(MD, "#cloud-config\n", NULL, "/seed/user-data:1:1: kube_firstboot: required but missing; the #cloud-config is empty");
        expect_error(MD, "#cloud-config\npackages: [a]\n", NULL,
                     "/seed/user-data:2:1: kube_firstboot: required but missing; the cluster settings go there");
        expect_error(MD, "#cloud-config\nkube-firstboot:\n  cluster: a\n", NULL,
                     "/seed/user-data:2:1: kube-firstboot: unknown key; did you mean kube_firstboot?");
        expect_error(MD, "#cloud-config\n- a\n", NULL, "/seed/user-data:2:1: expected a mapping (key: value), got a list");
        expect_error(MD, "#cloud-config\nkube_firstboot: yes\n", NULL,
                     "/seed/user-data:2:17: kube_firstboot: expected a mapping (key: value), got a scalar");
}

static void test_userdata_header(void **state) {
        static const struct {
                const char *data, *expected;
        } cases[] = {
                { "#!/bin/sh\necho hi\n", "/seed/user-data:1:1: user-data is a script (#!), not #cloud-config" },
                { "", "/seed/user-data:1:1: user-data is empty; it must be a #cloud-config" },
                { "kube_firstboot: {}\n", "/seed/user-data:1:1: user-data does not start with #cloud-config" },
                { "#cloud-config-archive\n- type: x\n", "user-data is a cloud-config archive (#cloud-config-archive)" },
                { "#include\nhttp://x/\n", "user-data is an include list (#include)" },
                { "Content-Type: multipart/mixed; boundary=x\n", "user-data is MIME multi-part" },
                { "\x1f\x8b\x08\x00", "user-data is gzip-compressed" },
                { "\xef\xbb\xbf#cloud-config\n", "user-data is prefixed with a byte-order mark" },
                { "#cloud-configx\n", "user-data does not start with #cloud-config" },
                { " #cloud-config\n", "user-data does not start with #cloud-config" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                expect_error(MD, cases[i].data, NULL, cases[i].expected);

        /* accepted header forms */
        {
                struct fb_config c;
                expect_ok(&c, MD, "#cloud-config \t\nkube_firstboot: {endpoint: \"http://h/\", cluster_key: " KEY_B64 "}", NULL);
                config_done(&c);
                expect_ok(&c, MD, "#cloud-config\r\nkube_firstboot:\r\n  endpoint: http://h/\r\n  cluster_key: " KEY_B64 "\r\n", NULL);
                assert_int_equal(c.cluster_key_pos.line, 4);
                config_done(&c);
        }
}

static void test_userdata_limits(void **state) {
        char *ud;
        size_t len;

        /* 65 hosts */
        ud = malloc(16384);
        assert_non_null(ud);
        len = (size_t) sprintf(ud, "%s  hosts:\n", UD);
        for (int i = 0; i <= FB_MAX_HOSTS; i++)
                len += (size_t) sprintf(ud + len, "    - {name: h%d, address: 10.0.%d.%d}\n", i, i / 200, i % 200 + 1);
        expect_error(MD, ud, NULL, "/seed/user-data:70:7: kube_firstboot.hosts[64]: more than 64 hosts");
        assert_null(strstr(logged, "hosts[65]"));

        /* 65 sysctls */
        len = (size_t) sprintf(ud, "%s  host:\n    sysctls:\n", UD);
        for (int i = 0; i <= FB_MAX_SYSCTLS; i++)
                len += (size_t) sprintf(ud + len, "      net.x.k%d: 1\n", i);
        expect_error(MD, ud, NULL, "more than 64 sysctls");

        /* 33 ssh keys */
        len = (size_t) sprintf(ud, "%sssh_authorized_keys:\n", UD);
        for (int i = 0; i <= FB_MAX_SSH_KEYS; i++)
                len += (size_t) sprintf(ud + len, "  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%04d k%d\n", i, i);
        expect_error(MD, ud, NULL, "ssh_authorized_keys[32]: more than 32 keys");
        free(ud);

        /* a file over the seed limit */
        ud = malloc(SEED_FILE_MAX + 2);
        assert_non_null(ud);
        memset(ud, '#', SEED_FILE_MAX + 1);
        ud[SEED_FILE_MAX + 1] = 0;
        assert_logged(load_error(MD, ud, NULL, -EFBIG), "/seed/user-data: larger than the limit of 262144 bytes");
        free(ud);
}

static void test_error_flood_is_capped(void **state) {
        char ud[8192];
        size_t len = (size_t) sprintf(ud, "%s", UD);
        unsigned n = 0;
        const char *p;

        for (int i = 0; i < 40; i++)
                len += (size_t) sprintf(ud + len, "  unknown%d: x\n", i);
        expect_error(MD, ud, NULL, "/seed/user-data: more than 20 errors; the rest are not shown");
        for (p = logged; (p = strstr(p, "unknown key")); p++)
                n++;
        assert_int_equal(n, 20);
}

/* ---- network-config --------------------------------------------------------------------------- */

static void test_netconfig_v1_forms(void **state) {
        struct fb_config c;

        /* address + netmask, nameserver entry merged into every interface, a dhcp interface */
        expect_ok(&c, MD, UD,
                  "network:\n"
                  "  version: 1\n"
                  "  config:\n"
                  "    - type: physical\n"
                  "      name: ens3\n"
                  "      mac_address: 52:54:00:AB:CD:EF\n"
                  "      subnets:\n"
                  "        - type: static\n"
                  "          address: 192.168.220.104\n"
                  "          netmask: 255.255.255.0\n"
                  "          gateway: 192.168.220.1\n"
                  "          dns_nameservers: 192.168.220.2\n"
                  "    - type: physical\n"
                  "      name: ens4\n"
                  "      subnets: [{type: dhcp}]\n"
                  "    - type: nameserver\n"
                  "      address: [192.168.220.1, 192.168.220.2]\n"
                  "      search: [a.example, b.example]\n");
        assert_true(c.have_network_config);
        assert_int_equal(c.n_ifaces, 2);
        assert_string_equal(c.ifaces[0].name, "ens3");
        assert_string_equal(c.ifaces[0].mac, "52:54:00:ab:cd:ef");
        assert_int_equal(c.ifaces[0].address, 0xc0a8dc68u);
        assert_int_equal(c.ifaces[0].prefix, 24);
        assert_int_equal(c.ifaces[0].pos.line, 9);
        assert_int_equal(c.ifaces[0].pos.column, 20);
        assert_int_equal(c.ifaces[0].n_dns, 2);
        assert_int_equal(c.ifaces[0].dns[0], 0xc0a8dc02u);
        assert_int_equal(c.ifaces[0].dns[1], 0xc0a8dc01u);
        assert_string_equal(c.ifaces[0].search, "a.example b.example");
        assert_string_equal(c.ifaces[1].name, "ens4");
        assert_int_equal(c.ifaces[1].address, 0);
        assert_int_equal(c.ifaces[1].n_dns, 2);
        config_done(&c);

        /* config: disabled, and an empty file: no network config at all */
        expect_ok(&c, MD, UD, "network:\n  config: disabled\n");
        assert_false(c.have_network_config);
        config_done(&c);
        expect_ok(&c, MD, UD, "# nothing\n");
        assert_false(c.have_network_config);
        assert_int_equal(c.n_ifaces, 0);
        config_done(&c);
}

static void test_netconfig_v2_forms(void **state) {
        struct fb_config c;

        expect_ok(&c, MD, UD,
                  "network:\n"
                  "  version: 2\n"
                  "  renderer: networkd\n"
                  "  ethernets:\n"
                  "    id0:\n"
                  "      match: {macaddress: \"52:54:00:12:34:56\"}\n"
                  "      addresses: [192.168.220.104/24]\n"
                  "      routes:\n"
                  "        - to: default\n"
                  "          via: 192.168.220.1\n"
                  "      nameservers: {addresses: [1.1.1.1], search: [lab]}\n"
                  "    byname:\n"
                  "      match: {name: ens4}\n"
                  "      dhcp4: true\n"
                  "    eth2: {dhcp4: no, dhcp6: false}\n");
        assert_int_equal(c.n_ifaces, 3);
        assert_string_equal(c.ifaces[0].name, ""); /* matched by MAC only */
        assert_string_equal(c.ifaces[0].mac, "52:54:00:12:34:56");
        assert_int_equal(c.ifaces[0].address, 0xc0a8dc68u);
        assert_int_equal(c.ifaces[0].gateway, 0xc0a8dc01u);
        assert_int_equal(c.ifaces[0].dns[0], 0x01010101u);
        assert_string_equal(c.ifaces[0].search, "lab");
        assert_int_equal(c.ifaces[0].pos.line, 7);
        assert_int_equal(c.ifaces[0].pos.column, 19);
        assert_string_equal(c.ifaces[1].name, "ens4");
        assert_int_equal(c.ifaces[1].address, 0);
        assert_string_equal(c.ifaces[2].name, "eth2");
        config_done(&c);

        /* v2 without the network: wrapper, gateway4 and a route that agree */
        expect_ok(&c, MD, UD,
                  "version: 2\nethernets:\n  eth0:\n    addresses: [\"192.168.220.104/24\"]\n    gateway4: 192.168.220.1\n"
                  "    routes: [{to: 0.0.0.0/0, via: 192.168.220.1}]\n");
        assert_string_equal(c.ifaces[0].name, "eth0");
        assert_int_equal(c.ifaces[0].gateway, 0xc0a8dc01u);
        config_done(&c);
}

static void test_netconfig_errors(void **state) {
        static const struct {
                const char *nc, *expected;
        } cases[] = {
                { "config: []\n", "/seed/network-config:1:1: version: required but missing; 1 (cloud-init's v1) or 2" },
                { "version: 3\n", "/seed/network-config:1:10: version: \"3\" is not 1 or 2" },
                { "- a\n", "/seed/network-config:1:1: expected a mapping with version: 1 or 2, got a list" },
                { "network:\n  version: 1\nextra: 1\n", "/seed/network-config:3:1: extra: unknown key; everything goes under network:" },
                { "version: 1\nconfig: []\n", "/seed/network-config:1:1: configures no interface" },
                { "version: 1\n", "/seed/network-config:1:1: config: required but missing" },
                { "version: 1\nconfigs: []\n", "/seed/network-config:2:1: configs: unknown key; did you mean config?" },
                { "version: 1\nconfig:\n  - type: bond\n    name: bond0\n",
                  "/seed/network-config:3:11: config[0].type: \"bond\" is not supported; only physical interfaces and nameserver" },
                { "version: 1\nconfig:\n  - name: eth0\n", "/seed/network-config:3:5: config[0].type: required but missing" },
                { "version: 1\nconfig:\n  - type: physical\n", "/seed/network-config:3:5: config[0].name: required but missing" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    mtu: 9000\n",
                  "/seed/network-config:5:5: config[0].mtu: unknown key (known keys: type, name, mac_address, subnets)" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0/1\n", "config[0].name: \"eth0/1\" is not an interface name" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    mac_address: 52:54:00:12:34\n",
                  "config[0].mac_address: \"52:54:00:12:34\" is not a MAC address" },
                { NC_V1("192.168.220.104") "        dns_nameservers: [\"2001:db8::1\"]\n",
                  "/seed/network-config:9:27: config[0].subnets[0].dns_nameservers[0]: \"2001:db8::1\": IPv6 is not supported" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static6\n"
                  "        address: 2001:db8::2/64\n",
                  "/seed/network-config:6:15: config[0].subnets[0].type: \"static6\": IPv6 is not supported, only IPv4" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n",
                  "/seed/network-config:6:9: config[0].subnets[0]: a static subnet needs an address" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n"
                  "        address: 192.168.220.104\n",
                  "/seed/network-config:7:18: config[0].subnets[0]: has no prefix; write it as 192.168.220.104/24 or add a netmask" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n"
                  "        address: 192.168.220.104/24\n        netmask: 255.255.0.0\n",
                  "config[0].subnets[0]: /16 does not match the address's /24" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n"
                  "        address: 192.168.220.104\n        netmask: 255.0.255.0\n",
                  "config[0].subnets[0].netmask: 255.0.255.0 is not a contiguous netmask" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: dhcp\n"
                  "        address: 192.168.220.104/24\n",
                  "/seed/network-config:7:18: config[0].subnets[0]: a dhcp subnet cannot have an address, netmask or gateway" },
                { NC_V1("192.168.220.104") "      - type: static\n        address: 192.168.220.5/24\n",
                  "/seed/network-config:10:18: config[0].subnets[1]: a second static address; only one per interface" },
                { NC_V1("192.168.220.104") "      - type: dhcp\n", "config[0].subnets[1]: dhcp and a static address on one interface" },
                { NC_V1("192.168.220.0"), "/seed/network-config:7:18: config[0].subnets[0]: 192.168.220.0/24 is the network address" },
                { NC_V1("192.168.220.255"), "192.168.220.255/24 is the broadcast address of its subnet" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n"
                  "        address: 192.168.220.104/24\n        gateway: 192.168.221.1\n",
                  "/seed/network-config:8:18: config[0].subnets[0]: 192.168.221.1 is not in the interface's subnet 192.168.220.104/24" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n"
                  "        address: 192.168.220.104/24\n        gateway: 192.168.220.104\n",
                  "192.168.220.104 is the interface's own address" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n  - type: physical\n    name: eth0\n",
                  "/seed/network-config:5:5: config[1]: interface eth0 is configured twice" },
                { "version: 1\nconfig:\n  - {type: physical, name: a, mac_address: \"52:54:00:00:00:01\"}\n"
                  "  - {type: physical, name: b, mac_address: \"52:54:00:00:00:01\"}\n",
                  "config[1]: MAC 52:54:00:00:00:01 is configured twice" },
                { "version: 1\nconfig:\n  - type: nameserver\n    address: [1.1.1.1, 1.0.0.1, 8.8.8.8, 8.8.4.4, 9.9.9.9]\n"
                  "  - {type: physical, name: a}\n",
                  "config[0].address[4]: more than 4 name servers" },
                { "version: 1\nconfig:\n  - type: nameserver\n    search: [\"bad domain\"]\n",
                  "config[0].search[0]: \"bad domain\" is not a DNS domain" },
                { "version: 2\n", "/seed/network-config:1:1: ethernets: required but missing" },
                { "version: 2\nbonds: {}\nethernets: {eth0: {}}\n",
                  "/seed/network-config:2:1: bonds: not supported; kube-firstboot configures plain ethernets only" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.104/24, 192.168.220.105/24]\n",
                  "/seed/network-config:4:37: ethernets.eth0.addresses[1]: a second address; only one per interface" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [\"2001:db8::1/64\"]\n",
                  "ethernets.eth0.addresses[0]: \"2001:db8::1/64\": IPv6 is not supported, only IPv4" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.104]\n",
                  "ethernets.eth0.addresses[0]: \"192.168.220.104\" is not an IPv4 address with prefix" },
                { "version: 2\nethernets:\n  eth0:\n    dhcp4: true\n    addresses: [192.168.220.104/24]\n",
                  "/seed/network-config:4:12: ethernets.eth0: dhcp4 and a static address on one interface" },
                { "version: 2\nethernets:\n  eth0:\n    dhcp6: true\n", "ethernets.eth0.dhcp6: IPv6 is not supported, only IPv4" },
                { "version: 2\nethernets:\n  eth0:\n    gateway4: 192.168.220.1\n",
                  "/seed/network-config:4:15: ethernets.eth0: a gateway needs a static address" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.104/24]\n    routes: [{to: 10.0.0.0/8, via: 192.168.220.1}]\n",
                  "ethernets.eth0.routes[0].to: \"10.0.0.0/8\": only the default route (to: default or 0.0.0.0/0) is supported" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.104/24]\n    gateway4: 192.168.220.1\n"
                  "    routes: [{to: default, via: 192.168.220.2}]\n",
                  "ethernets.eth0: differs from gateway4 (line 5)" },
                { "version: 2\nethernets:\n  id0:\n    match: {name: \"en*\"}\n",
                  "ethernets.id0.match.name: \"en*\": patterns are not supported" },
                { "version: 2\nethernets:\n  id0:\n    match: {driver: virtio}\n",
                  "ethernets.id0.match.driver: unknown key (known keys: macaddress, name)" },
                { "version: 2\nethernets:\n  id0:\n    match: {}\n", "ethernets.id0.match: is empty; match macaddress or name" },
                { "version: 2\nethernets:\n  \"my nic\": {}\n",
                  "/seed/network-config:3:3: ethernets.my nic: \"my nic\" is not an interface name; add match" },
                { "version: 2\nethernets:\n  eth0:\n    mtu: 1500\n", "ethernets.eth0.mtu: unknown key" },
                { "version: 2\nethernets:\n  eth0: {addresses: [10.0.0.1/24], gateway4: 10.0.0.254}\n"
                  "  eth1: {addresses: [10.1.0.1/24], gateway4: 10.1.0.254}\n",
                  "/seed/network-config:4:3: ethernets.eth1: a second default gateway (the first is at line 3)" },
                { "version: 2\nethernets:\n  eth0: {renderer: x}\n", "ethernets.eth0.renderer: unknown key" },
                { "version: 2\nrenderer: systemd\nethernets: {eth0: {}}\n",
                  "renderer: \"systemd\" is not one of: networkd, NetworkManager" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                expect_error(MD, UD, cases[i].nc, cases[i].expected);
}

static void test_netconfig_too_many_interfaces(void **state) {
        char nc[4096];
        size_t len = (size_t) sprintf(nc, "version: 2\nethernets:\n");

        for (int i = 0; i <= FB_MAX_IFACES; i++)
                len += (size_t) sprintf(nc + len, "  eth%d: {}\n", i);
        expect_error(MD, UD, nc, "/seed/network-config:11:3: ethernets.eth8: more than 8 interfaces");
}

/* ---- cross-field checks ----------------------------------------------------------------------- */

static void test_validate(void **state) {
        static const struct {
                const char *md, *ud_extra, *nc, *expected;
        } cases[] = {
                { MD, "  kubernetes:\n    service_cidr: 10.244.0.0/20\n", NULL,
                  "/seed/user-data:6:19: kube_firstboot.kubernetes.service_cidr: 10.244.0.0/20 overlaps pod_cidr 10.244.0.0/16" },
                { MD, "  kubernetes:\n    pod_cidr: 10.0.0.0/8\n", NULL,
                  "/seed/user-data:6:15: kube_firstboot.kubernetes.pod_cidr: 10.0.0.0/8 overlaps service_cidr 10.1.0.0/16" },
                { MD, "", NC_V1_GW("10.244.3.4", "10.244.3.1"),
                  "/seed/user-data:2:1: kube_firstboot.kubernetes.pod_cidr: the default 10.244.0.0/16 overlaps this node's "
                  "subnet 10.244.3.0/24 (from network-config, /seed/network-config:7:18)" },
                { MD, "  kubernetes:\n    service_cidr: 192.168.0.0/16\n", NC_V1("192.168.220.104"),
                  "/seed/user-data:6:19: kube_firstboot.kubernetes.service_cidr: 192.168.0.0/16 overlaps this node's subnet "
                  "192.168.220.0/24 (from network-config" },
                { MD, "  kubernetes:\n    pod_cidr: 192.168.0.0/16\n" HOSTS, NULL,
                  "kube_firstboot.kubernetes.pod_cidr: 192.168.0.0/16 overlaps this node's subnet 192.168.220.0/24 (from hosts, "
                  "assuming a /24, /seed/user-data:8:31)" },
                { MD, HOSTS "    - {name: node-2, address: 10.244.1.1}\n", NULL,
                  "/seed/user-data:8:31: kube_firstboot.hosts[2].address: 10.244.1.1 is inside pod_cidr 10.244.0.0/16" },
                { "instance-id: i\nlocal-hostname: node-9\nrole: worker\n", HOSTS, NULL,
                  "/seed/meta-data:2:17: local-hostname: \"node-9\" is not in kube_firstboot.hosts (master, node-1)" },
                { MD, HOSTS "    - {name: master, address: 192.168.220.106}\n", NULL,
                  "/seed/user-data:8:14: kube_firstboot.hosts[2].name: \"master\" is listed twice (first at line 6)" },
                { MD, HOSTS "    - {name: node-2, address: 192.168.220.105}\n", NULL,
                  "/seed/user-data:8:31: kube_firstboot.hosts[2].address: 192.168.220.105 is already node-1's address (line 7)" },
                { MD, HOSTS, NC_V1("192.168.220.110"),
                  "/seed/user-data:6:31: kube_firstboot.hosts[0].address: 192.168.220.104 for master (this node) differs from "
                  "its network-config address 192.168.220.110 (/seed/network-config:7:18)" },
                { MD, "  hosts:\n    - {name: master, address: 10.9.0.4}\n", NULL,
                  "/seed/user-data:2:1: kube_firstboot.kubernetes.control_plane: not set, and the default 192.168.220.104 (the "
                  "reference lab's) is not in kube_firstboot.hosts; set it to the control plane's address" },
                { MD, "", NC_V1_GW("10.9.0.4", "10.9.0.1"),
                  "/seed/user-data:2:1: kube_firstboot.kubernetes.control_plane: not set, and the default 192.168.220.104 (the "
                  "reference lab's) is not in this node's subnet 10.9.0.0/24" },
                { MD, "  kubernetes:\n    control_plane: 10.1.0.1\n", NULL,
                  "/seed/user-data:6:20: kube_firstboot.kubernetes.control_plane: 10.1.0.1 is inside service_cidr 10.1.0.0/16" },
                { MD_WORKER, HOSTS, NULL,
                  "" }, /* no error: a worker with its own address */
                { "instance-id: i\nlocal-hostname: node-1\nrole: control-plane\n", HOSTS, NULL,
                  "/seed/meta-data:3:7: role: control-plane, but this node's address 192.168.220.105 is not "
                  "kube_firstboot.kubernetes.control_plane 192.168.220.104 (default)" },
                { "instance-id: i\nlocal-hostname: master\nrole: worker\n", HOSTS "  kubernetes: {control_plane: master}\n", NULL,
                  "/seed/meta-data:3:7: role: worker, but this node has the control plane's address 192.168.220.104 "
                  "(kube_firstboot.kubernetes.control_plane, /seed/user-data:8:31)" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char ud[2048];
                snprintf(ud, sizeof(ud), "%s%s", UD, cases[i].ud_extra);
                if (!cases[i].expected[0]) {
                        struct fb_config c;
                        expect_ok(&c, cases[i].md, ud, cases[i].nc);
                        config_done(&c);
                        continue;
                }
                expect_error(cases[i].md, ud, cases[i].nc, cases[i].expected);
        }
}

static void test_validate_ok_cases(void **state) {
        struct fb_config c;

        /* control_plane by name, resolved through hosts */
        expect_ok(&c, MD, UD HOSTS "  kubernetes: {control_plane: master}\n", NC_V1("192.168.220.104"));
        config_done(&c);
        /* another lab: the default control plane does not apply once it is set */
        expect_ok(&c, "instance-id: i\nlocal-hostname: cp\nrole: control-plane\n",
                  UD "  hosts: [{name: cp, address: 10.9.0.4}]\n  kubernetes: {control_plane: 10.9.0.4}\n", NC_V1_GW("10.9.0.4", "10.9.0.1"));
        config_done(&c);
        /* no hosts, no network-config: nothing to cross-check */
        expect_ok(&c, MD_WORKER, UD, NULL);
        config_done(&c);
        /* config_validate alone, on a config_init()ed struct: the defaults are consistent */
        config_init(&c);
        capture_start();
        assert_int_equal(config_validate(&c), 0);
        capture_end();
        config_done(&c);
}

static void test_load_reports_every_file(void **state) {
        struct seed s = {};
        struct fb_config c;
        static const char md[] = "instance-id: i\nlocal-hostname: M\nrole: control-plane\n";
        static const char ud[] = UD "  cluster: X\n";
        static const char nc[] = "version: 9\n";

        assert_int_equal(seed_set_file(&s, SEED_META_DATA, "/s/meta-data", md, strlen(md)), 0);
        assert_int_equal(seed_set_file(&s, SEED_USER_DATA, "/s/user-data", ud, strlen(ud)), 0);
        assert_int_equal(seed_set_file(&s, SEED_NETWORK_CONFIG, "/s/network-config", nc, strlen(nc)), 0);
        config_init(&c);
        capture_start();
        assert_int_equal(config_load(&s, &c), -EINVAL);
        capture_end();
        assert_logged(logged, "/s/meta-data:2:17: local-hostname: \"M\" must be lower case");
        assert_logged(logged, "/s/user-data:5:12: kube_firstboot.cluster: \"X\" may only contain");
        assert_logged(logged, "/s/network-config:1:10: version: \"9\" is not 1 or 2");
        config_done(&c);
        seed_done(&s);
}

/* ---- show-seed -------------------------------------------------------------------------------- */

static void test_show(void **state) {
        struct fb_config c;
        char *out = NULL;
        size_t size = 0;
        FILE *f;

        expect_ok(&c, "instance-id: \"iid:1\"\nlocal-hostname: master\nrole: control-plane\n",
                  UD "  token: " TOKEN "\n  token_ttl: 90m\n" HOSTS "  host:\n    swap: keep\n    sysctls: {vm.swappiness: 10}\n",
                  NC_V1("192.168.220.104"));
        f = open_memstream(&out, &size);
        assert_non_null(f);
        config_show(f, &c, "/dev/sr0");
        fclose(f);
        assert_non_null(strstr(out, "origin: /dev/sr0\n"));
        assert_non_null(strstr(out, "  instance-id: \"iid:1\"\n"));
        assert_non_null(strstr(out, "  local-hostname: master\n  role: control-plane\n"));
        assert_non_null(strstr(out, "    cluster_key: \"<redacted: 32 bytes>\"\n"));
        assert_non_null(strstr(out, "    token: \"<redacted: bootstrap token>\"\n"));
        assert_non_null(strstr(out, "    token_ttl: \"1h30m\"\n"));
        assert_non_null(strstr(out, "      - name: node-1\n        address: 192.168.220.105\n"));
        assert_non_null(strstr(out, "      control_plane: \"192.168.220.104:6443\"\n"));
        assert_non_null(strstr(out, "      pod_cidr: 10.244.0.0/16\n"));
        assert_non_null(strstr(out, "      swap: keep\n"));
        assert_non_null(strstr(out, "        vm.swappiness: \"10\"\n"));
        assert_non_null(strstr(out, "      address: 192.168.220.104/24\n      gateway: 192.168.220.1\n"));
        /* never the secrets, in any form */
        assert_null(strstr(out, KEY_B64));
        assert_null(strstr(out, TOKEN));
        assert_null(strstr(out, "0123456789abcdef"));
        assert_null(strstr(out, KEY_TEXT));
        free(out);
        config_done(&c);

        /* the output is YAML our own loader reads back */
        expect_ok(&c, MD, UD, NULL);
        out = NULL;
        f = open_memstream(&out, &size);
        config_show(f, &c, "o");
        fclose(f);
        {
                struct ynode *root = NULL;
                assert_int_equal(yload(out, &root), 0);
                assert_string_equal(ynode_get(ynode_get(root, "meta-data"), "role")->value, "control-plane");
                assert_true(ynode_is_null(ynode_get(root, "network-config")));
                ytree_free(root);
        }
        free(out);
        config_done(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_yaml_tree_and_positions),
                cmocka_unit_test(test_yaml_empty),
                cmocka_unit_test(test_yaml_refusals),
                cmocka_unit_test(test_yaml_standard_tags_and_depth_ok),
                cmocka_unit_test(test_yaml_escape),
                cmocka_unit_test(test_reference_master),
                cmocka_unit_test(test_reference_workers),
                cmocka_unit_test(test_metadata_json),
                cmocka_unit_test(test_metadata_other_keys_ignored),
                cmocka_unit_test(test_metadata_errors),
                cmocka_unit_test(test_configdrive),
                cmocka_unit_test(test_userdata_defaults),
                cmocka_unit_test(test_userdata_every_field),
                cmocka_unit_test(test_userdata_values),
                cmocka_unit_test(test_userdata_errors),
                cmocka_unit_test(test_userdata_endpoint),
                cmocka_unit_test(test_userdata_secrets_never_logged),
                cmocka_unit_test(test_userdata_required),
                cmocka_unit_test(test_userdata_header),
                cmocka_unit_test(test_userdata_limits),
                cmocka_unit_test(test_error_flood_is_capped),
                cmocka_unit_test(test_netconfig_v1_forms),
                cmocka_unit_test(test_netconfig_v2_forms),
                cmocka_unit_test(test_netconfig_errors),
                cmocka_unit_test(test_netconfig_too_many_interfaces),
                cmocka_unit_test(test_validate),
                cmocka_unit_test(test_validate_ok_cases),
                cmocka_unit_test(test_load_reports_every_file),
                cmocka_unit_test(test_show),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

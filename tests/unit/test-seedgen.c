/* SPDX-License-Identifier: MIT */
/* The seed generator's pure parts: instance-ids, generations, PXE file names, the inventory parser,
 * and the rendered seeds, which the agent's own parser must accept for every node. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit-test.h"

#include "config/config-parse.h"
#include "log-capture.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "seed/seed.h"
#include "seedgen.h"

static const struct seedgen_secrets secrets = {
        .cluster_key = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                         17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 },
        .token = "abcdef.0123456789abcdef",
};

static struct seedgen_inventory *parse(const char *text, int *ret) {
        struct seedgen_inventory *inv = malloc(sizeof(*inv));

        assert_non_null(inv);
        seedgen_inventory_init(inv);
        *ret = seedgen_inventory_parse(text, strlen(text), "test.yaml", inv);
        return inv;
}

static void inventory_free(struct seedgen_inventory *inv) {
        seedgen_inventory_done(inv);
        free(inv);
}

/* Renders node i's seed and loads it with the agent's config_load(); returns its result. */
static int agent_loads(const struct seedgen_inventory *inv, size_t i, struct fb_config *c) {
        struct seed seed = {};
        char *md = NULL, *ud = NULL, *nc = NULL;
        size_t md_size, ud_size, nc_size;
        char iid[160];
        int r;

        assert_int_equal(seedgen_instance_id(inv->cluster.cluster_name, inv->nodes[i].name, "20250102T030405Z-1a2b",
                                             iid, sizeof(iid)),
                         0);
        assert_int_equal(seedgen_render_meta_data(inv, &inv->nodes[i], iid, &md, &md_size), 0);
        assert_int_equal(seedgen_render_user_data(inv, &secrets, &ud, &ud_size), 0);
        assert_int_equal(seedgen_render_network_config(inv, &inv->nodes[i], &nc, &nc_size), 0);
        assert_int_equal(seed_set_file(&seed, SEED_META_DATA, "t/meta-data", md, md_size), 0);
        assert_int_equal(seed_set_file(&seed, SEED_USER_DATA, "t/user-data", ud, ud_size), 0);
        assert_int_equal(seed_set_file(&seed, SEED_NETWORK_CONFIG, "t/network-config", nc, nc_size), 0);
        config_init(c);
        r = config_load(&seed, c);
        seed_done(&seed);
        free(md);
        free(ud);
        free(nc);
        return r;
}

static void test_instance_id(void **state) {
        char id[160], cluster[64];

        assert_int_equal(seedgen_instance_id("lab", "node-1", "20250102T030405Z-1a2b", id, sizeof(id)), 0);
        assert_string_equal(id, "lab-node-1-20250102T030405Z-1a2b");

        /* the longest names: the cluster part is cut so the agent's limit of 128 holds */
        memset(cluster, 'c', 63);
        cluster[63] = 0;
        {
                char node[64];
                memset(node, 'n', 63);
                node[63] = 0;
                assert_int_equal(seedgen_instance_id(cluster, node, "20250102T030405Z-1a2b", id, sizeof(id)), 0);
                assert_int_equal(strlen(id), 128);
                assert_true(strncmp(id, "ccc", 3) == 0);
                assert_non_null(strstr(id, node));
                assert_true(strcmp(id + strlen(id) - 21, "20250102T030405Z-1a2b") == 0);
        }
        /* too small a buffer is an error, not a truncation */
        assert_int_equal(seedgen_instance_id("lab", "node-1", "20250102T030405Z-1a2b", id, 10), -ENOBUFS);
}

static void test_generation(void **state) {
        const uint8_t rnd[2] = { 0x1a, 0x2b };
        char g[32];

        assert_int_equal(seedgen_generation(1735787045, rnd, g), 0); /* 2025-01-02 03:04:05 UTC */
        assert_string_equal(g, "20250102T030405Z-1a2b");
}

static void test_pxe_name(void **state) {
        char name[21];

        seedgen_pxe_name("52:54:00:fb:00:68", name);
        assert_string_equal(name, "01-52-54-00-fb-00-68");
}

static void test_reference_inventory(void **state) {
        struct seedgen_inventory *inv;
        char a[16];
        int r;

        inv = parse(seedgen_reference_inventory, &r);
        assert_int_equal(r, 0);
        assert_string_equal(inv->cluster.cluster_name, "lab");
        assert_string_equal(inv->cluster.endpoint, "http://192.168.220.1:8780/");
        assert_int_equal(inv->n_nodes, 4);
        assert_int_equal(inv->cluster.n_hosts, 4);
        assert_string_equal(inv->nodes[0].name, "master");
        assert_int_equal(inv->nodes[0].role, FB_ROLE_CONTROL_PLANE);
        assert_string_equal(inv->nodes[3].mac, "52:54:00:fb:00:6b");
        assert_string_equal(inv->nodes[2].interface, "eth0");
        assert_false(inv->control_plane_set);
        assert_string_equal(inv->cluster.k8s.control_plane_host, "192.168.220.104");
        assert_int_equal(inv->cluster.k8s.control_plane_port, 6443);
        format_ipv4(inv->subnet, a);
        assert_string_equal(a, "192.168.220.0");
        assert_int_equal(inv->prefix, 24);
        assert_string_equal(inv->search, "lab.internal");
        assert_int_equal(inv->n_dns, 1);
        assert_int_equal(inv->cluster.token_ttl_s, 24 * 3600);

        for (size_t i = 0; i < inv->n_nodes; i++) {
                struct fb_config c;
                assert_int_equal(agent_loads(inv, i, &c), 0);
                assert_string_equal(c.hostname, inv->nodes[i].name);
                assert_int_equal(c.role, inv->nodes[i].role);
                assert_int_equal(c.ifaces[0].address, inv->nodes[i].address);
                assert_string_equal(c.ifaces[0].mac, inv->nodes[i].mac);
                assert_memory_equal(c.cluster_key, secrets.cluster_key, 32);
                assert_string_equal(c.token, secrets.token);
                assert_int_equal(c.n_hosts, 4);
                config_done(&c);
        }
        inventory_free(inv);
}

/* Values a YAML 1.1 reader would take for something else must reach the agent as written. */
static void test_quoting(void **state) {
        static const char text[] =
                "cluster: \"0\"\n"
                "endpoint: https://kfb.example.org:8443/lab-1\n"
                "host:\n"
                "  swap: keep\n"
                "  grow_root: no\n"
                "  sysctls:\n"
                "    kernel/pid_max: \"4194304\"\n"
                "    vm.overcommit_memory: \"yes\"\n"
                "    net.ipv4.tcp_congestion_control: 'a \"b\" \\c: #d'\n"
                "ssh_authorized_keys:\n"
                "  - 'no-pty,command=\"echo \\\"x\\\"\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEK57AabM2ouVSoH comment: #1'\n"
                "network:\n"
                "  prefix: /20\n"
                "  dns: 10.9.0.2\n"
                "  search: example.org\n"
                "nodes:\n"
                "  - {name: \"123\", address: 10.9.1.2, role: control-plane, interface: ens3}\n"
                "  - {name: \"yes\", address: 10.9.1.3, role: worker}\n";
        struct seedgen_inventory *inv;
        struct fb_config c;
        int r;

        inv = parse(text, &r);
        assert_int_equal(r, 0);
        for (size_t i = 0; i < inv->n_nodes; i++) {
                assert_int_equal(agent_loads(inv, i, &c), 0);
                assert_string_equal(c.cluster_name, "0");
                assert_string_equal(c.endpoint, "https://kfb.example.org:8443/lab-1/");
                assert_string_equal(c.hostname, inv->nodes[i].name);
                assert_int_equal(c.host.swap, FB_SWAP_KEEP);
                assert_false(c.host.grow_root);
                assert_int_equal(c.host.n_sysctls, 3);
                assert_string_equal(c.host.sysctls[0].key, "kernel.pid_max");
                assert_string_equal(c.host.sysctls[0].value, "4194304");
                assert_string_equal(c.host.sysctls[1].value, "yes");
                assert_string_equal(c.host.sysctls[2].value, "a \"b\" \\c: #d");
                assert_int_equal(c.n_ssh_keys, 1);
                assert_string_equal(c.ssh_keys[0], inv->cluster.ssh_keys[0]);
                assert_int_equal(c.ifaces[0].prefix, 20);
                assert_int_equal(c.ifaces[0].gateway, 0);
                assert_string_equal(c.ifaces[0].search, "example.org");
                assert_string_equal(c.k8s.control_plane_host, "10.9.1.2");
                config_done(&c);
        }
        assert_string_equal(inv->nodes[0].interface, "ens3");
        inventory_free(inv);
}

/* A slow host's kubernetes settings reach every node's user-data; unset, they stay unset. */
static void test_slow_host_settings(void **state) {
        static const char text[] =
                "endpoint: http://10.9.1.1:8780/\n"
                "kubernetes:\n"
                "  version: v1.23.0\n"
                "  control_plane_timeout: 40m\n"
                "  leader_election: \"off\"\n"
                "nodes:\n"
                "  - {name: m, address: 10.9.1.2, role: control-plane}\n"
                "  - {name: w, address: 10.9.1.3, role: worker}\n";
        struct seedgen_inventory *inv;
        struct fb_config c;
        int r;

        inv = parse(text, &r);
        assert_int_equal(r, 0);
        for (size_t i = 0; i < inv->n_nodes; i++) {
                assert_int_equal(agent_loads(inv, i, &c), 0);
                assert_string_equal(c.k8s.version, "v1.23.0");
                assert_int_equal(c.k8s.control_plane_timeout_s, 40 * 60);
                assert_true(c.k8s.no_leader_election);
                config_done(&c);
        }
        inventory_free(inv);
        inv = parse(seedgen_reference_inventory, &r);
        assert_int_equal(r, 0);
        assert_int_equal(agent_loads(inv, 0, &c), 0);
        assert_int_equal(c.k8s.control_plane_timeout_s, 0);
        assert_false(c.k8s.no_leader_election);
        config_done(&c);
        inventory_free(inv);
}

static void test_server_yaml_listen(void **state) {
        static const char base[] = "nodes: [{name: m, address: 10.0.0.5, role: control-plane}]\n";
        static const struct {
                const char *inventory;
                enum seedgen_listen_from from;
                const char *listen;
        } cases[] = {
                /* the endpoint's own address and port, never every address */
                { "endpoint: http://10.0.0.1:8780/", SEEDGEN_LISTEN_ENDPOINT, "10.0.0.1:8780" },
                { "endpoint: http://10.0.0.1", SEEDGEN_LISTEN_ENDPOINT, "10.0.0.1:80" },
                { "endpoint: http://127.0.0.1:9999/", SEEDGEN_LISTEN_ENDPOINT, "127.0.0.1:9999" },
                /* https: the server answers TLS itself, on the endpoint's address */
                { "endpoint: https://10.0.0.1/", SEEDGEN_LISTEN_ENDPOINT, "10.0.0.1:443" },
                { "endpoint: https://10.0.0.1:8443/", SEEDGEN_LISTEN_ENDPOINT, "10.0.0.1:8443" },
                /* a host name: loopback, until server_listen says where */
                { "endpoint: http://kfb.lab:81/", SEEDGEN_LISTEN_HOST_NAME, "127.0.0.1:81" },
                { "endpoint: http://kfb.lab/", SEEDGEN_LISTEN_HOST_NAME, "127.0.0.1:80" },
                /* behind a proxy on this host: loopback, the server's own port */
                { "endpoint: http://10.0.0.1/kfb/", SEEDGEN_LISTEN_PROXY, "127.0.0.1:8780" },
                { "endpoint: https://kfb.lab:8443/lab-1", SEEDGEN_LISTEN_PROXY, "127.0.0.1:8780" },
                /* the inventory's server_listen over all of these; every address only when asked for */
                { "endpoint: http://10.0.0.1:8780/\nserver_listen: 10.0.0.2:8781", SEEDGEN_LISTEN_INVENTORY,
                  "10.0.0.2:8781" },
                { "endpoint: https://kfb.lab/x/\nserver_listen: 0.0.0.0:8780", SEEDGEN_LISTEN_INVENTORY,
                  "0.0.0.0:8780" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char text[256], listen[22], needle[64], *out = NULL;
                struct seedgen_inventory *inv;
                int r;

                snprintf(text, sizeof(text), "%s%s\n", base, cases[i].inventory);
                inv = parse(text, &r);
                assert_int_equal(r, 0);
                assert_int_equal(seedgen_server_listen(inv, listen), cases[i].from);
                assert_int_equal(seedgen_render_server_yaml(inv, "00ff", "/srv/seeds", &out, NULL), 0);
                assert_string_equal(listen, cases[i].listen);
                snprintf(needle, sizeof(needle), "\nlisten: %s\n", cases[i].listen);
                if (!strstr(out, needle))
                        fail_msg("case %zu: no listen: %s in:\n%s", i, cases[i].listen, out);
                if (cases[i].from != SEEDGEN_LISTEN_INVENTORY)
                        assert_null(strstr(out, "0.0.0.0"));
                assert_non_null(strstr(out, "\nseed_dir: \"/srv/seeds\"\n"));
                assert_non_null(strstr(out, "\n  - name: kubernetes\n    bearer: 00ff\n"));
                free(out);
                inventory_free(inv);
        }
}

/* server_listen: IPV4-ADDRESS:PORT only. */
static void test_server_listen_refused(void **state) {
        static const char *const values[] = { "8780", "10.0.0.1", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536",
                                              "kfb.lab:8780", "[::1]:8780", "10.0.0.1:80x", "" };

        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                char text[256];
                struct seedgen_inventory *inv;
                const char *log;
                int r;

                snprintf(text, sizeof(text),
                         "endpoint: http://10.0.0.1/\nserver_listen: \"%s\"\n"
                         "nodes: [{name: m, address: 10.0.0.5, role: control-plane}]\n",
                         values[i]);
                log_capture_start();
                inv = parse(text, &r);
                log = log_capture_end();
                if (r != -EINVAL)
                        fail_msg("server_listen: %s accepted", values[i]);
                assert_logged(log, "test.yaml:2:16: server_listen: ");
                inventory_free(inv);
        }
}

/* The agreed nodes: list, exactly: name, address, and mac when the inventory has one. */
static void test_server_yaml_nodes(void **state) {
        static const char inventory[] =
                "endpoint: http://10.0.0.1:8780/\n"
                "nodes:\n"
                "  - {name: cp-1, address: 10.0.0.10, role: control-plane, mac: \"AA:BB:CC:00:00:01\"}\n"
                "  - {name: 2nd, address: 10.0.0.11, role: worker}\n";
        static const char expected[] = "\nnodes:\n"
                                       "  - name: cp-1\n"
                                       "    address: 10.0.0.10\n"
                                       "    mac: \"aa:bb:cc:00:00:01\"\n"
                                       "  - name: \"2nd\"\n"
                                       "    address: 10.0.0.11\n";
        struct seedgen_inventory *inv;
        char *out = NULL;
        const char *nodes;
        int r;

        inv = parse(inventory, &r);
        assert_int_equal(r, 0);
        assert_int_equal(seedgen_render_server_yaml(inv, "00ff", "/srv/seeds", &out, NULL), 0);
        nodes = strstr(out, "\nnodes:\n");
        assert_non_null(nodes);
        /* the list, and nothing after it that a reader could take as a node's */
        assert_string_equal(nodes, expected);
        free(out);
        inventory_free(inv);

        /* the reference lab: every node with its MAC */
        inv = parse(seedgen_reference_inventory, &r);
        assert_int_equal(r, 0);
        assert_int_equal(seedgen_render_server_yaml(inv, "00ff", "/srv/seeds", &out, NULL), 0);
        assert_non_null(strstr(out, "\nlisten: 192.168.220.1:8780\n"));
        assert_non_null(strstr(out, "\nnodes:\n"
                                    "  - name: master\n    address: 192.168.220.104\n    mac: \"52:54:00:fb:00:68\"\n"
                                    "  - name: node-1\n    address: 192.168.220.105\n    mac: \"52:54:00:fb:00:69\"\n"
                                    "  - name: node-2\n    address: 192.168.220.106\n    mac: \"52:54:00:fb:00:6a\"\n"
                                    "  - name: node-3\n    address: 192.168.220.107\n    mac: \"52:54:00:fb:00:6b\"\n"));
        free(out);
        inventory_free(inv);
}

static void test_pxe(void **state) {
        struct seedgen_inventory *inv;
        char *out = NULL;
        int r;

        inv = parse(seedgen_reference_inventory, &r);
        assert_int_equal(r, 0);
        assert_int_equal(seedgen_render_pxelinux(inv, &inv->nodes[1], &out, NULL), 0);
        assert_non_null(strstr(out, "\n  KERNEL centos7/vmlinuz\n  APPEND initrd=centos7/initrd.img ip=dhcp "
                                    "inst.ks=http://192.168.220.1:8780/ks/kube-firstboot.ks "
                                    "kube_firstboot.seed=http://192.168.220.1:8780/v1/seeds/node-1/\n"));
        free(out);
        assert_int_equal(seedgen_render_grub(inv, &inv->nodes[1], &out, NULL), 0);
        assert_non_null(strstr(out, "\n\tlinuxefi centos7/vmlinuz ip=dhcp inst.ks="));
        assert_non_null(strstr(out, "\n\tinitrdefi centos7/initrd.img\n}\n"));
        {
                /* the seed URL in the menu is what the agent finds on the kernel command line */
                char location[256];
                const char *args = strstr(out, "linuxefi ");
                char line[512];
                size_t n = strcspn(args, "\n");
                memcpy(line, args, n);
                line[n] = 0;
                assert_int_equal(cmdline_find_seed(line, location, sizeof(location)), 1);
                assert_string_equal(location, "http://192.168.220.1:8780/v1/seeds/node-1/");
        }
        free(out);
        inventory_free(inv);
}

static void test_refused(void **state) {
        static const struct {
                const char *text;
        } cases[] = {
                { "endpoint: http://h/\nnodes: []\n" },
                { "endpoint: http://h/\nnodes: [{name: a, address: 10.0.0.1, role: worker}]\n" },
                { "endpoint: ftp://h/\nnodes: [{name: a, address: 10.0.0.1, role: control-plane}]\n" },
                { "endpoint: http://h/\ntoken: abcdef.0123456789abcdef\n"
                  "nodes: [{name: a, address: 10.0.0.1, role: control-plane}]\n" },
                { "endpoint: http://h/\nnetwork: {prefix: 31}\n"
                  "nodes: [{name: a, address: 10.0.0.1, role: control-plane}]\n" },
                { "endpoint: http://h/\nnetwork: {gateway: 10.0.0.0}\n"
                  "nodes: [{name: a, address: 10.0.0.1, role: control-plane}]\n" },
                { "endpoint: http://h/\nnodes: [{name: a, address: 10.0.0.255, role: control-plane}]\n" },
                { "endpoint: http://h/\nkubernetes: {control_plane: b}\n"
                  "nodes: [{name: a, address: 10.0.0.1, role: control-plane}, {name: b, address: 10.0.0.2, role: worker}]\n" },
                { "endpoint: http://h/\nhost: {sysctls: {net.ipv4.ip_forward: 0}}\n"
                  "nodes: [{name: a, address: 10.0.0.1, role: control-plane}]\n" },
                { "endpoint: http://h/\nnodes: [{name: a, address: 10.0.0.1, role: control-plane, interface: \"eth*\"}]\n" },
                { "endpoint: http://h/\nnodes: [{name: Master, address: 10.0.0.1, role: control-plane}]\n" },
                { "- just\n- a list\n" },
        };

        log_set_max_level(LOG_CRIT);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct seedgen_inventory *inv;
                int r;

                inv = parse(cases[i].text, &r);
                if (r != -EINVAL)
                        fail_msg("case %zu accepted: %s", i, cases[i].text);
                inventory_free(inv);
        }
        log_set_max_level(LOG_INFO);
}

/* The first error in log that names field: its message, after "FIELD: ", to the end of its line. */
static void message_of(const char *log, const char *field, char *buf, size_t size) {
        const char *p;
        char needle[128];

        snprintf(needle, sizeof(needle), ": %s: ", field);
        p = strstr(log, needle);
        if (!p)
                fail_msg("no error about %s in the log:\n%s", field, log);
        p += strlen(needle);
        snprintf(buf, size, "%.*s", (int) strcspn(p, "\n") + 1, p);
}

/* The cluster settings are config-fields.c's in both parsers: a value refused in an inventory gets the
 * same message as in user-data (where the field path starts with kube_firstboot.). */
static void test_same_messages_as_user_data(void **state) {
        static const struct {
                const char *yaml, *field;
        } cases[] = {
                { "cluster: Lab", "cluster" },
                { "endpoint: http://u:p@h/", "endpoint" },
                { "endpoint: http://h:99999/", "endpoint" },
                { "token_ttl: 0", "token_ttl" },
                { "join_timeout: 200h", "join_timeout" },
                { "kubernetes: {version: v1.24.0}", "kubernetes.version" },
                { "kubernetes: {control_plane: \"h:0\"}", "kubernetes.control_plane" },
                { "kubernetes: {image_repository: /x}", "kubernetes.image_repository" },
                { "kubernetes: {service_cidr: 10.1.0.1/16}", "kubernetes.service_cidr" },
                { "kubernetes: {pod_cidr: 10.244.0.0/24}", "kubernetes.pod_cidr" },
                { "kubernetes: {cni: calico}", "kubernetes.cni" },
                { "kubernetes: {runtime: containerd}", "kubernetes.runtime" },
                { "kubernetes: {pod_cdir: 10.244.0.0/16}", "kubernetes.pod_cdir" },
                { "host: {swap: on}", "host.swap" },
                { "host: {selinux: enforcing}", "host.selinux" },
                { "host: {firewall: closed}", "host.firewall" },
                { "host: {grow_root: maybe}", "host.grow_root" },
                { "host: {sysctls: {net.ipv4.ip_forward: \"0\"}}", "host.sysctls.net.ipv4.ip_forward" },
                { "host: {sysctls: {\"a b\": \"1\"}}", "host.sysctls.a b" },
                { "ssh_authorized_keys: [nokey]", "ssh_authorized_keys[0]" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                bool top = strncmp(cases[i].yaml, "ssh_", 4) == 0;
                bool endpoint = strncmp(cases[i].yaml, "endpoint", 8) == 0;
                char inventory[512], user_data[512], ud_field[128], expected[1024], got[1024];
                struct seedgen_inventory *inv;
                struct fb_config c;
                int r;

                snprintf(inventory, sizeof(inventory),
                         "%s\n%snodes: [{name: a, address: 10.0.0.1, role: control-plane}]\n", cases[i].yaml,
                         endpoint ? "" : "endpoint: http://h/\n");
                snprintf(user_data, sizeof(user_data),
                         "#cloud-config\nkube_firstboot:\n  cluster_key: VEVTVC1PTkxZIGNsdXN0ZXIga2V5LCBub3Qgc2FmZSE=\n"
                         "%s%s%s\n",
                         endpoint ? "" : "  endpoint: http://h/\n", top ? "" : "  ", cases[i].yaml);
                snprintf(ud_field, sizeof(ud_field), "%s%s", top ? "" : "kube_firstboot.", cases[i].field);

                log_capture_start();
                inv = parse(inventory, &r);
                assert_int_equal(r, -EINVAL);
                inventory_free(inv);
                message_of(log_capture_take(), cases[i].field, expected, sizeof(expected));
                config_init(&c);
                assert_int_equal(userdata_parse(user_data, strlen(user_data), "t/user-data", &c), -EINVAL);
                config_done(&c);
                message_of(log_capture_end(), ud_field, got, sizeof(got));
                if (!streq(expected, got))
                        fail_msg("case %zu: inventory: %s  user-data: %s", i, expected, got);
        }
}

UNIT_TEST_MAIN(NULL, NULL, test_instance_id, test_generation, test_pxe_name, test_reference_inventory, test_quoting,
               test_slow_host_settings,
               test_server_yaml_listen, test_server_listen_refused, test_server_yaml_nodes, test_pxe, test_refused, test_same_messages_as_user_data)

/* SPDX-License-Identifier: MIT */
/* Loading a whole seed (config/config-parse.c): the reference lab's seeds from tests/data/seeds/ into
 * every field, with positions into their files, and every file's errors reported in one run. */
#include "config-test.h"

static const char *top(void) {
        const char *t = getenv("TOP");
        return t ? t : ".";
}

static void load_reference(const char *node, struct seed *s, struct fb_config *c) {
        char dir[PATH_MAX];
        int r;

        snprintf(dir, sizeof(dir), "%s/tests/data/seeds/reference/%s", top(), node);
        memset(s, 0, sizeof(*s));
        assert_int_equal(seed_read_dir(dir, s), 0);
        config_init(c);
        log_capture_start();
        r = config_load(s, c);
        logged = log_capture_end();
        if (r != 0)
                fail_msg("reference seed %s: %d\n%s", node, r, logged);
}

static void test_reference_master(void **state) {
        struct seed s;
        struct fb_config c;

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
        assert_k8s_host_defaults(&c);
        assert_int_equal(c.n_ssh_keys, 1);
        assert_true(strncmp(c.ssh_keys[0], "ssh-ed25519 AAAA", 16) == 0);
        assert_true(c.have_network_config);
        assert_int_equal(c.n_ifaces, 1);
        assert_static_iface(&c.ifaces[0], "eth0", "52:54:00:fb:00:68", 0xc0a8dc68u, 24);
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
                snprintf(mac, sizeof(mac), "52:54:00:fb:00:%02x", (unsigned) (0x69 + i));
                assert_static_iface(&c.ifaces[0], "eth0", mac, 0xc0a8dc69u + i, 24);
                assert_int_equal(c.ifaces[0].gateway, 0xc0a8dc01u);
                assert_int_equal(c.ifaces[0].n_dns, 1);
                assert_string_equal(c.ifaces[0].search, "lab.internal");
                assert_int_equal(c.n_hosts, 4);
                config_done(&c);
                seed_done(&s);
        }
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
        log_capture_start();
        assert_int_equal(config_load(&s, &c), -EINVAL);
        logged = log_capture_end();
        assert_logged(logged, "/s/meta-data:2:17: local-hostname: \"M\" must be lower case");
        assert_logged(logged, "/s/user-data:5:12: kube_firstboot.cluster: \"X\" may only contain");
        assert_logged(logged, "/s/network-config:1:10: version: \"9\" is not 1 or 2");
        config_done(&c);
        seed_done(&s);
}

UNIT_TEST_MAIN(NULL, NULL, test_reference_master, test_reference_workers, test_load_reports_every_file)

/* SPDX-License-Identifier: MIT */
/* kubeadm's configuration files as firstboot/agent/role/kubeadm.c renders them from the reference lab's
 * seeds (tests/data/seeds/reference/), for both roles. The expected texts are the reference procedure's
 * values (master 192.168.220.104, kubeadm 1.23.6, the aliyun image mirror, service 10.1.0.0/16, pods
 * 10.244.0.0/16, docker with the systemd cgroup driver) in kubeadm.k8s.io/v1beta3. */
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
#include "join/joinrecord.h"
#include "log.h"
#include "macro.h"
#include "role/kubeadm.h"
#include "seed/seed.h"

static const char *top(void) {
        const char *t = getenv("TOP");
        return t ? t : ".";
}

static void load_reference(const char *node, struct fb_config *c) {
        struct seed s = {};
        char dir[PATH_MAX];

        snprintf(dir, sizeof(dir), "%s/tests/data/seeds/reference/%s", top(), node);
        assert_int_equal(seed_read_dir(dir, &s), 0);
        config_init(c);
        assert_int_equal(config_load(&s, c), 0);
        seed_done(&s);
}

static const char expected_init[] =
        "# Written by kube-firstboot from the seed; kubeadm init --config reads it.\n"
        "apiVersion: kubeadm.k8s.io/v1beta3\n"
        "kind: InitConfiguration\n"
        "bootstrapTokens:\n"
        "- token: \"4kfq2x.1uxgk0vf7n9lz3qa\"\n"
        "  description: \"kube-firstboot join token\"\n"
        "  ttl: \"24h0m0s\"\n"
        "  usages: [\"signing\", \"authentication\"]\n"
        "  groups: [\"system:bootstrappers:kubeadm:default-node-token\"]\n"
        "localAPIEndpoint:\n"
        "  advertiseAddress: \"192.168.220.104\"\n"
        "  bindPort: 6443\n"
        "nodeRegistration:\n"
        "  name: \"master\"\n"
        "  criSocket: \"/var/run/dockershim.sock\"\n"
        "  kubeletExtraArgs:\n"
        "    node-ip: \"192.168.220.104\"\n"
        "---\n"
        "apiVersion: kubeadm.k8s.io/v1beta3\n"
        "kind: ClusterConfiguration\n"
        "clusterName: \"lab\"\n"
        "kubernetesVersion: \"v1.23.6\"\n"
        "controlPlaneEndpoint: \"192.168.220.104:6443\"\n"
        "imageRepository: \"registry.aliyuncs.com/google_containers\"\n"
        "networking:\n"
        "  serviceSubnet: \"10.1.0.0/16\"\n"
        "  podSubnet: \"10.244.0.0/16\"\n"
        "  dnsDomain: \"cluster.local\"\n"
        "---\n"
        "apiVersion: kubelet.config.k8s.io/v1beta1\n"
        "kind: KubeletConfiguration\n"
        "cgroupDriver: systemd\n";

static const char expected_join[] =
        "# Written by kube-firstboot from the join record; kubeadm join --config reads it.\n"
        "apiVersion: kubeadm.k8s.io/v1beta3\n"
        "kind: JoinConfiguration\n"
        "discovery:\n"
        "  bootstrapToken:\n"
        "    apiServerEndpoint: \"192.168.220.104:6443\"\n"
        "    token: \"4kfq2x.1uxgk0vf7n9lz3qa\"\n"
        "    caCertHashes:\n"
        "    - \"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n"
        "  timeout: \"5m0s\"\n"
        "nodeRegistration:\n"
        "  name: \"node-1\"\n"
        "  criSocket: \"/var/run/dockershim.sock\"\n"
        "  kubeletExtraArgs:\n"
        "    node-ip: \"192.168.220.105\"\n";

static void sample_record(const struct fb_config *c, struct join_record *rec) {
        memset(rec, 0, sizeof(*rec));
        strcpy(rec->cluster, c->cluster_name);
        assert_int_equal(kubeadm_api_server(c, rec->api_server, sizeof(rec->api_server)), 0);
        strcpy(rec->token, "4kfq2x.1uxgk0vf7n9lz3qa");
        strcpy(rec->ca_cert_hashes[0], "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        rec->n_ca_cert_hashes = 1;
}

static void test_init_control_plane(void **unused) {
        _cleanup_free_ char *text = NULL;
        struct fb_config c;
        size_t size = 0;

        load_reference("master", &c);
        assert_int_equal(c.role, FB_ROLE_CONTROL_PLANE);
        assert_int_equal(kubeadm_render_init(&c, NULL, "4kfq2x.1uxgk0vf7n9lz3qa", &text, &size), 0);
        assert_int_equal(size, strlen(text));
        assert_string_equal(text, expected_init);
        config_done(&c);
}

static void test_join_worker(void **unused) {
        _cleanup_free_ char *text = NULL;
        struct join_record rec;
        struct fb_config c;
        size_t size = 0;

        load_reference("node-1", &c);
        assert_int_equal(c.role, FB_ROLE_WORKER);
        sample_record(&c, &rec);
        assert_int_equal(kubeadm_render_join(&c, NULL, &rec, &text, &size), 0);
        assert_int_equal(size, strlen(text));
        assert_string_equal(text, expected_join);
        config_done(&c);
}

/* Every CA hash of the record is pinned, and the seed's ignored preflight checks are passed on. */
static void test_join_hashes_and_preflight(void **unused) {
        _cleanup_free_ char *text = NULL;
        struct join_record rec;
        struct fb_config c;

        load_reference("node-2", &c);
        sample_record(&c, &rec);
        strcpy(rec.ca_cert_hashes[1], "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210");
        rec.n_ca_cert_hashes = 2;
        assert_true(FB_PREFLIGHT_N > 0);
        c.k8s.ignore_preflight = 1u << 0;
        assert_int_equal(kubeadm_render_join(&c, NULL, &rec, &text, NULL), 0);
        assert_non_null(strstr(text, "    caCertHashes:\n"
                                     "    - \"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n"
                                     "    - \"sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\"\n"
                                     "  timeout:"));
        assert_non_null(strstr(text, "  name: \"node-2\"\n"));
        {
                char line[128];
                snprintf(line, sizeof(line), "  ignorePreflightErrors:\n  - \"%s\"\n", fb_preflight_names[0]);
                assert_non_null(strstr(text, line));
        }
        config_done(&c);
}

/* A slow host's settings: kubeadm's wait for the control plane, and no leader election on the one
 * control plane; both in ClusterConfiguration, where kubeadm 1.23 reads them. */
static void test_init_slow_control_plane(void **unused) {
        _cleanup_free_ char *text = NULL;
        struct fb_config c;

        load_reference("master", &c);
        c.k8s.control_plane_timeout_s = 40 * 60;
        c.k8s.no_leader_election = true;
        assert_int_equal(kubeadm_render_init(&c, NULL, "4kfq2x.1uxgk0vf7n9lz3qa", &text, NULL), 0);
        assert_non_null(strstr(text, "  dnsDomain: \"cluster.local\"\n"
                                     "apiServer:\n"
                                     "  timeoutForControlPlane: \"0h40m0s\"\n"
                                     "controllerManager:\n"
                                     "  extraArgs:\n"
                                     "    leader-elect: \"false\"\n"
                                     "scheduler:\n"
                                     "  extraArgs:\n"
                                     "    leader-elect: \"false\"\n"
                                     "---\n"
                                     "apiVersion: kubelet.config.k8s.io/v1beta1\n"));
        free(text);
        text = NULL;
        /* each alone */
        c.k8s.no_leader_election = false;
        assert_int_equal(kubeadm_render_init(&c, NULL, "4kfq2x.1uxgk0vf7n9lz3qa", &text, NULL), 0);
        assert_non_null(strstr(text, "  timeoutForControlPlane: \"0h40m0s\"\n---\n"));
        assert_null(strstr(text, "leader-elect"));
        free(text);
        text = NULL;
        c.k8s.control_plane_timeout_s = 0;
        c.k8s.no_leader_election = true;
        assert_int_equal(kubeadm_render_init(&c, NULL, "4kfq2x.1uxgk0vf7n9lz3qa", &text, NULL), 0);
        assert_null(strstr(text, "apiServer:"));
        assert_non_null(strstr(text, "  dnsDomain: \"cluster.local\"\ncontrollerManager:\n"));
        config_done(&c);
}

static void test_init_needs_an_address(void **unused) {
        char *text = NULL;
        struct fb_config c;

        load_reference("master", &c);
        /* a control plane whose own address is neither in network-config nor in the hosts list cannot
         * advertise one */
        c.n_ifaces = 0;
        strcpy(c.hostname, "elsewhere");
        assert_int_equal(kubeadm_render_init(&c, NULL, "4kfq2x.1uxgk0vf7n9lz3qa", &text, NULL), -EADDRNOTAVAIL);
        assert_null(text);
        config_done(&c);
}

static void test_durations_and_api_server(void **unused) {
        char buf[32], small[8];
        struct fb_config c;

        format_go_duration(24 * 3600, buf);
        assert_string_equal(buf, "24h0m0s");
        format_go_duration(90061, buf);
        assert_string_equal(buf, "25h1m1s");
        format_go_duration(0, buf);
        assert_string_equal(buf, "0h0m0s");

        load_reference("node-3", &c);
        assert_int_equal(kubeadm_api_server(&c, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "192.168.220.104:6443");
        assert_int_equal(kubeadm_api_server(&c, small, sizeof(small)), -ENAMETOOLONG);
        config_done(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_init_control_plane),       cmocka_unit_test(test_join_worker),
                cmocka_unit_test(test_join_hashes_and_preflight), cmocka_unit_test(test_init_needs_an_address),
                cmocka_unit_test(test_durations_and_api_server), cmocka_unit_test(test_init_slow_control_plane),
        };
        log_set_max_level(LOG_CRIT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* kubernetes.cni host-gw: the seed generator's split of the pod network into a /24 per node, the checks of
 * hosts[].pod_subnet, the CNI configuration the agent writes, the routes' ifcfg rendering and the kubeadm
 * setting that keeps the controller manager from handing out node CIDRs of its own. */
#include "buffer.h"
#include "config-test.h"

#include "host/fence.h"
#include "host/pod-routes.h"
#include "role/host-gw.h"
#include "role/kubeadm.h"
#include "seedgen.h"

static const struct seedgen_secrets secrets = {
        .cluster_key = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                         17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 },
};

static const char *top(void) {
        const char *t = getenv("TOP");
        return t ? t : ".";
}

static void load_seed(const char *node, struct fb_config *c) {
        struct seed s = {};
        char dir[PATH_MAX];

        snprintf(dir, sizeof(dir), "%s/tests/data/seeds/host-gw/%s", top(), node);
        assert_int_equal(seed_read_dir(dir, &s), 0);
        config_init(c);
        assert_int_equal(config_load(&s, c), 0);
        seed_done(&s);
}

#define INVENTORY(pod_cidr)                                                                                            \
        "endpoint: http://10.0.0.1:8780/\n"                                                                            \
        "kubernetes:\n"                                                                                                \
        "  pod_cidr: " pod_cidr "\n"                                                                                   \
        "  cni: host-gw\n"                                                                                             \
        "nodes:\n"                                                                                                     \
        "  - {name: cp, address: 10.0.0.10, role: control-plane}\n"                                                    \
        "  - {name: w1, address: 10.0.0.11, role: worker}\n"                                                           \
        "  - {name: w2, address: 10.0.0.12, role: worker}\n"

/* Each node its /24, in the order of nodes:, written into user-data's hosts, which the agent accepts. */
static void test_seedgen_split(void **unused) {
        struct seedgen_inventory *inv = malloc(sizeof(*inv));
        char *ud = NULL;
        size_t size;

        assert_non_null(inv);
        seedgen_inventory_init(inv);
        assert_int_equal(seedgen_inventory_parse(INVENTORY("10.50.0.0/22"), strlen(INVENTORY("10.50.0.0/22")),
                                                 "inv.yaml", inv),
                         0);
        assert_int_equal(inv->cluster.n_hosts, 3);
        assert_int_equal(inv->cluster.hosts[0].pod_subnet, 0x0a320000);
        assert_int_equal(inv->cluster.hosts[1].pod_subnet, 0x0a320100);
        assert_int_equal(inv->cluster.hosts[2].pod_subnet, 0x0a320200);
        assert_int_equal(seedgen_render_user_data(inv, &secrets, &ud, &size), 0);
        assert_non_null(strstr(ud, "  hosts:\n"
                                   "    - name: cp\n      address: 10.0.0.10\n      pod_subnet: 10.50.0.0/24\n"
                                   "    - name: w1\n      address: 10.0.0.11\n      pod_subnet: 10.50.1.0/24\n"
                                   "    - name: w2\n      address: 10.0.0.12\n      pod_subnet: 10.50.2.0/24\n"));
        assert_non_null(strstr(ud, "    cni: host-gw\n"));
        {
                struct fb_config c;
                config_init(&c);
                assert_int_equal(userdata_parse(ud, size, "ud", &c), 0);
                assert_int_equal(c.hosts[2].pod_subnet, 0x0a320200);
                config_done(&c);
        }
        free(ud);
        seedgen_inventory_done(inv);
        free(inv);
}

static void test_seedgen_too_small(void **unused) {
        struct seedgen_inventory *inv = malloc(sizeof(*inv));
        const char *log;

        assert_non_null(inv);
        seedgen_inventory_init(inv);
        log_capture_start();
        assert_int_equal(seedgen_inventory_parse(INVENTORY("10.50.0.0/23"), strlen(INVENTORY("10.50.0.0/23")),
                                                 "inv.yaml", inv),
                         -EINVAL);
        log = log_capture_end();
        assert_logged(log, "inv.yaml:3:13: kubernetes.pod_cidr: 10.50.0.0/23 holds 2 node /24s, but there are 3 "
                           "nodes (kubernetes.cni host-gw gives each its own)");
        seedgen_inventory_done(inv);
        free(inv);
}

#define K8S_HOST_GW "  kubernetes: {cni: host-gw}\n"

static void test_pod_subnet_checks(void **unused) {
        struct fb_config c;

        expect_ok(&c, MD, UD K8S_HOST_GW
                  "  hosts:\n    - {name: master, address: 192.168.220.104, pod_subnet: 10.244.0.0/24}\n"
                  "    - {name: node-1, address: 192.168.220.105, pod_subnet: 10.244.7.0/24}\n",
                  NULL);
        assert_int_equal(c.hosts[1].pod_subnet, 0x0af40700);
        config_done(&c);

        expect_error(MD, UD K8S_HOST_GW
                     "  hosts:\n    - {name: master, address: 192.168.220.104, pod_subnet: 10.245.0.0/24}\n", NULL,
                     "/seed/user-data:7:60: kube_firstboot.hosts[0].pod_subnet: 10.245.0.0/24 is outside "
                     "kubernetes.pod_cidr 10.244.0.0/16");
        expect_error(MD, UD K8S_HOST_GW
                     "  hosts:\n    - {name: master, address: 192.168.220.104, pod_subnet: 10.244.0.0/24}\n"
                     "    - {name: node-1, address: 192.168.220.105}\n",
                     NULL,
                     "/seed/user-data:8:14: kube_firstboot.hosts[1].pod_subnet: node-1 has none; kubernetes.cni "
                     "host-gw needs a /24 of kubernetes.pod_cidr for every host");
        expect_error(MD, UD K8S_HOST_GW
                     "  hosts:\n    - {name: master, address: 192.168.220.104, pod_subnet: 10.244.0.0/24}\n"
                     "    - {name: node-1, address: 192.168.220.105, pod_subnet: 10.244.0.0/24}\n",
                     NULL, "/seed/user-data:8:60: kube_firstboot.hosts[1].pod_subnet: 10.244.0.0/24 is already "
                           "master's (line 7)");
        expect_error(MD, UD K8S_HOST_GW
                     "  hosts:\n    - {name: master, address: 192.168.220.104, pod_subnet: 10.244.0.0/25}\n", NULL,
                     "/seed/user-data:7:60: kube_firstboot.hosts[0].pod_subnet: 10.244.0.0/25: the prefix must be /24 "
                     "to /24");
        expect_error(MD, UD HOSTS "    - {name: node-2, address: 192.168.220.106, pod_subnet: 10.244.2.0/24}\n",
                     NULL, "kube_firstboot.hosts[2].pod_subnet: is only for kubernetes.cni: host-gw (the seed's is "
                           "flannel)");
        expect_error(MD, UD K8S_HOST_GW, NULL,
                     "/seed/user-data:5:21: kube_firstboot.kubernetes.cni: host-gw needs kube_firstboot.hosts");
}

static const char expected_conflist[] = "{\n"
                                        "  \"cniVersion\": \"0.3.1\",\n"
                                        "  \"name\": \"kube-firstboot-host-gw\",\n"
                                        "  \"plugins\": [\n"
                                        "    {\n"
                                        "      \"type\": \"bridge\",\n"
                                        "      \"bridge\": \"cni0\",\n"
                                        "      \"isGateway\": true,\n"
                                        "      \"ipMasq\": false,\n"
                                        "      \"hairpinMode\": true,\n"
                                        "      \"ipam\": {\n"
                                        "        \"type\": \"host-local\",\n"
                                        "        \"ranges\": [[{ \"subnet\": \"10.244.1.0/24\", \"gateway\": "
                                        "\"10.244.1.1\" }]],\n"
                                        "        \"routes\": [{ \"dst\": \"0.0.0.0/0\" }]\n"
                                        "      }\n"
                                        "    },\n"
                                        "    {\n"
                                        "      \"type\": \"portmap\",\n"
                                        "      \"capabilities\": { \"portMappings\": true }\n"
                                        "    }\n"
                                        "  ]\n"
                                        "}\n";

static void test_conflist_and_routes(void **unused) {
        struct fb_config c;
        char *out = NULL;
        size_t size;

        load_seed("node-1", &c);
        assert_int_equal(host_gw_render_conflist(&c, &out, &size), 0);
        assert_string_equal(out, expected_conflist);
        assert_int_equal(size, strlen(expected_conflist));
        free(out);

        assert_int_equal(pod_routes_count(&c, &c.ifaces[0]), 3);
        {
                struct buffer b = BUFFER_INIT(4096);
                assert_int_equal(pod_routes_append_ifcfg(&c, &c.ifaces[0], 2, &b), 0);
                assert_int_equal(buffer_steal(&b, &out, &size), 0);
        }
        assert_string_equal(out, "# the pod subnet of master (kubernetes.cni host-gw)\n"
                                 "ADDRESS2=10.244.0.0\nNETMASK2=255.255.255.0\nGATEWAY2=192.168.220.104\n"
                                 "# the pod subnet of node-2 (kubernetes.cni host-gw)\n"
                                 "ADDRESS3=10.244.2.0\nNETMASK3=255.255.255.0\nGATEWAY3=192.168.220.106\n"
                                 "# the pod subnet of node-3 (kubernetes.cni host-gw)\n"
                                 "ADDRESS4=10.244.3.0\nNETMASK4=255.255.255.0\nGATEWAY4=192.168.220.107\n");
        free(out);
        config_done(&c);

        /* flannel: no routes of ours */
        config_init(&c);
        load_seed("node-1", &c);
        strscpy(c.k8s.cni, sizeof(c.k8s.cni), "flannel");
        assert_int_equal(pod_routes_count(&c, &c.ifaces[0]), 0);
        config_done(&c);
}

static void test_kubeadm_node_cidrs(void **unused) {
        struct fb_config c;
        char *out = NULL;
        size_t size;

        load_seed("master", &c);
        assert_int_equal(kubeadm_render_init(&c, NULL, "abcdef.0123456789abcdef", &out, &size), 0);
        assert_non_null(strstr(out, "  podSubnet: \"10.244.0.0/16\"\n"
                                    "  dnsDomain: \"cluster.local\"\n"
                                    "controllerManager:\n"
                                    "  extraArgs:\n"
                                    "    allocate-node-cidrs: \"false\"\n"
                                    "---\n"));
        free(out);
        config_done(&c);
}

/* The pod network through FORWARD: after the fence's rejects in firewalld (priority 1) and in the unit
 * (inserted first, so below them). */
static void test_forward_rules(void **unused) {
        struct fence_rule rules[FENCE_MAX_RULES];
        uint32_t ep = 0xc0a8dc01; /* 192.168.220.1 */
        struct fb_config c;
        char line[256], *unit = NULL;
        int n;

        load_seed("node-1", &c);
        n = fence_rules(&c, &ep, 1, 8780, rules, ELEMENTSOF(rules));
        assert_int_equal(n, 5);
        fence_direct_line(&rules[0], line, sizeof(line));
        assert_string_equal(line, "ipv4 filter FORWARD 1 -s 10.244.0.0/16 -j ACCEPT");
        fence_direct_line(&rules[1], line, sizeof(line));
        assert_string_equal(line, "ipv4 filter FORWARD 1 -d 10.244.0.0/16 -j ACCEPT");
        fence_direct_line(&rules[2], line, sizeof(line));
        assert_string_equal(line, "ipv4 filter FORWARD 0 -s 10.244.0.0/16 -d 192.168.220.1/32 -p tcp --dport 8780 -j REJECT");
        assert_int_equal(fence_unit_render(rules, (size_t) n, &unit, NULL), 0);
        assert_non_null(strstr(unit, "ExecStart=/usr/sbin/iptables -w -I FORWARD -s 10.244.0.0/16 -j ACCEPT\n"
                                     "ExecStart=/usr/sbin/iptables -w -I FORWARD -d 10.244.0.0/16 -j ACCEPT\n"
                                     "ExecStart=/usr/sbin/iptables -w -I FORWARD -s 10.244.0.0/16 -d 192.168.220.1/32"));
        free(unit);

        strscpy(c.k8s.cni, sizeof(c.k8s.cni), "flannel");
        assert_int_equal(fence_rules(&c, &ep, 1, 8780, rules, ELEMENTSOF(rules)), 3);
        config_done(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_seedgen_split),       cmocka_unit_test(test_seedgen_too_small),
                cmocka_unit_test(test_pod_subnet_checks),   cmocka_unit_test(test_conflist_and_routes),
                cmocka_unit_test(test_kubeadm_node_cidrs),  cmocka_unit_test(test_forward_rules),
        };
        log_set_max_level(LOG_CRIT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}

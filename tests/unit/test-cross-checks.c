/* SPDX-License-Identifier: MIT */
/* The checks across the seed's files (config/cross-checks.c): hosts, addresses, subnets, the pod and
 * service networks, the control plane and the role, with errors at the value or at kube_firstboot: for
 * a default. */
#include "config-test.h"

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
        log_capture_start();
        assert_int_equal(config_validate(&c), 0);
        logged = log_capture_end();
        config_done(&c);
}

UNIT_TEST_MAIN(NULL, NULL, test_validate, test_validate_ok_cases)

/* SPDX-License-Identifier: MIT */
/* user-data (config/user-data.c and the fields of config/config-fields.c): defaults, every field, the
 * value rules and their messages, the endpoint URL, secrets never in a message, required keys, the
 * #cloud-config header, limits, and the cap on logged errors. */
#include "config-test.h"

static void test_userdata_defaults(void **state) {
        struct fb_config c;

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
        assert_k8s_host_defaults(&c);
        assert_null(c.k8s.pod_pos.file);
        assert_int_equal(c.k8s.control_plane_timeout_s, 0); /* kubeadm's own wait */
        assert_false(c.k8s.no_leader_election);
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
                                 "    control_plane_timeout: 25m\n"
                                 "    leader_election: off\n"
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
                              "packages (line 36), runcmd (line 37)");
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
        assert_int_equal(c.k8s.control_plane_timeout_s, 25 * 60);
        assert_true(c.k8s.no_leader_election);
        assert_int_equal(c.host.swap, FB_SWAP_KEEP);
        assert_int_equal(c.host.selinux, FB_SELINUX_KEEP);
        assert_int_equal(c.host.firewall, FB_FIREWALL_DISABLE);
        assert_false(c.host.grow_root);
        assert_int_equal(c.host.n_sysctls, 4);
        assert_string_equal(c.host.sysctls[0].key, "vm.max_map_count");
        assert_string_equal(c.host.sysctls[0].value, "262144");
        assert_string_equal(c.host.sysctls[1].key, "net.ipv4.conf.eth0/100.rp_filter");
        assert_string_equal(c.host.sysctls[2].value, "4096 87380 6291456");
        assert_int_equal(c.host.sysctls[3].pos.line, 32);
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
                { "  kubernetes: {control_plane_timeout: 1m}\n", "control_plane_timeout" },
                { "  kubernetes: {control_plane_timeout: 60m}\n", "control_plane_timeout" },
                { "  kubernetes: {leader_election: \"on\"}\n", "leader_election" },
                { "  host: {sysctls: }\n", "sysctls" },
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                char ud[1024];
                struct fb_config c;
                snprintf(ud, sizeof(ud), "%s%s", UD, ok[i].yaml);
                log_capture_start();
                if (load(&c, MD, ud, NULL) != 0) {
                        logged = log_capture_end();
                        fail_msg("%s: %s", ok[i].yaml, logged);
                }
                logged = log_capture_end();
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
                { "  colour: red\n", "kube_firstboot.colour: unknown key (known keys: cluster, endpoint, cluster_key, endpoint_ca, token" },
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
                { "  kubernetes:\n    cni: calico\n", "kube_firstboot.kubernetes.cni: \"calico\" is not one of: flannel, host-gw, none" },
                { "  kubernetes:\n    cni: flanel\n", "\"flanel\" is not one of: flannel, host-gw, none; did you mean flannel?" },
                { "  kubernetes:\n    runtime: containerd\n", "kube_firstboot.kubernetes.runtime: \"containerd\" is not one of: docker" },
                { "  kubernetes:\n    control_plane_timeout: 30s\n",
                  "/seed/user-data:6:28: kube_firstboot.kubernetes.control_plane_timeout: \"30s\" is out of range (1m to 60m)" },
                { "  kubernetes:\n    control_plane_timeout: 2h\n",
                  "kube_firstboot.kubernetes.control_plane_timeout: \"2h\" is out of range (1m to 60m)" },
                { "  kubernetes:\n    control_plane_timeout: soon\n",
                  "kube_firstboot.kubernetes.control_plane_timeout: \"soon\" is not a duration like 24h" },
                { "  kubernetes:\n    leader_election: false\n",
                  "/seed/user-data:6:22: kube_firstboot.kubernetes.leader_election: \"false\" is not one of: on, off" },
                { "  kubernetes:\n    leader_elect: off\n",
                  "kube_firstboot.kubernetes.leader_elect: unknown key; did you mean leader_election?" },
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

/* A lab CA as the seed generator writes it (public: certificate only). */
#define CA_PEM \
        "-----BEGIN CERTIFICATE-----\n" \
        "MIIBgzCCASmgAwIBAgIIL/uEf5PuR00wCgYIKoZIzj0EAwIwJDEiMCAGA1UEAwwZ\n" \
        "a3ViZS1maXJzdGJvb3QgbGFiIENBIGxhYjAeFw0yNjEyMDUyMzA2NTVaFw0zNjEy\n" \
        "MDIyMzA2NTVaMCQxIjAgBgNVBAMMGWt1YmUtZmlyc3Rib290IGxhYiBDQSBsYWIw\n" \
        "WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQjgirX9lLICFk8gd8AFFuE/NN91Hoa\n" \
        "U4UUQe9fwIW3GCkigLU5AlBq1OBys9O61CerCeGhXCFduubg/Vgi+szJo0UwQzAS\n" \
        "BgNVHRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUualQ\n" \
        "E86JGjC39Rf8SjPN5O5BsO8wCgYIKoZIzj0EAwIDSAAwRQIgEw5PpUlW9LxKqt59\n" \
        "9TWSGPIUoeppWgXQ1c2FsFhShVoCIQDLEDOHtDs6i3o1Dj/J6MHYKyLZ6x9Dc6D4\n" \
        "uW0orjV2aQ==\n" \
        "-----END CERTIFICATE-----\n"
#define CA_PEM_INDENTED \
        "    -----BEGIN CERTIFICATE-----\n" \
        "    MIIBgzCCASmgAwIBAgIIL/uEf5PuR00wCgYIKoZIzj0EAwIwJDEiMCAGA1UEAwwZ\n" \
        "    a3ViZS1maXJzdGJvb3QgbGFiIENBIGxhYjAeFw0yNjEyMDUyMzA2NTVaFw0zNjEy\n" \
        "    MDIyMzA2NTVaMCQxIjAgBgNVBAMMGWt1YmUtZmlyc3Rib290IGxhYiBDQSBsYWIw\n" \
        "    WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQjgirX9lLICFk8gd8AFFuE/NN91Hoa\n" \
        "    U4UUQe9fwIW3GCkigLU5AlBq1OBys9O61CerCeGhXCFduubg/Vgi+szJo0UwQzAS\n" \
        "    BgNVHRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUualQ\n" \
        "    E86JGjC39Rf8SjPN5O5BsO8wCgYIKoZIzj0EAwIDSAAwRQIgEw5PpUlW9LxKqt59\n" \
        "    9TWSGPIUoeppWgXQ1c2FsFhShVoCIQDLEDOHtDs6i3o1Dj/J6MHYKyLZ6x9Dc6D4\n" \
        "    uW0orjV2aQ==\n" \
        "    -----END CERTIFICATE-----\n"
#define UD_HTTPS_CA "#cloud-config\nkube_firstboot:\n  endpoint: https://192.168.220.1:8780/\n" \
                    "  cluster_key: " KEY_B64 "\n  endpoint_ca: |\n" CA_PEM_INDENTED

static void test_userdata_endpoint_ca(void **state) {
        static const char ud_https[] = "#cloud-config\nkube_firstboot:\n  endpoint: https://192.168.220.1:8780/\n"
                                       "  cluster_key: " KEY_B64 "\n";
        struct fb_config c;

        /* a block scalar, as the seed generator writes it: stored as the PEM, with its position */
        expect_ok(&c, MD, UD_HTTPS_CA, NULL);
        assert_non_null(c.endpoint_ca);
        assert_string_equal(c.endpoint_ca, CA_PEM);
        assert_int_equal(c.endpoint_ca_size, strlen(CA_PEM));
        assert_int_equal(c.endpoint_ca_pos.line, 5);
        config_done(&c);
        assert_null(c.endpoint_ca);

        /* not set: NULL, the system's CA store */
        expect_ok(&c, MD, ud_https, NULL);
        assert_null(c.endpoint_ca);
        config_done(&c);

        /* not PEM: the error names file, line, column and field, and what is wrong */
        expect_error(MD, "#cloud-config\nkube_firstboot:\n  endpoint: https://h/\n  cluster_key: " KEY_B64 "\n"
                         "  endpoint_ca: not a certificate\n", NULL,
                     "/seed/user-data:5:16: kube_firstboot.endpoint_ca: is not a PEM CA certificate: does not start "
                     "with -----BEGIN CERTIFICATE-----");
        expect_error(MD, "#cloud-config\nkube_firstboot:\n  endpoint: https://h/\n  cluster_key: " KEY_B64 "\n"
                         "  endpoint_ca: |\n    -----BEGIN CERTIFICATE-----\n    !!!!\n    -----END CERTIFICATE-----\n",
                     NULL, "kube_firstboot.endpoint_ca: is not a PEM CA certificate: a certificate block is not valid base64");
        expect_error(MD, "#cloud-config\nkube_firstboot:\n  endpoint: https://h/\n  cluster_key: " KEY_B64 "\n"
                         "  endpoint_ca: |\n    -----BEGIN CERTIFICATE-----\n    MIIB\n",
                     NULL, "is not a PEM CA certificate: a certificate block has no -----END CERTIFICATE-----");
        expect_error(MD, "#cloud-config\nkube_firstboot:\n  endpoint: https://h/\n  cluster_key: " KEY_B64 "\n"
                         "  endpoint_ca: [a]\n", NULL, "kube_firstboot.endpoint_ca: expected a single value");
        /* with http:// it would be unused: refused */
        expect_error(MD, UD "  endpoint_ca: |\n" CA_PEM_INDENTED, NULL,
                     "kube_firstboot.endpoint_ca: is set, but the endpoint http://192.168.220.1:8780/ is not https://");
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

UNIT_TEST_MAIN(NULL, NULL, test_userdata_defaults, test_userdata_every_field, test_userdata_values,
               test_userdata_errors, test_userdata_endpoint, test_userdata_secrets_never_logged, test_userdata_required,
               test_userdata_header, test_userdata_limits, test_userdata_endpoint_ca, test_error_flood_is_capped)

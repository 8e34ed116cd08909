/* SPDX-License-Identifier: MIT */
/* meta-data's network-interfaces (config/eni.c): the stanzas cloud-init's NoCloud reads from it, and the
 * errors, with positions inside the meta-data file. */
#include "config-test.h"

#define MD_ENI(text) "instance-id: i-1\nlocal-hostname: master\nrole: control-plane\nnetwork-interfaces: |\n" text

static void test_eni_nocloud_example(void **state) {
        struct fb_config c;

        /* the example of cloud-init's NoCloud page, with lo as a Debian system has it */
        expect_ok(&c,
                  MD_ENI("  auto lo\n"
                         "  iface lo inet loopback\n"
                         "\n"
                         "  # the node's own\n"
                         "  auto eth0\n"
                         "  iface eth0 inet static\n"
                         "  address 192.168.220.104\n"
                         "  network 192.168.220.0\n"
                         "  netmask 255.255.255.0\n"
                         "  broadcast 192.168.220.255\n"
                         "  gateway 192.168.220.1\n"
                         "  dns-nameservers 192.168.220.1 1.1.1.1\n"
                         "  dns-search lab.internal\n"
                         "  hwaddress ether 52:54:00:FB:00:68\n"
                         "  mtu 1450\n"),
                  UD, NULL);
        assert_true(c.have_network_config);
        assert_int_equal(c.n_ifaces, 1);
        assert_static_iface(&c.ifaces[0], "eth0", "52:54:00:fb:00:68", 0xc0a8dc68u, 24);
        assert_true(c.ifaces[0].rename);
        assert_int_equal(c.ifaces[0].gateway, 0xc0a8dc01u);
        assert_int_equal(c.ifaces[0].n_dns, 2);
        assert_int_equal(c.ifaces[0].dns[1], 0x01010101u);
        assert_string_equal(c.ifaces[0].search, "lab.internal");
        assert_int_equal(c.ifaces[0].mtu, 1450);
        /* the address's word in the meta-data file: line 11, after "  address " */
        assert_int_equal(c.ifaces[0].pos.line, 11);
        assert_int_equal(c.ifaces[0].pos.column, 11);
        config_done(&c);
}

static void test_eni_methods(void **state) {
        struct fb_config c;

        expect_ok(&c,
                  MD_ENI("  iface eth0 inet static\n"
                         "    address 192.168.220.104/24\n"
                         "  iface eth1 inet dhcp\n"
                         "    dns-nameserver 192.168.220.53\n"
                         "  iface eth2 inet manual\n"),
                  UD, NULL);
        assert_int_equal(c.n_ifaces, 3);
        assert_static_iface(&c.ifaces[0], "eth0", "", 0xc0a8dc68u, 24);
        assert_false(c.ifaces[0].rename);
        assert_true(c.ifaces[1].dhcp);
        assert_int_equal(c.ifaces[1].dns[0], 0xc0a8dc35u);
        assert_false(c.ifaces[2].dhcp);
        assert_int_equal(c.ifaces[2].address, 0);
        config_done(&c);

        /* a network-config file takes precedence, as in cloud-init */
        expect_ok(&c, MD_ENI("  iface eth0 inet static\n  address 192.168.220.104/24\n"), UD,
                  "version: 2\nethernets:\n  ens3: {addresses: [192.168.220.104/24]}\n");
        assert_int_equal(c.n_ifaces, 1);
        assert_string_equal(c.ifaces[0].name, "ens3");
        config_done(&c);

        /* a quoted scalar: errors point at the scalar */
        expect_error("instance-id: i-1\nlocal-hostname: master\nrole: control-plane\n"
                     "network-interfaces: \"iface eth0 inet static\\naddress 10.0.0.1\\n\"\n",
                     UD, NULL, "/seed/meta-data:4:21: network-interfaces: address: has no prefix");
}

static void test_eni_errors(void **state) {
        static const struct {
                const char *text, *expected;
        } cases[] = {
                { "  address 192.168.220.104/24\n",
                  "/seed/meta-data:5:3: network-interfaces: \"address\" outside of an iface stanza" },
                { "  iface eth0 inet6 static\n", "/seed/meta-data:5:14: network-interfaces: inet6: IPv6 is not supported" },
                { "  iface eth0 inet ppp\n", "/seed/meta-data:5:19: network-interfaces: \"ppp\" is not one of: static, dhcp, manual" },
                { "  iface eth0 inet\n", "/seed/meta-data:5:3: network-interfaces: write \"iface NAME inet static\"" },
                { "  iface eth0 inet static\n  netmask 255.255.255.0\n",
                  "/seed/meta-data:5:19: network-interfaces: an \"inet static\" stanza needs an address line" },
                { "  iface eth0 inet static\n  address 192.168.220.104\n",
                  "/seed/meta-data:6:11: network-interfaces: address: has no prefix" },
                { "  iface eth0 inet static\n  address 192.168.220.104/24\n  netmask 255.255.0.0\n",
                  "/seed/meta-data:7:11: network-interfaces: netmask: /16 does not match the address's /24" },
                { "  iface eth0 inet static\n  address 192.168.220.104/24\n  network 192.168.221.0\n",
                  "/seed/meta-data:7:11: network-interfaces: network: 192.168.221.0 is not the network" },
                { "  iface eth0 inet static\n  address 192.168.220.104/24\n  gateway 10.0.0.1\n",
                  "/seed/meta-data:7:11: network-interfaces: 10.0.0.1 is not in the interface's subnet" },
                { "  iface eth0 inet dhcp\n  address 192.168.220.104/24\n",
                  "/seed/meta-data:6:11: network-interfaces: 192.168.220.104/24: only an \"inet static\" stanza" },
                { "  iface eth0 inet static\n  address 192.168.220.104/24\n  up route add default gw 1.2.3.4\n",
                  "/seed/meta-data:7:3: network-interfaces: up: commands are not run" },
                { "  iface bond0 inet static\n  bond-slaves eth0 eth1\n",
                  "/seed/meta-data:6:3: network-interfaces: bond-slaves: bonds, bridges and VLANs are not supported" },
                { "  iface eth0 inet static\n  address 192.168.220.104/24\n  metric 10\n",
                  "/seed/meta-data:7:3: network-interfaces: \"metric\" is not supported" },
                { "  iface eth0:1 inet static\n", "/seed/meta-data:5:9: network-interfaces: eth0:1: alias interfaces" },
                { "  source /etc/network/interfaces.d/*\n",
                  "/seed/meta-data:5:3: network-interfaces: \"source\" is not supported" },
                { "  iface eth0 inet static\n  address 192.168.220.104/24 \\\n",
                  "network-interfaces: continued lines (\\) are not supported" },
                { "  iface eth0 inet dhcp\n  iface eth0 inet dhcp\n",
                  "/seed/meta-data:6:19: network-interfaces: interface eth0 is configured twice" },
                { "  iface lo inet static\n", "/seed/meta-data:5:17: network-interfaces: lo is the loopback interface" },
                { "  iface eth0 inet static\n  hwaddress ether 52:54:00\n",
                  "/seed/meta-data:6:19: network-interfaces: \"52:54:00\" is not a MAC address" },
                { "  iface eth0 inet static\n  mtu 70000\n",
                  "/seed/meta-data:6:7: network-interfaces: \"70000\" is not an MTU" },
        };
        char md[1024];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                snprintf(md, sizeof(md), MD_ENI("%s"), cases[i].text);
                expect_error(md, UD, NULL, cases[i].expected);
        }
}

UNIT_TEST_MAIN(NULL, NULL, test_eni_nocloud_example, test_eni_methods, test_eni_errors)

/* SPDX-License-Identifier: MIT */
/* network-config (config/network-config.c): cloud-init's v1 and netplan-style v2 forms, the network:
 * wrapper, "config: disabled", and the errors with their positions. */
#include "config-test.h"

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
        assert_static_iface(&c.ifaces[0], "ens3", "52:54:00:ab:cd:ef", 0xc0a8dc68u, 24);
        assert_int_equal(c.ifaces[0].pos.line, 9);
        assert_int_equal(c.ifaces[0].pos.column, 20);
        assert_int_equal(c.ifaces[0].n_dns, 2);
        assert_int_equal(c.ifaces[0].dns[0], 0xc0a8dc02u);
        assert_int_equal(c.ifaces[0].dns[1], 0xc0a8dc01u);
        assert_string_equal(c.ifaces[0].search, "a.example b.example");
        assert_string_equal(c.ifaces[1].name, "ens4");
        assert_int_equal(c.ifaces[1].address, 0);
        assert_int_equal(c.ifaces[1].n_dns, 2);
        assert_true(c.ifaces[0].rename); /* name with mac_address: the interface with that MAC gets the name */
        assert_false(c.ifaces[1].rename);
        assert_true(c.ifaces[1].dhcp);
        config_done(&c);

        /* two static subnets, the second with the gateway; an interface with no subnets at all */
        expect_ok(&c, MD, UD,
                  "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    mtu: 1450\n    subnets:\n"
                  "      - {type: static, address: 192.168.220.104/24}\n"
                  "      - {type: static, address: 10.1.2.3, netmask: 255.255.0.0, gateway: 10.1.0.1}\n"
                  "  - {type: physical, name: eth1}\n");
        assert_static_iface(&c.ifaces[0], "eth0", "", 0xc0a8dc68u, 24);
        assert_int_equal(c.ifaces[0].n_more, 1);
        assert_int_equal(c.ifaces[0].more[0].prefix, 16);
        assert_int_equal(c.ifaces[0].gateway, 0x0a010001u);
        assert_int_equal(c.ifaces[0].mtu, 1450);
        assert_false(c.ifaces[1].dhcp);
        assert_int_equal(c.ifaces[1].address, 0);
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

        /* NoCloud's example: an address with a netmask, set-name; and two addresses, the gateway in the
         * second's subnet */
        expect_ok(&c, MD, UD,
                  "version: 2\nethernets:\n  interface0:\n    match:\n      macaddress: \"52:54:00:12:34:00\"\n"
                  "    set-name: interface0\n    addresses:\n      - 192.168.220.104/255.255.255.0\n"
                  "    mtu: 9000\n"
                  "  eth1:\n    addresses: [10.0.0.2/8, 172.16.0.2/12]\n    gateway4: 172.16.0.1\n");
        assert_static_iface(&c.ifaces[0], "interface0", "52:54:00:12:34:00", 0xc0a8dc68u, 24);
        assert_true(c.ifaces[0].rename);
        assert_int_equal(c.ifaces[0].mtu, 9000);
        assert_static_iface(&c.ifaces[1], "eth1", "", 0x0a000002u, 8);
        assert_int_equal(c.ifaces[1].n_more, 1);
        assert_int_equal(c.ifaces[1].more[0].address, 0xac100002u);
        assert_int_equal(c.ifaces[1].more[0].prefix, 12);
        assert_int_equal(c.ifaces[1].gateway, 0xac100001u);
        config_done(&c);

        /* static routes, v2 and v1 (network with netmask, destination with prefix, a host route) */
        expect_ok(&c, MD, UD,
                  "version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.104/24]\n"
                  "    routes: [{to: default, via: 192.168.220.1}, {to: 10.9.0.0/16, via: 192.168.220.254}]\n");
        assert_int_equal(c.ifaces[0].gateway, 0xc0a8dc01u);
        assert_int_equal(c.ifaces[0].n_routes, 1);
        assert_int_equal(c.ifaces[0].routes[0].net, 0x0a090000u);
        assert_int_equal(c.ifaces[0].routes[0].prefix, 16);
        assert_int_equal(c.ifaces[0].routes[0].via, 0xc0a8dcfeu);
        config_done(&c);
        expect_ok(&c, MD, UD,
                  "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n"
                  "      - type: static\n        address: 192.168.220.104/24\n        routes:\n"
                  "          - {network: 10.9.0.0, netmask: 255.255.0.0, gateway: 192.168.220.254}\n"
                  "          - {destination: 10.8.0.0, prefix: 24, gateway: 192.168.220.254}\n"
                  "          - {network: 10.7.0.1, gateway: 192.168.220.254}\n"
                  "          - {network: 0.0.0.0, netmask: 0.0.0.0, gateway: 192.168.220.1}\n");
        assert_int_equal(c.ifaces[0].gateway, 0xc0a8dc01u);
        assert_int_equal(c.ifaces[0].n_routes, 3);
        assert_int_equal(c.ifaces[0].routes[1].prefix, 24);
        assert_int_equal(c.ifaces[0].routes[2].prefix, 32);
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
                { "version: 1\nconfig:\n  - type: infiniband\n    name: ib0\n",
                  "/seed/network-config:3:11: config[0].type: \"infiniband\" is not supported; only physical interfaces, "
                  "bonds, bridges, VLANs and nameserver entries are" },
                { "version: 1\nconfig:\n  - name: eth0\n", "/seed/network-config:3:5: config[0].type: required but missing" },
                { "version: 1\nconfig:\n  - type: physical\n", "/seed/network-config:3:5: config[0].name: required but missing" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    accept-ra: true\n",
                  "/seed/network-config:5:5: config[0].accept-ra: unknown key (known keys: type, mtu, name, mac_address, "
                  "subnets)" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    mtu: 100\n",
                  "/seed/network-config:5:10: config[0].mtu: \"100\" is not an MTU from 576 (IPv4's least) to 65535" },
                { "version: 2\nethernets:\n  eth0:\n    match: {name: eth0}\n    set-name: lan0\n",
                  "/seed/network-config:5:15: ethernets.eth0.set-name: renames only an interface matched by its MAC" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.104/255.0.255.0]\n",
                  "ethernets.eth0.addresses[0]: \"192.168.220.104/255.0.255.0\" is not an IPv4 address with prefix" },
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
                { NC_V1("192.168.220.104") "      - type: static\n        address: 192.168.220.5/24\n"
                  "        gateway: 192.168.220.2\n",
                  "/seed/network-config:11:18: config[0].subnets[1]: a second gateway on the interface" },
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
                { "version: 2\nwifis: {}\nethernets: {eth0: {}}\n",
                  "/seed/network-config:2:1: wifis: wifis are not supported; kube-firstboot configures ethernets, bonds, "
                  "bridges and VLANs" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.104/24, 192.168.220.104/16]\n",
                  "/seed/network-config:4:37: ethernets.eth0.addresses[1]: 192.168.220.104 is the interface's address "
                  "already" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.2/8, 10.0.0.3/8, 10.0.0.4/8, 10.0.0.5/8, "
                  "10.0.0.6/8, 10.0.0.7/8, 10.0.0.8/8, 10.0.0.9/8, 10.0.0.10/8]\n",
                  "ethernets.eth0.addresses[8]: more than 8 addresses on one interface" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.2/8, 192.168.220.104/24]\n"
                  "    gateway4: 172.16.0.1\n",
                  "/seed/network-config:5:15: ethernets.eth0.addresses[0]: 172.16.0.1 is not in the interface's subnet" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [\"2001:db8::1/64\"]\n",
                  "ethernets.eth0.addresses[0]: \"2001:db8::1/64\": IPv6 is not supported, only IPv4" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.104]\n",
                  "ethernets.eth0.addresses[0]: \"192.168.220.104\" is not an IPv4 address with prefix" },
                { "version: 2\nethernets:\n  eth0:\n    dhcp4: true\n    addresses: [192.168.220.104/24]\n",
                  "/seed/network-config:4:12: ethernets.eth0: dhcp4 and a static address on one interface" },
                { "version: 2\nethernets:\n  eth0:\n    dhcp6: true\n", "ethernets.eth0.dhcp6: IPv6 is not supported, only IPv4" },
                { "version: 2\nethernets:\n  eth0:\n    gateway4: 192.168.220.1\n",
                  "/seed/network-config:4:15: ethernets.eth0: a gateway needs a static address" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.104/24]\n    routes: [{to: 10.0.0.0/33, via: 192.168.220.1}]\n",
                  "ethernets.eth0.routes[0].to: \"10.0.0.0/33\" is not default or a network like 10.9.0.0/16" },
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
                { "version: 2\nethernets:\n  eth0:\n    mtu: 0\n", "ethernets.eth0.mtu: \"0\" is not an MTU" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.104/24]\n"
                  "    routes: [{to: 10.9.0.0/16, via: 10.0.0.1}]\n",
                  "/seed/network-config:5:37: ethernets.eth0.routes[0]: 10.0.0.1 is in none of the interface's subnets" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.104/24]\n"
                  "    routes: [{to: 10.9.0.1/16, via: 192.168.220.1}]\n",
                  "ethernets.eth0.routes[0]: 10.9.0.1/16 has host bits set; the network is 10.9.0.0/16" },
                { "version: 2\nethernets:\n  eth0:\n    dhcp4: true\n    routes: [{to: 10.9.0.0/16, via: 10.0.0.1}]\n",
                  "ethernets.eth0.routes[0]: a static route needs a static address on the interface" },
                { "version: 2\nethernets:\n  eth0:\n    addresses: [192.168.220.104/24]\n"
                  "    routes: [{to: 10.9.0.0/16, via: 192.168.220.1, metric: 100}]\n",
                  "ethernets.eth0.routes[0].metric: route metrics are not supported" },
                { "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: dhcp\n"
                  "        routes: [{network: 10.9.0.0/16, gateway: 10.0.0.1}]\n",
                  "config[0].subnets[0]: a static route needs a static address" },
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

static void test_netconfig_netdevs(void **state) {
        struct fb_config c;

        /* v1: a VLAN on a bond, params under their bond- names, the bond listed before its members */
        expect_ok(&c, MD, UD,
                  "version: 1\nconfig:\n"
                  "  - type: bond\n    name: bond0\n    bond_interfaces: [eth0, eth1]\n"
                  "    params: {bond-mode: 802.3ad, bond-lacp_rate: fast, bond_miimon: 100, primary: eth1}\n"
                  "  - {type: physical, name: eth0}\n  - {type: physical, name: eth1}\n"
                  "  - type: vlan\n    name: bond0.200\n    vlan_link: bond0\n    vlan_id: 200\n"
                  "    subnets: [{type: static, address: 192.168.220.104/24}]\n");
        assert_int_equal(c.n_ifaces, 4);
        assert_int_equal(c.ifaces[0].kind, FB_IFACE_BOND);
        assert_int_equal(c.ifaces[0].n_members, 2);
        assert_int_equal(c.ifaces[0].members[0], 1);
        assert_int_equal(c.ifaces[0].members[1], 2);
        assert_int_equal(c.ifaces[0].primary, 3); /* 1 + index of eth1 */
        assert_int_equal(c.ifaces[0].n_params, 3);
        assert_string_equal(fb_bond_params[c.ifaces[0].params[0].id].name, "mode");
        assert_string_equal(c.ifaces[0].params[0].value, "802.3ad");
        assert_string_equal(fb_bond_params[c.ifaces[0].params[1].id].name, "lacp_rate");
        assert_string_equal(fb_bond_params[c.ifaces[0].params[2].id].name, "miimon");
        assert_string_equal(c.ifaces[0].params[2].value, "100");
        assert_true(c.ifaces[0].lower);
        assert_int_equal(c.ifaces[1].master, 1);
        assert_int_equal(c.ifaces[2].master, 1);
        assert_int_equal(c.ifaces[3].kind, FB_IFACE_VLAN);
        assert_int_equal(c.ifaces[3].link, 0);
        assert_int_equal(c.ifaces[3].vlan_id, 200);
        assert_static_iface(&c.ifaces[3], "bond0.200", "", 0xc0a8dc68u, 24);
        config_done(&c);

        /* v2: a bridge by ethernet ids (matched by MAC), spanning tree on by v2's default */
        expect_ok(&c, MD, UD,
                  "version: 2\nethernets:\n  lan: {match: {macaddress: \"52:54:00:fb:00:68\"}}\n"
                  "bridges:\n  br0:\n    interfaces: [lan]\n    addresses: [192.168.220.104/24]\n"
                  "    parameters: {forward-delay: 4}\n");
        assert_int_equal(c.ifaces[1].kind, FB_IFACE_BRIDGE);
        assert_int_equal(c.ifaces[1].n_members, 1);
        assert_int_equal(c.ifaces[0].master, 2);
        assert_int_equal(c.ifaces[1].n_params, 2);
        assert_string_equal(fb_bridge_params[c.ifaces[1].params[0].id].name, "forward_delay");
        assert_string_equal(fb_bridge_params[c.ifaces[1].params[1].id].name, "stp_state");
        assert_string_equal(c.ifaces[1].params[1].value, "1");
        config_done(&c);
}

/* The bond c->ifaces[1] has the ARP parameters of test_netconfig_bond_arp's seeds, in their order. */
static void assert_bond_arp_params(const struct fb_config *c) {
        static const char *const names[] = { "arp_interval",     "arp_ip_target",     "arp_validate",
                                             "arp_all_targets",  "num_grat_arp",      "fail_over_mac",
                                             "primary_reselect", "all_slaves_active", "packets_per_slave",
                                             "lp_interval" };
        static const char *const values[] = { "200", "10.0.0.1,10.0.0.2", "all", "all", "3", "active", "better",
                                              "1", "2", "5" };

        assert_int_equal(c->ifaces[1].n_params, ELEMENTSOF(names));
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                assert_string_equal(fb_bond_params[c->ifaces[1].params[i].id].name, names[i]);
                assert_string_equal(c->ifaces[1].params[i].value, values[i]);
        }
}

/* A bond's ARP monitoring and the bonding options that go with it, under the names cloud-init documents. */
static void test_netconfig_bond_arp(void **state) {
        struct fb_config c;

        /* v1, as cloud-init's bond params: the target list as one value, sysfs' 0 and 1 */
        expect_ok(&c, MD, UD,
                  "version: 1\nconfig:\n  - {type: physical, name: eth0}\n"
                  "  - type: bond\n    name: bond0\n    bond_interfaces: [eth0]\n    params:\n"
                  "      bond-arp_interval: 200\n      bond-arp_ip_target: \"10.0.0.1, 10.0.0.2\"\n"
                  "      bond-arp_validate: all\n      bond-arp_all_targets: all\n      bond-num_grat_arp: 3\n"
                  "      bond-fail_over_mac: active\n      bond-primary_reselect: better\n"
                  "      bond-all_slaves_active: 1\n      bond-packets_per_slave: 2\n      bond-lp_interval: 5\n");
        assert_bond_arp_params(&c);
        config_done(&c);

        /* v2, as cloud-init's docs name them */
        expect_ok(&c, MD, UD,
                  "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    interfaces: [eth0]\n    parameters:\n"
                  "      arp-interval: 200\n      arp-ip-targets: [10.0.0.1, 10.0.0.2]\n      arp-validate: all\n"
                  "      arp-all-targets: all\n      gratuitous-arp: 3\n      fail-over-mac-policy: active\n"
                  "      primary-reselect-policy: better\n      all-slaves-active: true\n      packets-per-slave: 2\n"
                  "      learn-packet-interval: 5\n");
        assert_bond_arp_params(&c);
        config_done(&c);

        /* netplan's newer names, and the misspelling cloud-init takes */
        expect_ok(&c, MD, UD,
                  "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    interfaces: [eth0]\n    parameters:\n"
                  "      all-members-active: false\n      packets-per-member: 0\n      gratuitious-arp: 2\n");
        assert_int_equal(c.ifaces[1].n_params, 3);
        assert_string_equal(fb_bond_params[c.ifaces[1].params[0].id].name, "all_slaves_active");
        assert_string_equal(c.ifaces[1].params[0].value, "0");
        assert_string_equal(fb_bond_params[c.ifaces[1].params[1].id].name, "packets_per_slave");
        assert_string_equal(fb_bond_params[c.ifaces[1].params[2].id].name, "num_grat_arp");
        assert_string_equal(c.ifaces[1].params[2].value, "2");
        config_done(&c);
}

static void test_netconfig_netdev_errors(void **state) {
        static const struct {
                const char *nc, *expected;
        } cases[] = {
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0: {interfaces: [eth0, eth9]}\n",
                  "/seed/network-config:4:30: bonds.bond0.interfaces[1]: \"eth9\" is not an interface of this network-config" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0: {interfaces: [eth0]}\n  bond1: {interfaces: [eth0]}\n",
                  "bonds.bond1.interfaces[0]: eth0 is a member of bond0 already" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0: {interfaces: [bond1]}\n  bond1: {interfaces: [eth0]}\n",
                  "bonds.bond0.interfaces[0]: a bond cannot be a member of a bond" },
                { "version: 2\nethernets: {eth0: {}}\nbridges:\n  br0: {interfaces: [v1]}\n"
                  "vlans:\n  v1: {id: 1, link: br0}\n",
                  "vlans.v1.link: br0 is made of v1 itself: a cycle" },
                { "version: 2\nethernets: {eth0: {addresses: [10.0.0.2/8]}}\nbonds:\n  bond0: {interfaces: [eth0]}\n",
                  "bonds.bond0.interfaces[0]: eth0 has an address of its own, which a member of bond0 cannot have" },
                { "version: 2\nethernets: {eth0: {}, eth1: {}}\nbonds:\n  bond0:\n    interfaces: [eth0]\n"
                  "    parameters: {primary: eth1}\n",
                  "bonds.bond0.parameters.primary: eth1 is not one of bond0's interfaces" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters: {mode: fastest}\n",
                  "/seed/network-config:5:24: bonds.bond0.parameters.mode: \"fastest\" is not one of: balance-rr" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters: {arp-intervall: 5}\n",
                  "bonds.bond0.parameters.arp-intervall: arp-intervall is not a bond parameter kube-firstboot applies" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters: {arp-validate: filter}\n",
                  "/seed/network-config:5:32: bonds.bond0.parameters.arp-validate: \"filter\" is not one of: none active "
                  "backup all" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters: {arp-all-targets: some}\n",
                  "bonds.bond0.parameters.arp-all-targets: \"some\" is not one of: any all" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters: {fail-over-mac-policy: keep}\n",
                  "bonds.bond0.parameters.fail-over-mac-policy: \"keep\" is not one of: none active follow" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters: {primary-reselect-policy: never}\n",
                  "bonds.bond0.parameters.primary-reselect-policy: \"never\" is not one of: always better failure" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters: {gratuitous-arp: 256}\n",
                  "bonds.bond0.parameters.gratuitous-arp: \"256\" is not a whole number of units from 0 to 255" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters: {packets-per-slave: 65536}\n",
                  "bonds.bond0.parameters.packets-per-slave: \"65536\" is not a whole number of units from 0 to 65535" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters: {learn-packet-interval: 0}\n",
                  "bonds.bond0.parameters.learn-packet-interval: \"0\" is not a whole number of units from 1 to" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters: {all-slaves-active: 2}\n",
                  "bonds.bond0.parameters.all-slaves-active: \"2\" is not a boolean" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters: {arp-interval: -1}\n",
                  "bonds.bond0.parameters.arp-interval: \"-1\" is not a whole number of milliseconds" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters:\n"
                  "      arp-ip-targets: [10.0.0.1, 10.0.0.300]\n",
                  "/seed/network-config:6:34: bonds.bond0.parameters.arp-ip-targets[1]: \"10.0.0.300\" is not an IPv4 "
                  "address" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters: {arp-ip-targets: []}\n",
                  "bonds.bond0.parameters.arp-ip-targets: no address; give at least one" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0:\n    parameters:\n      arp-ip-targets: [10.0.0.1, "
                  "10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.7, 10.0.0.8, 10.0.0.9, 10.0.0.10, 10.0.0.11, "
                  "10.0.0.12, 10.0.0.13, 10.0.0.14, 10.0.0.15, 10.0.0.16, 10.0.0.17]\n",
                  "more than 16 addresses (the bonding driver's limit)" },
                { "version: 1\nconfig:\n  - {type: bond, name: bond0, params: {bond-arp_ip_target: \"10.0.0.1,fe80::1\"}}\n",
                  "/seed/network-config:3:60: config[0].params.bond-arp_ip_target: \"fe80::1\" is not an IPv4 address" },
                { "version: 1\nconfig:\n  - {type: bond, name: bond0, params: {bond-ad_num_ports: 2}}\n",
                  "config[0].params.bond-ad_num_ports: bond-ad_num_ports is a status the kernel reports, not a setting" },
                { "version: 1\nconfig:\n  - {type: bridge, name: br0, params: {bridge_pathcost: [eth0 75]}}\n",
                  "config[0].params.bridge_pathcost: bridge_pathcost: costs and priorities of single ports are not supported" },
                { "version: 2\nethernets: {eth0: {}}\nvlans:\n  v1: {id: 4095, link: eth0}\n",
                  "vlans.v1.id: \"4095\" is not a VLAN id from 0 to 4094" },
                { "version: 2\nethernets: {eth0: {}}\nvlans:\n  v1: {id: 5}\n", "vlans.v1.link: required but missing" },
                { "version: 2\nethernets: {eth0: {}}\nbonds:\n  bond0: {macaddress: \"52:54:00:fb:00:68\"}\n",
                  "bonds.bond0.macaddress: setting the MAC of a bond, bridge or VLAN is not supported" },
                { "version: 1\nconfig:\n  - {type: bridge, params: {bridge_stp: maybe}}\n", "config[0].name: required but missing" },
                { "version: 1\nconfig:\n  - {type: bridge, name: br0, params: {bridge_stp: maybe}}\n",
                  "config[0].params.bridge_stp: \"maybe\" is not a boolean" },
                { "version: 1\nconfig:\n  - {type: bridge, name: br0, params: {bridge_hello: 0}}\n",
                  "config[0].params.bridge_hello: \"0\" is not a whole number of seconds from 1 to 10" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                expect_error(MD, UD, cases[i].nc, cases[i].expected);
}

UNIT_TEST_MAIN(NULL, NULL, test_netconfig_v1_forms, test_netconfig_v2_forms, test_netconfig_errors,
               test_netconfig_too_many_interfaces, test_netconfig_netdevs, test_netconfig_bond_arp,
               test_netconfig_netdev_errors)

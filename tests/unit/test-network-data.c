/* SPDX-License-Identifier: MIT */
/* ConfigDrive's network_data.json (config/network-data.c): links, networks and dns services as
 * cloud-init's convert_net_json reads them, and the errors, with positions inside the file. */
#include "config-test.h"

#define NAME "/cd/openstack/latest/network_data.json"

static int parse(struct fb_config *c, const char *json) {
        int r;

        config_init(c);
        log_capture_start();
        r = netdata_parse(json, strlen(json), NAME, c);
        logged = log_capture_end();
        return r;
}

static void expect_json_error(const char *json, const char *needle) {
        struct fb_config c;
        int r = parse(&c, json);

        config_done(&c);
        if (r != -EINVAL)
                fail_msg("expected -EINVAL, got %d; log:\n%s", r, logged);
        assert_logged(logged, needle);
}

static void test_netdata_openstack(void **state) {
        struct fb_config c;
        int r;

        /* as Nova writes it: unknown keys (vif_id, network_id) ignored, a DHCP network on a second link */
        r = parse(&c, "{\n"
                      "  \"links\": [\n"
                      "    {\"id\": \"tap1\", \"vif_id\": \"a1\", \"type\": \"ovs\", \"mtu\": 1450,\n"
                      "     \"ethernet_mac_address\": \"FA:16:3E:00:00:01\"},\n"
                      "    {\"id\": \"tap2\", \"type\": \"phy\", \"mtu\": null, \"ethernet_mac_address\": \"fa:16:3e:00:00:02\",\n"
                      "     \"name\": \"data0\"}\n"
                      "  ],\n"
                      "  \"networks\": [\n"
                      "    {\"id\": \"n0\", \"type\": \"ipv4\", \"link\": \"tap1\", \"ip_address\": \"192.168.220.104\",\n"
                      "     \"netmask\": \"255.255.255.0\", \"network_id\": \"x\",\n"
                      "     \"routes\": [{\"network\": \"0.0.0.0\", \"netmask\": \"0.0.0.0\", \"gateway\": \"192.168.220.1\",\n"
                      "                 \"services\": [{\"type\": \"dns\", \"address\": \"192.168.220.53\"}]}]},\n"
                      "    {\"id\": \"n1\", \"type\": \"ipv4_dhcp\", \"link\": \"tap2\"}\n"
                      "  ],\n"
                      "  \"services\": [{\"type\": \"dns\", \"address\": \"1.1.1.1\"}]\n"
                      "}\n");
        if (r != 0)
                fail_msg("expected success, got %d; log:\n%s", r, logged);
        assert_true(c.have_network_config);
        assert_int_equal(c.n_ifaces, 2);
        assert_static_iface(&c.ifaces[0], "", "fa:16:3e:00:00:01", 0xc0a8dc68u, 24);
        assert_false(c.ifaces[0].rename);
        assert_int_equal(c.ifaces[0].mtu, 1450);
        assert_int_equal(c.ifaces[0].gateway, 0xc0a8dc01u);
        assert_int_equal(c.ifaces[0].n_dns, 2);
        assert_int_equal(c.ifaces[0].dns[0], 0xc0a8dc35u);
        assert_int_equal(c.ifaces[0].dns[1], 0x01010101u);
        assert_int_equal(c.ifaces[0].pos.line, 9);
        assert_int_equal(c.ifaces[0].pos.column, 64);
        assert_string_equal(c.ifaces[1].name, "data0");
        assert_true(c.ifaces[1].rename);
        assert_true(c.ifaces[1].dhcp);
        assert_int_equal(c.ifaces[1].mtu, 0);
        assert_int_equal(c.ifaces[1].n_dns, 1);
        config_done(&c);

        /* an empty file, and one without links: nothing to configure */
        assert_int_equal(parse(&c, ""), 0);
        assert_false(c.have_network_config);
        config_done(&c);
        assert_int_equal(parse(&c, "{\"links\": [], \"networks\": [], \"services\": []}"), 0);
        assert_false(c.have_network_config);
        config_done(&c);
}

static void test_netdata_errors(void **state) {
        static const struct {
                const char *json, *expected;
        } cases[] = {
                { "[]", NAME ":1:1: expected an object with links and networks, got a list" },
                { "{\"links\": [{\"type\": \"phy\", \"ethernet_mac_address\": \"fa:16:3e:00:00:01\"}]}",
                  NAME ":1:12: links[0].id: required but missing" },
                { "{\"links\": [{\"id\": \"a\", \"type\": \"phy\"}]}",
                  NAME ":1:12: links[0]: has neither ethernet_mac_address nor name" },
                { "{\"links\": [{\"id\": \"a\", \"type\": \"bond\", \"name\": \"bond0\"}]}",
                  NAME ":1:32: links[0].type: \"bond\" links are not supported" },
                { "{\"links\": [{\"id\": \"a\", \"type\": \"vlan\", \"name\": \"v\"}]}",
                  NAME ":1:32: links[0].type: \"vlan\" links are not supported" },
                { "{\"links\": [{\"id\": \"a\", \"name\": \"x\"}, {\"id\": \"a\", \"name\": \"y\"}]}",
                  NAME ":1:38: links[1]: id \"a\" is a second link's" },
                { "{\"links\": [{\"id\": \"a\", \"name\": \"eth0\", \"mtu\": 20}]}",
                  NAME ":1:47: links[0].mtu: \"20\" is not an MTU" },
                { "{\"links\": [{\"id\": \"a\", \"name\": \"eth0\"}],\n"
                  " \"networks\": [{\"id\": \"n\", \"type\": \"ipv4\", \"link\": \"b\", \"ip_address\": \"10.0.0.2\"}]}",
                  NAME ":2:51: networks[0].link: \"b\" is no link's id" },
                { "{\"links\": [{\"id\": \"a\", \"name\": \"eth0\"}],\n"
                  " \"networks\": [{\"id\": \"n\", \"type\": \"ipv6\", \"link\": \"a\"}]}",
                  NAME ":2:35: networks[0].type: \"ipv6\": IPv6 is not supported" },
                { "{\"links\": [{\"id\": \"a\", \"name\": \"eth0\"}],\n"
                  " \"networks\": [{\"id\": \"n\", \"type\": \"ipv4\", \"link\": \"a\", \"ip_address\": \"10.0.0.2\"}]}",
                  NAME ":2:70: networks[0].ip_address: has no netmask" },
                { "{\"links\": [{\"id\": \"a\", \"name\": \"eth0\"}],\n"
                  " \"networks\": [{\"id\": \"n\", \"type\": \"ipv4\", \"link\": \"a\", \"ip_address\": \"10.0.0.2\",\n"
                  "   \"netmask\": \"255.255.255.0\", \"routes\": [{\"network\": \"10.9.0.0\", \"netmask\": \"255.255.0.0\",\n"
                  "   \"gateway\": \"10.1.0.1\"}]}]}",
                  NAME ":4:15: networks[0].routes[0]: 10.1.0.1 is in none of the interface's subnets" },
                { "{\"links\": [{\"id\": \"a\", \"name\": \"eth0\"}],\n"
                  " \"networks\": [{\"id\": \"n\", \"type\": \"ipv4_dhcp\", \"link\": \"a\"},\n"
                  "              {\"id\": \"m\", \"type\": \"ipv4_dhcp\", \"link\": \"a\"}]}",
                  NAME ":3:56: networks[1]: a second network on link \"a\"" },
                { "{\"links\": [{\"id\": \"a\", \"name\": \"eth0\"}],\n"
                  " \"services\": [{\"type\": \"ntp\", \"address\": \"10.0.0.1\"}]}",
                  NAME ":2:24: services[0]: only \"dns\" services are supported" },
                { "{\"links\": [{\"id\": \"a\", \"name\": \"eth0\"}, {\"id\": \"b\", \"name\": \"eth0\"}]}",
                  NAME ":1:41: links[1]: interface eth0 is configured twice" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                expect_json_error(cases[i].json, cases[i].expected);
}

UNIT_TEST_MAIN(NULL, NULL, test_netdata_openstack, test_netdata_errors)

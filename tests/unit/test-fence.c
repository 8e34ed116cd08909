/* SPDX-License-Identifier: MIT */
/* The fence step's text: the endpoint's host and port, the rules, firewalld's direct lines, the unit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"
#include "host/fence.h"
#include "macro.h"
#include "parse.h"

static void check_endpoint(const char *url, const char *host, unsigned port) {
        char h[64];
        unsigned p = 0;

        assert_int_equal(fence_endpoint(url, h, sizeof(h), &p), 0);
        assert_string_equal(h, host);
        assert_int_equal(p, port);
}

static void test_endpoint(void **state) {
        char h[64];
        unsigned p;

        check_endpoint("http://192.168.220.1:8780/", "192.168.220.1", 8780);
        check_endpoint("http://192.168.220.1/", "192.168.220.1", 80);
        check_endpoint("https://lab-host.example:8443/base/", "lab-host.example", 8443);
        check_endpoint("https://10.0.0.1", "10.0.0.1", 443);
        check_endpoint("http://10.0.0.1:1?x=1", "10.0.0.1", 1);

        assert_int_equal(fence_endpoint("http://[fd00::1]:8780/", h, sizeof(h), &p), -EAFNOSUPPORT);
        assert_int_equal(fence_endpoint("ftp://10.0.0.1/", h, sizeof(h), &p), -EINVAL);
        assert_int_equal(fence_endpoint("http://:8780/", h, sizeof(h), &p), -EINVAL);
        assert_int_equal(fence_endpoint("http://10.0.0.1:/", h, sizeof(h), &p), -EINVAL);
        assert_int_equal(fence_endpoint("http://10.0.0.1:0/", h, sizeof(h), &p), -EINVAL);
        assert_int_equal(fence_endpoint("http://10.0.0.1:65536/", h, sizeof(h), &p), -EINVAL);
        assert_int_equal(fence_endpoint("http://10.0.0.1:80x/", h, sizeof(h), &p), -EINVAL);
        assert_int_equal(fence_endpoint("http://user@10.0.0.1/", h, sizeof(h), &p), -EINVAL);
        assert_int_equal(fence_endpoint("http://a-very-long-host-name.example/", h, 8, &p), -EINVAL);
}

static void reference_config(struct fb_config *c) {
        config_init(c);
        assert_int_equal(parse_cidr4("10.244.0.0/16", &c->k8s.pod_net, &c->k8s.pod_prefix), 0);
}

static void test_rules(void **state) {
        struct fence_rule rules[FENCE_MAX_RULES];
        struct fb_config c;
        uint32_t addrs[2];
        char line[256];
        int n;

        reference_config(&c);
        assert_int_equal(parse_ipv4("192.168.220.1", &addrs[0]), 0);
        assert_int_equal(parse_ipv4("192.168.220.2", &addrs[1]), 0);
        n = fence_rules(&c, addrs, 2, 8780, rules, ELEMENTSOF(rules));
        assert_int_equal(n, 6);
        assert_string_equal(rules[0].chain, "FORWARD");
        assert_string_equal(rules[0].text, "-s 10.244.0.0/16 -d 192.168.220.1/32 -p tcp --dport 8780 -j REJECT");
        assert_string_equal(rules[1].chain, "INPUT");
        assert_string_equal(rules[1].text, "-s 10.244.0.0/16 -d 192.168.220.1/32 -p tcp --dport 8780 -j REJECT");
        assert_string_equal(rules[2].chain, "OUTPUT");
        assert_string_equal(rules[2].text, "-d 192.168.220.1/32 -p tcp --dport 8780 -m owner ! --uid-owner 0 -j REJECT");
        assert_string_equal(rules[5].text, "-d 192.168.220.2/32 -p tcp --dport 8780 -m owner ! --uid-owner 0 -j REJECT");

        /* the argument vector holds the same words, NULL-terminated */
        assert_int_equal(rules[2].n_args, 13);
        assert_string_equal(rules[2].argv[0], "-d");
        assert_string_equal(rules[2].argv[8], "!");
        assert_string_equal(rules[2].argv[12], "REJECT");
        assert_null(rules[2].argv[13]);

        fence_direct_line(&rules[0], line, sizeof(line));
        assert_string_equal(line, "ipv4 filter FORWARD 0 -s 10.244.0.0/16 -d 192.168.220.1/32 -p tcp --dport 8780 -j REJECT");

        /* no room: refused, not cut short */
        assert_int_equal(fence_rules(&c, addrs, 2, 8780, rules, 5), -E2BIG);
        config_done(&c);
}

static void test_unit(void **state) {
        struct fence_rule rules[FENCE_MAX_RULES];
        struct fb_config c;
        uint32_t addr;
        char *text = NULL;
        size_t size = 0;

        reference_config(&c);
        assert_int_equal(parse_ipv4("192.168.220.1", &addr), 0);
        assert_int_equal(fence_rules(&c, &addr, 1, 8780, rules, ELEMENTSOF(rules)), 3);
        assert_int_equal(fence_unit_render(rules, 3, &text, &size), 0);
        assert_int_equal(strlen(text), size);
        assert_non_null(strstr(text, "\n[Service]\nType=oneshot\nRemainAfterExit=yes\n"));
        assert_non_null(strstr(text, "\nAfter=firewalld.service\n"));
        assert_non_null(strstr(text, "\nExecStart=/usr/sbin/iptables -w -I FORWARD -s 10.244.0.0/16 -d 192.168.220.1/32 "
                                     "-p tcp --dport 8780 -j REJECT\n"));
        assert_non_null(strstr(text, "\nExecStart=/usr/sbin/iptables -w -I OUTPUT -d 192.168.220.1/32 -p tcp --dport 8780 "
                                     "-m owner ! --uid-owner 0 -j REJECT\n"));
        assert_non_null(strstr(text, "\nExecStop=-/usr/sbin/iptables -w -D INPUT -s 10.244.0.0/16 -d 192.168.220.1/32 "
                                     "-p tcp --dport 8780 -j REJECT\n"));
        assert_non_null(strstr(text, "\n[Install]\nWantedBy=multi-user.target\n"));
        free(text);
        config_done(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_endpoint),
                cmocka_unit_test(test_rules),
                cmocka_unit_test(test_unit),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

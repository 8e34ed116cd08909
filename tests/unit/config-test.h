/* SPDX-License-Identifier: MIT */
/* What the tests of the seed's configuration share (test-meta-data.c, test-user-data.c, ...): small
 * seeds to build on, and loading them the way config_load() does, the log captured. Header-only, since
 * every unit test is built from its one source file. */
#pragma once

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit-test.h"

#include "config/config-parse.h"
#include "config/config.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "seed/seed.h"
#include "yaml-tree.h"

#include "log-capture.h"

static const char *logged = ""; /* the log of the last capture */

/* ---- seeds ------------------------------------------------------------------------------------ */

#define KEY_B64 "VEVTVC1PTkxZIGNsdXN0ZXIga2V5LCBub3Qgc2FmZSE="
#define KEY_TEXT "TEST-ONLY cluster key, not safe!"
#define TOKEN "abcdef.0123456789abcdef"

#define MD "instance-id: i-1\nlocal-hostname: master\nrole: control-plane\n"
#define MD_WORKER "instance-id: i-2\nlocal-hostname: node-1\nrole: worker\n"
/* lines 1-4; what a test appends starts on line 5, two-space indented keys at column 3 */
#define UD "#cloud-config\nkube_firstboot:\n  endpoint: http://192.168.220.1:8780/\n  cluster_key: " KEY_B64 "\n"
#define HOSTS                                                                                                          \
        "  hosts:\n    - {name: master, address: 192.168.220.104}\n    - {name: node-1, address: 192.168.220.105}\n"
#define NC_V1_GW(ip, gw)                                                                                               \
        "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n"              \
        "        address: " ip "/24\n        gateway: " gw "\n"
#define NC_V1(ip) NC_V1_GW(ip, "192.168.220.1")

/* Parses what is given (NULL: skip) and validates when everything parsed. Returns the first error. */
static inline int load(struct fb_config *c, const char *md, const char *ud, const char *nc) {
        int r = 0, k;

        config_init(c);
        if (md) {
                k = metadata_parse(md, strlen(md), "/seed/meta-data", c);
                if (k < 0)
                        r = k;
        }
        if (ud) {
                k = userdata_parse(ud, strlen(ud), "/seed/user-data", c);
                if (k < 0 && r == 0)
                        r = k;
        }
        if (nc) {
                k = netconfig_parse(nc, strlen(nc), "/seed/network-config", c);
                if (k < 0 && r == 0)
                        r = k;
        }
        if (r == 0)
                r = config_validate(c);
        return r;
}

static inline const char *load_error(const char *md, const char *ud, const char *nc, int expected_r) {
        struct fb_config c;
        int r;

        log_capture_start();
        r = load(&c, md, ud, nc);
        config_done(&c);
        logged = log_capture_end();
        if (r != expected_r)
                fail_msg("expected %d, got %d; log:\n%s", expected_r, r, logged);
        return logged;
}

static inline void expect_error(const char *md, const char *ud, const char *nc, const char *needle) {
        assert_logged(load_error(md, ud, nc, -EINVAL), needle);
}

static inline void expect_ok(struct fb_config *c, const char *md, const char *ud, const char *nc) {
        int r;

        log_capture_start();
        r = load(c, md, ud, nc);
        logged = log_capture_end();
        if (r != 0)
                fail_msg("expected success, got %d; log:\n%s", r, logged);
}

/* ---- what a loaded configuration holds -------------------------------------------------------- */

/* kubernetes: and host: as a seed gets them when it leaves them out (the reference seeds keep them). */
static inline void assert_k8s_host_defaults(const struct fb_config *c) {
        char a[16];

        assert_string_equal(c->k8s.image_repository, "registry.aliyuncs.com/google_containers");
        format_ipv4(c->k8s.service_net, a);
        assert_string_equal(a, "10.1.0.0");
        assert_int_equal(c->k8s.service_prefix, 16);
        format_ipv4(c->k8s.pod_net, a);
        assert_string_equal(a, "10.244.0.0");
        assert_int_equal(c->k8s.pod_prefix, 16);
        assert_string_equal(c->k8s.cni, "flannel");
        assert_string_equal(c->k8s.runtime, "docker");
        assert_int_equal(c->host.swap, FB_SWAP_OFF);
        assert_int_equal(c->host.selinux, FB_SELINUX_PERMISSIVE);
        assert_int_equal(c->host.firewall, FB_FIREWALL_OPEN);
        assert_true(c->host.grow_root);
        assert_int_equal(c->host.n_sysctls, 0);
}

/* An interface with a static address: its name, MAC, address and prefix length. */
static inline void assert_static_iface(const struct fb_iface *i, const char *name, const char *mac, uint32_t address,
                                       unsigned prefix) {
        assert_string_equal(i->name, name);
        assert_string_equal(i->mac, mac);
        assert_int_equal(i->address, address);
        assert_int_equal(i->prefix, prefix);
}

/* ---- the YAML loader, its log captured -------------------------------------------------------- */

static inline int yload(const char *s, struct ynode **ret) {
        int r;
        log_capture_start();
        r = ytree_load(s, strlen(s), "t.yaml", ret);
        logged = log_capture_end();
        return r;
}
